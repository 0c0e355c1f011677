// The platform's certificate is verified against the CA store the way OpenSSL programs do:
// SSL_CERT_DIR (a hashed directory, read when an issuer is needed) or SSL_CERT_FILE (a bundle),
// and without either the system's hashed directory. A platform signed by a CA the agent does
// not know is refused before the token is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStub, seed, spawnAgent, tempDir, waitRepeaterStatus } from './lib.mjs';

function openssl(args) {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

test('the platform certificate is checked against SSL_CERT_DIR, SSL_CERT_FILE or the system store', { timeout: 60000 }, async (t) => {
  const dir = tempDir(t, 'platform-ca-');
  const p = (n) => join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=repeater test CA', '-keyout', p('ca.key'), '-out', p('ca.pem')]);
  openssl(['req', ...ec, '-subj', '/CN=localhost', '-keyout', p('server.key'), '-out', p('server.csr')]);
  const ext = p('san.ext'); // the stub listens on 127.0.0.1
  writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', ext, '-out', p('server.pem')]);
  const hashed = p('hashed');
  mkdirSync(hashed);
  copyFileSync(p('ca.pem'), join(hashed, 'ca.pem'));
  openssl(['rehash', hashed]);
  const empty = p('empty');
  mkdirSync(empty);

  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the test's own REST calls to the stub
  const stub = await startStub(t, { args: ['--tls-cert', p('server.pem'), '--tls-key', p('server.key')] });
  const { repeater } = await seed(stub);
  const agent = (env) => spawnAgent(t, stub, { token: repeater.token, id: repeater.id, env });

  // a hashed directory holding the CA
  const byDir = agent({ SSL_CERT_DIR: hashed, SSL_CERT_FILE: undefined });
  await byDir.deployed();
  await waitRepeaterStatus(stub, repeater.id, 'connected');
  await byDir.stop();
  await waitRepeaterStatus(stub, repeater.id, 'disconnected');

  // a bundle file holding the CA
  const byFile = agent({ SSL_CERT_FILE: p('ca.pem'), SSL_CERT_DIR: undefined });
  await byFile.deployed();
  await byFile.stop();
  await waitRepeaterStatus(stub, repeater.id, 'disconnected');

  // the system store (no variables): this CA is not in it
  const bySystem = agent({ SSL_CERT_FILE: undefined, SSL_CERT_DIR: undefined });
  await bySystem.waitForLine(/could not connect to .*: the platform.s certificate did not verify: unable to get local issuer certificate/, 10000, { stream: 'stderr' });
  assert.ok(!bySystem.lines.some((l) => /\bdeployed\b/.test(l.line)), 'never deployed');
  await bySystem.stop();

  // a directory without the CA, and no file
  const wrong = agent({ SSL_CERT_DIR: empty, SSL_CERT_FILE: undefined });
  await wrong.waitForLine(/could not connect to .*: the platform.s certificate did not verify: unable to get local issuer certificate/, 10000, { stream: 'stderr' });
  assert.ok(!wrong.lines.some((l) => /\bdeployed\b/.test(l.line)), 'never deployed');
  assert.equal((await stub.ok('GET', `/api/v1/repeaters/${repeater.id}`)).status, 'disconnected');
});
