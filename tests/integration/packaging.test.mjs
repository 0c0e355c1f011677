// Packaging: scripts/install.sh into a temporary root, the installed binary (and its written
// configuration file) against a running stub, the systemd unit through systemd-analyze verify,
// uninstall, the .deb and its Depends, the libraries the binaries link against the runtime
// package list, and what the Dockerfile's runtime stage relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStub, seed, tempDir } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', ...opts });
const runtimePackages = () => readFileSync(join(ROOT, 'packaging/runtime-packages.txt'), 'utf8')
  .split('\n').filter((l) => /^[a-z0-9]/.test(l)).map((l) => l.trim());

test('install.sh into a temporary root, run the installed agent, verify the unit, uninstall', { timeout: 600000 }, async (t) => {
  const stub = await startStub(t);
  const { repeater } = await seed(stub);
  const root = tempDir(t, 'install-root-');
  const build = tempDir(t, 'install-build-');
  const env = { ...process.env, RP_INSTALL_BUILD_DIR: build };
  run('bash', ['scripts/install.sh', '--destdir', root, '--prefix', '/usr', '--no-deps',
    '--token', repeater.token, '--id', repeater.id, '--platform', stub.wsUrl], { env });

  const bin = join(root, 'usr/bin/repeater');
  const conf = join(root, 'etc/repeater/repeater.conf');
  for (const f of [bin, join(root, 'usr/bin/platform-stub'), conf, join(root, 'etc/systemd/system/repeater.service')]) {
    assert.ok(existsSync(f), `${f} installed`);
  }
  assert.equal(statSync(conf).mode & 0o777, 0o600, 'the configuration is readable by its owner only');
  assert.match(readFileSync(conf, 'utf8'), new RegExp(`^token = ${repeater.token}$`, 'm'));

  // the installed binary, configured by the installed file, against the running stub
  const doctor = spawnSync(bin, ['doctor', '--config', conf], { encoding: 'utf8', timeout: 30000 });
  assert.equal(doctor.status, 0, doctor.stdout + doctor.stderr);
  assert.match(doctor.stdout, /✓ credentials: connected, deployed and left/);

  // the unit, with ExecStart pointed at the staged binary, is valid for systemd
  const unit = readFileSync(join(root, 'etc/systemd/system/repeater.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/repeater --config \/etc\/repeater\/repeater.conf$/m);
  for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'CapabilityBoundingSet=$',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'Restart=on-failure', 'User=repeater']) {
    assert.match(unit, new RegExp(`^${line}`, 'm'), line);
  }
  const check = join(tempDir(t, 'unit-'), 'repeater.service');
  writeFileSync(check, unit.replace('/usr/bin/repeater', bin));
  const verify = spawnSync('systemd-analyze', ['verify', check], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);

  run('bash', ['scripts/uninstall.sh', '--destdir', root, '--prefix', '/usr', '--purge'], { env });
  const left = [];
  const walk = (d) => readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(join(d, e.name)) : left.push(join(d, e.name))));
  walk(root);
  assert.deepEqual(left, [], 'uninstall --purge removes every installed file');

  // the same build, packaged: a .deb whose Depends are the runtime packages
  run('cpack', ['-G', 'DEB'], { cwd: build });
  const deb = readdirSync(build).find((f) => f.endsWith('.deb'));
  assert.ok(deb, 'a .deb was built');
  const info = run('dpkg-deb', ['--info', join(build, deb)]);
  const depends = /^ Depends: (.*)$/m.exec(info)?.[1] ?? '';
  for (const p of runtimePackages()) assert.ok(depends.split(', ').includes(p), `Depends has ${p}: ${depends}`);
  const contents = run('dpkg-deb', ['-c', join(build, deb)]);
  for (const f of ['./usr/bin/repeater', './usr/bin/platform-stub', './usr/lib/systemd/system/repeater.service']) {
    assert.ok(contents.includes(f), `the .deb holds ${f}`);
  }
});

test('every library the binaries link comes from the runtime package list', { timeout: 120000 }, (t) => {
  if (/libasan/.test(run('ldd', [process.env.REPEATER_BIN]))) {
    t.skip('a sanitizer build links its test-only runtime; the plain build checks this');
    return;
  }
  // a build against the system's libcurl adds libcurl4, as the .deb's Depends do
  const list = [...runtimePackages(), ...(process.env.RP_CURL_PREFIX ? [] : ['libcurl4'])];
  assert.ok(list.includes('libwebsockets-evlib-uv'), 'the libuv event-loop plugin lws loads at run time');
  const plugin = run('dpkg', ['-S', 'libwebsockets-evlib_uv.so']).split(':')[0];
  assert.ok(list.includes(plugin), `${plugin} is in the list`);
  const deps = run('apt-cache', ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts',
    '--no-breaks', '--no-replaces', '--no-enhances', '--no-pre-depends', ...list]);
  const allowed = new Set([...list, ...deps.split('\n').filter((l) => /^[a-z0-9]/.test(l)).map((l) => l.trim().replace(/:.*$/, ''))]);
  for (const bin of [process.env.REPEATER_BIN, process.env.PLATFORM_STUB_BIN]) {
    const libs = run('ldd', [bin]).split('\n').map((l) => /=> (\/\S+)/.exec(l)?.[1]).filter(Boolean);
    assert.ok(libs.length > 5);
    for (const lib of libs) {
      let owner = spawnSync('dpkg', ['-S', lib], { encoding: 'utf8' });
      if (owner.status !== 0) owner = spawnSync('dpkg', ['-S', run('readlink', ['-f', lib]).trim()], { encoding: 'utf8' });
      assert.equal(owner.status, 0, `no package owns ${lib}`);
      const pkg = owner.stdout.split(':')[0];
      assert.ok(allowed.has(pkg), `${lib} comes from ${pkg}, which the runtime list does not bring`);
    }
  }
});

test('the binaries carry the libcurl they were built with', () => {
  const [, http] = run(process.env.REPEATER_BIN, ['--version']).split('\n');
  const m = /^libcurl (\d+\.\d+\.\d+) \((OpenSSL\/3[^,;]*)[^;]*; protocols ([a-z0-9 ]+)\)$/.exec(http);
  assert.ok(m, `repeater --version names its libcurl: ${http}`);
  assert.match(http, /zlib\/.*brotli\/.*zstd\//, 'the content codings the agent decodes');
  const shared = /libcurl\.so/.test(run('ldd', [process.env.REPEATER_BIN]));
  const prefix = process.env.RP_CURL_PREFIX;
  if (prefix) {
    assert.equal(shared, false, 'scripts/build-curl.sh\'s libcurl is linked in, not the shared one');
    assert.equal(m[3], 'http https', 'built for HTTP and HTTPS only');
    const stamp = readFileSync(join(prefix, '.built-from'), 'utf8');
    assert.match(stamp, new RegExp(`^version ${m[1].replace(/\./g, '\\.')}-\\S+$`, 'm'), 'from Debian\'s source of this version');
    assert.equal(/libcurl\.so/.test(run('ldd', [process.env.PLATFORM_STUB_BIN])), false, 'the stub too');
  } else {
    assert.equal(shared, true, 'a build without RP_CURL_PREFIX uses the system\'s libcurl');
    assert.match(m[3], /\bhttps\b/);
  }
});

test('the Dockerfile runtime stage: runtime list, uid 1000, entrypoint, health check', () => {
  const df = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = df.slice(df.indexOf('AS runtime'));
  assert.match(df, /^FROM debian:bookworm AS build$/m);
  assert.match(df.slice(0, df.indexOf('AS runtime')), /COPY packaging\/build-packages\.txt/,
    'the build stage installs the shared build package list');
  assert.match(df, /^FROM debian:bookworm-slim AS runtime$/m);
  assert.match(runtime, /COPY packaging\/runtime-packages\.txt/);
  assert.doesNotMatch(runtime, /-dev\b/, 'no development package in the runtime stage');
  assert.match(runtime, /^USER 1000:1000$/m);
  assert.match(runtime, /^ENTRYPOINT \["repeater"\]$/m);
  assert.match(runtime, /HEALTHCHECK[\s\S]*CMD \["repeater", "health"\]/);
  assert.match(runtime, /REPEATER_HEALTH_LISTEN=0\.0\.0\.0:8080/);
  // the entrypoint and health command exist and behave without a terminal or root
  assert.equal(spawnSync(process.env.REPEATER_BIN, ['--version']).status, 0);
  assert.equal(spawnSync(process.env.REPEATER_BIN, ['health'], { env: { REPEATER_HEALTH_LISTEN: '127.0.0.1:9' } }).status, 1);
});
