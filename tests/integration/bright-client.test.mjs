// Conformance with a real Socket.IO client connecting the way the Bright CLI does (engine path
// /api/ws/v1/, WebSocket only, msgpack parser, namespace /workstations, auth {token, domain},
// `deploy`, `request` answered with Bright ack fields only, never `record`), and the refusals
// a Bright CLI must get: repeater_unauthorized, repeater_deactivated, repeater_already_started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStub, startReceiver, seed, createWebhook, createScan, setStatus, theDelivery, connectBright,
  waitRepeaterStatus, waitFor, brightPerform, withTimeout,
} from './lib.mjs';

/** Resolves with the connect_error of a Bright-style connection attempt (fails if it connects). */
async function refusal(t, stub, auth) {
  try {
    const c = await connectBright(t, stub, auth);
    c.close();
  } catch (err) {
    return err;
  }
  throw new Error(`the connection with ${JSON.stringify(auth)} was accepted`);
}

test('a Bright-CLI-like Socket.IO client delivers webhooks with plain Bright acks', { timeout: 30000 }, async (t) => {
  const stub = await startStub(t, { args: ['--retry-schedule', '300ms,300ms,300ms'] });
  const rx = await startReceiver(t, (rec) => ({
    status: 201, headers: { 'X-Receiver': 'bright', 'Set-Cookie': 'a=1' }, body: `created ${rec.url}`,
  }));
  const { project, repeater } = await seed(stub);
  const rid = repeater.id;
  const hook = await createWebhook(stub, project.id, {
    name: 'through bright', url: rx.url('/bright?q=1'), repeaterId: rid, method: 'put', headers: { 'X-Hook': 'h' },
  });

  const jobs = [];
  const client = await connectBright(t, stub, {
    token: repeater.token,
    id: rid,
    onRequest: async (job) => {
      jobs.push(job);
      return brightPerform(job);
    },
  });
  assert.equal(client.deployed?.repeaterId, rid, '`deployed` names the repeater');
  const connected = await waitRepeaterStatus(stub, rid, 'connected', 5000);
  assert.equal(connected.version, '12.0.0', 'the runtime version from `deploy` is recorded');
  assert.equal(connected.runtime?.distribution, 'integration-test', 'the runtime from `deploy` is recorded');

  const scan = await createScan(stub, project.id, { config: { target: 'http://intranet' } });
  assert.equal((await setStatus(stub, scan.id, 'running')).deliveriesCreated, 1);
  const id = await theDelivery(stub, scan.id, hook.id);
  const d = await stub.waitDelivery(id, (x) => x.state === 'delivered', 5000, 'delivered through the Bright client');

  // the job the client got is a Bright `request`
  assert.equal(jobs.length, 1);
  const job = jobs[0];
  assert.equal(job.protocol, 'http');
  assert.equal(job.url, rx.url('/bright?q=1'));
  assert.equal(job.method, 'PUT');
  assert.equal(typeof job.headers, 'object');
  const jh = Object.fromEntries(Object.entries(job.headers).map(([k, v]) => [k.toLowerCase(), v]));
  assert.match(String(jh['content-type']), /^application\/json\b/);
  assert.equal(jh['x-hook'], 'h');
  assert.deepEqual(JSON.parse(job.body), d.payload, 'the job body is the payload');

  // the receiver got the request the client performed
  assert.equal(rx.seen.length, 1);
  assert.equal(rx.seen[0].method, 'PUT');
  assert.equal(rx.seen[0].url, '/bright?q=1');
  assert.deepEqual(rx.seen[0].json, d.payload);

  // the stored attempt is built from the plain ack
  assert.equal(d.attempts.length, 1);
  const a = d.attempts[0];
  assert.equal(a.via, 'repeater');
  assert.equal(a.repeaterId, rid);
  assert.equal(a.error, undefined, JSON.stringify(a.error));
  assert.equal(a.response?.statusCode, 201, 'the status from the ack');
  assert.equal(a.response?.body, 'created /bright?q=1', 'the body from the ack');
  const rh = a.response.headers.map(([n, v]) => [n.toLowerCase(), v]);
  assert.ok(rh.some(([n, v]) => n === 'x-receiver' && v === 'bright'), `the headers from the ack: ${JSON.stringify(rh)}`);
  assert.equal(a.request?.method, 'PUT');
  assert.equal(a.request?.url, rx.url('/bright?q=1'));

  // the events a Bright client sees
  const names = client.events.map(([n]) => n);
  assert.ok(names.includes('deployed'));
  assert.ok(names.includes('request'));

  // a Bright ack with an errorCode (target unreachable) is a failed attempt that is retried
  await rx.stop();
  assert.equal((await setStatus(stub, scan.id, 'done')).deliveriesCreated, 1);
  const id2 = (await stub.deliveries({ webhookId: hook.id })).find((x) => x.id !== id).id;
  const d2 = await stub.waitDelivery(id2, (x) => x.attempts.length >= 2, 5000, 'two failed attempts');
  assert.equal(d2.attempts[0].response, null, 'no response when the client could not reach the target');
  assert.equal(d2.attempts[0].error?.type, 'connect', `the ack's errorCode is the error type: ${JSON.stringify(d2.attempts[0].error)}`);
  assert.equal(typeof d2.attempts[0].error?.message, 'string');
  assert.notEqual(d2.state, 'delivered');

  // the client leaves: disconnected
  client.close();
  await waitRepeaterStatus(stub, rid, 'disconnected', 5000);

  // (last, so a mismatch here hides nothing else) an attempt through a plain Bright client has
  // the documented record members, like any other attempt
  const missing = [
    ...['number', 'startedAt', 'via', 'repeaterId', 'request', 'response', 'remote', 'timings', 'tls'].filter((k) => !(k in a)),
    ...['method', 'url', 'headers', 'body', 'bodyLength'].filter((k) => !(k in a.request)).map((k) => `request.${k}`),
    ...['statusCode', 'statusText', 'httpVersion', 'headers', 'body', 'bodyLength', 'bodySha256', 'truncated']
      .filter((k) => !(k in a.response)).map((k) => `response.${k}`),
    ...['dns', 'connect', 'tls', 'firstByte', 'total'].filter((k) => !(k in (a.timings ?? {}))).map((k) => `timings.${k}`),
  ];
  assert.deepEqual(missing, [], `documented attempt members missing from an attempt through a plain Bright client: ${missing.join(', ')}`);
});

test('Bright client refusals: repeater_unauthorized, repeater_deactivated, repeater_already_started', { timeout: 30000 }, async (t) => {
  const stub = await startStub(t);
  const { repeater } = await seed(stub, { repeater: true });
  const other = await stub.ok('POST', '/api/v1/repeaters', { name: 'other' });
  const rid = repeater.id;

  // wrong token, another repeater's token, unknown id
  for (const [what, auth] of [
    ['a wrong token', { token: 'rpt_not-the-token', id: rid }],
    ["another repeater's token", { token: other.token, id: rid }],
    ['an unknown repeater id', { token: repeater.token, id: 'unknownrepeater1' }],
  ]) {
    const err = await refusal(t, stub, auth);
    assert.equal(err.data?.code, 'repeater_unauthorized', `${what}: ${err.message} ${JSON.stringify(err.data)}`);
    assert.equal(typeof err.message, 'string');
  }
  assert.equal((await stub.ok('GET', `/api/v1/repeaters/${rid}`)).status, 'disconnected');

  // a second connection with the same id while the first is connected
  const first = await connectBright(t, stub, { token: repeater.token, id: rid });
  await waitRepeaterStatus(stub, rid, 'connected', 5000);
  const dup = await refusal(t, stub, { token: repeater.token, id: rid });
  assert.equal(dup.data?.code, 'repeater_already_started', `${dup.message} ${JSON.stringify(dup.data)}`);
  assert.ok(first.socket.connected, 'the first connection is kept');
  assert.equal((await stub.ok('GET', `/api/v1/repeaters/${rid}`)).status, 'connected');

  // deactivating the repeater ends the live session with repeater_deactivated
  const errorEvent = new Promise((resolve) => first.socket.on('error', resolve));
  const disconnected = new Promise((resolve) => first.socket.on('disconnect', resolve));
  const deact = await stub.ok('POST', `/api/v1/repeaters/${rid}/deactivate`, undefined, 200);
  assert.equal(deact.active, false);
  assert.equal(deact.status, 'deactivated');
  const ev = await withTimeout(errorEvent, 5000, 'an `error` event on the live session');
  assert.equal(ev?.code, 'repeater_deactivated', JSON.stringify(ev));
  await withTimeout(disconnected, 5000, 'the live session to be closed');
  assert.equal((await stub.ok('GET', `/api/v1/repeaters/${rid}`)).status, 'deactivated');

  // and refuses new ones
  const refused = await refusal(t, stub, { token: repeater.token, id: rid });
  assert.equal(refused.data?.code, 'repeater_deactivated', `${refused.message} ${JSON.stringify(refused.data)}`);

  // activated again: accepted
  const act = await stub.ok('POST', `/api/v1/repeaters/${rid}/activate`, undefined, 200);
  assert.equal(act.active, true);
  const again = await connectBright(t, stub, { token: repeater.token, id: rid });
  await waitRepeaterStatus(stub, rid, 'connected', 5000);
  again.close();
  await waitRepeaterStatus(stub, rid, 'disconnected', 5000);

  // a deleted repeater is unknown
  await stub.ok('DELETE', `/api/v1/repeaters/${rid}`);
  const deleted = await refusal(t, stub, { token: repeater.token, id: rid });
  assert.equal(deleted.data?.code, 'repeater_unauthorized', `${deleted.message} ${JSON.stringify(deleted.data)}`);
  await waitFor(async () => (await stub.api('GET', `/api/v1/repeaters/${rid}`)).status === 404, 2000, 'the repeater to be gone');
});

test('a job whose session keeps dying under it is recorded as repeater_lost, then retried', { timeout: 60000 }, async (t) => {
  // With several sessions of one repeater, a job whose session ends goes at once to another
  // session, without using up the retry schedule; an agent that dies on that one job must not
  // hold the delivery forever.
  const stub = await startStub(t, { args: ['--retry-schedule', '200ms,200ms,200ms', '--sessions-per-repeater', '3'] });
  const rx = await startReceiver(t, () => 204);
  const { project, repeater } = await seed(stub);
  const rid = repeater.id;
  const hook = await createWebhook(stub, project.id, { name: 'crashy', url: rx.url('/hook'), repeaterId: rid });

  // The first four jobs received make their client connect a replacement and then drop its
  // connection unanswered, like an agent that crashes on the job and is restarted; later jobs
  // are performed.
  const seen = [];
  const client = async () => {
    const holder = {};
    holder.c = await connectBright(t, stub, {
      token: repeater.token,
      id: rid,
      onRequest: async (job) => {
        seen.push(job);
        if (seen.length > 4) return brightPerform(job);
        await waitFor(() => holder.c, 5000, 'the client to be connected');
        await client();
        holder.c.socket.disconnect();
        return new Promise(() => {}); // never answered
      },
    });
  };
  await client();
  await client();
  await waitRepeaterStatus(stub, rid, 'connected', 5000);

  const scan = await createScan(stub, project.id);
  assert.equal((await setStatus(stub, scan.id, 'running')).deliveriesCreated, 1);
  const id = await theDelivery(stub, scan.id, hook.id);
  const d = await stub.waitDelivery(id, (x) => x.state === 'delivered', 15000, 'delivered by the next attempt');
  assert.equal(seen.length, 5, 'four sends of the first attempt, one of the second');
  const first = seen.slice(0, 4).map((j) => JSON.stringify(j));
  assert.equal(new Set(first).size, 1, 'the same job each time');
  assert.notEqual(JSON.stringify(seen[4]), first[0], 'the second attempt is another job');
  assert.equal(d.attempts.length, 2);
  assert.equal(d.attempts[0].error?.type, 'repeater_lost', JSON.stringify(d.attempts[0].error));
  assert.match(d.attempts[0].error?.message ?? '', /4 times/);
  assert.equal(d.attempts[0].response, null);
  assert.equal(d.attempts[1].response?.statusCode, 204);
  assert.equal(rx.seen.length, 1, 'the receiver was called by the second attempt only');
});
