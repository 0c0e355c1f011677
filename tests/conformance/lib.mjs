// Shared helpers for the conformance suite: a real Socket.IO "platform" (socket.io 4 + msgpack
// parser), the agent under test as a child process with captured logs, and loopback HTTP(S)
// receivers that record what they saw. Everything listens on 127.0.0.1, port 0 unless told.
//
// Helpers that start something take the node:test context `t` and register their own cleanup
// with t.after(), so every test stops its servers and kills its agents however it ends.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { sleep, waitFor, withTimeout } from '../lib/wait.mjs';
import { agentBin, freePort, makeCert, spawnProcess, tempDir } from '../lib/proc.mjs';
import { Server } from 'socket.io';

export { sleep, waitFor, withTimeout, agentBin, freePort, makeCert, tempDir };

const require = createRequire(import.meta.url);
export const parser = require('socket.io-msgpack-parser');
export const msgpack = require('notepack.io');

export const HOST = '127.0.0.1';
export const TOKEN = 'conformance-token';
export const REPEATER_ID = 'conformance1'; // matches ^[1-9a-z]{10,22}$
export const ENGINE_PATH = '/api/ws/v1/';
export const NSP = '/workstations';

// ---------------------------------------------------------------------------------------------
// small utilities

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** Runs fn over items with at most `limit` calls in flight; results in item order. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Deterministic PRNG (mulberry32) so a failing run can be replayed. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
  };
}

function listen(server, port = 0, host = HOST) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/** Tracks a server's TCP sockets so they can be destroyed (a "kill", not a graceful close). */
function trackSockets(server) {
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () => {
    for (const s of sockets) s.destroy();
  };
}

// ---------------------------------------------------------------------------------------------
// the platform: a real Socket.IO server

/**
 * Starts a Socket.IO server the way the Bright platform is reached by the CLI.
 * opts: port, record (add extensions.record to `deployed`), autoDeploy (answer `deploy` with
 * `deployed`, default true), pingInterval, pingTimeout, middleware (namespace middleware),
 * onConnection(conn) (called for each namespace connection, before anything is emitted).
 *
 * Each namespace connection becomes `conn = {index, socket, auth, query, deploys: [{info,
 * runtime, at}], disconnectReason, at}` in platform.connections.
 */
export async function startPlatform(t, opts = {}) {
  const { record = false, autoDeploy = true, middleware, onConnection } = opts;
  const http = createHttpServer();
  const destroySockets = trackSockets(http);
  const io = new Server(http, {
    path: ENGINE_PATH,
    transports: ['websocket'],
    parser,
    serveClient: false,
    ...(opts.pingInterval && { pingInterval: opts.pingInterval }),
    ...(opts.pingTimeout && { pingTimeout: opts.pingTimeout }),
  });
  const nsp = io.of(NSP);
  if (middleware) nsp.use(middleware);

  const connections = [];
  nsp.on('connection', (socket) => {
    const conn = {
      index: connections.length,
      socket,
      auth: socket.handshake.auth,
      query: socket.handshake.query,
      deploys: [],
      disconnectReason: null,
      at: Date.now(),
    };
    connections.push(conn);
    socket.on('disconnect', (reason) => {
      conn.disconnectReason = reason;
    });
    socket.on('deploy', (...args) => {
      if (typeof args.at(-1) === 'function') args.pop(); // tolerate an ack id on deploy
      const [info, runtime] = args;
      conn.deploys.push({ info, runtime, at: Date.now() });
      if (autoDeploy) conn.deployed();
    });
    conn.deployed = () => {
      const repeaterId = conn.deploys[0]?.info?.repeaterId;
      socket.emit('deployed', record ? { repeaterId, extensions: { record: true } } : { repeaterId });
    };
    onConnection?.(conn);
  });

  const port = await listen(http, opts.port ?? 0);
  let closed = false;
  const platform = {
    port,
    url: `ws://${HOST}:${port}`,
    io,
    connections,
    get last() {
      return connections.at(-1);
    },
    /** Waits for connection number `index` (0-based) and its first `deploy`. */
    async deployedConnection(index = 0, timeoutMs = 5000) {
      return waitFor(() => connections[index]?.deploys.length > 0 && connections[index], timeoutMs,
        `deploy on connection #${index}`);
    },
    /** Emits a `request` job with an ack on conn (default: the latest) and resolves with the ack. */
    request(job, { conn = connections.at(-1), timeoutMs = 10000 } = {}) {
      return conn.socket.timeout(timeoutMs).emitWithAck('request', job);
    },
    /** Abrupt stop, as if the process were killed: TCP sockets destroyed, no close frames. */
    async kill() {
      if (closed) return;
      closed = true;
      destroySockets();
      await new Promise((r) => io.close(() => r()));
    },
    async close() {
      if (closed) return;
      closed = true;
      io.close();
      destroySockets();
      await new Promise((r) => (http.listening ? http.close(() => r()) : r()));
    },
  };
  t.after(() => platform.close());
  return platform;
}

/** Makes the engine stop pinging this connection (the client then sees a dead link). */
export function stopPings(socket) {
  const eio = socket.conn;
  clearTimeout(eio.pingIntervalTimer);
  clearTimeout(eio.pingTimeoutTimer);
  eio.pingTimeoutTimer = null;
  eio.pingIntervalTimer = { refresh() {} };
  eio.schedulePing = () => {};
}

/** The raw `ws` WebSocket under a Socket.IO server socket, for hand-made frames. */
export const rawWs = (socket) => socket.conn.transport.socket;

// ---------------------------------------------------------------------------------------------
// the agent under test

/**
 * Spawns the agent against `platform` (spawnProcess of tests/lib/proc.mjs: `lines` holds
 * {stream, line}, `text('stderr')` the log lines as strings). opts: token, id, logLevel (default
 * verbose), args (extra arguments), env (extra environment variables).
 */
export function spawnAgent(t, platform, opts = {}) {
  const { token = TOKEN, id = REPEATER_ID, logLevel = 'verbose', args = [], env = {} } = opts;
  const argv = ['--token', token, '--id', id, '--platform', platform.url, '--log-level', logLevel, ...args];
  return spawnProcess(t, 'repeater', agentBin(), argv, env);
}

/**
 * The usual start: platform + agent, waits until the agent is deployed (the server got `deploy`
 * and the agent logged `deployed`). Returns {platform, agent, conn}.
 */
export async function startDeployed(t, { platform: platformOpts = {}, agent: agentOpts = {} } = {}) {
  const platform = await startPlatform(t, platformOpts);
  const agent = spawnAgent(t, platform, agentOpts);
  const conn = await platform.deployedConnection(0, 10000);
  await agent.waitForLine(/\bdeployed\b/, 5000);
  return { platform, agent, conn };
}

// ---------------------------------------------------------------------------------------------
// receivers: the agent's HTTP targets

const okHandler = (req, res) => reply(res, 200, [['Content-Type', 'text/plain']], 'ok');

/**
 * An HTTP (or HTTPS with opts.tls = {key, cert}) server that records every request it saw as
 * {method, url, httpVersion, rawHeaders: [[name, value]...], body: Buffer, at} in `seen`, then
 * calls handler(req, res, rec) (default: 200 text/plain "ok").
 */
export async function startReceiver(t, handler = okHandler, opts = {}) {
  const seen = [];
  const onRequest = (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rec = {
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        rawHeaders: pairs(req.rawHeaders),
        body: Buffer.concat(chunks),
        at: Date.now(),
      };
      seen.push(rec);
      handler(req, res, rec);
    });
  };
  const server = opts.tls ? createHttpsServer(opts.tls, onRequest) : createHttpServer(onRequest);
  server.keepAliveTimeout = 30000;
  const destroySockets = trackSockets(server);
  const host = opts.host ?? HOST;
  const port = await listen(server, 0, host);
  const scheme = opts.tls ? 'https' : 'http';
  const receiver = { port, origin: `${scheme}://${host}:${port}`, seen, server };
  t.after(() => {
    destroySockets();
    return new Promise((r) => server.close(() => r()));
  });
  return receiver;
}

/** A TCP server that accepts connections, reads, and never answers. `accepted` counts them. */
export async function startSilentReceiver(t) {
  const server = createNetServer((s) => {
    receiver.accepted++;
    s.on('data', () => {});
    s.on('error', () => {});
  });
  const destroySockets = trackSockets(server);
  const port = await listen(server, 0);
  const receiver = { port, origin: `http://${HOST}:${port}`, accepted: 0 };
  t.after(() => {
    destroySockets();
    return new Promise((r) => server.close(() => r()));
  });
  return receiver;
}

/** [a, b, c, d] -> [[a, b], [c, d]] */
export function pairs(flat) {
  const out = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/**
 * Writes a response whose header block is exactly `headers` ([[name, value]...], repeats kept,
 * in order) plus Content-Length and Connection: no Date, no Keep-Alive, no chunking. Returns the
 * header list as sent on the wire.
 */
export function reply(res, status, headers, body) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body ?? '');
  const keepAlive = !/close/i.test(res.req.headers.connection ?? '');
  const all = [...headers, ['Content-Length', String(buf.length)], ['Connection', keepAlive ? 'keep-alive' : 'close']];
  res.sendDate = false;
  res.writeHead(status, all.flat());
  res.end(buf);
  return all;
}

/** Bright-style header map of a header list: lower-cased names, string[] when repeated. */
export function brightHeaders(list) {
  const out = {};
  for (const [name, value] of list) {
    const k = name.toLowerCase();
    if (k in out) out[k] = [].concat(out[k], value);
    else out[k] = value;
  }
  return out;
}

/** Header lines a job's header map should produce: array values become repeated lines. */
export function expandHeaders(headers = {}) {
  return Object.entries(headers).flatMap(([name, v]) => (Array.isArray(v) ? v.map((x) => [name, x]) : [[name, v]]));
}

/** Headers that HTTP/1.1 framing itself adds; everything else on the wire must come from the job. */
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);
export const withoutFraming = (list) => list.filter(([name]) => !FRAMING.has(name.toLowerCase()));

