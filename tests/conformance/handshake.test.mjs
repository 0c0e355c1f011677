// 1. Handshake: engine query, CONNECT auth, deploy payload, and `deployed` acknowledged by the agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, spawnAgent, TOKEN, REPEATER_ID } from './lib.mjs';

test('handshake: auth, deploy payload, deployed', { timeout: 20000 }, async (t) => {
  const platform = await startPlatform(t, { autoDeploy: false });
  const agent = spawnAgent(t, platform);
  const conn = await platform.deployedConnection(0, 10000);

  assert.equal(conn.socket.conn.transport.name, 'websocket');
  assert.equal(conn.query.EIO, '4');
  assert.equal(conn.query.transport, 'websocket');
  assert.equal(conn.auth.token, TOKEN);
  assert.equal(conn.auth.domain, REPEATER_ID);

  const { info, runtime } = conn.deploys[0];
  assert.deepEqual(info, { repeaterId: REPEATER_ID });
  assert.equal(typeof runtime, 'object');
  assert.ok(runtime !== null && !Array.isArray(runtime), 'runtime is an object');
  assert.equal(typeof runtime.version, 'string');
  assert.ok(runtime.version.length > 0, 'runtime.version is not empty');

  await agent.waitForLine(/\bconnected\b/, 2000);
  assert.ok(!agent.text('stderr').some((l) => /\bdeployed\b/.test(l)), 'agent logged deployed before the server said so');
  conn.deployed();
  await agent.waitForLine(/\bdeployed\b/, 3000);
  assert.equal(conn.deploys.length, 1, 'exactly one deploy per connection');
  assert.equal(platform.connections.length, 1);
  assert.equal(agent.exitInfo, null, 'agent still running');
});
