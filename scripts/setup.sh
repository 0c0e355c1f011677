#!/usr/bin/env bash
# Installs the Debian packages repeater needs: `setup.sh build` for building and running it
# (the main job), `setup.sh` (or `setup.sh test`) for the tests as well.
# Idempotent: when every package is already installed it changes nothing.
set -euo pipefail

# the build packages (packaging/build-packages.txt), the system libcurl's headers (CI tests
# that build too), lws' libuv plugin, and what the scripts run
mapfile -t PACKAGES < <(grep -E '^[a-z0-9]' "$(dirname "$0")/../packaging/build-packages.txt")
PACKAGES+=(libcurl4-openssl-dev libwebsockets-evlib-uv nodejs curl ca-certificates)
if [ "${1:-test}" != "build" ]; then
    PACKAGES+=(
        clang-format libcmocka-dev npm openssl valgrind
        clang libclang-rt-14-dev
        prometheus tinyproxy systemd chromium
    )
fi

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

# node and npm may come from outside Debian (a machine image's own Node.js): accept those.
filtered=()
for p in "${missing[@]}"; do
    case "$p" in
    nodejs) command -v node >/dev/null 2>&1 || filtered+=("$p") ;;
    npm) command -v npm >/dev/null 2>&1 || filtered+=("$p") ;;
    *) filtered+=("$p") ;;
    esac
done

if [ "${#filtered[@]}" -eq 0 ]; then
    echo "setup: all packages present"
    exit 0
fi

echo "setup: installing ${filtered[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${filtered[@]}"
