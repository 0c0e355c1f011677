// Standard Webhooks signatures, verified by the receiver with the official `standardwebhooks`
// library, on direct deliveries and on deliveries through the real agent; retries of one
// delivery carry the same webhook-id; a tampered body fails verification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import {
  startStub, startReceiver, seed, createWebhook, createScan, setStatus, theDelivery, spawnAgent,
} from './lib.mjs';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const wh = new Webhook(secret);

/** A receiver that verifies every request with the official library; 500 first, then 200. */
async function verifyingReceiver(t) {
  const results = [];
  const rx = await startReceiver(t, (rec, index) => {
    try {
      results[index] = { ok: true, payload: wh.verify(rec.text, rec.headers) };
    } catch (e) {
      results[index] = { ok: false, error: `${e.name}: ${e.message}` };
    }
    return index === 0 ? 500 : 200;
  });
  rx.results = results;
  return rx;
}

test('signed deliveries verify with the standardwebhooks library, direct and through the agent', { timeout: 30000 }, async (t) => {
  const stub = await startStub(t, { args: ['--retry-schedule', '300ms,300ms,300ms'] });
  const rxDirect = await verifyingReceiver(t);
  const rxVia = await verifyingReceiver(t);
  const { project, repeater } = await seed(stub);
  const pid = project.id;

  const hDirect = await createWebhook(stub, pid, { name: 'signed direct', url: rxDirect.url('/signed'), secret });
  const hVia = await createWebhook(stub, pid, { name: 'signed via', url: rxVia.url('/signed'), secret, repeaterId: repeater.id });
  for (const h of [hDirect, hVia]) {
    assert.equal(h.hasSecret, true);
    assert.ok(!JSON.stringify(h).includes(secret.slice(6, 20)), 'the secret is never returned');
    const got = await stub.ok('GET', `/api/v1/projects/${pid}/webhooks/${h.id}`);
    assert.equal(got.hasSecret, true);
    assert.ok(!JSON.stringify(got).includes(secret.slice(6, 20)), 'GET never returns the secret');
  }
  assert.ok(!JSON.stringify(await stub.ok('GET', `/api/v1/projects/${pid}/webhooks`)).includes(secret.slice(6, 20)));

  const agent = spawnAgent(t, stub, { token: repeater.token, id: repeater.id });
  await agent.deployed(10000);

  const scan = await createScan(stub, pid, { name: 'signed scan', config: { unicode: 'caf\u00e9 \u2713 \ud83d\ude80' } });
  await stub.ok('POST', `/api/v1/scans/${scan.id}/issues`, { name: 'XSS in "q" <script>', severity: 'high', detail: 'line1\nline2\ttab' }, 201);
  const t0 = Math.floor(Date.now() / 1000);
  assert.equal((await setStatus(stub, scan.id, 'running')).deliveriesCreated, 2);

  for (const [label, rx, hook] of [['direct', rxDirect, hDirect], ['via the agent', rxVia, hVia]]) {
    const id = await theDelivery(stub, scan.id, hook.id);
    const d = await stub.waitDelivery(id, (x) => x.state === 'delivered', 5000, `${label}: delivered after a retry`);
    assert.equal(d.attempts.length, 2, `${label}: 500 then 200`);
    assert.equal(d.attempts[0].response.statusCode, 500);
    assert.equal(d.attempts[1].response.statusCode, 200);
    assert.equal(rx.seen.length, 2);
    for (const [i, rec] of rx.seen.entries()) {
      const r = rx.results[i];
      assert.ok(r.ok, `${label}, request ${i + 1}: standardwebhooks verification failed: ${r.error}`);
      assert.deepEqual(r.payload, d.payload, `${label}, request ${i + 1}: the verified payload is the delivery's`);
      assert.equal(rec.headers['webhook-id'], d.id, `${label}, request ${i + 1}: webhook-id is the delivery id`);
      assert.match(rec.headers['webhook-timestamp'], /^\d+$/);
      const ts = Number(rec.headers['webhook-timestamp']);
      assert.ok(Math.abs(ts - t0) <= 30, `${label}: webhook-timestamp ${ts} is now (${t0})`);
      assert.match(rec.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+={0,2}$/);
    }
    assert.equal(rx.seen[0].headers['webhook-id'], rx.seen[1].headers['webhook-id'], `${label}: a retry carries the same webhook-id`);
    assert.equal(rx.seen[0].text, rx.seen[1].text, `${label}: a retry carries the same body`);
    assert.equal(d.attempts[1].via, label === 'direct' ? 'direct' : 'repeater');

    // sanity checks of the verification itself: tampering is detected
    const rec = rx.seen[1];
    const tampered = rec.text.replace('"running"', '"done"');
    assert.notEqual(tampered, rec.text);
    assert.throws(() => wh.verify(tampered, rec.headers), WebhookVerificationError, 'a tampered body fails');
    assert.throws(() => wh.verify(rec.text, { ...rec.headers, 'webhook-id': `${rec.headers['webhook-id']}x` }), WebhookVerificationError,
      'another webhook-id fails');
    assert.throws(() => wh.verify(rec.text, { ...rec.headers, 'webhook-timestamp': String(Number(rec.headers['webhook-timestamp']) + 1) }),
      WebhookVerificationError, 'another timestamp fails');
    const otherSecret = new Webhook(`whsec_${randomBytes(32).toString('base64')}`);
    assert.throws(() => otherSecret.verify(rec.text, rec.headers), WebhookVerificationError, 'another secret fails');
    assert.deepEqual(wh.verify(rec.text, rec.headers), d.payload, 'the untouched request still verifies');
  }
  assert.notEqual(rxDirect.seen[0].headers['webhook-id'], rxVia.seen[0].headers['webhook-id'], 'each delivery has its own webhook-id');

  // a webhook without a secret sends no signature headers; PATCH can add a secret
  const rxPlain = await startReceiver(t);
  const hPlain = await createWebhook(stub, pid, { name: 'plain', url: rxPlain.url('/plain') });
  assert.equal(hPlain.hasSecret, false);
  assert.equal((await setStatus(stub, scan.id, 'done')).deliveriesCreated, 3);
  await rxPlain.waitFor(1);
  for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    assert.equal(rxPlain.seen[0].headers[h], undefined, `no ${h} without a secret`);
  }
  const patched = await stub.ok('PATCH', `/api/v1/projects/${pid}/webhooks/${hPlain.id}`, { secret }, 200);
  assert.equal(patched.hasSecret, true);
  assert.equal((await setStatus(stub, scan.id, 'failed')).deliveriesCreated, 3);
  await rxPlain.waitFor(2);
  assert.deepEqual(wh.verify(rxPlain.seen[1].text, rxPlain.seen[1].headers).scan.status, 'failed', 'a secret added by PATCH signs');
});
