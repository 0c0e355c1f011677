#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer (ASan + UBSan) and fuzzes each for a bounded
# time, starting from the seed corpus in tests/fuzz/corpus. A crash stops with a non-zero exit
# and leaves the input in build-fuzz/artifacts/: copy it to tests/fuzz/regressions/<target>/.
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-30}"
bash scripts/setup.sh
BUILD=build-fuzz
CC=clang cmake -S . -B "$BUILD" -DRP_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target fuzz_mpjson fuzz_packets fuzz_job fuzz_jobmp fuzz_rest >/dev/null
mkdir -p "$BUILD/artifacts"
for t in mpjson packets job jobmp rest; do
    work="$BUILD/corpus/$t"
    mkdir -p "$work"
    echo "== fuzz_$t for ${SECONDS_EACH}s"
    ASAN_OPTIONS=detect_leaks=1 "$BUILD/tests/fuzz_$t" -max_total_time="$SECONDS_EACH" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$BUILD/artifacts/$t-" "$work" "tests/fuzz/corpus/$t" \
        "tests/fuzz/regressions/$t" 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|Done)" || true
    if ls "$BUILD/artifacts/$t-"* >/dev/null 2>&1; then
        echo "fuzz: fuzz_$t found a crash: $(ls "$BUILD/artifacts/$t-"*)" >&2
        exit 1
    fi
done
echo "fuzz: 4 targets ran clean for ${SECONDS_EACH}s each"
