// Nothing lost: two agents share one repeater id, 2,000 deliveries go through them to a real
// receiver, one agent is killed with SIGKILL mid-run, then the stub is killed with SIGKILL and
// restarted on the same database. Every delivery must reach the receiver and be recorded as
// delivered exactly once; a delivery seen twice at the receiver carries the same webhook-id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { HOST, startStub, seed, createWebhook, createScan, setStatus, spawnAgent, tempDir, waitFor, withTimeout } from './lib.mjs';

const WEBHOOKS = 20;
const CHANGES = 100; // 20 x 100 = 2,000 deliveries
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

async function startSlowReceiver(t) {
  const seen = []; // webhook-id of every request, in arrival order
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(req.headers['webhook-id']);
      setTimeout(() => res.end('ok'), 5); // keeps jobs in flight when the kills come
    });
  });
  server.keepAliveTimeout = 30000;
  await new Promise((r) => server.listen(0, HOST, r));
  t.after(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { seen, url: `http://${HOST}:${server.address().port}/hook` };
}

test('2,000 deliveries through two agents survive SIGKILL of an agent and of the stub', { timeout: 240000 }, async (t) => {
  const dir = tempDir(t, 'faults-');
  const receiver = await startSlowReceiver(t);
  const stubArgs = ['--sessions-per-repeater', '2', '--retry-schedule', '200ms,200ms,500ms,1s,1s,2s,2s,5s', '--log-level', 'notice'];
  let stub = await startStub(t, { dir, args: stubArgs });
  const port = stub.port;
  const { project, repeater } = await seed(stub);
  const agents = [0, 1].map(() => spawnAgent(t, stub, { token: repeater.token, id: repeater.id, args: ['--log-level', 'notice'] }));
  await Promise.all(agents.map((a) => a.deployed()));

  for (let i = 0; i < WEBHOOKS; i++) {
    await createWebhook(stub, project.id, { name: `hook ${i}`, url: receiver.url, repeaterId: repeater.id, secret: SECRET });
  }
  const scan = await createScan(stub, project.id);
  for (let i = 0; i < CHANGES; i++) {
    const r = await setStatus(stub, scan.id, i % 2 === 0 ? 'running' : 'pending');
    assert.equal(r.deliveriesCreated, WEBHOOKS);
  }
  const total = WEBHOOKS * CHANGES;

  // an agent dies mid-run
  await withTimeout(waitFor(() => receiver.seen.length >= 300, 60000, '300 requests at the receiver'), 61000);
  agents[0].kill('SIGKILL');
  // then the platform dies, and comes back on the same database and port
  await waitFor(() => receiver.seen.length >= 1000, 60000, '1,000 requests at the receiver');
  stub.kill('SIGKILL');
  await waitFor(() => stub.proc.exitInfo, 5000, 'the stub gone');
  stub = await startStub(t, { dir, args: [...stubArgs, '--listen', `${HOST}:${port}`] });

  await waitFor(async () => (await stub.deliveries({ state: 'delivered' })).length === total, 180000,
    `all ${total} deliveries delivered`);

  const list = await stub.deliveries({ scanId: scan.id });
  assert.equal(list.length, total, 'no delivery lost from the database');
  const ids = new Set(list.map((d) => d.id));
  const atReceiver = new Map();
  for (const id of receiver.seen) atReceiver.set(id, (atReceiver.get(id) ?? 0) + 1);
  const lost = [...ids].filter((id) => !atReceiver.has(id));
  const duplicated = [...atReceiver.values()].filter((n) => n > 1).length;
  const strangers = [...atReceiver.keys()].filter((id) => !ids.has(id));
  // every delivery recorded as delivered exactly once
  let deliveredTwice = 0;
  for (const d of list) {
    const full = await stub.delivery(d.id);
    const ok = full.attempts.filter((a) => a.response && a.response.statusCode >= 200 && a.response.statusCode < 300);
    if (ok.length !== 1) deliveredTwice++;
  }
  console.log(`faults: ${total} deliveries, ${atReceiver.size} delivered, ${lost.length} lost, ` +
    `${duplicated} duplicated at the receiver (same webhook-id), ${receiver.seen.length} requests in all`);
  assert.equal(lost.length, 0, `lost: ${lost.slice(0, 5)}`);
  assert.equal(strangers.length, 0, 'every request carried the webhook-id of a delivery');
  assert.equal(deliveredTwice, 0, 'each delivery has exactly one successful attempt recorded');
  assert.equal(atReceiver.size, total);
});

test('back-pressure: the stub never sends more than the agent announced; nothing comes back busy', { timeout: 60000 }, async (t) => {
  const receiver = await startSlowReceiver(t);
  const stub = await startStub(t, { args: ['--log-level', 'notice'] });
  const { project, repeater } = await seed(stub);
  const agent = spawnAgent(t, stub, { token: repeater.token, id: repeater.id, args: ['--max-inflight', '1', '--max-queue', '1'] });
  await agent.deployed();
  for (let i = 0; i < 10; i++) {
    await createWebhook(stub, project.id, { name: `h${i}`, url: receiver.url, repeaterId: repeater.id });
  }
  const scan = await createScan(stub, project.id);
  await setStatus(stub, scan.id, 'running');
  await setStatus(stub, scan.id, 'done');
  await waitFor(async () => (await stub.deliveries({ state: 'delivered' })).length === 20, 30000, '20 deliveries delivered');
  for (const d of await stub.deliveries({ scanId: scan.id })) {
    const full = await stub.delivery(d.id);
    assert.equal(full.attempts.length, 1, `${d.id}: one attempt, no busy answer: ${JSON.stringify(full.attempts.map((a) => a.error))}`);
  }
  assert.equal(receiver.seen.length, 20);
  assert.ok(!agent.lines.some((l) => /error=busy/.test(l.line)), 'the agent never had to refuse');
});
