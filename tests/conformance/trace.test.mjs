// Live trace: with --verbose every job's exchange is printed as it happens, each line tagged
// with the job id; --log-format json makes every line a JSON object; a platform that asks for
// traces gets them in the record, and one that watches gets `trace` events while jobs run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeployed, startPlatform, spawnAgent, startReceiver, reply, waitFor } from './lib.mjs';

test('trace lines appear while the receiver still holds its response', { timeout: 20000 }, async (t) => {
  let release;
  const receiver = await startReceiver(t, (req, res) => {
    release = () => reply(res, 200, [['Content-Type', 'text/plain']], 'late answer');
  });
  const { platform, agent } = await startDeployed(t, { agent: { args: ['--verbose'] } });
  const from = agent.mark();
  const ack = platform.request({ protocol: 'http', url: `${receiver.origin}/slow`, method: 'POST', body: 'ping' });
  await waitFor(() => release, 5000, 'the request at the receiver');
  // the request is out, the response is held: its lines must already be printed
  await agent.waitForLine(/job 0: > POST \/slow HTTP\/1\.1/, 2000, { from });
  await agent.waitForLine(/job 0: > ping/, 2000, { from });
  assert.ok(!agent.text().slice(from).some((l) => /job 0: < HTTP\/1\.1 200/.test(l)), 'no response line before the response');
  release();
  await ack;
  await agent.waitForLine(/job 0: < HTTP\/1\.1 200 OK/, 2000, { from });
  await agent.waitForLine(/job 0: < late answer/, 2000, { from });
  await agent.waitForLine(/job 0: \* timing: dns .* total [0-9.]+ ms/, 2000, { from });
  await agent.waitForLine(/job 0: POST .* -> 200 \(/, 2000, { from });
  const jobLines = agent.text().slice(from).filter((l) => / job \d+: /.test(l));
  assert.ok(jobLines.length >= 8, 'connect, request, response and timing lines');
  assert.ok(jobLines.every((l) => / job 0: /.test(l)));
});

test('--log-format json: every line parses and job lines carry job and event', { timeout: 20000 }, async (t) => {
  const receiver = await startReceiver(t);
  const { platform, agent } = await startDeployed(t, { agent: { args: ['--verbose', '--log-format', 'json'] } });
  await platform.request({ protocol: 'http', url: `${receiver.origin}/j`, method: 'GET' });
  await agent.waitForLine(/"event":"end"/, 3000);
  const parsed = agent.text('stderr').map((l) => JSON.parse(l));
  for (const p of parsed) {
    assert.equal(typeof p.time, 'string');
    assert.match(p.level, /^(error|warn|notice|verbose|trace)$/);
    assert.equal(typeof p.message, 'string');
  }
  const job = parsed.filter((p) => p.job === 0);
  assert.ok(job.some((p) => p.event === 'request' && p.message.startsWith('> GET /j')));
  assert.ok(job.some((p) => p.event === 'response' && p.message.startsWith('< HTTP/1.1 200')));
  assert.ok(job.some((p) => p.event === 'timing'));
});

test('negotiated traces: in the record, and streamed while watched', { timeout: 20000 }, async (t) => {
  let release;
  const receiver = await startReceiver(t, (req, res) => {
    release = () => reply(res, 201, [['Content-Type', 'text/plain']], 'made');
  });
  const platform = await startPlatform(t, { autoDeploy: false });
  const agent = spawnAgent(t, platform);
  const conn = await platform.deployedConnection(0, 10000);
  const streamed = [];
  conn.socket.on('trace', (line) => streamed.push(line));
  conn.socket.emit('deployed', { repeaterId: 'conformance1', extensions: { record: true, trace: true, traceStream: true } });
  await agent.waitForLine(/deployed .*with traces/, 5000);
  conn.socket.emit('trace-watch', { enabled: true });
  await agent.waitForLine(/watches the live trace/, 5000);
  const ack = platform.request({ protocol: 'http', url: `${receiver.origin}/w`, method: 'GET' });
  await waitFor(() => release, 5000, 'the request at the receiver');
  await waitFor(() => streamed.some((l) => l.event === 'request'), 3000, 'a streamed request line');
  assert.ok(!streamed.some((l) => l.event === 'response'), 'streamed before the response');
  release();
  const a = await ack;
  assert.equal(a.statusCode, 201);
  assert.ok(Array.isArray(a.record.trace));
  const events = a.record.trace.map((l) => l.event);
  for (const e of ['resolve', 'connect', 'request', 'response', 'timing']) assert.ok(events.includes(e), e);
  assert.ok(a.record.trace.every((l) => typeof l.t === 'number' && typeof l.text === 'string'));
  await waitFor(() => streamed.some((l) => l.event === 'timing'), 3000, 'the streamed timing line');
  assert.ok(streamed.every((l) => l.jobId === streamed[0].jobId));
  // no longer watched: nothing more is streamed
  conn.socket.emit('trace-watch', { enabled: false });
  await agent.waitForLine(/stopped watching the live trace/, 5000);
  const n = streamed.length;
  release = null;
  const ack2 = platform.request({ protocol: 'http', url: `${receiver.origin}/w2`, method: 'GET' });
  await waitFor(() => release, 5000, 'second request');
  release();
  await ack2;
  assert.equal(streamed.length, n);
});
