// platform-stub killed with SIGKILL while deliveries are pending (receiver down, agent offline)
// or in flight (receiver not answering), restarted on the same database: nothing is lost, and
// what was pending is delivered after the restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStub, startReceiver, seed, createWebhook, createScan, setStatus, theDelivery, spawnAgent,
  waitRepeaterStatus, tempDir, deadPort, withTimeout,
} from './lib.mjs';

const RETRY = ['--retry-schedule', '300ms,300ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s'];

/** Everything the API shows, for before/after comparisons (without live connection fields). */
async function state(stub, pid, scanId) {
  return {
    repeaters: await stub.ok('GET', '/api/v1/repeaters'),
    projects: await stub.ok('GET', '/api/v1/projects'),
    webhooks: await stub.ok('GET', `/api/v1/projects/${pid}/webhooks`),
    scans: await stub.ok('GET', `/api/v1/scans?projectId=${pid}`),
    scan: await stub.ok('GET', `/api/v1/scans/${scanId}`),
  };
}

test('SIGKILL and restart on the same db: nothing lost, pending deliveries delivered', { timeout: 40000 }, async (t) => {
  const dir = tempDir(t, 'platform-restart-');
  const stub1 = await startStub(t, { dir, args: RETRY });
  const rxOk = await startReceiver(t);
  const rxVia = await startReceiver(t);
  const rxHang = await startReceiver(t, [null, 200]); // the first request is never answered
  const downPort = await deadPort(); // nothing listens here until after the restart

  const { project, repeater } = await seed(stub1);
  const pid = project.id;
  const rid = repeater.id;
  const hOk = await createWebhook(stub1, pid, { name: 'ok', url: rxOk.url('/ok') });
  const hDown = await createWebhook(stub1, pid, { name: 'down', url: `http://127.0.0.1:${downPort}/down`, headers: { 'X-Kind': 'down' } });
  const hHang = await createWebhook(stub1, pid, { name: 'hang', url: rxHang.url('/hang') });
  const hVia = await createWebhook(stub1, pid, { name: 'via', url: rxVia.url('/via'), repeaterId: rid });
  const scan = await createScan(stub1, pid, { name: 'restart scan', config: { depth: 2 } });
  await stub1.ok('POST', `/api/v1/scans/${scan.id}/issues`, { name: 'CSRF', severity: 'low' }, 201);
  assert.equal((await setStatus(stub1, scan.id, 'running')).deliveriesCreated, 4);

  const ids = {
    ok: await theDelivery(stub1, scan.id, hOk.id),
    down: await theDelivery(stub1, scan.id, hDown.id),
    hang: await theDelivery(stub1, scan.id, hHang.id),
    via: await theDelivery(stub1, scan.id, hVia.id),
  };
  await stub1.waitDelivery(ids.ok, (d) => d.state === 'delivered', 3000, 'delivered');
  const down1 = await stub1.waitDelivery(ids.down, (d) => d.attempts.length >= 2, 5000, 'two failed attempts');
  assert.ok(down1.attempts.every((a) => a.error && a.response === null), 'attempts to a closed port fail with an error');
  await stub1.waitDelivery(ids.via, (d) => d.attempts.length >= 2, 5000, 'two offline attempts');
  await rxHang.waitFor(1, 3000);
  await stub1.waitDelivery(ids.hang, (d) => d.state === 'in_flight', 3000, 'in flight');

  const before = await state(stub1, pid, scan.id);
  const snap = {};
  for (const [k, id] of Object.entries(ids)) snap[k] = await stub1.delivery(id);
  const listBefore = await stub1.deliveries({ scanId: scan.id });

  // ---- kill -9
  stub1.kill('SIGKILL');
  const exit = await withTimeout(stub1.proc.exited, 5000, 'the stub to die');
  assert.equal(exit.signal, 'SIGKILL');

  // ---- restart on the same db (a new port)
  const stub2 = await startStub(t, { dir, args: RETRY });
  assert.notEqual(stub2.proc.child.pid, stub1.proc.child.pid);
  const after = await state(stub2, pid, scan.id);
  assert.deepEqual(after.projects, before.projects, 'projects survive');
  assert.deepEqual(after.webhooks, before.webhooks, 'webhooks survive');
  assert.deepEqual(after.scans, before.scans, 'scans survive');
  assert.deepEqual(after.scan, before.scan, 'the scan and its issues survive');
  assert.deepEqual(after.repeaters, before.repeaters, 'repeaters survive');

  const listAfter = await stub2.deliveries({ scanId: scan.id });
  assert.deepEqual(listAfter.map((d) => d.id).sort(), listBefore.map((d) => d.id).sort(), 'every delivery survives');
  assert.deepEqual(await stub2.delivery(ids.ok), snap.ok, 'a delivered delivery is unchanged');
  for (const k of ['down', 'via', 'hang']) {
    const d = await stub2.delivery(ids[k]);
    assert.deepEqual(d.payload, snap[k].payload, `${k}: payload kept`);
    assert.deepEqual(d.webhook, snap[k].webhook, `${k}: webhook snapshot kept`);
    assert.deepEqual(d.event, snap[k].event, `${k}: event kept`);
    assert.ok(d.attempts.length >= snap[k].attempts.length, `${k}: no attempt lost (${d.attempts.length} < ${snap[k].attempts.length})`);
    assert.deepEqual(d.attempts.slice(0, snap[k].attempts.length), snap[k].attempts, `${k}: the earlier attempts are unchanged`);
    assert.notEqual(d.state, 'failed', `${k}: not given up`);
    assert.notEqual(d.state, 'cancelled', `${k}: not cancelled`);
  }

  // ---- the receiver comes up, the agent starts: everything pending is delivered
  const rxDown = await startReceiver(t, () => 200, { port: downPort });
  const agent = spawnAgent(t, stub2, { token: repeater.token, id: rid });
  await agent.deployed(10000);
  await waitRepeaterStatus(stub2, rid, 'connected', 5000);

  const hang = await stub2.waitDelivery(ids.hang, (d) => d.state === 'delivered', 5000, 'the interrupted delivery delivered');
  assert.equal(rxHang.seen.length, 2, 'the interrupted attempt ran again after the restart');
  assert.equal(hang.attempts.at(-1).response.statusCode, 200);
  assert.deepEqual(rxHang.seen[1].json, hang.payload);

  const down = await stub2.waitDelivery(ids.down, (d) => d.state === 'delivered', 5000, 'delivered to the receiver that came up');
  assert.deepEqual(down.attempts.map((a) => a.number), down.attempts.map((_, i) => i + 1), 'attempt numbers continue after the restart');
  assert.equal(down.attempts.at(-1).response.statusCode, 200);
  assert.ok(rxDown.seen.length >= 1);
  assert.equal(rxDown.seen.at(-1).headers['x-kind'], 'down');
  assert.deepEqual(rxDown.seen.at(-1).json, snap.down.payload, 'the stored payload is delivered after the restart');

  const via = await stub2.waitDelivery(ids.via, (d) => d.state === 'delivered', 5000, 'delivered through the agent');
  assert.deepEqual(via.attempts.map((a) => a.number), via.attempts.map((_, i) => i + 1));
  assert.equal(via.attempts.at(-1).via, 'repeater');
  assert.equal(via.attempts.at(-1).response.statusCode, 200);
  assert.equal(rxVia.seen.length, 1);
  assert.deepEqual(rxVia.seen[0].json, snap.via.payload);

  assert.equal(rxOk.seen.length, 1, 'a delivered delivery is not sent again after the restart');
  assert.equal((await stub2.deliveries({ scanId: scan.id, state: 'delivered' })).length, 4);

  // the restarted stub still creates deliveries
  assert.equal((await setStatus(stub2, scan.id, 'done')).deliveriesCreated, 4);
  await rxOk.waitFor(2, 5000);

  // SIGTERM stops it cleanly
  await agent.stop(5000);
  const term = await stub2.stop(5000);
  assert.deepEqual(term, { code: 0, signal: null }, 'platform-stub exits 0 on SIGTERM');
});
