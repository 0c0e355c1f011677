// Deliveries through the real agent binary: the same record shape as direct deliveries;
// repeater_offline attempts while the agent is down, retried at once when it deploys; the
// repeater's status follows the agent (disconnected -> connected -> disconnected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStub, startReceiver, seed, createWebhook, createScan, setStatus, theDelivery, spawnAgent,
  waitRepeaterStatus, keysOf, withTimeout,
} from './lib.mjs';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** The record fields of an attempt, as key sets, for comparing two attempts' shapes. */
function shape(a) {
  const sub = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? keysOf(v) : v === null ? null : typeof v);
  return {
    attempt: keysOf(a),
    request: sub(a.request),
    response: sub(a.response),
    timings: sub(a.timings),
    remote: sub(a.remote),
    tls: sub(a.tls),
  };
}

test('deliveries through the agent: offline attempts, retried on deploy, same record as direct', { timeout: 40000 }, async (t) => {
  // three quick retries, then a long wait: a delivery that succeeds within ~2 s of the deploy
  // was retried because the repeater deployed, not because its schedule came due
  const stub = await startStub(t, { args: ['--retry-schedule', '300ms,300ms,300ms,20s,20s'] });
  const rx = await startReceiver(t, (rec) => ({ status: 200, headers: { 'X-Receiver': 'yes' }, body: `got ${rec.url}` }));
  const { project, repeater } = await seed(stub);
  const pid = project.id;
  const rid = repeater.id;

  assert.equal(typeof repeater.token, 'string', 'the token is returned at creation');
  assert.equal(repeater.active, true);
  assert.equal(repeater.status, 'disconnected', 'a new repeater is disconnected');
  const got = await stub.ok('GET', `/api/v1/repeaters/${rid}`);
  assert.ok(!('token' in got), 'the token is never shown again');
  assert.equal(got.status, 'disconnected');
  assert.ok((await stub.ok('GET', '/api/v1/repeaters')).some((r) => r.id === rid && !('token' in r)));

  const direct = await createWebhook(stub, pid, { name: 'direct', url: rx.url('/direct') });
  const via = await createWebhook(stub, pid, { name: 'via repeater', url: rx.url('/via'), repeaterId: rid });
  assert.equal(via.repeaterId, rid);
  const scan = await createScan(stub, pid, { config: { target: 'http://intranet.local' } });

  // ---- agent offline: repeater_offline attempts, retried, nothing reaches the receiver
  assert.equal((await setStatus(stub, scan.id, 'running')).deliveriesCreated, 2);
  const dDirect1 = await theDelivery(stub, scan.id, direct.id);
  const dVia1 = await theDelivery(stub, scan.id, via.id);
  await stub.waitDelivery(dDirect1, (d) => d.state === 'delivered', 3000, 'direct delivered');
  const offline = await stub.waitDelivery(dVia1, (d) => d.attempts.length >= 4, 5000, 'four offline attempts');
  assert.equal(offline.state, 'pending', 'an offline repeater keeps the delivery pending');
  assert.equal(offline.webhook.repeaterId, rid);
  assert.deepEqual(offline.attempts.map((a) => a.number), [1, 2, 3, 4]);
  for (const a of offline.attempts) {
    assert.equal(a.via, 'repeater');
    assert.equal(a.repeaterId, rid);
    assert.equal(a.error?.type, 'repeater_offline', `attempt ${a.number}: ${JSON.stringify(a.error)}`);
    assert.equal(typeof a.error.message, 'string');
    assert.equal(a.response, null);
    assert.match(a.startedAt, ISO);
    assert.equal(a.request?.url, rx.url('/via'), 'the offline attempt records the request it could not send');
  }
  assert.equal(rx.seen.filter((r) => r.url === '/via').length, 0, 'nothing reached the receiver through an offline repeater');

  // ---- the agent starts: connected, the pending delivery goes out at once
  const agent = spawnAgent(t, stub, { token: repeater.token, id: rid });
  await agent.deployed(10000);
  const deployedAt = Date.now();
  const connected = await waitRepeaterStatus(stub, rid, 'connected', 5000);
  assert.equal(typeof connected.version, 'string', 'the agent version is recorded');
  assert.ok(connected.version.length > 0);
  assert.equal(typeof connected.runtime, 'object');
  assert.ok(connected.runtime !== null, 'the runtime is recorded');
  assert.match(connected.connectedAt ?? '', ISO);
  assert.match(connected.lastSeenAt ?? '', ISO);
  const delivered = await stub.waitDelivery(dVia1, (d) => d.state === 'delivered', 3000, 'delivered once the agent deployed');
  const tookMs = Date.now() - deployedAt;
  assert.ok(tookMs < 3000, `delivered ${tookMs} ms after the deploy (the schedule's next step was 20 s away)`);
  const last = delivered.attempts.at(-1);
  assert.equal(last.via, 'repeater');
  assert.equal(last.repeaterId, rid);
  assert.equal(last.response?.statusCode, 200);
  assert.equal(last.response?.body, 'got /via');
  assert.equal(last.error, undefined, JSON.stringify(last.error));
  assert.equal(delivered.attempts.length, offline.attempts.length + 1, 'one more attempt, the successful one');
  const viaReqs = rx.seen.filter((r) => r.url === '/via');
  assert.equal(viaReqs.length, 1);
  assert.deepEqual(viaReqs[0].json, delivered.payload, 'the agent delivered the stored payload');
  assert.match(viaReqs[0].headers['content-type'], /^application\/json\b/);

  // ---- the same kind of event, both connected: same record fields
  assert.equal((await setStatus(stub, scan.id, 'done')).deliveriesCreated, 2);
  const dDirect2 = (await stub.deliveries({ scanId: scan.id, webhookId: direct.id })).find((d) => d.id !== dDirect1).id;
  const dVia2 = (await stub.deliveries({ scanId: scan.id, webhookId: via.id })).find((d) => d.id !== dVia1).id;
  const a = (await stub.waitDelivery(dDirect2, (d) => d.state === 'delivered', 5000, 'direct delivered')).attempts;
  const b = (await stub.waitDelivery(dVia2, (d) => d.state === 'delivered', 5000, 'via delivered')).attempts;
  assert.equal(a.length, 1);
  assert.equal(b.length, 1);
  const [ad, av] = [a[0], b[0]];
  assert.equal(ad.via, 'direct');
  assert.equal(ad.repeaterId, null);
  assert.equal(av.via, 'repeater');
  assert.equal(av.repeaterId, rid);
  for (const x of [ad, av]) {
    assert.equal(x.response.statusCode, 200);
    assert.equal(x.request.method, 'POST');
    assert.equal(typeof x.timings?.total, 'number', `${x.via}: timings.total is measured`);
    assert.ok(x.remote, `${x.via}: remote is recorded`);
    assert.ok(headerOfPairs(x.response.headers, 'x-receiver') === 'yes', `${x.via}: response headers recorded`);
    assert.equal(x.response.bodyLength, Buffer.byteLength(x.response.body));
  }
  assert.deepEqual(shape(av), shape(ad), 'a delivery through the agent records the same fields as a direct one');
  const documented = ['number', 'startedAt', 'via', 'repeaterId', 'request', 'response', 'remote', 'timings', 'tls'];
  for (const k of documented) assert.ok(k in ad, `the attempt has "${k}"`);
  for (const k of ['method', 'url', 'headers', 'body', 'bodyLength']) assert.ok(k in ad.request, `request has "${k}"`);
  for (const k of ['statusCode', 'statusText', 'httpVersion', 'headers', 'body', 'bodyLength', 'bodySha256', 'truncated']) {
    assert.ok(k in ad.response, `response has "${k}"`);
  }
  for (const k of ['dns', 'connect', 'tls', 'firstByte', 'total']) assert.ok(k in ad.timings, `timings has "${k}"`);

  // ---- the agent stops: disconnected
  const exit = await agent.stop(5000);
  assert.equal(exit.code, 0, `the agent exits 0 on SIGTERM (${JSON.stringify(exit)})`);
  const gone = await waitRepeaterStatus(stub, rid, 'disconnected', 5000);
  assert.match(gone.lastSeenAt ?? '', ISO);

  // (last, so a mismatch here hides nothing else) an offline attempt has the documented
  // record members too (no response, with an error)
  const off = offline.attempts[0];
  const missing = [
    ...['number', 'startedAt', 'via', 'repeaterId', 'request', 'response', 'remote', 'timings', 'tls', 'error'].filter((k) => !(k in off)),
    ...['method', 'url', 'headers', 'body', 'bodyLength'].filter((k) => !(k in (off.request ?? {}))).map((k) => `request.${k}`),
    ...['dns', 'connect', 'tls', 'firstByte', 'total'].filter((k) => !(k in (off.timings ?? {}))).map((k) => `timings.${k}`),
  ];
  assert.deepEqual(missing, [], `documented attempt members missing from a repeater_offline attempt: ${missing.join(', ')}`);
  assert.equal(off.request.bodyLength, Buffer.byteLength(off.request.body), 'request.bodyLength is the body size');
});

test('an agent killed mid-session: disconnected, then offline attempts again, delivered on restart', { timeout: 30000 }, async (t) => {
  const stub = await startStub(t, { args: ['--retry-schedule', '300ms,300ms,300ms,2s,5s,10s,20s,30s'] });
  const rx = await startReceiver(t);
  const { project, repeater } = await seed(stub);
  const rid = repeater.id;
  const hook = await createWebhook(stub, project.id, { name: 'via', url: rx.url('/k'), repeaterId: rid });
  const scan = await createScan(stub, project.id);

  const agent1 = spawnAgent(t, stub, { token: repeater.token, id: rid });
  await agent1.deployed(10000);
  await waitRepeaterStatus(stub, rid, 'connected', 5000);
  agent1.kill('SIGKILL');
  await agent1.exited;
  await waitRepeaterStatus(stub, rid, 'disconnected', 5000);

  assert.equal((await setStatus(stub, scan.id, 'running')).deliveriesCreated, 1);
  const id = await theDelivery(stub, scan.id, hook.id);
  const d = await stub.waitDelivery(id, (x) => x.attempts.length >= 2, 5000, 'two offline attempts');
  assert.ok(d.attempts.every((a) => a.error?.type === 'repeater_offline'), JSON.stringify(d.attempts.map((a) => a.error)));
  assert.equal(rx.seen.length, 0);

  const agent2 = spawnAgent(t, stub, { token: repeater.token, id: rid });
  await agent2.deployed(10000);
  await waitRepeaterStatus(stub, rid, 'connected', 5000);
  const done = await stub.waitDelivery(id, (x) => x.state === 'delivered', 5000, 'delivered after the agent restarted');
  assert.equal(done.attempts.at(-1).via, 'repeater');
  assert.equal(done.attempts.at(-1).response.statusCode, 200);
  assert.equal(rx.seen.length, 1);

  // deactivating the repeater stops the agent: repeater_deactivated is fatal (exit 1)
  await stub.ok('POST', `/api/v1/repeaters/${rid}/deactivate`, undefined, 200);
  const exit = await withTimeout(agent2.exited, 5000, 'the agent to exit after the repeater was deactivated');
  assert.equal(exit.code, 1, `the agent exits 1 on repeater_deactivated (${JSON.stringify(exit)})`);
  assert.ok(agent2.lines.some((l) => /repeater_deactivated|deactivated/i.test(l.line)), `the agent says why:\n${agent2.tail(10)}`);
  assert.equal((await stub.ok('GET', `/api/v1/repeaters/${rid}`)).status, 'deactivated');
  // and a new agent is refused the same way
  const agent3 = spawnAgent(t, stub, { token: repeater.token, id: rid });
  const exit3 = await withTimeout(agent3.exited, 10000, 'a new agent of a deactivated repeater to exit');
  assert.equal(exit3.code, 1, JSON.stringify(exit3));
  assert.ok(agent3.lines.some((l) => /repeater_deactivated/.test(l.line)), `the new agent says why:\n${agent3.tail(10)}`);
});

function headerOfPairs(pairs, name) {
  return (pairs ?? []).find(([n]) => n.toLowerCase() === name)?.[1];
}
