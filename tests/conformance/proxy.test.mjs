// Proxies: through a real HTTP proxy on loopback (Debian tinyproxy) the agent reaches the
// platform (CONNECT) and its targets; NO_PROXY hosts go direct; --proxy-target alone leaves
// the platform connection direct.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, spawnAgent, startReceiver, freePort, tempDir, waitFor } from './lib.mjs';
import { spawnProcess } from '../lib/proc.mjs';

async function startTinyproxy(t) {
  const dir = tempDir(t, 'tinyproxy-');
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  writeFileSync(join(dir, 'tinyproxy.conf'), [
    `Port ${port}`, 'Listen 127.0.0.1', 'Allow 127.0.0.1', 'Timeout 30', `LogFile "${log}"`,
    'LogLevel Info', 'MaxClients 50', 'DisableViaHeader No', '',
  ].join('\n'));
  spawnProcess(t, 'tinyproxy', '/usr/bin/tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], {}, { valgrind: false });
  await waitFor(async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      return r.status > 0;
    } catch {
      return false;
    }
  }, 5000, 'tinyproxy listening');
  return { url: `http://127.0.0.1:${port}`, log: () => (existsSync(log) ? readFileSync(log, 'utf8') : '') };
}

test('platform and targets through tinyproxy; NO_PROXY hosts go direct', { timeout: 30000 }, async (t) => {
  const proxy = await startTinyproxy(t);
  const platform = await startPlatform(t);
  const viaProxy = await startReceiver(t);
  const direct = await startReceiver(t, undefined, { host: '127.0.0.2' });
  const agent = spawnAgent(t, platform, { args: ['--proxy', proxy.url], env: { NO_PROXY: '127.0.0.2' } });
  await platform.deployedConnection(0, 10000);
  await agent.waitForLine(/deployed/, 5000);
  assert.match(proxy.log(), new RegExp(`Request \\(file descriptor \\d+\\): CONNECT 127\\.0\\.0\\.1:${platform.port} `), 'the platform connection went through the proxy');

  await platform.request({ protocol: 'http', url: `${viaProxy.origin}/p`, method: 'GET' });
  assert.equal(viaProxy.seen.length, 1);
  // targets go through a CONNECT tunnel to the address the agent resolved and checked
  assert.match(proxy.log(), new RegExp(`Request \\(file descriptor \\d+\\): CONNECT 127\\.0\\.0\\.1:${viaProxy.port} `), 'the target request went through the proxy');
  await platform.request({ protocol: 'http', url: `${direct.origin}/d`, method: 'GET' });
  assert.ok(!direct.seen[0].rawHeaders.some(([n]) => n.toLowerCase() === 'via'), 'NO_PROXY host reached directly');
  assert.doesNotMatch(proxy.log(), /127\.0\.0\.2/, 'the proxy never saw the NO_PROXY host');
});

test('--proxy-target only: the platform connection stays direct', { timeout: 30000 }, async (t) => {
  const proxy = await startTinyproxy(t);
  const platform = await startPlatform(t);
  const receiver = await startReceiver(t);
  const agent = spawnAgent(t, platform, { args: ['--proxy-target', proxy.url] });
  await platform.deployedConnection(0, 10000);
  await agent.waitForLine(/deployed/, 5000);
  assert.doesNotMatch(proxy.log(), /Request \(file descriptor \d+\): CONNECT /);
  await platform.request({ protocol: 'http', url: `${receiver.origin}/p`, method: 'GET' });
  assert.equal(receiver.seen.length, 1);
  assert.match(proxy.log(), new RegExp(`CONNECT 127\\.0\\.0\\.1:${receiver.port} `));
});

test('through a proxy the egress policy still sees the resolved address', { timeout: 30000 }, async (t) => {
  const proxy = await startTinyproxy(t);
  const platform = await startPlatform(t);
  const receiver = await startReceiver(t);
  const agent = spawnAgent(t, platform, { args: ['--proxy-target', proxy.url, '--deny', '127.0.0.1', '--deny', '::1'] });
  await platform.deployedConnection(0, 10000);
  await agent.waitForLine(/deployed/, 5000);
  const ack = await platform.request({ protocol: 'http', url: `http://localhost:${receiver.port}/secret`, method: 'GET' });
  assert.equal(ack.errorCode, 'policy_denied', JSON.stringify(ack));
  assert.equal(receiver.seen.length, 0);
  assert.doesNotMatch(proxy.log(), /Request \(file descriptor \d+\): CONNECT /, 'the proxy was never asked');
});
