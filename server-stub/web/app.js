// platform-stub's web page: projects and their webhooks (the screens of the Bright
// documentation), repeaters, scans, deliveries. Plain JavaScript over the REST API; the API
// key is asked once and kept in sessionStorage.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const view = $('#view');

// ---- the API -----------------------------------------------------------------------------

function apiKey() {
  return sessionStorage.getItem('apiKey');
}

function askKey(message) {
  return new Promise((resolve) => {
    const dlg = $('#key-dialog');
    $('#key-error').textContent = message || '';
    $('#key-input').value = '';
    dlg.onclose = () => resolve();
    if (!dlg.open) dlg.showModal();
  });
}

$('#key-form').addEventListener('submit', () => {
  sessionStorage.setItem('apiKey', $('#key-input').value.trim());
});

$('#forget-key').addEventListener('click', () => {
  sessionStorage.removeItem('apiKey');
  route();
});

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.field = body?.error?.field;
  }
}

async function api(method, path, body) {
  for (;;) {
    if (!apiKey()) await askKey();
    const res = await fetch(`/api/v1${path}`, {
      method,
      headers: { Authorization: `api-key ${apiKey()}`, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (res.status === 401) {
      sessionStorage.removeItem('apiKey');
      await askKey('That API key was refused. Try again.');
      continue;
    }
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new ApiError(res.status, json);
    return json;
  }
}

// ---- helpers -----------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const badge = (text) => h('span', { class: `status ${text}` }, text);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

function showErrors(form, err) {
  form.querySelectorAll('.error[data-field]').forEach((e) => { e.textContent = ''; });
  if (!err) return;
  const slot = form.querySelector(`.error[data-field="${err.field || ''}"]`) || form.querySelector('.error[data-field=""]');
  if (slot) slot.textContent = err.message;
  const input = err.field && form.querySelector(`[name="${err.field}"]`);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    const panel = input.closest('[role="tabpanel"]');
    if (panel && panel.hidden) selectTab(panel.id === 'panel-config' ? 'tab-config' : 'tab-details');
    input.focus();
  }
}

function setTitle(text) {
  document.title = `${text} · platform-stub`;
  document.querySelectorAll('header nav a').forEach((a) => {
    a.toggleAttribute('aria-current', location.hash.startsWith(a.getAttribute('href')));
    if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
  });
}

let timers = [];
let streams = [];
function stopLive() {
  timers.forEach(clearInterval);
  timers = [];
  streams.forEach((c) => c.abort());
  streams = [];
}

// ---- projects ----------------------------------------------------------------------------

async function projectsView() {
  setTitle('Projects');
  const projects = await api('GET', '/projects');
  const form = h('form', { class: 'row', 'aria-label': 'Create a project' },
    h('div', {}, h('label', { for: 'project-name' }, 'Project name'), h('input', { id: 'project-name', name: 'name', required: true }),
      h('p', { class: 'error', 'data-field': 'name', role: 'alert' })),
    h('p', { class: 'error', 'data-field': '', role: 'alert' }),
    h('button', { type: 'submit', class: 'primary' }, 'Create project'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const p = await api('POST', '/projects', { name: form.name.value });
      location.hash = `#/projects/${p.id}`;
    } catch (err) { showErrors(form, err); }
  });
  view.replaceChildren(
    h('h1', {}, 'Projects'),
    h('section', { class: 'card' }, form),
    projects.length
      ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Id'), h('th', {}, 'Created'))),
        h('tbody', {}, projects.map((p) => h('tr', {}, h('td', {}, h('a', { href: `#/projects/${p.id}` }, p.name)), h('td', { class: 'muted' }, p.id), h('td', {}, when(p.createdAt))))))
      : h('p', { class: 'muted' }, 'No project yet.'));
}

let repeatersCache = [];

async function projectView(pid) {
  const [project, hooks, repeaters] = await Promise.all([api('GET', `/projects/${pid}`), api('GET', `/projects/${pid}/webhooks`), api('GET', '/repeaters')]);
  repeatersCache = repeaters;
  setTitle(project.name);
  const repName = (id) => repeaters.find((r) => r.id === id)?.name || id;
  const add = h('button', { type: 'button', class: 'primary', onclick: () => openWebhookDialog(pid) }, hooks.length ? '+Add webhook' : 'Create webhook');
  const rows = hooks.map((w) => h('tr', { 'data-webhook': w.name },
    h('td', {}, w.name), h('td', {}, w.description || ''), h('td', {}, w.repeaterId ? repName(w.repeaterId) : 'direct'),
    h('td', {}, w.method), h('td', { class: 'url' }, w.url), h('td', {}, badge(w.active ? 'active' : 'inactive')),
    h('td', {}, rowMenu(pid, w))));
  view.replaceChildren(
    h('p', {}, h('a', { href: '#/projects' }, '← Projects')),
    h('h1', {}, project.name),
    h('section', { class: 'card', 'aria-labelledby': 'settings-title' },
      h('h2', { id: 'settings-title' }, 'Settings'),
      h('p', {}, 'Project id ', h('code', {}, project.id), ', created ', when(project.createdAt), '.'),
      h('h2', { id: 'webhooks-title' }, 'WEBHOOKS'),
      h('p', { class: 'muted' }, 'Every scan status change of this project sends a delivery to each active webhook, directly or through its repeater.'),
      hooks.length
        ? h('table', { 'aria-labelledby': 'webhooks-title' },
          h('thead', {}, h('tr', {}, ['Name', 'Description', 'Repeater', 'Method', 'URL', 'Status', ''].map((t) => h('th', {}, t)))),
          h('tbody', {}, rows))
        : h('p', { class: 'muted' }, 'No webhook yet.'),
      h('div', { class: 'actions' }, add)));
}

function rowMenu(pid, w) {
  const menu = h('div', { role: 'menu', hidden: true, 'aria-label': `Actions for ${w.name}` });
  const button = h('button', { type: 'button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-label': `Actions for ${w.name}` }, '⋯');
  const close = () => { menu.hidden = true; button.setAttribute('aria-expanded', 'false'); };
  const item = (label, fn) => h('button', { type: 'button', role: 'menuitem', onclick: async () => { close(); await fn(); } }, label);
  menu.append(
    item(w.active ? 'Deactivate' : 'Activate', async () => {
      await api('POST', `/projects/${pid}/webhooks/${w.id}/${w.active ? 'deactivate' : 'activate'}`);
      route();
    }),
    item('Edit', () => openWebhookDialog(pid, w)),
    item('Deliveries', () => { location.hash = `#/deliveries?webhookId=${w.id}`; }),
    item('Delete', async () => {
      if (await confirmDialog(`Delete the webhook "${w.name}"? Its past deliveries stay readable.`)) {
        await api('DELETE', `/projects/${pid}/webhooks/${w.id}`);
        route();
      }
    }));
  button.addEventListener('click', () => {
    const open = menu.hidden;
    document.querySelectorAll('.menu [role="menu"]').forEach((m) => { m.hidden = true; });
    menu.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) menu.querySelector('[role="menuitem"]').focus();
  });
  menu.addEventListener('keydown', (e) => {
    const items = [...menu.querySelectorAll('[role="menuitem"]')];
    const i = items.indexOf(document.activeElement);
    if (e.key === 'Escape') { close(); button.focus(); }
    if (e.key === 'ArrowDown') { e.preventDefault(); items[(i + 1) % items.length].focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
  });
  return h('div', { class: 'menu' }, button, menu);
}

function confirmDialog(text) {
  return new Promise((resolve) => {
    const dlg = $('#confirm-dialog');
    $('#confirm-text').textContent = text;
    dlg.returnValue = '';
    dlg.onclose = () => resolve(dlg.returnValue === 'yes');
    dlg.showModal();
  });
}

// ---- the webhook dialog ------------------------------------------------------------------

function selectTab(id) {
  for (const tab of document.querySelectorAll('#webhook-dialog [role="tab"]')) {
    const on = tab.id === id;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#${tab.getAttribute('aria-controls')}`).hidden = !on;
  }
}

document.querySelectorAll('#webhook-dialog [role="tab"]').forEach((tab) => {
  tab.addEventListener('click', () => selectTab(tab.id));
  tab.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const other = tab.id === 'tab-details' ? 'tab-config' : 'tab-details';
      selectTab(other);
      $(`#${other}`).focus();
    }
  });
});

let editing = null;

function openWebhookDialog(pid, w) {
  editing = { pid, w };
  const form = $('#webhook-form');
  form.reset();
  showErrors(form, null);
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  $('#webhook-title').textContent = w ? `Edit webhook ${w.name}` : 'Create webhook';
  $('#webhook-submit').textContent = w ? 'Save' : 'Create';
  const sel = $('#wh-repeater');
  sel.replaceChildren(h('option', { value: '' }, 'None: deliver directly'),
    ...repeatersCache.map((r) => h('option', { value: r.id }, `${r.name} (${r.status})`)));
  if (w) {
    form.name.value = w.name;
    form.description.value = w.description || '';
    sel.value = w.repeaterId || '';
    form.method.value = w.method;
    form.url.value = w.url;
    $('#wh-secret').placeholder = w.hasSecret ? 'leave empty to keep the current secret' : 'leave empty for no signature';
  }
  selectTab('tab-details');
  $('#webhook-dialog').showModal();
  form.name.focus();
}

$('#webhook-cancel').addEventListener('click', () => $('#webhook-dialog').close());

$('#webhook-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const { pid, w } = editing;
  const body = {
    name: form.name.value,
    description: form.description.value || (w ? null : undefined),
    repeaterId: form.repeaterId.value || (w ? null : undefined),
    method: form.method.value,
    url: form.url.value,
  };
  if (form.secret.value) body.secret = form.secret.value;
  Object.keys(body).forEach((k) => body[k] === undefined && delete body[k]);
  try {
    if (w) await api('PATCH', `/projects/${pid}/webhooks/${w.id}`, body);
    else await api('POST', `/projects/${pid}/webhooks`, body);
    $('#webhook-dialog').close();
    route();
  } catch (err) { showErrors(form, err); }
});

// ---- repeaters ---------------------------------------------------------------------------

async function repeatersView() {
  setTitle('Repeaters');
  const list = h('tbody');
  const refresh = async () => {
    const reps = await api('GET', '/repeaters');
    list.replaceChildren(...reps.map((r) => h('tr', { 'data-repeater': r.name },
      h('td', {}, r.name), h('td', { class: 'muted' }, r.id), h('td', {}, badge(r.status)),
      h('td', {}, r.version || '—'), h('td', {}, when(r.lastSeenAt)),
      h('td', {}, h('button', { type: 'button', onclick: () => watch(r) }, 'Live trace')))));
  };
  const created = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'row', 'aria-label': 'Create a repeater' },
    h('div', {}, h('label', { for: 'rep-name' }, 'Repeater name'), h('input', { id: 'rep-name', name: 'name', required: true }),
      h('p', { class: 'error', 'data-field': 'name', role: 'alert' })),
    h('div', {}, h('label', { for: 'rep-desc' }, 'Description (optional)'), h('input', { id: 'rep-desc', name: 'description' })),
    h('p', { class: 'error', 'data-field': '', role: 'alert' }),
    h('button', { type: 'submit', class: 'primary' }, 'Create repeater'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api('POST', '/repeaters', { name: form.name.value, ...(form.description.value && { description: form.description.value }) });
      const platform = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
      created.replaceChildren(h('div', { class: 'notice' },
        h('p', {}, `Repeater ${r.name} created. Its token is shown once: keep it now.`),
        h('p', { class: 'token', 'data-testid': 'token' }, r.token),
        h('p', {}, 'Start the agent inside the network that can reach your webhook endpoints:'),
        h('pre', { 'data-testid': 'command' }, `repeater --token ${r.token} --id ${r.id} --platform ${platform}`)));
      form.reset();
      refresh();
    } catch (err) { showErrors(form, err); }
  });
  const trace = h('pre', { 'aria-live': 'off', id: 'trace' }, 'Choose a repeater to watch what it does right now.');
  const traceTitle = h('h2', { id: 'trace-title' }, 'Live trace');
  function watch(r) {
    streams.forEach((c) => c.abort());
    streams = [];
    traceTitle.textContent = `Live trace of ${r.name}`;
    trace.textContent = '';
    const ctrl = new AbortController();
    streams.push(ctrl);
    fetch(`/api/v1/repeaters/${r.id}/trace`, { headers: { Authorization: `api-key ${apiKey()}` }, signal: ctrl.signal })
      .then(async (res) => {
        const dec = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body) {
          buf += dec.decode(chunk, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('');
            if (!data) continue;
            const line = JSON.parse(data);
            trace.textContent += `job ${line.jobId} ${line.text}\n`;
          }
        }
      }).catch(() => {});
  }
  view.replaceChildren(h('h1', {}, 'Repeaters'), h('section', { class: 'card' }, form, created),
    h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Id', 'Status', 'Version', 'Last seen', ''].map((t) => h('th', {}, t)))), list),
    h('section', { class: 'card', 'aria-labelledby': 'trace-title' }, traceTitle, trace));
  await refresh();
  timers.push(setInterval(() => refresh().catch(() => {}), 2000));
}

// ---- scans -------------------------------------------------------------------------------

const STATUSES = ['queued', 'pending', 'running', 'done', 'failed', 'stopped', 'disrupted', 'scheduled'];

async function scansView() {
  setTitle('Scans');
  const [projects, scans] = await Promise.all([api('GET', '/projects'), api('GET', '/scans')]);
  const form = h('form', { 'aria-label': 'Create a scan' },
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'scan-project' }, 'Project'), h('select', { id: 'scan-project', name: 'projectId' }, projects.map((p) => h('option', { value: p.id }, p.name))),
        h('p', { class: 'error', 'data-field': 'projectId', role: 'alert' })),
      h('div', {}, h('label', { for: 'scan-name' }, 'Scan name'), h('input', { id: 'scan-name', name: 'name', required: true }),
        h('p', { class: 'error', 'data-field': 'name', role: 'alert' }))),
    h('label', { for: 'scan-config' }, 'Configuration (JSON)'),
    h('textarea', { id: 'scan-config', name: 'config', rows: 3 }, '{"target": "https://app.example.test"}'),
    h('p', { class: 'error', 'data-field': 'config', role: 'alert' }),
    h('p', { class: 'error', 'data-field': '', role: 'alert' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create scan')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let config;
    try {
      config = form.config.value.trim() ? JSON.parse(form.config.value) : undefined;
    } catch { showErrors(form, { field: 'config', message: 'Not valid JSON.' }); return; }
    try {
      await api('POST', '/scans', { projectId: form.projectId.value, name: form.name.value, ...(config && { config }) });
      route();
    } catch (err) { showErrors(form, err); }
  });
  const rows = scans.map((s) => {
    const status = h('form', { class: 'row', 'aria-label': `Status of ${s.name}` },
      h('div', {}, h('label', { for: `st-${s.id}` }, 'New status'), h('select', { id: `st-${s.id}`, name: 'status' }, STATUSES.map((x) => h('option', { selected: x === s.status }, x)))),
      h('button', { type: 'submit' }, 'Change status'), h('p', { class: 'error', 'data-field': 'status', role: 'alert' }), h('p', { class: 'error', 'data-field': '', role: 'alert' }));
    status.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('POST', `/scans/${s.id}/status`, { status: status.status.value });
        route();
      } catch (err) { showErrors(status, err); }
    });
    const issue = h('form', { class: 'row', 'aria-label': `Add an issue to ${s.name}` },
      h('div', {}, h('label', { for: `in-${s.id}` }, 'Issue'), h('input', { id: `in-${s.id}`, name: 'name', required: true })),
      h('div', {}, h('label', { for: `sev-${s.id}` }, 'Severity'), h('select', { id: `sev-${s.id}`, name: 'severity' }, ['critical', 'high', 'medium', 'low', 'info'].map((x) => h('option', {}, x)))),
      h('button', { type: 'submit' }, 'Add issue'), h('p', { class: 'error', 'data-field': 'name', role: 'alert' }), h('p', { class: 'error', 'data-field': '', role: 'alert' }));
    issue.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('POST', `/scans/${s.id}/issues`, { name: issue.name.value, severity: issue.severity.value });
        route();
      } catch (err) { showErrors(issue, err); }
    });
    const project = projects.find((p) => p.id === s.projectId);
    return h('section', { class: 'card', 'data-scan': s.name },
      h('h2', {}, s.name, ' ', badge(s.status)),
      h('p', { class: 'muted' }, `Project ${project ? project.name : s.projectId} · started ${when(s.startedAt)} · ended ${when(s.endedAt)}`),
      status, issue,
      h('p', {}, h('a', { href: `#/deliveries?scanId=${s.id}` }, 'Deliveries of this scan')));
  });
  view.replaceChildren(h('h1', {}, 'Scans'), h('section', { class: 'card' }, projects.length ? form : h('p', {}, 'Create a project first.')), ...rows);
}

// ---- deliveries --------------------------------------------------------------------------

async function deliveriesView(query) {
  setTitle('Deliveries');
  const list = await api('GET', `/deliveries?${query}`);
  view.replaceChildren(h('h1', {}, 'Deliveries'),
    list.length
      ? h('table', {}, h('thead', {}, h('tr', {}, ['Delivery', 'State', 'Event', 'Attempts', 'Created'].map((t) => h('th', {}, t)))),
        h('tbody', {}, list.map((d) => h('tr', { 'data-delivery': d.id },
          h('td', {}, h('a', { href: `#/deliveries/${d.id}` }, d.id)), h('td', {}, badge(d.state)),
          h('td', {}, `${d.event?.from} → ${d.event?.to}`), h('td', {}, d.attempts), h('td', {}, when(d.createdAt))))))
      : h('p', { class: 'muted' }, 'No delivery yet.'));
}

function headersTable(pairs) {
  return h('table', {}, h('tbody', {}, (pairs || []).map(([n, v]) => h('tr', {}, h('th', {}, n), h('td', {}, v)))));
}

async function deliveryView(id) {
  const d = await api('GET', `/deliveries/${id}`);
  setTitle(`Delivery ${id}`);
  const har = h('button', { type: 'button', onclick: async () => {
    const doc = await api('GET', `/deliveries/${id}/har`);
    const a = h('a', { href: URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' })), download: `${id}.har` });
    document.body.append(a);
    a.click();
    a.remove();
  } }, 'Download HAR');
  const redeliver = h('button', { type: 'button', onclick: async () => { await api('POST', `/deliveries/${id}/redeliver`); route(); } }, 'Redeliver');
  const attempts = d.attempts.map((a) => h('section', { class: 'card', 'data-attempt': a.number },
    h('h2', {}, `Attempt ${a.number} `, a.response ? badge(String(a.response.statusCode)) : badge(a.error?.type || 'error'),
      h('span', { class: 'muted' }, ` via ${a.via}${a.repeaterId ? ` ${a.repeaterId}` : ''} · ${when(a.startedAt)}`)),
    a.error ? h('p', { class: 'error' }, `${a.error.type}: ${a.error.message}`) : null,
    h('h3', {}, 'Request'), h('p', {}, h('code', {}, `${a.request?.method} ${a.request?.url}`)), headersTable(a.request?.headers),
    a.request?.body ? h('pre', {}, a.request.body) : null,
    h('h3', {}, 'Response'),
    a.response ? [h('p', {}, h('code', {}, `${a.response.httpVersion || ''} ${a.response.statusCode} ${a.response.statusText || ''}`)), headersTable(a.response.headers), h('pre', {}, a.response.body || '')] : h('p', { class: 'muted' }, 'No response.'),
    h('h3', {}, 'Timings'),
    h('p', {}, ['dns', 'connect', 'tls', 'firstByte', 'total'].map((k) => `${k} ${a.timings?.[k] == null ? '—' : `${a.timings[k].toFixed(2)} ms`}`).join(' · ')),
    a.tls ? h('p', {}, `TLS ${a.tls.version} ${a.tls.cipher}; ${a.tls.subject}; expires ${a.tls.notAfter}`) : null,
    a.trace ? [h('h3', {}, 'Trace'), h('pre', { class: 'trace' }, a.trace.map((l) => `${l.t.toFixed(3).padStart(9)} ms ${l.text}`).join('\n'))] : null));
  view.replaceChildren(
    h('p', {}, h('a', { href: `#/deliveries?webhookId=${d.webhook?.id}` }, '← Deliveries of this webhook')),
    h('h1', {}, `Delivery ${d.id} `, badge(d.state)),
    h('p', {}, `Webhook ${d.webhook?.name}: ${d.webhook?.method} ${d.webhook?.url} · event ${d.event?.from} → ${d.event?.to} at ${when(d.event?.at)}`),
    h('div', { class: 'actions' }, redeliver, har),
    ...attempts,
    h('details', {}, h('summary', {}, 'Raw JSON'), h('pre', { 'data-testid': 'raw' }, JSON.stringify(d, null, 2))));
}

// ---- routing -----------------------------------------------------------------------------

async function route() {
  stopLive();
  const hash = location.hash || '#/projects';
  const [path, query = ''] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean);
  try {
    if (parts[0] === 'projects' && parts[1]) await projectView(parts[1]);
    else if (parts[0] === 'repeaters') await repeatersView();
    else if (parts[0] === 'scans') await scansView();
    else if (parts[0] === 'deliveries' && parts[1]) await deliveryView(parts[1]);
    else if (parts[0] === 'deliveries') await deliveriesView(query);
    else await projectsView();
  } catch (err) {
    view.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, err.message));
  }
  view.focus();
}

window.addEventListener('hashchange', route);
document.addEventListener('click', (e) => {
  if (!e.target.closest('.menu')) document.querySelectorAll('.menu [role="menu"]').forEach((m) => { m.hidden = true; });
});
route();
