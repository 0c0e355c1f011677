#!/usr/bin/env bash
# The main job, end to end on loopback: builds if needed, starts platform-stub, a webhook
# receiver and the repeater agent in verbose mode, creates a repeater, a project and a webhook
# through the REST API, moves a scan queued -> running -> done (with an issue found on the
# way), shows the agent's live output, prints the final delivery JSON, and stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

bash scripts/setup.sh build
BUILD="${BUILD_DIR:-build}"
source scripts/lib/build.sh
rp_build "$BUILD" >/dev/null

source scripts/lib/procs.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Waits until a command succeeds, for at most $1 tenths of a second.
wait_for() {
    local tries=$1
    shift
    until "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || { echo "demo: timed out waiting for: $*" >&2; exit 1; }
        sleep 0.1
    done
}

say "starting a webhook receiver on 127.0.0.1 (prints what it receives)"
cat >"$WORK/receiver.js" <<'JS'
const http = require('http');
const srv = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    console.log(`[receiver] ${req.method} ${req.url} webhook-id=${req.headers['webhook-id'] || '-'} (${body.length} bytes)`);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ received: true }));
  });
});
srv.listen(0, '127.0.0.1', () => console.log(`PORT ${srv.address().port}`));
JS
node "$WORK/receiver.js" >"$WORK/receiver.log" 2>&1 &
wait_for 50 grep -q '^PORT ' "$WORK/receiver.log"
RECEIVER_PORT=$(sed -n 's/^PORT //p' "$WORK/receiver.log")
tail -n +2 -f "$WORK/receiver.log" &

say "starting platform-stub"
API_KEY=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$BUILD/server-stub/platform-stub" --listen 127.0.0.1:0 --db "$WORK/platform.db" \
    --api-key "$API_KEY" >"$WORK/stub.log" 2>&1 &
wait_for 50 grep -q 'listening on' "$WORK/stub.log"
PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/stub.log")
API="http://127.0.0.1:$PORT/api/v1"
echo "platform at $API"

api() {
    local method=$1 path=$2 body=${3:-}
    curl -sS --fail-with-body -X "$method" -H "Authorization: api-key $API_KEY" \
        -H 'Content-Type: application/json' ${body:+-d "$body"} "$API$path"
}
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }

say "creating a repeater, a project and a webhook (through the repeater, signed)"
REPEATER=$(api POST /repeaters '{"name":"demo repeater","description":"inside the private network"}')
REPEATER_ID=$(echo "$REPEATER" | field id)
TOKEN=$(echo "$REPEATER" | field token)
PROJECT_ID=$(api POST /projects '{"name":"Demo project"}' | field id)
SECRET="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
WEBHOOK=$(api POST "/projects/$PROJECT_ID/webhooks" \
    "{\"name\":\"Scan updates\",\"description\":\"every status change\",\"repeaterId\":\"$REPEATER_ID\",\"method\":\"POST\",\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hooks/scan\",\"secret\":\"$SECRET\"}")
echo "$WEBHOOK"
WEBHOOK_ID=$(echo "$WEBHOOK" | field id)

say "starting the repeater agent (verbose; its live output follows)"
"$BUILD/agent/repeater" --token "$TOKEN" --id "$REPEATER_ID" \
    --platform "ws://127.0.0.1:$PORT" --verbose >"$WORK/agent.log" 2>&1 &
tail -n +1 -f "$WORK/agent.log" | sed -u 's/^/[agent] /' &
wait_for 100 sh -c "curl -s -H 'Authorization: api-key $API_KEY' $API/repeaters/$REPEATER_ID | grep -q '\"status\":\"connected\"'"

say "running a scan: queued -> running -> (an issue is found) -> done"
SCAN_ID=$(api POST /scans "{\"projectId\":\"$PROJECT_ID\",\"name\":\"Nightly scan\",\"config\":{\"target\":\"https://app.example.test\",\"tests\":[\"xss\",\"sqli\"]}}" | field id)
api POST "/scans/$SCAN_ID/status" '{"status":"running"}' >/dev/null
api POST "/scans/$SCAN_ID/issues" '{"name":"Reflected XSS","severity":"high","url":"https://app.example.test/search?q="}' >/dev/null
api POST "/scans/$SCAN_ID/status" '{"status":"done"}' >/dev/null
delivered_count() {
    api GET "/deliveries?scanId=$SCAN_ID&state=delivered" |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.exit(JSON.parse(s).length===2?0:1))'
}
wait_for 100 delivered_count

say "the delivery of the last status change, as the platform recorded it"
LAST=$(api GET "/deliveries?scanId=$SCAN_ID" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=JSON.parse(s);console.log(l[l.length-1].id)})')
api GET "/deliveries/$LAST" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s),null,2)))'
say "done: webhook $WEBHOOK_ID delivered through repeater $REPEATER_ID"
if [ "${1:-}" = "--keep" ]; then
    say "the platform keeps running: open http://127.0.0.1:$PORT/ (API key $API_KEY); Ctrl-C stops everything"
    wait
fi
