// --log-file appends to a file; SIGHUP reopens it, so logrotate can move the old one away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, spawnAgent, startReceiver, tempDir, waitFor } from './lib.mjs';

test('--log-file is reopened on SIGHUP', { timeout: 20000 }, async (t) => {
  const dir = tempDir(t, 'repeater-log-');
  const file = join(dir, 'repeater.log');
  const receiver = await startReceiver(t);
  const platform = await startPlatform(t);
  const agent = spawnAgent(t, platform, { args: ['--log-file', file] });
  await platform.deployedConnection(0, 10000);
  await waitFor(() => existsSync(file) && /deployed/.test(readFileSync(file, 'utf8')), 5000, 'deployed in the log file');
  assert.ok(!agent.text('stderr').some((l) => /deployed/.test(l)), 'nothing on stderr when a log file is set');
  await platform.request({ protocol: 'http', url: `${receiver.origin}/one`, method: 'GET' });
  await waitFor(() => /GET .*\/one -> 200/.test(readFileSync(file, 'utf8')), 5000, 'job one in the log');
  renameSync(file, `${file}.1`); // what logrotate does
  agent.child.kill('SIGHUP');
  await waitFor(() => existsSync(file) && /log file reopened/.test(readFileSync(file, 'utf8')), 5000, 'a new log file');
  await platform.request({ protocol: 'http', url: `${receiver.origin}/two`, method: 'GET' });
  await waitFor(() => /GET .*\/two -> 200/.test(readFileSync(file, 'utf8')), 5000, 'job two in the new log');
  const old = readFileSync(`${file}.1`, 'utf8');
  assert.match(old, /\/one -> 200/);
  assert.doesNotMatch(old, /\/two/);
  assert.equal(agent.exitInfo, null, 'SIGHUP does not stop the agent');
});
