// N protocol-only agent sessions in one Node process, for the scale run of scripts/bench.sh:
// each connects like an agent (Socket.IO v5, msgpack parser, /workstations, {token, domain}),
// deploys, and answers every event at once (a request with a fixed 200), so the stub's dispatch
// is measured without HTTP behind it.
//   node scripts/bench-clients.mjs ws://127.0.0.1:PORT N TOKEN ID
import { createRequire } from 'node:module';
const require = createRequire(new URL('../tests/integration/package.json', import.meta.url));
const { io } = require('socket.io-client');
const parser = require('socket.io-msgpack-parser');

const [url, n, token, id] = process.argv.slice(2);
const sockets = [];
for (let i = 0; i < Number(n); i++) {
  const s = io(`${url}/workstations`, {
    path: '/api/ws/v1/', transports: ['websocket'], parser, auth: { token, domain: id },
    reconnection: false,
  });
  s.on('connect', () => s.emit('deploy', { repeaterId: id }, { version: 'bench-client' }));
  s.on('request', (job, ack) => ack({ protocol: 'http', statusCode: 200, headers: {}, body: 'ok' }));
  s.on('bench-echo', (arg, ack) => ack({ errorCode: 'unknown_event', message: 'echo' }));
  sockets.push(s);
}
process.on('SIGTERM', () => { sockets.forEach((s) => s.close()); process.exit(0); });
