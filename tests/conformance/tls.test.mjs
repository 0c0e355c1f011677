// 8. TLS targets: a self-signed receiver fails with `tls` by default, and succeeds with --cacert
// (record.tls describes the session) or with --insecure-targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDeployed, startReceiver, reply, makeCert } from './lib.mjs';

async function tlsReceiver(t) {
  const pem = makeCert(t);
  const receiver = await startReceiver(t, (req, res) => reply(res, 200, [['Content-Type', 'text/plain']], 'secure'), {
    tls: { key: pem.key, cert: pem.cert },
  });
  return { pem, receiver };
}

test('self-signed target: errorCode tls by default', { timeout: 20000 }, async (t) => {
  const { receiver } = await tlsReceiver(t);
  const { platform } = await startDeployed(t, { platform: { record: true } });
  const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/`, method: 'GET' });
  assert.equal(ack.errorCode, 'tls', JSON.stringify(ack));
  assert.equal(ack.statusCode, undefined);
  assert.equal(ack.record?.error?.type, 'tls');
  assert.equal(receiver.seen.length, 0, 'no HTTP request may go over an unverified session');
});

test('self-signed target: success with --cacert, record.tls filled', { timeout: 20000 }, async (t) => {
  const { pem, receiver } = await tlsReceiver(t);
  const { platform } = await startDeployed(t, {
    platform: { record: true },
    agent: { args: ['--cacert', pem.certFile] },
  });
  for (const host of ['127.0.0.1', 'localhost']) {
    const url = `https://${host}:${receiver.port}/${host}`;
    const ack = await platform.request({ protocol: 'http', url, method: 'GET' });
    assert.equal(ack.errorCode, undefined, `${url}: ${ack.errorCode} ${ack.message}`);
    assert.equal(ack.statusCode, 200);
    assert.equal(ack.body, 'secure');
    const { tls } = ack.record;
    assert.ok(tls, 'record.tls is set');
    assert.match(tls.version, /^TLSv1\.[23]$/);
    assert.equal(typeof tls.cipher, 'string');
    assert.ok(tls.cipher.length > 0, 'cipher is empty');
    assert.match(tls.subject, /localhost/);
    assert.match(tls.issuer, /localhost/); // self-signed
    // the certificate is valid for 2 days; accept ISO or OpenSSL's "Dec  6 19:56:58 2026 GMT"
    const notAfter = new Date(tls.notAfter).getTime();
    assert.ok(Math.abs(notAfter - (Date.now() + 2 * 86400e3)) < 86400e3, `notAfter ${tls.notAfter}`);
    assert.ok(ack.record.timings.tls >= 0);
  }
  assert.equal(receiver.seen.length, 2);
});

test('self-signed target: success with --insecure-targets', { timeout: 20000 }, async (t) => {
  const { receiver } = await tlsReceiver(t);
  const { platform } = await startDeployed(t, { agent: { args: ['--insecure-targets'] } });
  const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/`, method: 'GET' });
  assert.equal(ack.errorCode, undefined, `${ack.errorCode} ${ack.message}`);
  assert.equal(ack.statusCode, 200);
  assert.equal(ack.body, 'secure');
});

test('every new TLS connection makes a full handshake: no session resumed across jobs', { timeout: 20000 }, async (t) => {
  const pem = makeCert(t);
  const resumed = [];
  const receiver = await startReceiver(t, (req, res) => {
    resumed.push(req.socket.isSessionReused());
    reply(res, 200, [['Content-Type', 'text/plain']], 'secure');
  }, { tls: { key: pem.key, cert: pem.cert } });
  const { platform } = await startDeployed(t, {
    platform: { record: true },
    agent: { args: ['--cacert', pem.certFile] },
  });
  // keepAlive false: each job opens its own connection (and the executor reuses easy handles)
  for (let i = 0; i < 6; i++) {
    const ack = await platform.request({ protocol: 'http', url: `${receiver.origin}/${i}`, method: 'GET', keepAlive: false });
    assert.equal(ack.statusCode, 200, `${ack.errorCode} ${ack.message}`);
    assert.match(ack.record.tls.subject, /localhost/, 'the certificate was seen on every connection');
  }
  assert.deepEqual(resumed, [false, false, false, false, false, false]);
});
