// The project's binaries as child processes, for every Node suite (conformance, integration,
// e2e), plus the small fixtures they all need: temp directories, free loopback ports and a
// self-signed certificate. No dependencies, so each suite imports it by relative path.
//
// A started process is stopped when its test ends (SIGTERM, then SIGKILL), and SIGKILLed if the
// test runner itself exits first.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { withTimeout } from './wait.mjs';

/** REPEATER_TEST_VERBOSE=1 (or INTEGRATION_VERBOSE=1) echoes every child's lines to stderr. */
const VERBOSE = !!(process.env.REPEATER_TEST_VERBOSE || process.env.INTEGRATION_VERBOSE);

/** A fresh temp directory, removed when the test ends. */
export function tempDir(t, prefix = 'repeater-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A loopback port with nothing listening on it (bound by the kernel's choice, then released). */
export async function freePort(host = '127.0.0.1') {
  const s = createServer();
  await new Promise((r) => s.listen(0, host, r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** A self-signed P-256 certificate for localhost and 127.0.0.1, in a temp dir removed when
 *  the test ends: {dir, keyFile, certFile, key, cert}. */
export function makeCert(t) {
  const dir = tempDir(t, 'repeater-tls-');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { dir, keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

/** The absolute path of a binary named by an environment variable, or a clear error. */
export function binFromEnv(envName, what) {
  const bin = process.env[envName];
  if (!bin) {
    throw new Error(`${envName} is not set: export ${envName}=<path of the ${what} binary> ` +
      '(e.g. PLATFORM_STUB_BIN=build/server-stub/platform-stub REPEATER_BIN=build/agent/repeater)');
  }
  const path = resolve(bin);
  if (!existsSync(path)) throw new Error(`${envName}=${bin}: no such file (${path})`);
  return path;
}
export const agentBin = () => binFromEnv('REPEATER_BIN', 'repeater agent');
export const stubBin = () => binFromEnv('PLATFORM_STUB_BIN', 'platform-stub');

/** The environment for children: ours without the variables the binaries read as options
 *  (REPEATER_*, PLATFORM_*), plus `extra` (an undefined value removes a variable). */
function childEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('REPEATER_') || k.startsWith('PLATFORM_')) delete env[k];
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/**
 * Spawns `bin argv` with its stdout and stderr captured line by line. Returns
 * {name, child, lines: [{stream, line}] in arrival order, text(stream?) (the lines as strings,
 * of one stream if given), exited (a promise of {code, signal}), exitInfo, mark(), tail(n),
 * waitForLine(re, ms, {from, stream}), waitForExit(ms), kill(sig), stop(graceMs)}.
 *
 * waitForLine fails at once, with the last lines, when the process has ended (its output
 * closed) without the line. RP_VALGRIND_DIR=dir runs the binary under valgrind, one log per
 * process in dir (scripts/valgrind-integration.sh reads them), unless `valgrind` is false (a
 * helper program that is not the project's).
 */
export function spawnProcess(t, name, bin, argv, extraEnv = {}, { valgrind = true } = {}) {
  const vg = valgrind && process.env.RP_VALGRIND_DIR;
  const [cmd, args] = vg
    ? ['valgrind', ['--leak-check=full', '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99',
      `--log-file=${vg}/${name}.%p.log`, bin, ...argv]]
    : [bin, argv];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(extraEnv) });
  children.add(child);
  const lines = [];
  let waiters = [];
  let exitInfo = null;
  let ended = false; // exited, and every line it wrote has been read
  const recheck = () => {
    waiters = waiters.filter((w) => !w.check());
  };
  const onLine = (stream) => (line) => {
    lines.push({ stream, line });
    if (VERBOSE) process.stderr.write(`  [${name} ${child.pid} ${stream}] ${line}\n`);
    recheck();
  };
  createInterface({ input: child.stdout }).on('line', onLine('stdout'));
  createInterface({ input: child.stderr }).on('line', onLine('stderr'));
  const exited = new Promise((r) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      children.delete(child);
      r(exitInfo);
    });
    // 'close' comes after 'exit' once both pipes are drained: no line can arrive after it
    child.on('close', () => {
      ended = true;
      recheck();
    });
    child.on('error', (err) => {
      exitInfo = { code: null, signal: null, error: err.message };
      children.delete(child);
      ended = true;
      recheck();
      r(exitInfo);
    });
  });
  const tail = (n = 30) => lines.slice(-n).map((l) => `    [${l.stream}] ${l.line}`).join('\n');
  const proc = {
    name,
    child,
    lines,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    text: (stream) => lines.filter((l) => !stream || l.stream === stream).map((l) => l.line),
    /** Index to pass as {from} so waitForLine only looks at lines written after this point. */
    mark: () => lines.length,
    tail,
    /** Resolves with the first line (from index `from`, of `stream` if given) matching re. */
    waitForLine(re, timeoutMs = 5000, { from = 0, stream } = {}) {
      return new Promise((resolve, reject) => {
        const w = {
          check() {
            const i = lines.findIndex((l, k) => k >= from && (!stream || l.stream === stream) && re.test(l.line));
            if (i >= 0) {
              clearTimeout(w.timer);
              resolve(lines[i].line);
              return true;
            }
            if (ended) {
              clearTimeout(w.timer);
              reject(new Error(`${name} exited ${JSON.stringify(exitInfo)} before writing ${re}; last lines:\n${tail()}`));
              return true;
            }
            return false;
          },
        };
        if (w.check()) return;
        w.timer = setTimeout(() => {
          waiters = waiters.filter((x) => x !== w);
          reject(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms; last lines:\n${tail()}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    waitForExit(timeoutMs = 5000) {
      return withTimeout(exited, timeoutMs, `${name} to exit; last lines:\n${tail()}`);
    },
    kill(sig = 'SIGKILL') {
      if (!exitInfo) child.kill(sig);
    },
    /** SIGTERM, then SIGKILL after graceMs; resolves with the exit info. */
    async stop(graceMs = 2000) {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      return exitInfo;
    },
  };
  t.after(() => proc.stop());
  return proc;
}
