// Redaction: the platform token and secret headers (Authorization, cookies, keys, *token*,
// *secret*, *key*, --redact-header names) never appear in any output of the agent nor in the
// record it acks, in text or JSON form; with --no-redact they do, and the agent says so loudly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, spawnAgent, startReceiver, reply } from './lib.mjs';

const TOKEN = 'tok-SECRET-a1b2c3d4e5';
const SECRETS = {
  authorization: 'Bearer AUTH-SECRET-777',
  'x-api-key': 'KEY-SECRET-888',
  cookie: 'sid=COOKIE-SECRET-999',
  'x-custom': 'CUSTOM-SECRET-555',
};
const RESPONSE_SECRETS = [['Set-Cookie', 'sess=SETCOOKIE-SECRET-444'], ['X-Session-Token', 'TOK-SECRET-333']];
const ALL = [TOKEN, ...Object.values(SECRETS), ...RESPONSE_SECRETS.map(([, v]) => v)];

async function run(t, format, extra) {
  const receiver = await startReceiver(t, (req, res) =>
    reply(res, 200, [['Content-Type', 'text/plain'], ...RESPONSE_SECRETS], 'fine'));
  const platform = await startPlatform(t, { record: true });
  const agent = spawnAgent(t, platform, {
    token: TOKEN,
    args: ['--verbose', '--log-format', format, '--redact-header', 'X-Custom', ...extra],
  });
  const conn = await platform.deployedConnection(0, 10000);
  await agent.waitForLine(/deployed/, 5000);
  conn.socket.emit('deployed', { repeaterId: 'conformance1', extensions: { record: true, trace: true } });
  await agent.waitForLine(/deployed .*with traces/, 5000, { from: 1 });
  const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/s`, method: 'GET', headers: SECRETS });
  await agent.waitForLine(/-> 200/, 3000);
  await agent.stop?.();
  // the receiver did get the real values: the agent redacts what it shows, not what it sends
  const got = Object.fromEntries(receiver.seen[0].rawHeaders.map(([n, v]) => [n.toLowerCase(), v]));
  for (const [k, v] of Object.entries(SECRETS)) assert.equal(got[k], v);
  return { ack, out: agent.text().join('\n'), lines: agent.text('stderr') };
}

for (const format of ['text', 'json']) {
  test(`no secret in the ${format} output or the record`, { timeout: 20000 }, async (t) => {
    const { ack, out, lines } = await run(t, format, []);
    const acked = JSON.stringify(ack);
    for (const s of ALL) {
      assert.ok(!out.includes(s), `${s} in the agent's output`);
      assert.ok(!acked.includes(s), `${s} in the ack: ${acked.slice(Math.max(0, acked.indexOf(s) - 200), acked.indexOf(s) + 50)}`);
    }
    assert.match(out, /authorization: \[redacted: 22 bytes, sha256:[0-9a-f]{8}\]/i);
    assert.match(acked, /\[redacted: 25 bytes, sha256:[0-9a-f]{8}\]/); // the Set-Cookie value
    if (format === 'json') lines.forEach((l) => JSON.parse(l));
  });
}

test('--no-redact shows the values and warns at start-up', { timeout: 20000 }, async (t) => {
  const { ack, out } = await run(t, 'text', ['--no-redact']);
  assert.match(out, /--no-redact/);
  assert.ok(out.includes('AUTH-SECRET-777'));
  assert.ok(JSON.stringify(ack).includes('SETCOOKIE-SECRET-444'));
  assert.ok(!out.includes(TOKEN), 'the platform token is never printed');
});
