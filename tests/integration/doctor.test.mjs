// repeater doctor against a running platform-stub: every check passes with good settings, and
// each broken thing (wrong host, wrong token, untrusted certificate, unreachable target) gets
// its own ✗ line and a non-zero exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { agentBin, startStub, seed, deadPort } from './lib.mjs';
import { makeCert } from '../lib/proc.mjs';

function doctor(args) {
  const r = spawnSync(agentBin(), ['doctor', ...args], { encoding: 'utf8', timeout: 30000, env: { PATH: process.env.PATH } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
const line = (out, what) => out.split('\n').find((l) => l.slice(2).startsWith(`${what}:`)) ?? '';

test('doctor passes against a running stub', { timeout: 30000 }, async (t) => {
  const stub = await startStub(t);
  const { repeater } = await seed(stub);
  const r = doctor(['--token', repeater.token, '--id', repeater.id, '--platform', stub.wsUrl, '--check-url', `${stub.origin}/api/v1/projects`]);
  assert.equal(r.status, 0, r.out + r.err);
  for (const what of ['DNS', 'proxy', 'TCP', 'clock', 'credentials']) assert.match(line(r.out, what), /^✓/, `${what}: ${r.out}`);
  assert.match(line(r.out, 'clock'), /[+-]\d+ s against the platform's Date header/);
  assert.match(r.out, /✓ target http:\/\/127\.0\.0\.1:\d+\/api\/v1\/projects: reachable \(HTTP 401\)/);
  assert.match(r.out, /all checks passed/);
  assert.ok(!r.out.includes(repeater.token) && !r.err.includes(repeater.token));
});

test('doctor fails with one clear line for each broken thing', { timeout: 60000 }, async (t) => {
  const stub = await startStub(t);
  const { repeater } = await seed(stub);
  const base = ['--id', repeater.id];

  const host = doctor(['--token', repeater.token, ...base, '--platform', 'ws://no-such-host.invalid:8000']);
  assert.equal(host.status, 1);
  assert.match(line(host.out, 'DNS'), /^✗ DNS: no-such-host\.invalid does not resolve .* — check --hostname/);

  const token = doctor(['--token', 'rpt_wrong', ...base, '--platform', stub.wsUrl]);
  assert.equal(token.status, 1);
  assert.match(line(token.out, 'credentials'), /^✗ credentials: refused: .*\(repeater_unauthorized\) — /);
  assert.match(line(token.out, 'TCP'), /^✓/);

  const { certFile, keyFile } = makeCert(t);
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // this test's own REST calls to a self-signed stub
  const tls = await startStub(t, { args: ['--tls-cert', certFile, '--tls-key', keyFile] });
  const { repeater: r2 } = await seed(tls);
  const cert = doctor(['--token', r2.token, '--id', r2.id, '--platform', `wss://127.0.0.1:${tls.port}`]);
  assert.equal(cert.status, 1);
  assert.match(line(cert.out, 'TLS'), /^✗ TLS: .*(self-signed|certificate).* — the platform's certificate is not trusted/);
  const insecure = doctor(['--token', r2.token, '--id', r2.id, '--platform', `wss://127.0.0.1:${tls.port}`, '--insecure']);
  assert.equal(insecure.status, 0, insecure.out);
  assert.match(line(insecure.out, 'TLS'), /^✓ TLS: certificate .*CN ?= ?localhost.*expires in [12] days \(NOT verified/);

  const port = await deadPort();
  const target = doctor(['--token', repeater.token, ...base, '--platform', stub.wsUrl, '--check-url', `http://127.0.0.1:${port}/`]);
  assert.equal(target.status, 1);
  assert.match(target.out, /✗ target http:\/\/127\.0\.0\.1:\d+\/: unreachable: .* — check the URL/);
  assert.match(line(target.out, 'credentials'), /^✓/);
});
