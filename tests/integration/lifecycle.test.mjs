// Every documented webhook action against a real receiver: create (active by default), status
// changes with config/startedAt/issues in the payload, deactivate, activate, edit (PATCH url),
// delete; then what happens to pending deliveries and the delivery outcomes (410, Retry-After,
// retries exhausted, redeliver).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startStub, startReceiver, seed, createWebhook, createScan, setStatus, theDelivery,
} from './lib.mjs';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

test('webhook lifecycle: create, deliver, deactivate, activate, edit, delete', { timeout: 30000 }, async (t) => {
  const stub = await startStub(t, { args: ['--retry-schedule', '5s,5s'] });
  const rx1 = await startReceiver(t);
  const rx2 = await startReceiver(t);
  const rxControl = await startReceiver(t); // an always-active webhook: a barrier for "nothing new"
  const { project } = await seed(stub, { repeater: false });
  const pid = project.id;

  // ---- create
  const hook = await createWebhook(stub, pid, {
    name: 'lifecycle', description: 'the hook under test', method: 'post',
    url: rx1.url('/a/hook?x=1'), headers: { 'X-Custom': 'v1' },
  });
  assert.equal(hook.active, true, 'a new webhook is active by default');
  assert.equal(hook.method, 'POST', 'method is upper-cased');
  assert.equal(hook.url, rx1.url('/a/hook?x=1'));
  assert.equal(hook.name, 'lifecycle');
  assert.equal(hook.description, 'the hook under test');
  assert.equal(hook.hasSecret, false);
  assert.ok(!('secret' in hook), 'no secret member');
  assert.deepEqual(hook.headers, { 'X-Custom': 'v1' });
  assert.equal(typeof hook.id, 'string');
  const wid = hook.id;
  assert.deepEqual(await stub.ok('GET', `/api/v1/projects/${pid}/webhooks/${wid}`), hook, 'GET returns what POST returned');
  const control = await createWebhook(stub, pid, { name: 'control', url: rxControl.url('/control') });
  assert.deepEqual((await stub.ok('GET', `/api/v1/projects/${pid}/webhooks`)).map((w) => w.id).sort(), [wid, control.id].sort());

  // ---- a scan with config and issues found before the first change
  const config = { target: 'https://app.example.test', depth: 3, tags: ['nightly', 'api'], auth: { type: 'none' } };
  const scan = await createScan(stub, pid, { name: 'nightly scan', config });
  assert.equal(scan.status, 'queued');
  assert.equal(scan.startedAt ?? null, null, 'startedAt is not set before running');
  const sid = scan.id;
  const issues = [
    { name: 'SQL injection', severity: 'critical', url: 'https://app.example.test/q', cwe: 'CWE-89' },
    { name: 'Reflected XSS', severity: 'high', url: 'https://app.example.test/s' },
    { name: 'Open redirect', severity: 'high', param: 'next' },
  ];
  for (const issue of issues) {
    const created = await stub.ok('POST', `/api/v1/scans/${sid}/issues`, issue, 201);
    assert.equal(created.name, issue.name);
    assert.equal(created.severity, issue.severity);
  }
  const withIssues = await stub.ok('GET', `/api/v1/scans/${sid}`);
  assert.equal(withIssues.issues.length, 3, 'GET /scans/{id} lists the issues');

  const deliveriesOfHook = () => stub.deliveries({ webhookId: wid });
  const controlSeen = (n) => rxControl.waitFor(n, 5000);

  // ---- change 1: queued -> running (delivered to rx1)
  const running = await setStatus(stub, sid, 'running');
  assert.equal(running.deliveriesCreated, 2, 'one delivery per active webhook');
  assert.equal(running.status, 'running');
  assert.match(running.startedAt ?? '', ISO, 'startedAt is set on running');
  const startedAt = running.startedAt;
  await rx1.waitFor(1);
  await controlSeen(1);
  const req1 = rx1.seen[0];
  assert.equal(req1.method, 'POST');
  assert.equal(req1.url, '/a/hook?x=1');
  assert.match(req1.headers['content-type'], /^application\/json\b/);
  assert.equal(req1.headers['x-custom'], 'v1', "the webhook's own headers are sent");
  assert.equal(req1.headers['webhook-signature'], undefined, 'no signature without a secret');
  const body1 = req1.json;
  assert.ok(body1, `the body is JSON: ${req1.text.slice(0, 200)}`);
  assert.equal(body1.type, 'scan.status_changed');
  assert.equal(typeof body1.id, 'string');
  assert.match(body1.createdAt, ISO);
  assert.deepEqual(body1.project, { id: pid, name: project.name });
  assert.equal(body1.scan.id, sid);
  assert.equal(body1.scan.name, 'nightly scan');
  assert.equal(body1.scan.status, 'running');
  assert.equal(body1.scan.previousStatus, 'queued');
  assert.deepEqual(body1.scan.config, config, "the scan's config is in the payload");
  assert.equal(body1.scan.startedAt, startedAt);
  assert.equal(body1.scan.endedAt ?? null, null);
  assert.equal(body1.scan.issues.total, 3);
  assert.deepEqual(body1.scan.issues.bySeverity, { critical: 1, high: 2 });
  assert.equal(body1.scan.issues.items.length, 3);
  for (const [i, issue] of issues.entries()) {
    const item = body1.scan.issues.items.find((x) => x.name === issue.name);
    assert.ok(item, `issue ${issue.name} in items`);
    for (const [k, v] of Object.entries(issue)) assert.deepEqual(item[k], v, `issue #${i} member ${k}`);
  }

  const d1 = await theDelivery(stub, sid, wid);
  const del1 = await stub.waitDelivery(d1, (d) => d.state === 'delivered', 3000, 'delivered');
  assert.deepEqual(del1.event.type, 'scan.status_changed');
  assert.equal(del1.event.from, 'queued');
  assert.equal(del1.event.to, 'running');
  assert.match(del1.event.at, ISO);
  assert.equal(del1.webhook.id, wid);
  assert.equal(del1.webhook.url, rx1.url('/a/hook?x=1'));
  assert.equal(del1.webhook.method, 'POST');
  assert.equal(del1.webhook.repeaterId ?? null, null);
  assert.deepEqual(del1.payload, body1, 'the stored payload is what the receiver got');
  assert.equal(del1.attempts.length, 1);
  assert.equal(del1.attempts[0].number, 1);
  assert.equal(del1.attempts[0].via, 'direct');
  assert.equal(del1.attempts[0].response?.statusCode, 200);
  assert.equal(del1.attempts[0].request?.method, 'POST');
  assert.equal(del1.attempts[0].request?.url, rx1.url('/a/hook?x=1'));

  // ---- deactivate: no delivery for it
  const deactivated = await stub.ok('POST', `/api/v1/projects/${pid}/webhooks/${wid}/deactivate`, undefined, 200);
  assert.equal(deactivated.active, false);
  assert.equal((await stub.ok('GET', `/api/v1/projects/${pid}/webhooks/${wid}`)).active, false);
  await stub.ok('POST', `/api/v1/scans/${sid}/issues`, { name: 'Weak TLS', severity: 'medium' }, 201);
  const paused = await setStatus(stub, sid, 'pending');
  assert.equal(paused.deliveriesCreated, 1, 'only the control webhook gets a delivery while deactivated');
  await controlSeen(2);
  await stub.waitDelivery((await stub.deliveries({ webhookId: control.id }))[1].id, (d) => d.state === 'delivered', 3000);
  assert.equal((await deliveriesOfHook()).length, 1, 'no delivery created for a deactivated webhook');
  assert.equal(rx1.seen.length, 1, 'the receiver of a deactivated webhook sees nothing new');

  // ---- activate: delivered again
  const activated = await stub.ok('POST', `/api/v1/projects/${pid}/webhooks/${wid}/activate`, undefined, 200);
  assert.equal(activated.active, true);
  const resumed = await setStatus(stub, sid, 'running');
  assert.equal(resumed.deliveriesCreated, 2);
  await rx1.waitFor(2);
  const body2 = rx1.seen[1].json;
  assert.equal(body2.scan.status, 'running');
  assert.equal(body2.scan.previousStatus, 'pending');
  assert.equal(body2.scan.startedAt, startedAt, 'startedAt stays the first start');
  assert.equal(body2.scan.issues.total, 4);
  assert.deepEqual(body2.scan.issues.bySeverity, { critical: 1, high: 2, medium: 1 });
  assert.notEqual(body2.id, body1.id, 'each delivery has its own id');

  // ---- edit: PATCH the url to the second receiver
  const patched = await stub.ok('PATCH', `/api/v1/projects/${pid}/webhooks/${wid}`, { url: rx2.url('/b/hook'), name: 'lifecycle (moved)' }, 200);
  assert.equal(patched.url, rx2.url('/b/hook'));
  assert.equal(patched.name, 'lifecycle (moved)');
  assert.equal(patched.method, 'POST', 'PATCH keeps the fields it does not name');
  assert.deepEqual(patched.headers, { 'X-Custom': 'v1' });
  assert.equal(patched.active, true);
  assert.equal(patched.description, 'the hook under test');
  assert.deepEqual(await stub.ok('GET', `/api/v1/projects/${pid}/webhooks/${wid}`), patched);
  await controlSeen(3);
  const done = await setStatus(stub, sid, 'done');
  assert.equal(done.deliveriesCreated, 2);
  assert.match(done.endedAt ?? '', ISO, 'endedAt is set on done');
  await rx2.waitFor(1);
  await controlSeen(4);
  const req3 = rx2.seen[0];
  assert.equal(req3.url, '/b/hook', 'the new URL is used');
  assert.equal(req3.headers['x-custom'], 'v1');
  assert.equal(req3.json.scan.status, 'done');
  assert.equal(req3.json.scan.previousStatus, 'running');
  assert.equal(req3.json.scan.endedAt, done.endedAt);
  assert.equal(rx1.seen.length, 2, 'the old URL gets nothing after the edit');
  const list3 = await deliveriesOfHook();
  assert.equal(list3.length, 3);
  const d3 = list3.find((d) => d.id !== d1.id && d.event?.to === 'done')?.id ?? list3[2].id;
  const del3 = await stub.waitDelivery(d3, (d) => d.state === 'delivered', 3000, 'delivered');
  assert.equal(del3.webhook.url, rx2.url('/b/hook'));
  assert.equal(del3.attempts[0].request.url, rx2.url('/b/hook'));

  // ---- delete: no delivery, past ones still readable
  const del = await stub.api('DELETE', `/api/v1/projects/${pid}/webhooks/${wid}`);
  assert.equal(del.status, 204);
  assert.equal((await stub.api('GET', `/api/v1/projects/${pid}/webhooks/${wid}`)).status, 404);
  assert.deepEqual((await stub.ok('GET', `/api/v1/projects/${pid}/webhooks`)).map((w) => w.id), [control.id]);
  const failed = await setStatus(stub, sid, 'failed');
  assert.equal(failed.deliveriesCreated, 1, 'only the control webhook gets a delivery after the delete');
  await controlSeen(5);
  const controlList = await stub.deliveries({ webhookId: control.id });
  assert.equal(controlList.length, 5);
  await stub.waitDelivery(controlList[4].id, (d) => d.state === 'delivered', 3000);
  assert.equal(rx1.seen.length + rx2.seen.length, 3, 'no receiver of the deleted webhook got anything new');
  const past = await deliveriesOfHook();
  assert.equal(past.length, 3, 'the past deliveries of a deleted webhook are still listed');
  for (const d of past) {
    const full = await stub.delivery(d.id);
    assert.equal(full.state, 'delivered');
    assert.equal(full.webhook.id, wid);
    assert.equal(full.attempts.length, 1);
    assert.equal(full.attempts[0].response.statusCode, 200);
    assert.equal(full.payload.scan.id, sid);
  }
  assert.equal((await stub.deliveries({ scanId: sid })).length, 8, 'all deliveries of the scan are listed');
});

test('deactivating or deleting a webhook cancels its pending deliveries', { timeout: 30000 }, async (t) => {
  // the receiver always fails; the next attempt would be 4 s later
  const stub = await startStub(t, { args: ['--retry-schedule', '4s,4s,4s'] });
  const rx = await startReceiver(t, () => 503);
  const { project } = await seed(stub, { repeater: false });
  const pid = project.id;
  const a = await createWebhook(stub, pid, { name: 'to deactivate', url: rx.url('/deactivate') });
  const b = await createWebhook(stub, pid, { name: 'to delete', url: rx.url('/delete') });
  const scan = await createScan(stub, pid);
  assert.equal((await setStatus(stub, scan.id, 'running')).deliveriesCreated, 2);
  await rx.waitFor(2);
  const da = await theDelivery(stub, scan.id, a.id);
  const db = await theDelivery(stub, scan.id, b.id);
  for (const id of [da, db]) {
    const d = await stub.waitDelivery(id, (x) => x.state === 'pending' && x.attempts.length === 1, 3000, 'pending after one failed attempt');
    assert.equal(d.attempts[0].response.statusCode, 503);
  }

  const t0 = Date.now();
  await stub.ok('POST', `/api/v1/projects/${pid}/webhooks/${a.id}/deactivate`, undefined, 200);
  await stub.ok('DELETE', `/api/v1/projects/${pid}/webhooks/${b.id}`);
  const results = {};
  for (const [label, id] of [['deactivated', da], ['deleted', db]]) {
    const d = await stub.waitDelivery(id, (x) => x.state !== 'pending' && x.state !== 'in_flight', 8000, 'leaving pending');
    results[label] = { state: d.state, afterMs: Date.now() - t0, attempts: d.attempts.length };
  }
  assert.equal(rx.seen.length, 2, 'no further attempt reached the receiver');
  for (const [label, r] of Object.entries(results)) {
    assert.equal(r.state, 'cancelled', `the pending delivery of the ${label} webhook is cancelled`);
    assert.equal(r.attempts, 1, `no attempt recorded after the webhook was ${label}`);
  }
  const late = Object.entries(results).filter(([, r]) => r.afterMs >= 2000).map(([label, r]) => `${label}: ${r.afterMs} ms`);
  assert.deepEqual(late, [], 'pending deliveries are cancelled when their webhook is deactivated or deleted, not when ' +
    `their next retry falls due (the retry was due 3.2-4.8 s after the first attempt); cancelled after: ${late.join(', ')}`);
});

test("an edited webhook's pending retries use its new settings", { timeout: 30000 }, async (t) => {
  const stub = await startStub(t, { args: ['--retry-schedule', '1s,1s,1s'] });
  const rxOld = await startReceiver(t, () => 500);
  const rxNew = await startReceiver(t);
  const { project } = await seed(stub, { repeater: false });
  const hook = await createWebhook(stub, project.id, { name: 'moving', url: rxOld.url('/old'), headers: { 'X-V': '1' } });
  const scan = await createScan(stub, project.id);
  assert.equal((await setStatus(stub, scan.id, 'running')).deliveriesCreated, 1);
  const id = await theDelivery(stub, scan.id, hook.id);
  await stub.waitDelivery(id, (d) => d.state === 'pending' && d.attempts.length === 1, 3000, 'one failed attempt');
  await stub.ok('PATCH', `/api/v1/projects/${project.id}/webhooks/${hook.id}`, { url: rxNew.url('/new'), headers: { 'X-V': '2' } }, 200);
  const d = await stub.waitDelivery(id, (x) => x.state === 'delivered', 5000, 'delivered to the new URL');
  assert.equal(rxOld.seen.length, 1);
  assert.equal(rxNew.seen.length, 1);
  assert.equal(rxNew.seen[0].url, '/new');
  assert.equal(rxNew.seen[0].headers['x-v'], '2', 'the retry uses the new headers');
  assert.equal(d.attempts.length, 2);
  assert.equal(d.attempts[1].request.url, rxNew.url('/new'));
  assert.equal(d.webhook.url, rxOld.url('/old'), "the delivery's webhook is the webhook as at the event");
});

test('delivery outcomes: 410 deactivates, Retry-After is honoured, retries run out, redeliver', { timeout: 30000 }, async (t) => {
  const stub = await startStub(t, { args: ['--retry-schedule', '200ms,200ms'] });
  const gone = await startReceiver(t, () => ({ status: 410 }));
  const later = await startReceiver(t, [{ status: 503, headers: { 'Retry-After': '2' } }, 200]);
  let failing = true;
  const flaky = await startReceiver(t, () => (failing ? 500 : 204));
  const { project } = await seed(stub, { repeater: false });
  const pid = project.id;
  const hGone = await createWebhook(stub, pid, { name: 'gone', url: gone.url('/gone') });
  const hLater = await createWebhook(stub, pid, { name: 'retry-after', url: later.url('/later') });
  const hFlaky = await createWebhook(stub, pid, { name: 'always 500', url: flaky.url('/flaky'), method: 'PUT' });
  const scan = await createScan(stub, pid);
  assert.equal((await setStatus(stub, scan.id, 'running')).deliveriesCreated, 3);

  // 410: delivery failed at once, webhook deactivated, no new delivery for it
  const dGone = await theDelivery(stub, scan.id, hGone.id);
  const g = await stub.waitDelivery(dGone, (d) => d.state !== 'pending' && d.state !== 'in_flight', 5000, 'final state');
  assert.equal(g.state, 'failed', '410 fails the delivery');
  assert.equal(g.attempts.length, 1, '410 is not retried');
  assert.equal(g.attempts[0].response.statusCode, 410);
  assert.equal((await stub.ok('GET', `/api/v1/projects/${pid}/webhooks/${hGone.id}`)).active, false, '410 deactivates the webhook');

  // retries run out: 1 + 2 attempts with a 2-step schedule, then failed
  const dFlaky = await theDelivery(stub, scan.id, hFlaky.id);
  const f = await stub.waitDelivery(dFlaky, (d) => d.state === 'failed', 5000, 'failed after the schedule');
  assert.equal(f.attempts.length, 3, 'one attempt plus one per schedule step');
  assert.deepEqual(f.attempts.map((a) => a.number), [1, 2, 3]);
  for (const a of f.attempts) {
    assert.equal(a.response.statusCode, 500);
    assert.equal(a.request.method, 'PUT');
  }
  assert.equal(flaky.seen.length, 3);
  assert.ok(flaky.seen.every((r) => r.method === 'PUT'));

  // Retry-After: 2 (seconds) wins over the 200 ms step
  const dLater = await theDelivery(stub, scan.id, hLater.id);
  const l = await stub.waitDelivery(dLater, (d) => d.state === 'delivered', 6000, 'delivered after Retry-After');
  assert.equal(l.attempts.length, 2);
  const gap = later.seen[1].at - later.seen[0].at;
  assert.ok(gap >= 1900, `the retry waited for Retry-After: 2 (gap ${gap} ms)`);

  // redeliver a failed delivery: a new attempt, numbered on
  failing = false;
  const re = await stub.api('POST', `/api/v1/deliveries/${dFlaky}/redeliver`);
  assert.equal(re.status, 202, re.text);
  const r = await stub.waitDelivery(dFlaky, (d) => d.state === 'delivered', 5000, 'delivered after redeliver');
  assert.equal(r.attempts.length, 4);
  assert.equal(r.attempts[3].number, 4);
  assert.equal(r.attempts[3].response.statusCode, 204);
  assert.equal(flaky.seen.length, 4);
  assert.deepEqual(flaky.seen[3].json, r.payload, 'the redelivery carries the same payload');

  // the 410-deactivated webhook gets nothing on the next change
  assert.equal((await setStatus(stub, scan.id, 'done')).deliveriesCreated, 2);
  assert.equal((await stub.deliveries({ webhookId: hGone.id })).length, 1);
});
