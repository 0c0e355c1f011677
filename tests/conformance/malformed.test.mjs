// 7. Malformed frames and invalid jobs. Raw frames go straight through the server's WebSocket and
// must produce an `error=<type>` log line; invalid `request` jobs must be acked with `errorCode`.
// Afterwards the agent must still be on its first connection and serve a valid job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeployed, startReceiver, rawWs, msgpack, NSP } from './lib.mjs';

const pack = (v) => msgpack.encode(v);
const ev = (data, extra = {}) => pack({ type: 2, nsp: NSP, data, ...extra });
const valid = ev(['limits', { maxBodySize: 1024 }]);

// [name, frame (Buffer = binary frame, string = text frame), expected error type]
const RAW = [
  ['garbage binary', Buffer.from('c1ff0013', 'hex'), 'bad_frame'],
  ['empty binary frame', Buffer.alloc(0), 'bad_frame'],
  ['truncated msgpack', valid.subarray(0, valid.length - 3), 'bad_frame'],
  ['trailing bytes', Buffer.concat([valid, Buffer.from([0])]), 'bad_frame'],
  ['str32 length past the end', Buffer.from('81a474797065db7fffffff61', 'hex'), 'bad_frame'],
  ['map16 count past the end', Buffer.from('deffff', 'hex'), 'bad_frame'],
  ['msgpack array, not a map', pack([2, NSP, ['limits', {}]]), 'bad_packet'],
  ['msgpack string', pack('hello'), 'bad_packet'],
  ['msgpack integer', pack(2), 'bad_packet'],
  ['msgpack nil', Buffer.from('c0', 'hex'), 'bad_packet'],
  ['map without type', pack({ nsp: NSP, data: ['limits', {}] }), 'bad_packet'],
  ['type 5', pack({ type: 5, nsp: NSP, data: ['limits', {}] }), 'bad_packet'],
  ['type -1', pack({ type: -1, nsp: NSP, data: ['limits', {}] }), 'bad_packet'],
  ['type 255', pack({ type: 255, nsp: NSP, data: ['limits', {}] }), 'bad_packet'],
  ['type as string', pack({ type: '2', nsp: NSP, data: ['limits', {}] }), 'bad_packet'],
  ['type 2.5', pack({ type: 2.5, nsp: NSP, data: ['limits', {}] }), 'bad_packet'],
  ['nsp is a number', pack({ type: 2, nsp: 7, data: ['limits', {}] }), 'bad_packet'],
  ['nsp missing', pack({ type: 2, data: ['limits', {}] }), 'bad_packet'],
  ['EVENT data is a map', pack({ type: 2, nsp: NSP, data: { a: 1 } }), 'bad_packet'],
  ['EVENT data missing', pack({ type: 2, nsp: NSP }), 'bad_packet'],
  ['EVENT data is an empty array', ev([]), 'bad_packet'],
  ['EVENT first element is a number', ev([42, {}]), 'bad_packet'],
  ['EVENT first element is nil', ev([null, {}]), 'bad_packet'],
  ['EVENT id is a string', ev(['request', {}], { id: '1' }), 'bad_packet'],
  ['EVENT id is negative', ev(['request', {}], { id: -3 }), 'bad_packet'],
  ['CONNECT data is an array', pack({ type: 0, nsp: NSP, data: [1] }), 'bad_packet'],
  ['ACK for an unknown id', pack({ type: 3, nsp: NSP, id: 4242, data: [{}] }), 'bad_packet'],
  ['unknown event with an id', ev(['no-such-event', { a: 1 }], { id: 9001 }), 'unknown_event'],
  ['unknown event without id', ev(['another-unknown-event']), 'unknown_event'],
  ['text frame, unknown Engine.IO type', '9', 'bad_frame'],
  ['text frame, 4 + junk', '4junk{]', 'bad_frame'],
  ['text frame, empty', '', 'bad_frame'],
  ['text frame, not a digit', 'x', 'bad_frame'],
];

// [name, args after the event name, expected errorCode]; `u` is the receiver's origin.
const JOBS = (u) => [
  ['no job at all', [], 'invalid_job'],
  ['job is null', [null], 'invalid_job'],
  ['job is a string', ['GET /'], 'invalid_job'],
  ['job is an array', [[u]], 'invalid_job'],
  ['missing url', [{ protocol: 'http', method: 'GET' }], 'invalid_job'],
  ['url is a number', [{ protocol: 'http', url: 42, method: 'GET' }], 'invalid_job'],
  ['url is empty', [{ protocol: 'http', url: '', method: 'GET' }], 'invalid_job'],
  ['url ftp://x', [{ protocol: 'http', url: 'ftp://x/', method: 'GET' }], 'invalid_job'],
  ['url with spaces', [{ protocol: 'http', url: `${u}/a b`, method: 'GET' }], 'invalid_job'],
  ['url without host', [{ protocol: 'http', url: 'http://:8080/path', method: 'GET' }], 'invalid_job'],
  ['url with an empty authority', [{ protocol: 'http', url: 'http://', method: 'GET' }], 'invalid_job'],
  ['url with port 70000', [{ protocol: 'http', url: 'http://127.0.0.1:70000/', method: 'GET' }], 'invalid_job'],
  ['method with a space', [{ protocol: 'http', url: u, method: 'GE T' }], 'invalid_job'],
  ['method with CRLF', [{ protocol: 'http', url: u, method: 'GET\r\nX-Injected: 1' }], 'invalid_job'],
  ['method is a number', [{ protocol: 'http', url: u, method: 42 }], 'invalid_job'],
  ['headers is an array', [{ protocol: 'http', url: u, method: 'GET', headers: ['X-A: 1'] }], 'invalid_job'],
  ['headers is a string', [{ protocol: 'http', url: u, method: 'GET', headers: 'X-A: 1' }], 'invalid_job'],
  ['header name with CRLF', [{ protocol: 'http', url: u, method: 'GET', headers: { 'X-A\r\nX-B': '1' } }], 'invalid_job'],
  ['header name with LF', [{ protocol: 'http', url: u, method: 'GET', headers: { 'X-A\nX-B': '1' } }], 'invalid_job'],
  ['header name with a space', [{ protocol: 'http', url: u, method: 'GET', headers: { 'X A': '1' } }], 'invalid_job'],
  ['header name empty', [{ protocol: 'http', url: u, method: 'GET', headers: { '': '1' } }], 'invalid_job'],
  ['header value with LF', [{ protocol: 'http', url: u, method: 'GET', headers: { 'X-A': 'a\nX-B: b' } }], 'invalid_job'],
  ['header value with CR', [{ protocol: 'http', url: u, method: 'GET', headers: { 'X-A': 'a\rb' } }], 'invalid_job'],
  ['header value with NUL', [{ protocol: 'http', url: u, method: 'GET', headers: { 'X-A': 'a\0b' } }], 'invalid_job'],
  ['header value is an object', [{ protocol: 'http', url: u, method: 'GET', headers: { 'X-A': { a: 1 } } }], 'invalid_job'],
  ['header array holds an object', [{ protocol: 'http', url: u, method: 'GET', headers: { 'X-A': ['1', { a: 1 }] } }], 'invalid_job'],
  ['bad base64 body', [{ protocol: 'http', url: u, method: 'POST', body: '!!!not base64!!!', encoding: 'base64' }], 'invalid_job'],
  ['unknown encoding', [{ protocol: 'http', url: u, method: 'POST', body: '00ff', encoding: 'hex' }], 'invalid_job'],
  ['body is a number', [{ protocol: 'http', url: u, method: 'POST', body: 42 }], 'invalid_job'],
  ['body is an object', [{ protocol: 'http', url: u, method: 'POST', body: { a: 1 } }], 'invalid_job'],
  ['timeout -1', [{ protocol: 'http', url: u, method: 'GET', timeout: -1 }], 'invalid_job'],
  ['timeout "abc"', [{ protocol: 'http', url: u, method: 'GET', timeout: 'abc' }], 'invalid_job'],
  ['timeout over a day', [{ protocol: 'http', url: u, method: 'GET', timeout: 86400001 }], 'invalid_job'],
  ['maxContentSize -1', [{ protocol: 'http', url: u, method: 'GET', maxContentSize: -1 }], 'invalid_job'],
  ['maxContentSize "big"', [{ protocol: 'http', url: u, method: 'GET', maxContentSize: 'big' }], 'invalid_job'],
  ['protocol gopher', [{ protocol: 'gopher', url: u, method: 'GET' }], 'invalid_job'],
  ['protocol ws', [{ protocol: 'ws', url: u.replace('http', 'ws'), method: 'GET' }], 'unsupported'],
];

test('malformed frames and invalid jobs are rejected with typed errors', { timeout: 120000 }, async (t) => {
  const receiver = await startReceiver(t);
  const { platform, agent, conn } = await startDeployed(t);
  const ws = rawWs(conn.socket);

  for (const [name, frame, type] of RAW) {
    await t.test(`raw frame: ${name} -> error=${type}`, async () => {
      const from = agent.mark();
      ws.send(frame, { binary: Buffer.isBuffer(frame) });
      await agent.waitForLine(new RegExp(`error=${type}\\b`), 3000, { from });
      assert.ok(conn.socket.connected, 'the agent dropped the connection');
    });
  }

  for (const [name, args, code] of JOBS(`${receiver.origin}/must-not-be-reached`)) {
    await t.test(`invalid job: ${name} -> ${code}`, async () => {
      assert.ok(conn.socket.connected, 'the first connection is gone');
      const ack = await conn.socket.timeout(5000).emitWithAck('request', ...args);
      assert.equal(ack?.errorCode, code, `ack: ${JSON.stringify(ack)}`);
      assert.equal(typeof ack.message, 'string');
      assert.ok(ack.message.length > 0, 'message is empty');
      assert.equal(ack.statusCode, undefined, 'an invalid job has no status code');
    });
  }

  assert.equal(receiver.seen.length, 0, `invalid jobs reached the target: ${receiver.seen.map((s) => s.url)}`);
  assert.equal(platform.connections.length, 1, 'the agent reconnected during the table');
  assert.ok(conn.socket.connected, 'first connection is gone');
  const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/ok`, method: 'GET' }, { conn });
  assert.equal(ack.errorCode, undefined, ack.message);
  assert.equal(ack.statusCode, 200);
  assert.equal(ack.body, 'ok');
  assert.equal(agent.exitInfo, null, 'agent still running');
});
