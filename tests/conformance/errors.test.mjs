// 4. Fatal platform errors: `error` events and CONNECT_ERROR make the agent print the message and
// the remediation and exit 1; `unknown_error` is only logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, startDeployed, startReceiver, spawnAgent } from './lib.mjs';

const FATAL = [
  'repeater_not_permitted',
  'repeater_already_started',
  'repeater_deactivated',
  'repeater_unauthorized',
  'repeater_no_longer_supported',
  'unexpected_error',
];

const errorFor = (code) => ({
  message: `Message for ${code}`,
  code,
  remediation: `Remediation for ${code}: do the right thing`,
});

function assertPrinted(agent, { message, remediation }) {
  const all = agent.text('stderr').join('\n');
  assert.ok(all.includes(message), `message "${message}" not printed on stderr`);
  assert.ok(all.includes(remediation), `remediation "${remediation}" not printed on stderr`);
}

for (const [i, code] of FATAL.entries()) {
  // Half of them answer `deploy` with the error instead of `deployed`, half come once deployed.
  const afterDeployed = i % 2 === 1;
  test(`fatal error event ${code} (${afterDeployed ? 'after' : 'instead of'} deployed) -> exit 1`, { timeout: 15000 }, async (t) => {
    const platform = await startPlatform(t, { autoDeploy: afterDeployed });
    const agent = spawnAgent(t, platform);
    const conn = await platform.deployedConnection(0, 10000);
    if (afterDeployed) await agent.waitForLine(/\bdeployed\b/, 5000);
    const err = errorFor(code);
    conn.socket.emit('error', err);
    const { code: exitCode } = await agent.waitForExit(5000);
    assert.equal(exitCode, 1);
    assertPrinted(agent, err);
    assert.equal(platform.connections.length, 1, 'no reconnect after a fatal error');
  });
}

for (const code of ['repeater_unauthorized', 'repeater_not_permitted']) {
  test(`CONNECT_ERROR ${code} -> exit 1`, { timeout: 15000 }, async (t) => {
    const err = errorFor(code);
    let attempts = 0;
    const platform = await startPlatform(t, {
      middleware: (socket, next) => {
        attempts++;
        const e = new Error(err.message);
        e.data = { code, remediation: err.remediation };
        next(e);
      },
    });
    const agent = spawnAgent(t, platform);
    const { code: exitCode } = await agent.waitForExit(8000);
    assert.equal(exitCode, 1);
    assertPrinted(agent, err);
    assert.equal(attempts, 1, 'no retry after a fatal CONNECT_ERROR');
    assert.equal(platform.connections.length, 0);
  });
}

test('unknown_error is logged, the agent keeps working', { timeout: 15000 }, async (t) => {
  const receiver = await startReceiver(t);
  const { platform, agent, conn } = await startDeployed(t);
  const err = { message: 'Something odd happened', code: 'unknown_error', remediation: 'Nothing to do' };
  const from = agent.mark();
  conn.socket.emit('error', err);
  await agent.waitForLine(/Something odd happened|unknown_error/, 3000, { from });
  const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/after`, method: 'GET' });
  assert.equal(ack.statusCode, 200);
  assert.equal(agent.exitInfo, null, 'agent still running');
  assert.equal(platform.connections.length, 1, 'still on the first connection');
});
