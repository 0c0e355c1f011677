// The web page in headless Chromium, through every step of the Bright documentation's webhook
// screens: create a repeater and start the agent with the command the page shows, create a
// webhook with both tabs of the dialog, see it active, trigger a delivery by a scan status
// change and open it, deactivate (no new delivery), activate, edit (the new URL is used),
// delete with confirmation. Screenshots go to E2E_ARTIFACTS (default build/e2e-artifacts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { spawnProcess, tempDir } from '../lib/proc.mjs';
import { waitFor } from '../lib/wait.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STUB = process.env.PLATFORM_STUB_BIN || join(ROOT, 'build/server-stub/platform-stub');
const AGENT = process.env.REPEATER_BIN || join(ROOT, 'build/agent/repeater');
const ARTIFACTS = process.env.E2E_ARTIFACTS || join(ROOT, 'build/e2e-artifacts');
const API_KEY = 'e2e-api-key';

async function receiver(t) {
  const seen = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
      res.setHeader('Content-Type', 'application/json');
      res.end('{"received":true}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { seen, url: (p) => `http://127.0.0.1:${server.address().port}${p}` };
}

test('the webhook screens, end to end', { timeout: 120000 }, async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = tempDir(t, 'e2e-');
  const stub = spawnProcess(t, 'platform-stub', STUB, ['--listen', '127.0.0.1:0', '--db', join(dir, 'p.db'), '--api-key', API_KEY]);
  const line = await stub.waitForLine(/listening on http:\/\/127\.0\.0\.1:\d+/, 10000);
  const origin = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)[1];
  const first = await receiver(t);
  const second = await receiver(t);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  // the API key, asked once
  await page.goto(origin);
  await page.getByRole('textbox', { name: 'API key' }).fill(API_KEY);
  await page.getByRole('button', { name: 'Continue' }).click();

  // a project
  await page.getByLabel('Project name').fill('Web shop');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: 'Web shop' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Create webhook' }).count(), 1, 'Create webhook when there is none');

  // a repeater: its token is shown once with the command line; start the agent with it
  await page.getByRole('link', { name: 'Repeaters' }).click();
  await page.getByLabel('Repeater name').fill('office network');
  await page.getByRole('button', { name: 'Create repeater' }).click();
  const command = await page.getByTestId('command').textContent();
  const [, token, id, platform] = /--token (\S+) --id (\S+) --platform (\S+)/.exec(command);
  await shot('01-repeater-created');
  spawnProcess(t, 'repeater', AGENT, ['--token', token, '--id', id, '--platform', platform]);
  await page.locator('tr[data-repeater="office network"] .status.connected').waitFor({ timeout: 15000 });

  // create a webhook with both tabs of the dialog
  await page.getByRole('link', { name: 'Projects' }).click();
  await page.getByRole('link', { name: 'Web shop' }).click();
  await page.getByRole('button', { name: 'Create webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create webhook' });
  await dialog.getByRole('tab', { name: 'Details' }).click();
  await dialog.getByLabel('Name').fill('Scan updates');
  await dialog.getByLabel('Description (optional)').fill('tells the shop team');
  await dialog.getByRole('tab', { name: 'Configuration' }).click();
  await dialog.getByLabel('Repeater').selectOption({ label: 'office network (connected)' });
  await dialog.getByLabel('HTTP method').selectOption('POST');
  await dialog.getByLabel('Endpoint URL').fill('ftp://not-a-webhook');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.locator('.error[data-field="url"]').filter({ hasText: 'scheme' }).waitFor(); // the API's error, by its field
  await dialog.getByLabel('Endpoint URL').fill(first.url('/hooks/scan'));
  await shot('02-create-webhook-configuration');
  await dialog.getByRole('button', { name: 'Create' }).click();
  const row = page.locator('tr[data-webhook="Scan updates"]');
  await row.locator('.status.active').waitFor();
  assert.match(await row.textContent(), /tells the shop team.*office network.*POST.*\/hooks\/scan.*active/);
  assert.equal(await page.getByRole('button', { name: '+Add webhook' }).count(), 1, '+Add webhook once there is one');
  await shot('03-webhook-active');

  // a scan status change sends a delivery; open it
  await page.getByRole('link', { name: 'Scans' }).click();
  await page.getByLabel('Scan name').fill('Nightly');
  await page.getByRole('button', { name: 'Create scan' }).click();
  const scan = page.locator('section[data-scan="Nightly"]');
  await scan.getByLabel('Issue', { exact: true }).fill('Reflected XSS');
  await scan.getByLabel('Severity').selectOption('high');
  await scan.getByRole('button', { name: 'Add issue' }).click();
  // the page re-renders once the issue is stored: its issue field comes back empty
  await page.waitForFunction(() => document.querySelector('section[data-scan="Nightly"] input[name=name]')?.value === '');
  await page.locator('section[data-scan="Nightly"]').getByLabel('New status').selectOption('running');
  await page.locator('section[data-scan="Nightly"]').getByRole('button', { name: 'Change status' }).click();
  await waitFor(() => first.seen.length === 1, 15000, 'the first delivery at the receiver');
  assert.equal(first.seen[0].body.scan.status, 'running');
  assert.equal(first.seen[0].body.scan.issues.total, 1);

  await page.getByRole('link', { name: 'Projects' }).click();
  await page.getByRole('link', { name: 'Web shop' }).click();
  await page.getByRole('button', { name: 'Actions for Scan updates' }).click();
  await page.getByRole('menuitem', { name: 'Deliveries' }).click();
  await page.locator('tr[data-delivery] .status.delivered').first().waitFor({ timeout: 10000 });
  await page.locator('tr[data-delivery] a').first().click();
  await page.locator('section[data-attempt="1"]').waitFor();
  const attempt = await page.locator('section[data-attempt="1"]').textContent();
  assert.match(attempt, /Attempt 1 200/);
  assert.match(attempt, /via repeater/);
  assert.match(attempt, /> POST \/hooks\/scan HTTP\/1\.1/); // the trace
  assert.match(attempt, /firstByte \d/);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download HAR' }).click();
  const har = await download;
  assert.match(har.suggestedFilename(), /\.har$/);
  await shot('04-delivery');

  const toProject = async () => {
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('link', { name: 'Web shop' }).click();
    await row.waitFor();
  };
  const changeStatus = async (status) => {
    await page.getByRole('link', { name: 'Scans' }).click();
    await page.locator('section[data-scan="Nightly"]').getByLabel('New status').selectOption(status);
    await page.locator('section[data-scan="Nightly"]').getByRole('button', { name: 'Change status' }).click();
    await page.locator(`section[data-scan="Nightly"] h2 .status.${status}`).waitFor();
  };
  const deliveriesOf = async () => {
    const r = await fetch(`${origin}/api/v1/deliveries`, { headers: { Authorization: `api-key ${API_KEY}` } });
    return r.json();
  };

  // deactivate: no new delivery
  await toProject();
  await page.getByRole('button', { name: 'Actions for Scan updates' }).click();
  await page.getByRole('menuitem', { name: 'Deactivate' }).click();
  await row.locator('.status.inactive').waitFor();
  await shot('05-deactivated');
  await changeStatus('pending');
  assert.equal((await deliveriesOf()).length, 1, 'no delivery while inactive');

  // activate, then edit the URL: the new URL is used
  await toProject();
  await page.getByRole('button', { name: 'Actions for Scan updates' }).click();
  await page.getByRole('menuitem', { name: 'Activate' }).click();
  await row.locator('.status.active').waitFor();
  await page.getByRole('button', { name: 'Actions for Scan updates' }).click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit webhook Scan updates' });
  await edit.getByRole('tab', { name: 'Configuration' }).click();
  await edit.getByLabel('Endpoint URL').fill(second.url('/new/place'));
  await shot('06-edit');
  await edit.getByRole('button', { name: 'Save' }).click();
  await row.filter({ hasText: '/new/place' }).waitFor();
  await changeStatus('done');
  await waitFor(() => second.seen.length === 1, 15000, 'a delivery at the new URL');
  assert.equal(second.seen[0].url, '/new/place');
  assert.equal(first.seen.length, 1);

  // delete, with confirmation: no delivery afterwards, the past ones still readable
  await toProject();
  await page.getByRole('button', { name: 'Actions for Scan updates' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete webhook?' });
  await shot('07-delete-confirm');
  await confirm.getByRole('button', { name: 'Yes' }).click();
  await row.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Create webhook' }).waitFor();
  await changeStatus('failed');
  const past = await deliveriesOf();
  assert.equal(past.length, 2, 'no new delivery after the delete; the two past ones are still there');
  assert.equal(first.seen.length + second.seen.length, 2);
  await shot('08-after-delete');
  assert.deepEqual(errors, [], 'no error in the page');
});
