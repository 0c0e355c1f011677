#!/usr/bin/env node
// Generates msgpack codec fixtures for the C codec tests with the real
// socket.io-msgpack-parser (notepack.io underneath).
//
//   tests/data/codec/packets.json      [{name, hex, packet}]  Encoder output
//   tests/data/codec/decode_only.json  [{name, hex, packet}]  hand-built bytes the Decoder accepts
//   tests/data/codec/decode_reject.json [{name, hex, error}]  hand-built bytes the Decoder rejects
//
// JSON conventions in "packet": Buffer -> {"$bin": hex}, undefined -> {"$undefined": true},
// Date -> {"$date": ISO string}. Object key order is the wire order.
'use strict';

const fs = require('fs');
const path = require('path');
const assert = require('assert');
const { Encoder, Decoder } = require('socket.io-msgpack-parser');

const OUT = path.join(__dirname, '..', 'data', 'codec');
const NSP = '/workstations';
const T = { CONNECT: 0, DISCONNECT: 1, EVENT: 2, ACK: 3, CONNECT_ERROR: 4 };

// Packet shapes as socket.io 4.8 builds them (key order matters for the bytes):
// server emit: {type, data, id?, nsp}; server ack: {id, type, data, nsp};
// client emit: {type, data, options, id?, nsp}; client ack: {type, id, data, nsp}.
const serverEvent = (data, id) => (id === undefined ? { type: T.EVENT, data, nsp: NSP } : { type: T.EVENT, data, id, nsp: NSP });
const clientEvent = (data, id) => {
  const p = { type: T.EVENT, data, options: { compress: true } };
  if (id !== undefined) p.id = id;
  p.nsp = NSP;
  return p;
};
const clientAck = (id, data) => ({ type: T.ACK, id, data, nsp: NSP });
const request = (id, job) => serverEvent(['request', job], id);

const toJson = (v) => {
  if (v === undefined) return { $undefined: true };
  if (Buffer.isBuffer(v)) return { $bin: v.toString('hex') };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
};

const decode = (buf) => {
  const d = new Decoder();
  let out;
  d.on('decoded', (p) => { out = p; });
  d.add(buf); // throws on invalid input
  return out;
};

const runtime = {
  version: '13.0.0',
  scriptsLoaded: false,
  localScriptsLoaded: false,
  ci: undefined,
  os: 'linux',
  arch: 'x64',
  docker: false,
  distribution: undefined,
  nodeVersion: 'v20.20.2',
};
const RID = 'a1b2c3d4e5f6g7h8';
const ERRORS = [
  ['repeater_not_permitted', 'Repeater is not permitted', 'Check the repeater permissions.'],
  ['repeater_already_started', 'Repeater is already started', 'Stop the other instance.'],
  ['repeater_deactivated', 'Repeater is deactivated', 'Activate the repeater in the UI.'],
  ['repeater_unauthorized', 'Unauthorized', 'Check the API key.'],
  ['repeater_no_longer_supported', 'Version is no longer supported', 'Upgrade the repeater.'],
  ['unknown_error', 'Something went wrong', 'Try again later.'],
  ['unexpected_error', 'Unexpected error', 'Contact support.'],
];
const binary = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xc1, 0xd4, 0xff, 0x0a, 0x0d]);

const cases = [
  ['connect_auth', { type: T.CONNECT, data: { token: 'abc.def.ghi', domain: RID }, nsp: NSP }],
  ['connect_no_data', { type: T.CONNECT, nsp: NSP }],
  ['connect_reply_sid', { type: T.CONNECT, data: { sid: 'Xq3bVtg9bMTLB2rJAAAB' }, nsp: NSP }],
  // socket.io 4.8 really sends {sid, pid: undefined} when state recovery is off
  ['connect_reply_sid_pid_undefined', { type: T.CONNECT, data: { sid: 'Xq3bVtg9bMTLB2rJAAAB', pid: undefined }, nsp: NSP }],
  ...ERRORS.map(([code, message, remediation]) => [
    `connect_error_${code}`,
    { type: T.CONNECT_ERROR, data: { message, data: { code, remediation } }, nsp: NSP },
  ]),
  ['connect_error_string', { type: T.CONNECT_ERROR, data: 'Invalid namespace', nsp: NSP }],
  ['disconnect', { type: T.DISCONNECT, nsp: NSP }],
  ['event_deploy', clientEvent(['deploy', { repeaterId: RID }, runtime])],
  ['event_deploy_with_id', clientEvent(['deploy', { repeaterId: RID }, runtime], 7)],
  ['event_deployed', serverEvent(['deployed', { repeaterId: RID }])],
  ['event_deployed_record_extension', serverEvent(['deployed', { repeaterId: RID, extensions: { record: true } }])],
  ['event_limits', serverEvent(['limits', { maxBodySize: 10485760 }])],
  ['event_update_available', serverEvent(['update-available', { version: '14.0.0' }])],
  ['event_scripts_updated', serverEvent(['scripts-updated', { script: 'module.exports = {}' }])],
  ...ERRORS.map(([code, message, remediation]) => [
    `event_error_${code}`,
    serverEvent(['error', { message, code, remediation }]),
  ]),
  ['event_error_with_transaction', serverEvent(['error', { message: 'x', code: 'unknown_error', transaction: 'tx-1' }])],
  ['event_test_network_ping', serverEvent(['test-network', { type: 'ping', input: ['https://example.com', 'http://127.0.0.1:8080'] }], 3)],
  ['event_test_network_traceroute', serverEvent(['test-network', { type: 'traceroute', input: 'example.com' }], 4)],
  ['ack_test_network', clientAck(3, [{ output: ['ok', 'ok'] }])],
  ['ack_test_network_error', clientAck(4, [{ error: 'traceroute is not supported' }])],
  ['request_get_no_body', request(1, { protocol: 'http', url: 'http://127.0.0.1:8080/a?b=c', method: 'GET', headers: {} })],
  ['request_id_0', request(0, { protocol: 'http', url: 'http://localhost/', method: 'GET' })],
  ['request_id_uint16', request(65535, { protocol: 'http', url: 'http://localhost/', method: 'HEAD' })],
  ['request_id_uint32', request(65536, { protocol: 'http', url: 'http://localhost/', method: 'GET' })],
  ['request_id_uint64', request(2 ** 32 + 5, { protocol: 'http', url: 'http://localhost/', method: 'GET' })],
  ['request_post_text', request(2, {
    protocol: 'http', url: 'http://127.0.0.1:8080/submit', method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: '{"a":1,"b":[true,null]}',
    timeout: 30000, maxContentSize: 100, decompress: true,
  })],
  ['request_body_base64', request(5, {
    protocol: 'http', url: 'http://127.0.0.1:8080/upload', method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' }, body: 'AAF/gMHU/woN', encoding: 'base64',
  })],
  ['request_headers_array_values', request(6, {
    protocol: 'http', url: 'http://127.0.0.1/', method: 'GET',
    headers: { Accept: '*/*', 'Set-Cookie': ['a=1', 'b=2'], 'X-Many': ['1', '2', '3'], 'X-Empty': [] },
  })],
  ['request_unicode', request(8, {
    protocol: 'http', url: 'http://127.0.0.1/caf%C3%A9', method: 'POST',
    headers: { 'X-Note': 'déjà vu' }, body: 'héllo wörld — ünïcødé ✓ 😀🚀 中文',
  })],
  ['request_empty_strings', request(9, { protocol: 'http', url: 'http://127.0.0.1/', method: 'POST', headers: { 'X-Empty': '' }, body: '' })],
  ['request_str8_body', request(10, { protocol: 'http', url: 'http://127.0.0.1/', method: 'POST', body: 'x'.repeat(200) })],
  ['request_str16_body', request(11, { protocol: 'http', url: 'http://127.0.0.1/', method: 'POST', body: 'y'.repeat(300) })],
  ['request_str32_body', request(12, { protocol: 'http', url: 'http://127.0.0.1/', method: 'POST', body: 'z'.repeat(70000) })],
  ['request_extra_fields', request(13, {
    protocol: 'http', url: 'http://127.0.0.1/', method: 'GET',
    correlationIdRegex: '^x-id$', keepAlive: true, ci: undefined,
  })],
  ['event_nested', serverEvent(['nested', { a: [1, [2, [3, { b: { c: [] } }]], {}], d: { e: { f: { g: 'deep' } } } }], 14)],
  ['event_array16', serverEvent(['list', Array.from({ length: 20 }, (_, i) => i)], 15)],
  ['event_map16', serverEvent(['map', Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]))], 16)],
  ['event_integers', serverEvent(['ints', {
    fix0: 0, fix127: 127, u8lo: 128, u8: 255, u16lo: 256, u16: 65535, u32lo: 65536, u32: 4294967295,
    u64lo: 4294967296, u64: Number.MAX_SAFE_INTEGER,
    negfix1: -1, negfix32: -32, i8lo: -33, i8: -128, i16lo: -129, i16: -32768, i32lo: -32769,
    i32: -2147483648, i64lo: -2147483649, i64: -Number.MAX_SAFE_INTEGER,
  }], 17)],
  // notepack writes every integral number as an integer, so 1e300 (integral) cannot be
  // encoded as float 64 by the Encoder (it comes out as cf 00..00); see decode_only.
  ['event_floats', serverEvent(['floats', [1.5, -0.25, 0.1, -1e-300, 4503599627370495.5]], 18)],
  ['event_bool_null', serverEvent(['misc', { t: true, f: false, n: null }, [true, false, null]], 19)],
  ['event_buffer', serverEvent(['bin', { data: binary, empty: Buffer.alloc(0) }], 20)],
  ['event_buffer_bin16', serverEvent(['bin', Buffer.alloc(300, 0xab)], 21)],
  ['event_undefined_member', serverEvent(['u', { a: 1, b: undefined, c: 'x' }], 22)],
  ['event_undefined_in_array', serverEvent(['u', [1, undefined, 3]], 23)],
  ['event_date', serverEvent(['when', { at: new Date('2026-12-04T19:56:58.123Z') }], 24)],
  ['event_date_before_1970', serverEvent(['when', new Date('1969-07-20T20:17:40.000Z')], 25)],
  ['ack_request_ok', clientAck(1, [{
    protocol: 'http', statusCode: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'set-cookie': ['a=1', 'b=2'] },
    body: '<html></html>', ttfb: 12,
  }])],
  ['ack_request_base64', clientAck(5, [{
    protocol: 'http', statusCode: 201, headers: { 'content-type': 'application/octet-stream' },
    body: 'AAF/gMHU/woN', encoding: 'base64',
  }])],
  ['ack_request_error', clientAck(2, [{ protocol: 'http', errorCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }])],
  ['ack_request_record', clientAck(2 ** 32 + 5, [{
    protocol: 'http', statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok', ttfb: 3,
    record: {
      protocol: 'http',
      request: { method: 'GET', url: 'http://127.0.0.1:8080/', headers: [['Accept', '*/*']], body: '', bodyLength: 0 },
      response: {
        statusCode: 200, statusText: 'OK', httpVersion: '1.1',
        headers: [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']],
        body: 'ok', bodyLength: 2,
        bodySha256: '2689367b205c16ce32ed4200942b8b8b1e262dfc70d9bc9fbc77c49699a4f1df', truncated: false,
      },
      remote: { ip: '127.0.0.1', port: 8080 },
      timings: { dns: 0, connect: 0.21, tls: 0, firstByte: 3.5, total: 4 },
      tls: null,
    },
  }])],
  ['ack_request_record_error', clientAck(3, [{
    protocol: 'http', errorCode: 'timeout', message: 'no response within 500 ms',
    record: { protocol: 'http', error: { type: 'timeout', message: 'no response within 500 ms' }, tls: null },
  }])],
  ['ack_empty', clientAck(30, [])],
  ['event_with_options_and_id', clientEvent(['custom', 'arg'], 42)],
];

// Hand-built byte vectors, each checked against the real Decoder below.
const h = (s) => s.replace(/\s+/g, '');
const str = (s) => { const b = Buffer.from(s); assert(b.length < 32); return (0xa0 | b.length).toString(16) + b.toString('hex'); };
const NSPHEX = str('nsp') + str(NSP);
const decodeOnly = [
  ['connect_reply_pid_fixext_undefined', h(`83 ${str('type')} 00 ${NSPHEX} ${str('data')} 82 ${str('sid')} ${str('abc')} ${str('pid')} d4 00 00`),
    { type: 0, nsp: NSP, data: { sid: 'abc', pid: undefined } }],
  ['keys_in_other_order', h(`83 ${str('data')} 91 ${str('deployed')} ${NSPHEX} ${str('type')} 02`),
    { data: ['deployed'], nsp: NSP, type: 2 }],
  ['non_minimal_ints', h(`84 ${str('type')} cc 02 ${NSPHEX} ${str('id')} cf 00 00 00 00 00 00 00 07 ${str('data')} 92 ${str('x')} d1 00 05`),
    { type: 2, nsp: NSP, id: 7, data: ['x', 5] }],
  ['id_uint32_small', h(`84 ${str('type')} 03 ${NSPHEX} ${str('id')} ce 00 00 00 01 ${str('data')} 90`),
    { type: 3, nsp: NSP, id: 1, data: [] }],
  ['str8_str16_for_short_strings', h(`83 ${str('type')} 02 ${str('nsp')} d9 0d ${Buffer.from(NSP).toString('hex')} ${str('data')} 91 da 00 03 ${Buffer.from('abc').toString('hex')}`),
    { type: 2, nsp: NSP, data: ['abc'] }],
  ['map16_array16_small_counts', h(`de 00 03 ${str('type')} 02 ${NSPHEX} ${str('data')} dc 00 02 ${str('x')} c3`),
    { type: 2, nsp: NSP, data: ['x', true] }],
  ['float64_1e300', h(`83 ${str('type')} 02 ${NSPHEX} ${str('data')} 92 ${str('f')} cb 7e 37 e4 3c 88 00 75 9c`),
    { type: 2, nsp: NSP, data: ['f', 1e300] }],
  ['float32_value', h(`83 ${str('type')} 02 ${NSPHEX} ${str('data')} 92 ${str('f')} ca 3f c0 00 00`),
    { type: 2, nsp: NSP, data: ['f', 1.5] }],
  ['id_fixext_undefined_means_no_id', h(`84 ${str('type')} 02 ${NSPHEX} ${str('id')} d4 00 00 ${str('data')} 91 ${str('limits')}`),
    { type: 2, nsp: NSP, id: undefined, data: ['limits'] }],
  ['bin8_and_date_values', h(`83 ${str('type')} 02 ${NSPHEX} ${str('data')} 93 ${str('b')} c4 02 ff 00 d7 00 00 00 01 93 6b 3b 3c 4b`),
    { type: 2, nsp: NSP, data: ['b', Buffer.from([0xff, 0x00]), new Date(0x1936b3b3c4b)] }],
  ['unknown_extra_key', h(`84 ${str('type')} 02 ${NSPHEX} ${str('data')} 91 ${str('deployed')} ${str('extra')} 81 ${str('compress')} c2`),
    { type: 2, nsp: NSP, data: ['deployed'], extra: { compress: false } }],
];

const rejected = [
  ['empty', ''],
  ['truncated_map', h(`83 ${str('type')} 02`)],
  ['trailing_byte', h(`82 ${str('type')} 01 ${NSPHEX} 00`)],
  ['reserved_c1', 'c1'],
  ['not_a_map_array', h(`93 02 ${str(NSP)} 90`)],
  ['no_type', h(`82 ${NSPHEX} ${str('data')} 90`)],
  ['type_5', h(`83 ${str('type')} 05 ${NSPHEX} ${str('data')} 90`)],
  ['type_negative', h(`83 ${str('type')} ff ${NSPHEX} ${str('data')} 90`)],
  ['type_string', h(`83 ${str('type')} ${str('2')} ${NSPHEX} ${str('data')} 90`)],
  ['nsp_missing', h(`82 ${str('type')} 02 ${str('data')} 90`)],
  ['nsp_number', h(`83 ${str('type')} 02 ${str('nsp')} 01 ${str('data')} 90`)],
  ['event_data_map', h(`83 ${str('type')} 02 ${NSPHEX} ${str('data')} 80`)],
  ['event_data_missing', h(`82 ${str('type')} 02 ${NSPHEX}`)],
  ['ack_data_string', h(`84 ${str('type')} 03 ${NSPHEX} ${str('id')} 01 ${str('data')} ${str('x')}`)],
  ['connect_data_array', h(`83 ${str('type')} 00 ${NSPHEX} ${str('data')} 90`)],
  ['disconnect_with_data', h(`83 ${str('type')} 01 ${NSPHEX} ${str('data')} 80`)],
  ['connect_error_data_number', h(`83 ${str('type')} 04 ${NSPHEX} ${str('data')} 01`)],
  ['id_string', h(`84 ${str('type')} 02 ${NSPHEX} ${str('id')} ${str('1')} ${str('data')} 90`)],
  ['id_float', h(`84 ${str('type')} 02 ${NSPHEX} ${str('id')} cb 3f f8 00 00 00 00 00 00 ${str('data')} 90`)],
  ['id_nil', h(`84 ${str('type')} 02 ${NSPHEX} ${str('id')} c0 ${str('data')} 90`)],
];

// --- build and verify -------------------------------------------------------
const encoder = new Encoder();
const packets = cases.map(([name, packet]) => {
  const [buf] = encoder.encode(packet);
  assert.deepStrictEqual(decode(buf), packet, `round trip of ${name}`);
  return { name, hex: buf.toString('hex'), packet: toJson(packet) };
});
assert(packets.length >= 30);
assert.strictEqual(new Set(packets.map((c) => c.name)).size, packets.length, 'duplicate case name');

const decodeOnlyOut = decodeOnly.map(([name, hex, expected]) => {
  assert.deepStrictEqual(decode(Buffer.from(hex, 'hex')), expected, `decode_only ${name}`);
  return { name, hex, packet: toJson(expected) };
});

const rejectedOut = rejected.map(([name, hex]) => {
  let error = null;
  try { decode(Buffer.from(hex, 'hex')); } catch (e) { error = e.message; }
  assert(error, `decode_reject ${name} was accepted by the Decoder`);
  return { name, hex, error };
});

fs.mkdirSync(OUT, { recursive: true });
const write = (file, value) => fs.writeFileSync(path.join(OUT, file), JSON.stringify(value, null, 1) + '\n');
write('packets.json', packets);
write('decode_only.json', decodeOnlyOut);
write('decode_reject.json', rejectedOut);
console.log(`wrote ${packets.length} packets, ${decodeOnlyOut.length} decode_only, ${rejectedOut.length} decode_reject to ${OUT}`);
