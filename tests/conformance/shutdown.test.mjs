// 11. SIGTERM while a job is in flight: the job is finished and acked, then the agent exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeployed, startReceiver, reply, waitFor } from './lib.mjs';

test('SIGTERM drains the in-flight job, acks it, exits 0', { timeout: 20000 }, async (t) => {
  let release;
  const receiver = await startReceiver(t, (req, res) => {
    release = () => reply(res, 200, [['Content-Type', 'text/plain']], 'late but here');
  });
  const { platform, agent } = await startDeployed(t);
  const pending = platform.request({ protocol: 'http', url: `${receiver.origin}/slow`, method: 'GET' });
  pending.catch(() => {}); // raced below; no unhandled rejection if we fail before that
  await waitFor(() => release, 5000, 'the job to reach the target');
  agent.kill('SIGTERM'); // the receiver holds the answer: the job is in flight for sure
  await agent.waitForLine(/SIGTERM/, 5000);
  release();

  // the ack travels ahead of the close on the same connection, so it settles `pending` before
  // the platform sees the disconnect
  const closedFirst = new Promise((resolve) => platform.last.socket.once('disconnect', resolve)).then((reason) => {
    throw new Error(`the agent's connection closed (${reason}) without an ack for the in-flight job`);
  });
  const ack = await Promise.race([pending, closedFirst]);
  assert.equal(ack.errorCode, undefined, `${ack.errorCode} ${ack.message}`);
  assert.equal(ack.statusCode, 200);
  assert.equal(ack.body, 'late but here');
  const { code, signal } = await agent.waitForExit(5000);
  assert.equal(signal, null, `killed by ${signal}`);
  assert.equal(code, 0);
});
