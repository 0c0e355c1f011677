// Content codings of responses: with `decompress` (the default) the agent decodes gzip,
// deflate, br and zstd bodies and acks the decoded bytes; with `decompress: false` it acks the
// bytes as they came. It never advertises an encoding the job did not ask for. A coding the
// agent cannot decode, or a body that does not decode, is a typed error (`protocol`) naming
// the cause. The four codings are what the libcurl of scripts/build-curl.sh is built with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { startDeployed, startReceiver, reply } from './lib.mjs';

/** A zstd frame holding `data` in one raw (stored) block: valid zstd, which Node 20 lacks. */
function zstdRaw(data) {
  assert.ok(data.length < 256, 'a one-byte content size');
  const block = 1 | (data.length << 3); // last block, type raw, size
  return Buffer.concat([
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), // magic
    Buffer.from([0x20, data.length]), // single segment, one-byte content size
    Buffer.from([block & 0xff, (block >> 8) & 0xff, (block >> 16) & 0xff]),
    data,
  ]);
}

const TEXT = Buffer.from('{"scan":"done","issues":[{"name":"SQL injection","severity":"high"}]}\n');
const CODINGS = {
  gzip: gzipSync(TEXT),
  deflate: deflateSync(TEXT),
  br: brotliCompressSync(TEXT),
  zstd: zstdRaw(TEXT),
};

test('response content codings: decoded by default, kept as sent with decompress false', { timeout: 30000 }, async (t) => {
  const receiver = await startReceiver(t, (req, res, rec) => {
    const coding = rec.url.split('/')[1];
    const body = coding === 'broken' ? Buffer.from('not gzip at all') : CODINGS[coding];
    const name = coding === 'broken' ? 'gzip' : coding === 'unknown' ? 'x-unknown' : coding;
    reply(res, 200, [['Content-Type', 'application/json'], ['Content-Encoding', name]], body ?? TEXT);
  });
  const { platform } = await startDeployed(t);
  const job = (path, extra = {}) => ({ protocol: 'http', method: 'GET', url: `${receiver.origin}${path}`, ...extra });

  for (const [coding, encoded] of Object.entries(CODINGS)) {
    const ack = await platform.request(job(`/${coding}`, { headers: { 'Accept-Encoding': coding } }));
    assert.equal(ack.errorCode, undefined, `${coding}: ${ack.errorCode} ${ack.message}`);
    assert.equal(ack.statusCode, 200, coding);
    assert.equal(ack.encoding, undefined, `${coding}: the decoded body is text`);
    assert.equal(ack.body, TEXT.toString(), `${coding}: decoded body`);
    assert.equal(ack.headers['content-encoding'], coding, `${coding}: the header is reported as received`);
    const seen = receiver.seen.at(-1);
    const asked = seen.rawHeaders.filter(([n]) => n.toLowerCase() === 'accept-encoding').map(([, v]) => v);
    assert.deepEqual(asked, [coding], `${coding}: only the job's Accept-Encoding went out`);

    const raw = await platform.request(job(`/${coding}`, { decompress: false }));
    assert.equal(raw.statusCode, 200, coding);
    assert.equal(raw.encoding, 'base64', `${coding}: undecoded bytes are binary`);
    assert.ok(Buffer.from(raw.body, 'base64').equals(encoded), `${coding}: bytes as sent`);
  }

  // no Accept-Encoding in the job: none on the wire, even with decompress on
  await platform.request(job('/gzip'));
  assert.ok(!receiver.seen.at(-1).rawHeaders.some(([n]) => n.toLowerCase() === 'accept-encoding'),
    'no encoding advertised that the job did not ask for');

  // a body that does not decode, and a coding nobody knows
  const broken = await platform.request(job('/broken'));
  assert.equal(broken.errorCode, 'protocol', `${broken.errorCode} ${broken.message}`);
  assert.match(broken.message, /unencoding: incorrect header check/, 'the decoder\'s reason');
  const unknown = await platform.request(job('/unknown'));
  assert.equal(unknown.errorCode, 'protocol', `${unknown.errorCode} ${unknown.message}`);
  assert.match(unknown.message, /Unrecognized content encoding.*deflate, gzip, br, zstd/);
  // without decoding, any coding is passed through as bytes
  const passed = await platform.request(job('/unknown', { decompress: false }));
  assert.equal(passed.errorCode, undefined, `${passed.errorCode} ${passed.message}`);
  assert.equal(passed.body, TEXT.toString());
});
