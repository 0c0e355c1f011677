#!/usr/bin/env bash
# Runs the integration tests with every agent and platform-stub process under valgrind and
# fails when any process that ended on its own (not SIGKILLed) leaked memory or made a memory
# error. Usage: bash scripts/valgrind-integration.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
export RP_VALGRIND_DIR="$LOGS"
# the 2,000-delivery fault test is about delivery, not memory: its processes are SIGKILLed;
# the browser test (label integration too) waits on a page with timeouts made for full speed
ctest --test-dir "$BUILD" -L integration -E 'integration_(faults|packaging)|e2e_' \
    --output-on-failure -j2
bad=0
checked=0
for log in "$LOGS"/*.log; do
    [ -f "$log" ] || continue
    grep -q "ERROR SUMMARY" "$log" || continue # killed before it could report
    checked=$((checked + 1))
    if ! grep -q "ERROR SUMMARY: 0 errors" "$log" || grep -qE "(definitely|indirectly) lost: [1-9]" "$log"; then
        echo "valgrind: problems in $(basename "$log"):"
        grep -E "ERROR SUMMARY|definitely lost|indirectly lost|Invalid|uninitialised" "$log" | head -20
        bad=$((bad + 1))
    fi
done
echo "valgrind: $checked process(es) checked, $bad with errors or leaks"
[ "$bad" -eq 0 ] && [ "$checked" -gt 0 ]
