// 9. A target that never answers: the job's own timeout gives errorCode `timeout`, on time.
// 10. A response larger than maxContentSize is truncated in the record, but measured in full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeployed, startReceiver, startSilentReceiver, reply, rng, sha256 } from './lib.mjs';

test('silent target: errorCode timeout at about the job timeout', { timeout: 20000 }, async (t) => {
  const receiver = await startSilentReceiver(t);
  const { platform } = await startDeployed(t, { platform: { record: true } });
  const started = Date.now();
  const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/hang`, method: 'GET', timeout: 500 });
  const elapsed = Date.now() - started;
  assert.equal(ack.errorCode, 'timeout', JSON.stringify(ack));
  assert.equal(ack.statusCode, undefined);
  assert.ok(elapsed >= 400 && elapsed <= 3000, `acked after ${elapsed} ms`);
  assert.equal(ack.record?.error?.type, 'timeout');
  assert.ok(receiver.accepted >= 1, 'the agent never connected to the target');
});

test('1 MiB response with maxContentSize 64: truncated capture, full length and sha256', { timeout: 30000 }, async (t) => {
  const full = rng(7).bytes(1 << 20);
  const receiver = await startReceiver(t, (req, res) => reply(res, 200, [['Content-Type', 'application/octet-stream']], full));
  const { platform } = await startDeployed(t, { platform: { record: true } });
  const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/big`, method: 'GET', maxContentSize: 64 });

  const { response } = ack.record;
  assert.equal(response.statusCode, 200);
  assert.equal(response.truncated, true);
  assert.equal(response.bodyLength, 1048576);
  assert.equal(response.bodySha256, sha256(full));
  assert.equal(response.encoding, 'base64');
  const captured = Buffer.from(response.body, 'base64');
  assert.ok(captured.length > 0 && captured.length <= 64 * 1024, `captured ${captured.length} bytes`);
  assert.ok(full.subarray(0, captured.length).equals(captured), 'captured bytes are not the start of the body');
  if (ack.body !== undefined) {
    const body = ack.encoding === 'base64' ? Buffer.from(ack.body, 'base64') : Buffer.from(ack.body);
    assert.ok(body.length <= 64 * 1024, `ack body has ${body.length} bytes`);
  }
});
