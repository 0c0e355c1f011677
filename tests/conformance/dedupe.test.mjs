// Delivery guarantees on the agent's side (negotiated: dedupe, results, capacity): a job id
// seen again is answered from memory, not run twice; a result whose connection died is sent
// as a `result` event after the next deploy; the agent announces its capacity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, spawnAgent, startReceiver, reply, waitFor } from './lib.mjs';

const EXT = { record: true, dedupe: true, results: true, capacity: true };

async function deployed(t, args = []) {
  const platform = await startPlatform(t, { autoDeploy: false });
  const agent = spawnAgent(t, platform, { args });
  const onConn = (conn) => {
    conn.capacity = [];
    conn.results = [];
    conn.socket.on('capacity', (c) => conn.capacity.push(c));
    conn.socket.on('result', (r) => conn.results.push(r));
  };
  const conn = await platform.deployedConnection(0, 10000);
  onConn(conn);
  conn.socket.emit('deployed', { repeaterId: 'conformance1', extensions: EXT });
  return { platform, agent, conn, onConn };
}

test('a repeated job id is answered from memory; capacity is announced', { timeout: 20000 }, async (t) => {
  const receiver = await startReceiver(t, (req, res) => reply(res, 200, [['Content-Type', 'text/plain']], `n=${receiver.seen.length}`));
  const { platform, conn } = await deployed(t, ['--max-inflight', '3', '--max-queue', '5']);
  await waitFor(() => conn.capacity.length === 1, 5000, 'a capacity event');
  assert.deepEqual(conn.capacity[0], { maxInFlight: 8 });
  const job = { protocol: 'http', url: `${receiver.origin}/once`, method: 'POST', body: 'x', jobId: 'msg_abc:1' };
  const first = await platform.request(job);
  const again = await platform.request(job);
  assert.equal(receiver.seen.length, 1, 'run once');
  assert.deepEqual(again, first, 'the same answer');
  const other = await platform.request({ ...job, jobId: 'msg_abc:2' });
  assert.equal(receiver.seen.length, 2, 'another attempt runs');
  assert.notDeepEqual(other.body, first.body);
});

test('a result that lost its connection is sent after the next deploy', { timeout: 30000 }, async (t) => {
  let release;
  const receiver = await startReceiver(t, (req, res) => {
    release = () => reply(res, 201, [['Content-Type', 'text/plain']], 'late');
  });
  const { platform, agent, conn, onConn } = await deployed(t);
  const pending = platform.request({ protocol: 'http', url: `${receiver.origin}/slow`, method: 'GET', jobId: 'msg_late:1' }, { timeoutMs: 20000 }).catch(() => null);
  await waitFor(() => release, 5000, 'the job at the receiver');
  conn.socket.disconnect(true); // the connection dies with the job running
  await agent.waitForLine(/disconnected/, 5000);
  release();
  await agent.waitForLine(/job msg_late:1 finished after its connection was lost; its result is kept/, 5000);
  const next = await platform.deployedConnection(1, 10000);
  onConn(next);
  next.socket.emit('deployed', { repeaterId: 'conformance1', extensions: EXT });
  await waitFor(() => next.results.length === 1, 5000, 'a result event');
  assert.equal(next.results[0].jobId, 'msg_late:1');
  assert.equal(next.results[0].ack.statusCode, 201);
  assert.equal(next.results[0].ack.body, 'late');
  assert.equal(receiver.seen.length, 1);
  // asked again on the new connection: answered from memory
  const again = await platform.request({ protocol: 'http', url: `${receiver.origin}/slow`, method: 'GET', jobId: 'msg_late:1' });
  assert.equal(again.statusCode, 201);
  assert.equal(receiver.seen.length, 1);
  await pending;
});
