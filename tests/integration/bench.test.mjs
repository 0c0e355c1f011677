// platform-stub bench, the load driver of scripts/bench.sh, run small against a real agent and
// receiver: every planned phase runs (rounds of echo, direct and via per level), no job fails,
// and the JSON carries per-round comparisons and their medians.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, spawnAgent, stubBin, tempDir, HOST } from './lib.mjs';
import { freePort, spawnProcess } from '../lib/proc.mjs';

test('platform-stub bench: rounds of echo, direct and via, summarised', { timeout: 60000 }, async (t) => {
  const receiver = await startReceiver(t, () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }));
  const port = await freePort();
  const out = join(tempDir(t, 'bench-'), 'bench.json');
  const bench = spawnProcess(t, 'platform-stub-bench', stubBin(), ['bench', '--listen', `${HOST}:${port}`,
    '--url', receiver.url('/bench'), '--inflight', '1,4', '--jobs', '40', '--echo', '20', '--rounds', '2',
    '--rss-inflight', '0', '--json', out]);
  await bench.waitForLine(/waiting for 1 agent session/, 5000);
  spawnAgent(t, { wsUrl: `ws://${HOST}:${port}` }, { token: 'bench-token', id: 'benchrepeater1' });

  assert.equal((await bench.waitForExit(40000)).code, 0, bench.tail());
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
  assert.ok(bench.text().some((l) => /median/.test(l)), 'the table ends with the medians');
});
