// 2. Many concurrent text jobs checked field by field against what a loopback receiver saw.
// 3. Binary request and response bodies round-trip byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS_CODES } from 'node:http';
import {
  startDeployed, startReceiver, reply, pool, rng, sha256,
  brightHeaders, expandHeaders, withoutFraming, HOST,
} from './lib.mjs';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const STATUSES = [200, 201, 202, 302, 400, 404, 500, 503];
const TEXTS = ['', 'hello', 'héllo wörld ✓', '{"a":[1,2,{"b":null}]}', 'emoji 😀🚀 中文', 'x'.repeat(3000)];
const JOBS = 1000;
const IN_FLIGHT = 64;

function makeJob(i, r, origin) {
  const method = r.pick(METHODS);
  const headers = {};
  if (r.next() < 0.8) headers['X-Test-Id'] = String(i);
  if (r.next() < 0.5) headers['X-Multi'] = ['one', `two, ${i}`];
  if (r.next() < 0.3) headers.Accept = 'text/plain';
  if (r.next() < 0.3) headers['x-lower'] = 'lower-case name';
  const job = { protocol: 'http', url: `${origin}/r/${i}?q=${i}&m=${method}`, method };
  if (method !== 'GET' && r.next() < 0.85) {
    job.body = `${r.pick(TEXTS)} #${i}`;
    headers['Content-Type'] = 'text/plain; charset=utf-8';
  }
  if (Object.keys(headers).length > 0 || r.next() < 0.5) job.headers = headers;
  return job;
}

// docs/record.md: every phase is ms or null (e.g. tls for http); total is always ms.
function checkTimings(timings, where) {
  for (const k of ['dns', 'connect', 'tls', 'firstByte', 'total']) {
    const v = timings[k];
    if (v === null && k !== 'total') continue;
    assert.equal(typeof v, 'number', `${where}: timings.${k}`);
    assert.ok(v >= 0, `${where}: timings.${k} >= 0`);
  }
}

test(`${JOBS} concurrent jobs, ${IN_FLIGHT} in flight, checked field by field`, { timeout: 120000 }, async (t) => {
  const sent = new Map(); // id -> {status, headers, body}: the response as written on the wire
  const receiver = await startReceiver(t, (req, res, rec) => {
    const id = Number(/^\/r\/(\d+)/.exec(rec.url)?.[1]);
    const status = STATUSES[id % STATUSES.length];
    const headers = [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['X-Reply-Id', String(id)],
      ['Set-Cookie', 'a=1; Path=/'],
      ['Set-Cookie', `b=${id}`],
      ...(status === 302 ? [['Location', '/elsewhere']] : []),
    ];
    const body = `reply ${id} ${rec.method} ✓ ${'é'.repeat(id % 50)}`;
    sent.set(id, { status, headers: reply(res, status, headers, body), body });
  });
  const { platform } = await startDeployed(t, {
    platform: { record: true },
    // fidelity: the ack must carry exactly what the receiver sent, cookies included
    agent: { args: ['--max-inflight', String(IN_FLIGHT), '--no-redact'], logLevel: 'notice' },
  });

  const r = rng(20261204);
  const jobs = Array.from({ length: JOBS }, (_, i) => makeJob(i, r, receiver.origin));
  const acks = await pool(jobs, IN_FLIGHT, (job) => platform.request(job, { timeoutMs: 30000 }));

  assert.equal(receiver.seen.length, JOBS, 'one request per job (no retries, no redirects followed)');
  const seenById = new Map(receiver.seen.map((s) => [Number(/^\/r\/(\d+)/.exec(s.url)[1]), s]));
  for (let i = 0; i < JOBS; i++) {
    const job = jobs[i];
    const ack = acks[i];
    const seen = seenById.get(i);
    const out = sent.get(i);
    const where = `job #${i} ${job.method} ${job.url}`;
    const reqBody = Buffer.from(job.body ?? '');
    const resBody = Buffer.from(out.body);

    // what the target saw
    assert.ok(seen, `${where}: the receiver never saw it`);
    assert.equal(seen.method, job.method, where);
    assert.equal(seen.url, job.url.slice(receiver.origin.length), where);
    assert.deepEqual(withoutFraming(seen.rawHeaders), expandHeaders(job.headers), `${where}: request headers`);
    assert.deepEqual(seen.body, reqBody, `${where}: request body`);
    assert.equal(seen.rawHeaders.find(([n]) => n.toLowerCase() === 'host')?.[1], `${HOST}:${receiver.port}`, where);

    // Bright fields
    assert.equal(ack.protocol, 'http', where);
    assert.equal(ack.errorCode, undefined, `${where}: ${ack.errorCode} ${ack.message}`);
    assert.equal(ack.statusCode, out.status, where);
    assert.deepEqual(ack.headers, brightHeaders(out.headers), `${where}: ack headers`);
    assert.equal(ack.body, out.body, `${where}: ack body`);
    assert.ok(!ack.encoding, `${where}: text body must not be base64`);

    // record
    const { record } = ack;
    assert.ok(record, `${where}: no record although negotiated`);
    assert.equal(record.protocol, 'http', where);
    assert.equal(record.request.method, job.method, where);
    assert.equal(record.request.url, job.url, where);
    assert.deepEqual(withoutFraming(record.request.headers), withoutFraming(seen.rawHeaders), `${where}: record.request.headers`);
    assert.equal(record.request.body ?? '', job.body ?? '', where);
    assert.equal(record.request.bodyLength, reqBody.length, where);
    assert.equal(record.response.statusCode, out.status, where);
    assert.equal(record.response.statusText, STATUS_CODES[out.status], where);
    assert.equal(record.response.httpVersion, 'HTTP/1.1', where); // docs/record.md
    assert.deepEqual(record.response.headers, out.headers, `${where}: record.response.headers`);
    assert.equal(record.response.body, out.body, where);
    assert.ok(!record.response.encoding, where);
    assert.equal(record.response.bodyLength, resBody.length, where);
    assert.equal(record.response.bodySha256, sha256(resBody), where);
    assert.equal(record.response.truncated, false, where);
    assert.deepEqual(record.remote, { ip: HOST, port: receiver.port }, where);
    checkTimings(record.timings, where);
    assert.equal(record.tls, null, where);
    assert.equal(record.error, undefined, where);
  }
});

test('binary bodies round-trip byte for byte', { timeout: 30000 }, async (t) => {
  const r = rng(42);
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const responses = new Map();
  const receiver = await startReceiver(t, (req, res, rec) => {
    const body = responses.get(rec.url);
    reply(res, 200, [['Content-Type', 'application/octet-stream']], body);
  });
  const { platform } = await startDeployed(t, { platform: { record: true } });

  for (const size of [1, 4096, 60000]) {
    const reqBody = Buffer.concat([allBytes, r.bytes(size)]);
    const resBody = Buffer.concat([r.bytes(size), allBytes]);
    const path = `/bin/${size}`;
    responses.set(path, resBody);
    const job = {
      protocol: 'http', url: receiver.origin + path, method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: reqBody.toString('base64'), encoding: 'base64',
    };
    const ack = await platform.request(job);
    const seen = receiver.seen.find((s) => s.url === path);
    const where = `size ${size}`;

    assert.ok(seen, where);
    assert.ok(seen.body.equals(reqBody), `${where}: receiver got other bytes (${seen.body.length} vs ${reqBody.length})`);
    assert.equal(ack.errorCode, undefined, `${where}: ${ack.errorCode} ${ack.message}`);
    assert.equal(ack.statusCode, 200, where);
    assert.equal(ack.encoding, 'base64', where);
    assert.ok(Buffer.from(ack.body, 'base64').equals(resBody), `${where}: ack body differs`);

    const { request, response } = ack.record;
    assert.equal(request.encoding, 'base64', where);
    assert.ok(Buffer.from(request.body, 'base64').equals(reqBody), `${where}: record.request.body`);
    assert.equal(request.bodyLength, reqBody.length, where);
    assert.equal(response.encoding, 'base64', where);
    assert.ok(Buffer.from(response.body, 'base64').equals(resBody), `${where}: record.response.body`);
    assert.equal(response.bodyLength, resBody.length, where);
    assert.equal(response.bodySha256, sha256(resBody), where);
    assert.equal(response.truncated, false, where);
  }
});
