# Sourced by demo.sh, bench.sh and bench-scale.sh: a work directory and the background jobs
# started from the script, both gone when the script exits, and a free loopback port.
WORK=$(mktemp -d)
rp_cleanup() {
    kill $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap rp_cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
