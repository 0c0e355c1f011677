// Connections to receivers: kept and reused between jobs; a kept connection the receiver closes
// while it is unused costs nothing (no busy loop) and the next job opens a new one; a job with
// keepAlive false gets a connection of its own that is not kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDeployed, startReceiver, sleep, waitFor, pool } from './lib.mjs';

/** CPU time (user + system, in clock ticks) the process has used so far. */
function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

function trackConnections(server) {
  const state = { opened: 0, open: 0 };
  server.on('connection', (s) => {
    state.opened++;
    state.open++;
    s.on('close', () => state.open--);
  });
  return state;
}

test('kept connections: reused, closed by the receiver while unused, keepAlive false', { timeout: 60000 }, async (t) => {
  const receiver = await startReceiver(t);
  receiver.server.keepAliveTimeout = 150; // the receiver closes a connection idle for 150 ms
  const conns = trackConnections(receiver.server);
  const { platform, agent } = await startDeployed(t, { agent: { logLevel: 'notice' } });
  const job = (path, extra = {}) => ({ protocol: 'http', method: 'GET', url: `${receiver.origin}${path}`, ...extra });

  // two jobs one after the other share one connection
  assert.equal((await platform.request(job('/a'))).statusCode, 200);
  assert.equal((await platform.request(job('/b'))).statusCode, 200);
  assert.equal(conns.opened, 1, 'the second job reused the first one\'s connection');

  // 16 at once open up to 16 connections, all kept
  const acks = await pool(Array.from({ length: 16 }, (_, i) => job(`/c${i}`)), 16, (j) => platform.request(j));
  assert.ok(acks.every((a) => a.statusCode === 200));
  const afterBurst = conns.opened;
  assert.ok(afterBurst > 1 && afterBurst <= 17, `connections after the burst: ${afterBurst}`);

  // the receiver closes every one of them while the agent does not use them
  await waitFor(() => conns.open === 0, 5000, 'the receiver closing the idle connections');
  // a closed socket the agent still watched would be readable for ever: it must not spin
  const before = cpuTicks(agent.child.pid);
  const started = Date.now();
  await sleep(500); // a measurement window, not a wait for an event
  const used = cpuTicks(agent.child.pid) - before;
  assert.ok(used <= 10, `agent used ${used} ticks of CPU in ${Date.now() - started} ms while idle`);

  // the next jobs open new connections and succeed
  const again = await pool(Array.from({ length: 16 }, (_, i) => job(`/d${i}`)), 16, (j) => platform.request(j));
  assert.ok(again.every((a) => a.statusCode === 200), JSON.stringify(again.find((a) => a.statusCode !== 200)));
  assert.ok(conns.opened > afterBurst, 'new connections after the receiver closed the old ones');

  // keepAlive false: a fresh connection, closed after the job (by the agent: the receiver
  // would now keep it for 30 s)
  await waitFor(() => conns.open === 0, 5000, 'the receiver closing the idle connections');
  receiver.server.keepAliveTimeout = 30000;
  const opened = conns.opened;
  assert.equal((await platform.request(job('/e', { keepAlive: false }))).statusCode, 200);
  assert.equal(conns.opened, opened + 1, 'a connection of its own');
  await waitFor(() => conns.open === 0, 1000, 'the agent closing the keepAlive false connection');
});
