// The health endpoint: /healthz, /readyz that follows the platform connection, /metrics in
// the Prometheus text format (checked by promtool) with counters that move as jobs run, and
// `repeater health` for container health checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { startPlatform, spawnAgent, startReceiver, freePort, waitFor, agentBin } from './lib.mjs';

const get = async (port, path) => {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, text: await r.text(), type: r.headers.get('content-type') };
};
const metric = (text, name) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : undefined;
};

test('healthz, readyz through a platform restart, metrics, repeater health', { timeout: 30000 }, async (t) => {
  const hp = await freePort();
  const platform = await startPlatform(t);
  const agent = spawnAgent(t, platform, { args: ['--health-listen', `127.0.0.1:${hp}`] });
  await platform.deployedConnection(0, 10000);
  await agent.waitForLine(/deployed/, 5000);
  assert.equal((await get(hp, '/healthz')).status, 200);
  assert.equal((await get(hp, '/readyz')).status, 200);
  assert.equal((await get(hp, '/nope')).status, 404);

  const health = (args, env = {}) => spawnSync(agentBin(), ['health', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(health(['--health-listen', `127.0.0.1:${hp}`]).status, 0);
  assert.equal(health(['--ready'], { REPEATER_HEALTH_LISTEN: `0.0.0.0:${hp}` }).status, 0);
  const dead = await freePort();
  const r = health(['--health-listen', `127.0.0.1:${dead}`]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /unhealthy/);

  const receiver = await startReceiver(t);
  const before = (await get(hp, '/metrics')).text;
  for (let i = 0; i < 3; i++) await platform.request({ protocol: 'http', url: `${receiver.origin}/m${i}`, method: 'POST', body: 'abcd' });
  await platform.request({ protocol: 'http', url: 'ftp://nope/' });
  const m = await get(hp, '/metrics');
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  const okLine = 'repeater_jobs_total{outcome="success",error_type="none"}';
  const badLine = 'repeater_jobs_total{outcome="error",error_type="invalid_job"}';
  assert.equal(metric(m.text, okLine) - (metric(before, okLine) ?? 0), 3);
  assert.equal(metric(m.text, badLine) - (metric(before, badLine) ?? 0), 1);
  assert.equal(metric(m.text, 'repeater_sent_bytes_total'), 12);
  assert.equal(metric(m.text, 'repeater_job_duration_seconds_count'), 3);
  assert.equal(metric(m.text, 'repeater_connected'), 1);
  assert.equal(metric(m.text, 'repeater_deployed'), 1);
  assert.match(m.text, /repeater_job_phase_seconds_bucket\{phase="dns",le="\+Inf"\} 3/);
  assert.match(m.text, /repeater_build_info\{version="[0-9.]+"\} 1/);
  execFileSync('promtool', ['check', 'metrics'], { input: m.text }); // throws on problems

  // the platform goes away: not ready; it comes back: ready again after the re-deploy
  const port = platform.port;
  await platform.kill();
  await waitFor(async () => (await get(hp, '/readyz')).status === 503, 5000, 'readyz 503 while the platform is down');
  assert.equal((await get(hp, '/healthz')).status, 200, 'still alive');
  assert.equal(health(['--ready', '--health-listen', `127.0.0.1:${hp}`]).status, 1);
  const again = await startPlatform(t, { port });
  await again.deployedConnection(0, 10000);
  await waitFor(async () => (await get(hp, '/readyz')).status === 200, 5000, 'readyz 200 after re-deploy');
  const after = (await get(hp, '/metrics')).text;
  assert.ok(metric(after, 'repeater_reconnects_total') >= 1);
});
