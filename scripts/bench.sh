#!/usr/bin/env bash
# Benchmarks the tunnel against a direct call, side by side in one run: nginx from Debian on
# loopback as the receiver (a small JSON 200), platform-stub bench as the platform and load
# driver, one repeater agent. Prints the table and writes the figures as JSON.
#   bash scripts/bench.sh [--jobs N] [--inflight 1,64,512] [--rounds N] [--rate JOBS_PER_S]
#                         [--out FILE]
# --rounds N runs the echo and each direct/via pair N times and prints the per-round ratios and
# their medians (a shared machine moves from one minute to the next).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=5000
INFLIGHT=1,64,512
RATE=""
ROUNDS=1
OUT=bench-results.json
while [ $# -gt 0 ]; do
    case "$1" in
    --jobs) JOBS=$2; shift 2 ;;
    --inflight) INFLIGHT=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

bash scripts/setup.sh build
command -v nginx >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends nginx-light >/dev/null
}
BUILD=build-bench
source scripts/lib/build.sh
rp_build "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRP_BUILD_TESTS=OFF >/dev/null

source scripts/lib/procs.sh

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/nginx;
    proxy_temp_path $WORK/nginx;
    fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx;
    scgi_temp_path $WORK/nginx;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / { default_type application/json; return 200 '{"ok":true}'; }
    }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &

# a receiver that holds every answer for a second, for the agent's memory with jobs in flight
cat >"$WORK/slow.js" <<'JS'
const s = require('http').createServer((q, r) => setTimeout(() => r.end('{"slow":true}'), 1000));
// a backlog for the 1,000 connections that arrive at once (Node's default is 511)
s.listen(0, '127.0.0.1', 4096, () => console.log(s.address().port));
JS
node "$WORK/slow.js" >"$WORK/slow.port" &
until [ -s "$WORK/slow.port" ]; do sleep 0.05; done
SLOW_PORT=$(cat "$WORK/slow.port")

# The agent as installed: without the SSL_CERT_FILE/SSL_CERT_DIR of a developer's shell, and
# for a build against the system's libcurl with the GnuTLS setting its systemd unit has.
AGENT_ENV=(env -u SSL_CERT_FILE -u SSL_CERT_DIR)
[ "${RP_SYSTEM_CURL:-0}" = 1 ] && AGENT_ENV+=(GNUTLS_NO_IMPLICIT_INIT=1)
PORT=$(free_port)
"${AGENT_ENV[@]}" "$BUILD/agent/repeater" --token bench-token --id benchrepeater1 --platform "ws://127.0.0.1:$PORT" \
    --max-inflight 1024 --log-level error &
AGENT=$!
"$BUILD/server-stub/platform-stub" bench --listen "127.0.0.1:$PORT" \
    --url "http://127.0.0.1:$NGINX_PORT/" --slow-url "http://127.0.0.1:$SLOW_PORT/" \
    --inflight "$INFLIGHT" --jobs "$JOBS" --rounds "$ROUNDS" ${RATE:+--rate "$RATE"} --agent-pid "$AGENT" \
    --json "$OUT"
# the floor under the agent's RSS: its libraries, initialised as it does, and nothing else
FLOOR=$("${AGENT_ENV[@]}" "$BUILD/agent/rss-floor")
node -e '
const fs = require("fs");
const floor = JSON.parse(process.argv[2]);
const out = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
out.rssFloor = floor;
fs.writeFileSync(process.argv[1], JSON.stringify(out, null, 2) + "\n");
console.log(`RSS floor (the same libraries initialised, no agent): ${floor.rssKb} kB ` +
  `(${floor.anonKb} kB anonymous, ${floor.fileKb} kB of mapped library pages)`);
' "$OUT" "$FLOOR"
echo "bench.sh: figures written to $OUT"
