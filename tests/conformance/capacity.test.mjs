// Bounded concurrency: at most --max-inflight jobs run at once, --max-queue more wait in order,
// and a job beyond both is answered at once with a typed `busy` error, never dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeployed, startReceiver, reply, waitFor } from './lib.mjs';

test('max-inflight and max-queue: the overflow gets busy, the rest all complete', { timeout: 30000 }, async (t) => {
  const { platform } = await startDeployed(t, { agent: { args: ['--max-inflight', '2', '--max-queue', '2'] } });
  let running = 0;
  let peak = 0;
  const held = [];
  const receiver = await startReceiver(t, (req, res) => {
    running++;
    peak = Math.max(peak, running);
    held.push(() => {
      running--;
      reply(res, 200, [['Content-Type', 'text/plain']], req.url);
    });
  });
  const acks = [];
  for (let i = 0; i < 5; i++) {
    acks.push(platform.request({ protocol: 'http', url: `${receiver.origin}/j${i}`, method: 'GET' }));
  }
  // two run, two wait, the fifth is refused at once
  const fifth = await acks[4];
  assert.equal(fifth.errorCode, 'busy');
  assert.ok(fifth.message.length > 0);
  await waitFor(() => held.length === 2, 5000, 'two jobs at the receiver');
  assert.equal(receiver.seen.length, 2, 'queued jobs wait for a slot');
  while (held.length || receiver.seen.length < 4) {
    await waitFor(() => held.length > 0, 5000, 'a held request');
    held.shift()();
  }
  const done = await Promise.all(acks.slice(0, 4));
  done.forEach((a, i) => {
    assert.equal(a.statusCode, 200);
    assert.equal(a.body, `/j${i}`);
  });
  assert.equal(peak, 2, 'never more than --max-inflight at once');
  assert.deepEqual(receiver.seen.map((r) => r.url), ['/j0', '/j1', '/j2', '/j3'], 'queue order kept');
});
