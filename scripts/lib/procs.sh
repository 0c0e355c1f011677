# Sourced by demo.sh, bench.sh and bench-scale.sh: a work directory and the background
# processes started from the script (their PIDs go in PIDS), both gone when the script exits,
# and a free loopback port.
WORK=$(mktemp -d)
PIDS=()
rp_cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    kill $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap rp_cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
