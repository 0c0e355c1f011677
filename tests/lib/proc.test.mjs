// The shared test helpers themselves: captured lines per stream, waitForLine failing at once
// when the process ends without the line, stop on test end, free ports, temp dirs, certificates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort, makeCert, spawnProcess, tempDir } from './proc.mjs';

test('lines of both streams, in order, and a prompt failure once the process has ended', async (t) => {
  const p = spawnProcess(t, 'sh', '/bin/sh', ['-c', 'echo one; echo two >&2; echo three; exit 3']);
  assert.equal(await p.waitForLine(/two/, 5000, { stream: 'stderr' }), 'two');
  const started = Date.now();
  await assert.rejects(p.waitForLine(/never/, 20000), /sh exited \{"code":3,"signal":null\} before writing \/never\//);
  assert.ok(Date.now() - started < 5000, 'not the whole timeout');
  assert.deepEqual(p.text('stdout'), ['one', 'three']);
  assert.deepEqual(p.text('stderr'), ['two']);
  assert.equal(p.text().length, 3);
  assert.deepEqual(p.exitInfo, { code: 3, signal: null });
  // a line written just before exit is still found after it
  assert.equal(await p.waitForLine(/three/, 100, { from: 1 }), 'three');
});

test('stop: SIGTERM, then SIGKILL for a process that ignores it', async (t) => {
  const p = spawnProcess(t, 'stubborn', '/bin/sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done']);
  await p.waitForLine(/ready/, 5000);
  const info = await p.stop(200);
  assert.equal(info.signal, 'SIGKILL');
});

test('free port, temp dir, certificate', async (t) => {
  const port = await freePort();
  await assert.rejects(new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', resolve);
    s.on('error', reject);
  }), /ECONNREFUSED/);
  let dir;
  await t.test('a temp dir lives as long as its test', (st) => {
    dir = tempDir(st, 'proc-test-');
    assert.ok(existsSync(dir));
  });
  assert.equal(existsSync(dir), false);
  const cert = makeCert(t);
  assert.match(cert.cert.toString(), /^-----BEGIN CERTIFICATE-----/);
  assert.match(cert.key.toString(), /PRIVATE KEY-----/);
});
