// Shared helpers of the integration suite: platform-stub and the repeater agent as child
// processes (real binaries), the stub's REST API, loopback HTTP receivers that record what they
// got, and a Bright-CLI-like Socket.IO client.
//
// Everything listens on 127.0.0.1 with kernel-chosen ports. Every helper that starts something
// takes the node:test context `t` and registers its own cleanup with t.after(), so children are
// killed (SIGTERM, then SIGKILL) and servers closed however the test ends. A process-exit hook
// SIGKILLs any child still alive if the runner itself dies.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { sleep, waitFor, withTimeout } from '../lib/wait.mjs';
import { agentBin, freePort, spawnProcess, stubBin, tempDir } from '../lib/proc.mjs';
import { io as ioClient } from 'socket.io-client';

export { sleep, waitFor, withTimeout, agentBin, stubBin, tempDir };

const require = createRequire(import.meta.url);
export const msgpackParser = require('socket.io-msgpack-parser');

export const HOST = '127.0.0.1';
export const API_KEY = 'integration-api-key';
export const ENGINE_PATH = '/api/ws/v1/';
export const NSP = '/workstations';

// ---------------------------------------------------------------------------------------------
// utilities

/** The sorted keys of an object (for shape comparisons). */
export const keysOf = (o) => (o && typeof o === 'object' ? Object.keys(o).sort() : o);

/** Header value of a [[name, value]...] list (case-insensitive), or undefined. */
export function headerOf(pairs, name) {
  const p = (pairs ?? []).find(([n]) => n.toLowerCase() === name.toLowerCase());
  return p?.[1];
}

// ---------------------------------------------------------------------------------------------
// platform-stub

/**
 * Starts platform-stub on a free port with its db in `dir` (default: a new temp dir).
 * opts: dir, db (file name inside dir, default platform.db), apiKey, args (extra flags).
 * Returns {proc, port, origin, wsUrl, dir, db, apiKey, api(), ...} once it printed its port.
 */
export async function startStub(t, opts = {}) {
  const dir = opts.dir ?? tempDir(t, 'platform-stub-');
  const db = join(dir, opts.db ?? 'platform.db');
  const apiKey = opts.apiKey ?? API_KEY;
  const argv = ['--listen', `${HOST}:0`, '--db', db, '--api-key', apiKey, '--log-level', 'verbose', ...(opts.args ?? [])];
  const proc = spawnProcess(t, 'platform-stub', stubBin(), argv);
  const line = await proc.waitForLine(/^platform-stub: listening on https?:\/\/127\.0\.0\.1:(\d+)\b/, 10000, { stream: 'stdout' });
  const [, scheme, portText] = /listening on (https?):\/\/127\.0\.0\.1:(\d+)/.exec(line);
  const port = Number(portText);
  if (!(port > 0)) throw new Error(`could not parse the stub's port from: ${line}`);
  const origin = `${scheme}://${HOST}:${port}`;
  const stub = {
    proc,
    port,
    origin,
    wsUrl: `${scheme === 'https' ? 'wss' : 'ws'}://${HOST}:${port}`,
    dir,
    db,
    apiKey,
    /** REST call; see apiCall. */
    api: (method, path, body, o = {}) => apiCall(origin, apiKey, method, path, body, o),
    /** Like api() but throws unless the status is `expect`; returns the parsed body. */
    async ok(method, path, body, expect) {
      const r = await apiCall(origin, apiKey, method, path, body);
      const want = expect ?? (method === 'POST' && !/\/(status|deactivate|activate|redeliver)$/.test(path) ? 201 : method === 'DELETE' ? 204 : 200);
      if (r.status !== want) {
        throw new Error(`${method} ${path} ${body !== undefined ? JSON.stringify(body).slice(0, 300) : ''} -> ${r.status} (expected ${want}): ${r.text.slice(0, 500)}`);
      }
      return r.body;
    },
    delivery: (id) => stub.ok('GET', `/api/v1/deliveries/${id}`),
    deliveries: (query = {}) => stub.ok('GET', `/api/v1/deliveries?${new URLSearchParams(query)}`),
    /** Polls GET /deliveries/{id} until pred(delivery) is truthy; returns the delivery. */
    async waitDelivery(id, pred, timeoutMs, what = 'delivery condition') {
      let last;
      try {
        return await waitFor(async () => {
          last = await stub.delivery(id);
          return pred(last) && last;
        }, timeoutMs, `${what} on delivery ${id}`);
      } catch (e) {
        e.message += `\nlast state: ${JSON.stringify(summarize(last))}\nstub log:\n${proc.tail(15)}`;
        throw e;
      }
    },
    /** The deliveries created for (scanId, webhookId) as a list (GET /deliveries). */
    async deliveriesOf(scanId, webhookId) {
      return stub.deliveries({ ...(scanId && { scanId }), ...(webhookId && { webhookId }) });
    },
    kill: (sig = 'SIGKILL') => proc.kill(sig),
    stop: (graceMs) => proc.stop(graceMs),
  };
  return stub;
}

/** A short form of a delivery for error messages. */
function summarize(d) {
  if (!d) return d;
  return {
    id: d.id,
    state: d.state,
    attempts: (d.attempts ?? []).map((a) => ({ n: a.number, via: a.via, status: a.response?.statusCode, error: a.error })),
  };
}

/**
 * One REST request. body: an object (sent as JSON), a string/Buffer (sent raw), or undefined.
 * o: {headers, auth (false: no Authorization header; a string: that header value)}.
 * Returns {status, body (parsed JSON or null), text, headers}.
 */
export async function apiCall(origin, apiKey, method, path, body, o = {}) {
  const headers = { ...(o.headers ?? {}) };
  if (o.auth !== false) headers.Authorization = typeof o.auth === 'string' ? o.auth : `api-key ${apiKey}`;
  if (body === undefined && method !== 'GET' && !o.fetch) {
    // fetch (undici) sends `Content-Length: 0` on a body-less POST, which platform-stub answers
    // twice, and without Content-Length the stub stalls the connection after answering (both
    // tested in rest-errors.test.mjs, "body-less POSTs"). Send these the way curl does (no body
    // framing) on a connection of their own that is closed after the answer, so that the other
    // tests test what they are about.
    return rawRequest(origin, method, path, headers);
  }
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(origin + path, { method, headers, body: payload, signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/**
 * One HTTP/1.1 request on a fresh connection with exactly `headers` after Host, and `body`
 * (string/Buffer, sent as is; no framing header is added). The connection is closed once a
 * whole response is in (plus 50 ms, so that an unexpected second response shows in `raw`).
 * Resolves {status, body (parsed JSON or null), text, raw (every byte received)}.
 */
export function rawRequest(origin, method, path, headers = {}, body, { timeoutMs = 5000 } = {}) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    const chunks = [];
    let done = false;
    let settling = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const r = parseResponse(raw);
      if (err) reject(err);
      else if (!r) reject(new Error(`${method} ${path}: not an HTTP response: ${JSON.stringify(raw.slice(0, 300))}`));
      else resolve({ ...r, raw });
    };
    const timer = setTimeout(() => {
      finish(new Error(`${method} ${path}: no complete answer within ${timeoutMs} ms ` +
        `(got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))})`));
    }, timeoutMs);
    sock.on('data', (c) => {
      chunks.push(c);
      if (!settling && parseResponse(Buffer.concat(chunks).toString('latin1'))?.complete) {
        settling = true;
        setTimeout(() => finish(), 50);
      }
    });
    sock.on('error', (e) => finish(new Error(`${method} ${path}: ${e.message}`)));
    sock.on('close', () => finish());
    const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (body !== undefined) sock.write(body);
  });
}

/** The first HTTP response in raw (latin1): {status, headText, text, body, complete} or null. */
function parseResponse(raw) {
  const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(raw);
  if (!m) return null;
  const cl = /(?:^|\r\n)content-length:\s*(\d+)/i.exec(m[2]);
  const rest = raw.slice(m[0].length);
  const want = cl ? Number(cl[1]) : 0;
  const text = Buffer.from(rest.slice(0, want), 'latin1').toString('utf8');
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: Number(m[1]), headText: m[2], text, body, complete: rest.length >= want };
}

/** Creates a repeater, a project and returns {repeater, project}. */
export async function seed(stub, { repeater = true } = {}) {
  const project = await stub.ok('POST', '/api/v1/projects', { name: 'integration project' });
  const rep = repeater ? await stub.ok('POST', '/api/v1/repeaters', { name: 'integration repeater' }) : null;
  return { project, repeater: rep };
}

/** Creates a webhook in project pid; fields override the defaults (POST, no repeater). */
export function createWebhook(stub, pid, fields) {
  return stub.ok('POST', `/api/v1/projects/${pid}/webhooks`, { name: 'hook', method: 'POST', ...fields });
}

/** Creates a scan (status queued). */
export function createScan(stub, pid, fields = {}) {
  return stub.ok('POST', '/api/v1/scans', { projectId: pid, name: 'scan', ...fields });
}

/** Sets a scan's status; returns the answer (with deliveriesCreated). */
export function setStatus(stub, scanId, status) {
  return stub.ok('POST', `/api/v1/scans/${scanId}/status`, { status }, 200);
}

/** Waits until exactly one delivery exists for (scan, webhook) and returns its id. */
export async function theDelivery(stub, scanId, webhookId, timeoutMs = 3000) {
  const list = await waitFor(async () => {
    const l = await stub.deliveriesOf(scanId, webhookId);
    return l.length > 0 && l;
  }, timeoutMs, `a delivery for scan ${scanId} / webhook ${webhookId}`);
  if (list.length !== 1) throw new Error(`expected 1 delivery for scan ${scanId} / webhook ${webhookId}, got ${list.length}`);
  return list[0].id;
}

// ---------------------------------------------------------------------------------------------
// the agent

/**
 * Spawns the repeater agent against the stub. opts: token, id, args. Returns the process
 * handle (spawnProcess of tests/lib/proc.mjs) with `deployed(ms)` waiting for its `deployed` log line.
 */
export function spawnAgent(t, stub, { token, id, args = [], env = {} }) {
  const argv = ['--token', token, '--id', id, '--platform', stub.wsUrl, '--log-level', 'verbose', ...args];
  const proc = spawnProcess(t, 'repeater', agentBin(), argv, env);
  proc.deployed = (timeoutMs = 10000, from = 0) => proc.waitForLine(/\bdeployed\b/, timeoutMs, { from, stream: 'stderr' });
  return proc;
}

/** Polls the repeater's status through the API until it is `status`. */
export async function waitRepeaterStatus(stub, id, status, timeoutMs = 5000) {
  let last;
  try {
    return await waitFor(async () => {
      last = await stub.ok('GET', `/api/v1/repeaters/${id}`);
      return last.status === status && last;
    }, timeoutMs, `repeater ${id} status ${status}`);
  } catch (e) {
    e.message += ` (last: ${JSON.stringify(last)})`;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// receivers

/**
 * An HTTP receiver recording each request as {method, url, headers (lower-case names),
 * rawHeaders ([[n, v]...]), body (Buffer), text, json (parsed or undefined), at} in `seen`.
 * `respond` decides the answer: a function (rec, index) -> {status, headers?, body?} (or a
 * number, or null: never answer), or an array of those by request index (the last one
 * repeats). Default 200 "ok". opts.port: listen on that port (default: a free one).
 * Returns {port, origin, url(path), seen, waitFor(n, ms), stop()}.
 */
export async function startReceiver(t, respond = () => 200, { port: wantPort = 0 } = {}) {
  const seen = [];
  let waiters = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const rawHeaders = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) rawHeaders.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      const rec = { method: req.method, url: req.url, headers: req.headers, rawHeaders, body, text, json, at: Date.now() };
      const index = seen.length;
      seen.push(rec);
      let a = Array.isArray(respond) ? respond[Math.min(index, respond.length - 1)] : respond(rec, index);
      waiters = waiters.filter((w) => !w());
      if (a === null) return; // never answer this one
      if (typeof a === 'number') a = { status: a };
      const out = Buffer.from(a.body ?? (a.status < 300 ? 'ok' : `status ${a.status}`));
      res.writeHead(a.status, { 'Content-Type': 'text/plain', 'Content-Length': out.length, ...(a.headers ?? {}) });
      res.end(out);
    });
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r, j) => {
    server.once('error', j);
    server.listen(wantPort, HOST, r);
  });
  const port = server.address().port;
  let stopped = false;
  const receiver = {
    port,
    origin: `http://${HOST}:${port}`,
    url: (path = '/hook') => `http://${HOST}:${port}${path}`,
    seen,
    /** Resolves once `n` requests were received in total. */
    waitFor(n, timeoutMs = 5000) {
      return withTimeout(new Promise((r) => {
        const w = () => seen.length >= n && (r(seen), true);
        if (!w()) waiters.push(w);
      }), timeoutMs, `${n} request(s) at receiver :${port} (got ${seen.length})`);
    },
    stop() {
      if (stopped) return Promise.resolve();
      stopped = true;
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
  t.after(() => receiver.stop());
  return receiver;
}

/** A loopback port with nothing listening on it. */
export const deadPort = () => freePort(HOST);

// ---------------------------------------------------------------------------------------------
// a Bright-CLI-like Socket.IO client

/**
 * Connects the way the Bright CLI does: engine path /api/ws/v1/, WebSocket transport only,
 * msgpack parser, namespace /workstations, auth {token, domain: repeaterId}; on connect emits
 * `deploy` ({repeaterId}, runtime). `onRequest(job)` must return the Bright ack fields; it
 * defaults to performing the HTTP call with Node (brightPerform).
 * Resolves {socket, deployed (payload), events: [[name, ...args]], close()} after `deployed`;
 * rejects with the connect_error (err.data.code) if the handshake is refused.
 */
export async function connectBright(t, stub, { token, id, onRequest = brightPerform, timeoutMs = 5000 }) {
  const socket = ioClient(`${stub.wsUrl}${NSP}`, {
    path: ENGINE_PATH,
    transports: ['websocket'],
    parser: msgpackParser,
    auth: { token, domain: id },
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  const events = [];
  socket.onAny((name, ...args) => events.push([name, ...args]));
  socket.on('request', async (job, ack) => {
    let reply;
    try {
      reply = await onRequest(job);
    } catch (e) {
      reply = { protocol: 'http', errorCode: 'io', message: String(e?.message ?? e) };
    }
    if (typeof ack === 'function') ack(reply);
  });
  const close = () => socket.connected || socket.active ? socket.disconnect() : undefined;
  t.after(close);
  const deployed = await withTimeout(new Promise((resolve, reject) => {
    socket.once('connect_error', reject);
    socket.once('connect', () => {
      socket.emit('deploy', { repeaterId: id }, {
        version: '12.0.0', scriptsLoaded: false, localScriptsLoaded: false, os: 'linux', arch: 'x64',
        docker: false, distribution: 'integration-test', nodeVersion: process.version,
      });
    });
    socket.once('deployed', resolve);
  }), timeoutMs, 'Bright client handshake').catch((e) => {
    close();
    throw e;
  });
  return { socket, deployed, events, close };
}

/** Performs a Bright `request` job with Node's fetch and returns Bright ack fields only. */
export async function brightPerform(job) {
  const started = Date.now();
  const headers = new Headers();
  for (const [name, v] of Object.entries(job.headers ?? {})) {
    for (const one of [].concat(v)) headers.append(name, one);
  }
  const body = job.body === undefined || job.body === null || ['GET', 'HEAD'].includes((job.method ?? 'GET').toUpperCase())
    ? undefined
    : job.encoding === 'base64' ? Buffer.from(job.body, 'base64') : job.body;
  try {
    const res = await fetch(job.url, {
      method: job.method ?? 'GET',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(job.timeout ?? 30000),
    });
    const ttfb = Date.now() - started;
    const out = {};
    res.headers.forEach((v, k) => {
      out[k] = k in out ? [].concat(out[k], v) : v;
    });
    return { protocol: 'http', statusCode: res.status, headers: out, body: await res.text(), ttfb };
  } catch (e) {
    return { protocol: 'http', errorCode: 'connect', message: String(e?.cause?.message ?? e.message) };
  }
}
