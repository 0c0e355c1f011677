// test-network: type "ping" reports one line per URL (reachable with its status, or
// unreachable with the error type); traceroute and bad input are answered with {error}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeployed, startReceiver, freePort, reply } from './lib.mjs';

test('test-network ping reports each URL', { timeout: 20000 }, async (t) => {
  const { conn } = await startDeployed(t);
  const receiver = await startReceiver(t, (req, res) => reply(res, 204, [], ''));
  const closed = await freePort();
  const urls = [`${receiver.origin}/health`, `http://127.0.0.1:${closed}/`];
  const ack = await conn.socket.timeout(10000).emitWithAck('test-network', { type: 'ping', input: urls });
  assert.equal(typeof ack.output, 'string');
  const lines = ack.output.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], new RegExp(`^${urls[0].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: reachable \\(HTTP 204`));
  assert.match(lines[1], /: unreachable \(connect: /);
  assert.equal(receiver.seen.length, 1);
  assert.equal(receiver.seen[0].method, 'GET');
});

test('test-network refuses traceroute and bad input with an error', { timeout: 20000 }, async (t) => {
  const { conn } = await startDeployed(t);
  const tr = await conn.socket.timeout(5000).emitWithAck('test-network', { type: 'traceroute', input: '127.0.0.1' });
  assert.match(tr.error, /traceroute/);
  const none = await conn.socket.timeout(5000).emitWithAck('test-network', { type: 'ping', input: [] });
  assert.match(none.error, /input/);
  const bad = await conn.socket.timeout(5000).emitWithAck('test-network', { type: 'ping', input: ['ftp://x/'] });
  assert.match(bad.output, /not checked/);
});
