// platform-stub bench, the load driver of scripts/bench.sh, run small against a real agent and
// receiver: every planned phase runs (rounds of echo, direct and via per level), no job fails,
// and the JSON carries per-round comparisons and their medians.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, spawnAgent, stubBin, deadPort, tempDir, waitFor, withTimeout, HOST } from './lib.mjs';

test('platform-stub bench: rounds of echo, direct and via, summarised', { timeout: 60000 }, async (t) => {
  const receiver = await startReceiver(t, () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }));
  const port = await deadPort();
  const out = join(tempDir(t, 'bench-'), 'bench.json');
  const bench = spawn(stubBin(), ['bench', '--listen', `${HOST}:${port}`, '--url', receiver.url('/bench'),
    '--inflight', '1,4', '--jobs', '40', '--echo', '20', '--rounds', '2', '--rss-inflight', '0', '--json', out],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  bench.stdout.on('data', (d) => { text += d; });
  bench.stderr.on('data', (d) => { text += d; });
  const exited = new Promise((r) => bench.on('exit', (code) => r(code)));
  t.after(() => bench.kill('SIGKILL'));
  await waitFor(() => /waiting for 1 agent session/.test(text), 5000, 'the bench listening');
  spawnAgent(t, { wsUrl: `ws://${HOST}:${port}` }, { token: 'bench-token', id: 'benchrepeater1' });

  assert.equal(await withTimeout(exited, 40000, 'the bench run'), 0, text);
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(doc.rounds, 2);
  const plan = doc.phases.map((p) => `${p.round}:${p.mode}:${p.inFlight}`);
  assert.deepEqual(plan, ['0:echo:1', '0:direct:1', '0:via:1', '0:direct:4', '0:via:4',
    '1:echo:1', '1:direct:1', '1:via:1', '1:direct:4', '1:via:4']);
  for (const p of doc.phases) {
    assert.equal(p.errors, 0, JSON.stringify(p));
    assert.ok(p.jobsPerSec > 0 && p.p50Ms > 0 && p.p99Ms >= p.p50Ms, JSON.stringify(p));
  }
  // 40 direct and 40 via jobs per level and round, 20 echo events per round
  assert.equal(receiver.seen.length, 2 * 2 * 2 * 40);
  assert.equal(doc.comparison.length, 4);
  assert.deepEqual(doc.summary.map((s) => [s.inFlight, s.rounds]), [[1, 2], [4, 2]]);
  for (const s of doc.summary) {
    assert.ok(s.medianViaOverDirectThroughput > 0, JSON.stringify(s));
  }
  assert.match(text, /median/);
});
