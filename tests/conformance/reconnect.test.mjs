// 5. A server that stops pinging is detected as dead and the agent reconnects.
// 6. A server killed and restarted on the same port gets a new connection + deploy within 2 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, spawnAgent, startReceiver, stopPings, waitFor } from './lib.mjs';

test('server stops pinging -> agent reconnects', { timeout: 20000 }, async (t) => {
  const receiver = await startReceiver(t);
  const pingInterval = 300;
  const pingTimeout = 200;
  const platform = await startPlatform(t, {
    pingInterval,
    pingTimeout,
    onConnection: (conn) => conn.index === 0 && stopPings(conn.socket),
  });
  const agent = spawnAgent(t, platform);
  const first = await platform.deployedConnection(0, 10000);

  const second = await platform.deployedConnection(1, pingInterval + pingTimeout + 4000);
  const gap = second.at - first.at;
  assert.ok(gap >= pingInterval + pingTimeout - 50, `reconnected after ${gap} ms, before the ping deadline`);
  await waitFor(() => first.disconnectReason, 3000, 'the dead connection to be closed');
  assert.deepEqual(second.deploys[0].info, first.deploys[0].info);

  // The new connection is healthy (pings flow) and serves jobs.
  await agent.waitForLine(/\bdisconnected\b/, 3000);
  await waitFor(() => agent.text('stderr').filter((l) => /\bdeployed\b/.test(l)).length >= 2, 3000, 'a second "deployed" log line');
  const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/x`, method: 'GET' }, { conn: second });
  assert.equal(ack.statusCode, 200);
  assert.equal(platform.connections.length, 2, 'no further reconnects');
});

test('server killed and restarted on the same port -> redeploy within 2 s', { timeout: 20000 }, async (t) => {
  const receiver = await startReceiver(t);
  const platform = await startPlatform(t);
  const agent = spawnAgent(t, platform);
  await platform.deployedConnection(0, 10000);
  await agent.waitForLine(/\bdeployed\b/, 5000);

  const from = agent.mark();
  await platform.kill();
  await agent.waitForLine(/\bdisconnected\b/, 5000, { from });

  const restarted = await startPlatform(t, { port: platform.port });
  const restartedAt = Date.now();
  const conn = await restarted.deployedConnection(0, 2000);
  assert.ok(conn.deploys[0].at - restartedAt <= 2000, 'deploy within 2 s of the restart');
  await agent.waitForLine(/\bdeployed\b/, 2000, { from });
  const ack = await restarted.request({ protocol: 'http', url: `${receiver.origin}/y`, method: 'GET' });
  assert.equal(ack.statusCode, 200);
  assert.equal(agent.exitInfo, null);
});
