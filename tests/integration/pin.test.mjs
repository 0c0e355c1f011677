// --pin-sha256: the agent connects to a TLS platform whose public key matches a pin, and closes
// a connection whose key matches none before sending the token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { startStub, seed, spawnAgent, waitRepeaterStatus } from './lib.mjs';
import { makeCert } from '../lib/proc.mjs';

test('public key pinning of the platform', { timeout: 30000 }, async (t) => {
  const { certFile: cert, keyFile: key } = makeCert(t);
  const pin = execSync(`openssl x509 -pubkey -noout -in ${cert} | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`).toString().trim();
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the test's own REST calls to the self-signed stub
  const stub = await startStub(t, { args: ['--tls-cert', cert, '--tls-key', key] });
  const { repeater } = await seed(stub);

  const good = spawnAgent(t, stub, { token: repeater.token, id: repeater.id, args: ['--insecure', '--pin-sha256', `sha256//${pin}`] });
  await good.deployed();
  await waitRepeaterStatus(stub, repeater.id, 'connected');
  await good.stop();
  await waitRepeaterStatus(stub, repeater.id, 'disconnected');

  const wrong = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  const bad = spawnAgent(t, stub, { token: repeater.token, id: repeater.id, args: ['--insecure', '--pin-sha256', wrong] });
  await bad.waitForLine(/matches no --pin-sha256: closing before sending anything/, 5000, { stream: 'stderr' });
  assert.ok(!bad.lines.some((l) => /\bdeployed\b/.test(l.line)), 'never deployed');
  assert.equal((await stub.ok('GET', `/api/v1/repeaters/${repeater.id}`)).status, 'disconnected');
});
