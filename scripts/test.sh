#!/usr/bin/env bash
# Sets up what the tests need, builds with warnings as errors, and runs every test with ctest.
# Extra arguments go to ctest (for example: -L unit). BUILD_DIR and CMAKE_ARGS may be set.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# Node packages of the conformance suite (socket.io server, msgpack parser), from the lock.
if [ -f tests/conformance/package.json ] && { [ ! -d tests/conformance/node_modules ] ||
    [ tests/conformance/package-lock.json -nt tests/conformance/node_modules ]; }; then
    npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error
    touch tests/conformance/node_modules
fi

BUILD="${BUILD_DIR:-build}"
# shellcheck disable=SC2086
cmake -S . -B "$BUILD" -DRP_WERROR=ON ${CMAKE_ARGS:-}
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j2 "$@"
