// Egress policy on loopback: 127.0.0.2 and 127.0.0.3 stand in for other hosts. Denials by
// range, by name, of a name that resolves to a denied address, of a literal address in a denied
// range, and allow lists: each denied job gets `policy_denied` and nothing reaches the receiver.
// The default denials of cloud metadata are checked with a dead loopback proxy as the only
// route, so no test job can leave the machine even if the policy failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startDeployed, startReceiver } from './lib.mjs';

async function setup(t, args) {
  const two = await startReceiver(t, undefined, { host: '127.0.0.2' });
  const three = await startReceiver(t, undefined, { host: '127.0.0.3' });
  const local = await startReceiver(t);
  const { platform, agent } = await startDeployed(t, { agent: { args } });
  const get = (url) => platform.request({ protocol: 'http', url, method: 'GET' });
  return { two, three, local, get, agent };
}

function denied(ack, what) {
  assert.equal(ack.errorCode, 'policy_denied', `${what}: ${JSON.stringify(ack)}`);
  assert.equal(ack.statusCode, undefined);
  assert.ok(ack.message.length > 0);
}

test('deny by range and by name; a name resolving to a denied address; literal addresses', { timeout: 30000 }, async (t) => {
  const { two, three, local, get, agent } = await setup(t, ['--deny', '127.0.0.2/32', '--deny', 'blocked.localhost',
    '--deny', '127.0.0.1', '--deny', '::1']);
  await agent.waitForLine(/egress policy: deny 169\.254\.0\.0\/16/, 2000);
  denied(await get(`${two.origin}/x`), 'a literal address in a denied range');
  assert.equal((await get(`${three.origin}/y`)).statusCode, 200, 'another address is allowed');
  denied(await get(`http://blocked.localhost:${local.port}/n`), 'a denied name');
  denied(await get(`http://localhost:${local.port}/r`), 'a name that resolves to a denied address');
  assert.equal(two.seen.length, 0, 'nothing sent to the denied address');
  assert.equal(local.seen.length, 0, 'nothing sent through a denied name');
  assert.equal(three.seen.length, 1);
});

test('the default denials of cloud metadata, with a dead loopback proxy as the only way out', { timeout: 30000 }, async (t) => {
  // Every job goes through a proxy on a loopback port nobody listens on, so a policy that let
  // these through would fail here with a proxy error instead of reaching a metadata service.
  const dead = await freePort();
  const { get, agent } = await setup(t, ['--proxy-target', `http://127.0.0.1:${dead}`]);
  await agent.waitForLine(/egress policy: deny 169\.254\.0\.0\/16/, 2000);
  const allowed = await get('http://127.0.0.3:9/');
  assert.notEqual(allowed.errorCode, 'policy_denied', 'an allowed job goes to the proxy');
  assert.equal(allowed.statusCode, undefined, `the dead proxy answers nothing: ${JSON.stringify(allowed)}`);
  assert.match(allowed.message, new RegExp(`127\\.0\\.0\\.1 port ${dead}\\b`), 'it went to the proxy');
  denied(await get('http://169.254.169.254/latest/meta-data/'), 'the cloud metadata address (default)');
  denied(await get('http://[fd00:ec2::254]/latest/meta-data/'), 'the IPv6 metadata address (default)');
  denied(await get('http://metadata.google.internal/computeMetadata/v1/'), 'a metadata host name (default)');
  denied(await get('http://metadata.azure.com/metadata/instance'), 'another metadata host name (default)');
});

test('an allow list lets only its ranges and names through', { timeout: 30000 }, async (t) => {
  const { two, three, local, get } = await setup(t, ['--allow', '127.0.0.3/32', '--allow', 'localhost']);
  assert.equal((await get(`${three.origin}/ok`)).statusCode, 200);
  denied(await get(`${two.origin}/no`), 'an address outside the allow list');
  assert.equal((await get(`http://localhost:${local.port}/by-name`)).statusCode, 200, 'allowed by name');
  denied(await get(`http://127.0.0.1:${local.port}/by-address`), 'the same host by an address not allowed');
  assert.equal(two.seen.length, 0);
  assert.equal(local.seen.length, 1);
});

test('bad --allow/--deny entries stop the agent at start-up, naming the entry', { timeout: 10000 }, async () => {
  const { spawnSync } = await import('node:child_process');
  const { agentBin } = await import('./lib.mjs');
  const r = spawnSync(agentBin(), ['--token', 't', '--id', 'abcdefghij', '--platform', 'ws://127.0.0.1:9', '--deny', '10.0.0.0/33'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--deny: "10\.0\.0\.0\/33" has a bad prefix length/);
});
