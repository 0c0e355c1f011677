#!/usr/bin/env bash
# The scale run: one platform-stub bench with N agent sessions (protocol-only clients in one
# Node process, scripts/bench-clients.mjs), for N = 100, 250, 500, 1000: dispatch latency
# (echo and request events, 64 in flight) and the stub's memory as sessions grow.
#   bash scripts/bench-scale.sh [--sizes 100,250,500,1000] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=100,250,500,1000
OUT=bench-scale.json
while [ $# -gt 0 ]; do
    case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "bench-scale.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
bash scripts/setup.sh build
[ -d tests/integration/node_modules ] || npm ci --prefix tests/integration --no-audit --no-fund --loglevel=error
BUILD=build-bench
source scripts/lib/build.sh
rp_build "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRP_BUILD_TESTS=OFF >/dev/null
source scripts/lib/procs.sh
printf '%8s %12s %12s %12s %12s %14s\n' sessions "echo p50 ms" "echo p99 ms" "req p50 ms" "req p99 ms" "stub RSS kB"
echo "[" >"$OUT"
first=1
for n in ${SIZES//,/ }; do
    port=$(free_port)
    "$BUILD/server-stub/platform-stub" bench --listen "127.0.0.1:$port" --url http://127.0.0.1:9/ \
        --agents "$n" --no-direct --inflight 64 --jobs 20000 --echo 5000 --rss-inflight 0 \
        --json "$WORK/$n.json" >"$WORK/$n.log" 2>&1 &
    stub=$!
    until grep -q "listening on" "$WORK/$n.log"; do sleep 0.05; done
    node scripts/bench-clients.mjs "ws://127.0.0.1:$port" "$n" bench-token benchrepeater1 &
    clients=$!
    wait "$stub"
    kill "$clients" 2>/dev/null || true
    wait "$clients" 2>/dev/null || true
    node -e '
      const d = require(process.argv[1]);
      const e = d.phases.find((p) => p.mode === "echo"), v = d.phases.find((p) => p.mode === "via");
      console.log([String(d.sessions).padStart(8), e.p50Ms.toFixed(3).padStart(12), e.p99Ms.toFixed(3).padStart(12),
        v.p50Ms.toFixed(3).padStart(12), v.p99Ms.toFixed(3).padStart(12), String(d.stubRssKb).padStart(14)].join(" "));' "$WORK/$n.json"
    [ $first = 1 ] || echo "," >>"$OUT"
    first=0
    cat "$WORK/$n.json" >>"$OUT"
done
echo "]" >>"$OUT"
echo "bench-scale.sh: figures written to $OUT"
