// Verbose mode seen from the platform: the repeater's live trace as Server-Sent Events while a
// job runs, traces, timings and TLS facts in the stored attempts (through the agent and
// direct), HAR 1.2 output that har-validator accepts, and no secret in any output or row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  HOST, startStub, seed, createWebhook, createScan, setStatus, theDelivery, spawnAgent,
  waitRepeaterStatus, startReceiver, waitFor, keysOf,
} from './lib.mjs';
import { makeCert } from '../lib/proc.mjs';

const require = createRequire(import.meta.url);
const harValidator = require('har-validator');

async function startTlsReceiver(t, cert) {
  const seen = [];
  const server = createHttpsServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'session=RECEIVER-COOKIE-4242' });
      res.end('{"ok":true}');
    });
  });
  await new Promise((r) => server.listen(0, HOST, r));
  t.after(() => new Promise((r) => server.close(() => r())));
  return { seen, url: `https://localhost:${server.address().port}/hook` };
}

/** Reads an SSE stream; `events` fills with parsed `data:` payloads. */
async function openTrace(t, stub, repeaterId) {
  const ctrl = new AbortController();
  const res = await fetch(`${stub.origin}/api/v1/repeaters/${repeaterId}/trace`, {
    headers: { Authorization: `api-key ${stub.apiKey}` }, signal: ctrl.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const events = [];
  let raw = '';
  (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        raw += dec.decode(chunk, { stream: true });
        let i;
        while ((i = raw.indexOf('\n\n')) >= 0) {
          const block = raw.slice(0, i);
          raw = raw.slice(i + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) events.push(JSON.parse(data));
        }
      }
    } catch { /* aborted */ }
  })();
  t.after(() => ctrl.abort());
  return events;
}

test('the live trace streams over SSE while the job runs', { timeout: 30000 }, async (t) => {
  const stub = await startStub(t);
  const { project, repeater } = await seed(stub);
  // a receiver that holds its response: the job is still running while the trace is read
  const http = await startReceiver(t, () => null);
  const agent = spawnAgent(t, stub, { token: repeater.token, id: repeater.id });
  await agent.deployed();
  const events = await openTrace(t, stub, repeater.id);
  await agent.waitForLine(/watches the live trace/, 5000, { stream: 'stderr' });
  const hook = await createWebhook(stub, project.id, { url: http.url('/slow'), repeaterId: repeater.id });
  const scan = await createScan(stub, project.id);
  await setStatus(stub, scan.id, 'running');
  await http.waitFor(1, 5000);
  await waitFor(() => events.some((e) => e.event === 'request' && e.text.startsWith('> POST /slow')), 5000, 'the request line on the SSE stream');
  assert.ok(!events.some((e) => e.event === 'response'), 'no response yet: the receiver holds it');
  const id = await theDelivery(stub, scan.id, hook.id);
  assert.equal((await stub.delivery(id)).state, 'in_flight');
  assert.ok(events.every((e) => Number.isInteger(e.jobId) && typeof e.t === 'number'));
});

test('stored attempts hold trace, timings and TLS facts, through the agent and direct; HAR validates', { timeout: 30000 }, async (t) => {
  const cert = makeCert(t);
  const receiver = await startTlsReceiver(t, cert);
  const stub = await startStub(t, { args: ['--cacert', cert.certFile] });
  const { project, repeater } = await seed(stub);
  const agent = spawnAgent(t, stub, { token: repeater.token, id: repeater.id, args: ['--cacert', cert.certFile] });
  await agent.deployed();
  const via = await createWebhook(stub, project.id, { url: receiver.url, repeaterId: repeater.id });
  const direct = await createWebhook(stub, project.id, { url: receiver.url });
  const scan = await createScan(stub, project.id, { config: { target: 'https://app.example.test' } });
  await setStatus(stub, scan.id, 'running');
  const viaId = await theDelivery(stub, scan.id, via.id);
  const directId = await theDelivery(stub, scan.id, direct.id);
  const a = (await stub.waitDelivery(viaId, (d) => d.state === 'delivered', 10000)).attempts[0];
  const b = (await stub.waitDelivery(directId, (d) => d.state === 'delivered', 10000)).attempts[0];
  for (const [name, at] of [['via repeater', a], ['direct', b]]) {
    assert.ok(Array.isArray(at.trace) && at.trace.length >= 8, `${name}: trace`);
    const events = new Set(at.trace.map((l) => l.event));
    for (const e of ['resolve', 'connect', 'tls', 'request', 'response', 'timing']) assert.ok(events.has(e), `${name}: ${e} line`);
    assert.ok(at.timings.tls > 0 && at.timings.firstByte > 0 && at.timings.total > 0, `${name}: timings`);
    assert.match(at.tls.version, /^TLSv1\.[23]$/);
    assert.match(at.tls.subject, /CN=localhost/);
    assert.match(at.tls.issuer, /CN=localhost/);
    assert.ok(Date.parse(at.tls.notAfter) > Date.now());
    assert.equal(at.tls.verified, true);
  }
  assert.equal(a.via, 'repeater');
  assert.equal(b.via, 'direct');
  assert.deepEqual(keysOf(a), keysOf(b), 'the same fields either way');
  assert.deepEqual(keysOf(a.response), keysOf(b.response));
  assert.deepEqual(keysOf(a.tls), keysOf(b.tls));

  for (const id of [viaId, directId]) {
    const har = await stub.ok('GET', `/api/v1/deliveries/${id}/har`);
    await harValidator.har(har); // throws with the validation errors
    const e = har.log.entries[0];
    assert.equal(e.response.status, 200);
    assert.equal(e.serverIPAddress, '127.0.0.1');
    assert.ok(e.timings.ssl > 0 && e.timings.wait >= 0 && e.timings.receive >= 0);
  }
});

test('no token or Authorization value in any output or stored row; they show with --no-redact', { timeout: 30000 }, async (t) => {
  const AUTH = 'Bearer WEBHOOK-AUTH-SECRET-5150';
  async function run(extraAgentArgs, stubArgs = []) {
    const stub = await startStub(t, { args: stubArgs });
    const { project, repeater } = await seed(stub);
    const receiver = await startReceiver(t, () => ({ status: 200, headers: { 'Set-Cookie': 'sid=RESPONSE-COOKIE-9191' } }));
    const agent = spawnAgent(t, stub, { token: repeater.token, id: repeater.id, args: ['--verbose', ...extraAgentArgs] });
    await agent.deployed();
    const events = await openTrace(t, stub, repeater.id);
    const via = await createWebhook(stub, project.id, { url: receiver.url('/via'), repeaterId: repeater.id, headers: { Authorization: AUTH } });
    const direct = await createWebhook(stub, project.id, { url: receiver.url('/direct'), headers: { Authorization: AUTH } });
    const scan = await createScan(stub, project.id);
    await setStatus(stub, scan.id, 'running');
    for (const h of [via, direct]) {
      const id = await theDelivery(stub, scan.id, h.id);
      await stub.waitDelivery(id, (d) => d.state === 'delivered', 10000);
    }
    assert.ok(receiver.seen.every((r) => r.headers.authorization === AUTH), 'the receiver gets the real value');
    const deliveries = await stub.deliveries({ scanId: scan.id });
    const stored = [JSON.stringify(await stub.ok('GET', `/api/v1/projects/${project.id}/webhooks`))];
    for (const d of deliveries) stored.push(JSON.stringify(await stub.delivery(d.id)), JSON.stringify(await stub.ok('GET', `/api/v1/deliveries/${d.id}/har`)));
    await agent.stop();
    await stub.stop();
    const dbBytes = readdirSync(stub.dir).filter((f) => f.startsWith('platform.db')).map((f) => readFileSync(join(stub.dir, f)).toString('latin1')).join('');
    return {
      token: repeater.token,
      agentOut: agent.lines.map((l) => l.line).join('\n'),
      stubOut: stub.proc.lines.map((l) => l.line).join('\n'),
      stored: stored.join('\n'),
      sse: JSON.stringify(events),
      db: dbBytes,
    };
  }
  const r = await run([]);
  const j = await run(['--log-format', 'json'], ['--log-format', 'json']);
  for (const line of [...j.agentOut.split('\n'), ...j.stubOut.split('\n').filter((l) => l.startsWith('{'))]) JSON.parse(line);
  for (const [where, text] of Object.entries({ 'json agent': j.agentOut, 'json stub': j.stubOut })) {
    for (const secret of [j.token, 'WEBHOOK-AUTH-SECRET-5150', 'RESPONSE-COOKIE-9191']) {
      assert.ok(!text.includes(secret), `${secret} found in the ${where}`);
    }
  }
  for (const [where, text] of Object.entries({ agent: r.agentOut, stub: r.stubOut, api: r.stored, sse: r.sse, database: r.db })) {
    // the webhook's own Authorization header is configuration the platform must replay, so
    // the webhooks table keeps it; no record, log or API answer shows it
    const secrets = where === 'database' ? [r.token, 'RESPONSE-COOKIE-9191'] : [r.token, 'WEBHOOK-AUTH-SECRET-5150', 'RESPONSE-COOKIE-9191'];
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${secret} found in the ${where}`);
    }
  }
  assert.match(r.agentOut, /Authorization: \[redacted: \d+ bytes, sha256:[0-9a-f]{8}\]/);
  assert.match(r.stored, /\[redacted: \d+ bytes, sha256:[0-9a-f]{8}\]/);

  const open = await run(['--no-redact']);
  assert.match(open.agentOut, /--no-redact/);
  assert.ok(open.agentOut.includes('WEBHOOK-AUTH-SECRET-5150'));
  assert.ok(open.stored.includes('RESPONSE-COOKIE-9191'), 'the agent\'s unredacted record is stored');
  assert.ok(!open.agentOut.includes(open.token), 'the platform token never shows');
});
