#!/usr/bin/env bash
# Sets up what the tests need, builds with warnings as errors, and runs every test with ctest.
# Extra arguments go to ctest (for example: -L unit). BUILD_DIR and CMAKE_ARGS may be set;
# RP_SYSTEM_CURL=1 builds against the system's libcurl instead of scripts/build-curl.sh's.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# Node packages of the conformance and integration suites (socket.io server and client, the
# msgpack parser, standardwebhooks, har-validator), installed from their lock files.
for suite in tests/conformance tests/integration tests/e2e; do
    if [ -f "$suite/package.json" ] && { [ ! -d "$suite/node_modules" ] ||
        [ "$suite/package-lock.json" -nt "$suite/node_modules" ]; }; then
        npm ci --prefix "$suite" --no-audit --no-fund --loglevel=error
        touch "$suite/node_modules"
    fi
done

BUILD="${BUILD_DIR:-build}"
source scripts/lib/build.sh
# shellcheck disable=SC2086
rp_build "$BUILD" -DRP_WERROR=ON ${CMAKE_ARGS:-}
ctest --test-dir "$BUILD" --output-on-failure -j2 "$@"
