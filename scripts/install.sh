#!/usr/bin/env bash
# On-premise install of repeater: runtime packages, a Release build, `cmake --install`, a
# system user, /etc/repeater/repeater.conf (mode 0600) and the hardened systemd unit.
#
#   sudo scripts/install.sh --token TOKEN --id ID [--hostname H | --platform URL]
#   scripts/install.sh --destdir /tmp/root --no-deps     # stage into a directory, no root needed
#
# Options: --prefix DIR (default /usr/local), --destdir DIR (stage under DIR: no user, no
# systemctl), --no-deps (do not apt-get anything), --no-start (do not enable/start the unit),
# --token, --id, --hostname, --platform (written into a new configuration file),
# --system-curl (link Debian's libcurl4 instead of building scripts/build-curl.sh's; also
# RP_SYSTEM_CURL=1). Without --no-deps the bundled libcurl is rebuilt when Debian has published
# a newer curl source (a security update): run install.sh again to take it. With --no-deps it
# must have been built before (bash scripts/build-curl.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=/usr/local
DESTDIR=""
DEPS=1
START=1
TOKEN="${REPEATER_TOKEN:-}"
ID="${REPEATER_ID:-}"
HOSTNAME_OPT=""
PLATFORM_OPT=""
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --destdir) DESTDIR=$2; shift 2 ;;
    --no-deps) DEPS=0; shift ;;
    --no-start) START=0; shift ;;
    --system-curl) export RP_SYSTEM_CURL=1; shift ;;
    --token) TOKEN=$2; shift 2 ;;
    --id) ID=$2; shift 2 ;;
    --hostname) HOSTNAME_OPT=$2; shift 2 ;;
    --platform) PLATFORM_OPT=$2; shift 2 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ] && [ -z "$DESTDIR" ]; then
    SUDO="sudo"
fi

if [ "$DEPS" = 1 ]; then
    mapfile -t RUNTIME < <(grep -E '^[a-z0-9]' packaging/runtime-packages.txt)
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    mapfile -t BUILD_PKGS < <(grep -E '^[a-z0-9]' packaging/build-packages.txt)
    [ "${RP_SYSTEM_CURL:-0}" = 1 ] && BUILD_PKGS+=(libcurl4-openssl-dev libcurl4)
    $SUDO apt-get install -y -q --no-install-recommends "${RUNTIME[@]}" "${BUILD_PKGS[@]}"
    export RP_CURL_MODE=--update
else
    # no apt at all: reuse the libcurl built before, or say to build it (or --system-curl)
    export RP_CURL_MODE="${RP_CURL_MODE:---offline}"
fi

BUILD="${RP_INSTALL_BUILD_DIR:-build-install}"
source scripts/lib/build.sh
rp_build "$BUILD" -DCMAKE_BUILD_TYPE=Release -DRP_BUILD_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" >/dev/null
DESTDIR="$DESTDIR" $SUDO cmake --install "$BUILD" >/dev/null
echo "install.sh: installed repeater and platform-stub under ${DESTDIR}${PREFIX}"

# The unit goes where systemd looks for units of this prefix.
UNIT_SRC="${DESTDIR}${PREFIX}/lib/systemd/system/repeater.service"
UNIT_DIR="${DESTDIR}/etc/systemd/system"
$SUDO mkdir -p "$UNIT_DIR"
$SUDO install -m 0644 "$UNIT_SRC" "$UNIT_DIR/repeater.service"

# The system user the service runs as.
if [ -z "$DESTDIR" ] && ! id repeater >/dev/null 2>&1; then
    $SUDO useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
        --user-group repeater
    echo "install.sh: created the system user repeater"
fi

# The configuration: written once, never overwritten; readable by the service only.
CONF_DIR="${DESTDIR}/etc/repeater"
CONF="$CONF_DIR/repeater.conf"
$SUDO mkdir -p "$CONF_DIR"
if [ ! -f "$CONF" ]; then
    TMP=$(mktemp)
    {
        echo "# repeater configuration, written by scripts/install.sh (docs/configuration.md)"
        echo "token = ${TOKEN:-REPLACE_WITH_THE_REPEATER_TOKEN}"
        echo "id = ${ID:-REPLACE_WITH_THE_REPEATER_ID}"
        if [ -n "$PLATFORM_OPT" ]; then
            echo "platform = $PLATFORM_OPT"
        else
            echo "hostname = ${HOSTNAME_OPT:-app.brightsec.com}"
        fi
        echo "log-format = json"
    } >"$TMP"
    $SUDO install -m 0600 "$TMP" "$CONF"
    rm -f "$TMP"
    if [ -z "$DESTDIR" ]; then
        $SUDO chown repeater:repeater "$CONF"
    fi
    echo "install.sh: wrote $CONF (mode 0600)"
else
    echo "install.sh: kept the existing $CONF"
fi

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    $SUDO systemctl daemon-reload
    if [ "$START" = 1 ] && [ -n "$TOKEN" ] && [ -n "$ID" ]; then
        $SUDO systemctl enable --now repeater.service
        echo "install.sh: repeater.service enabled and started (journalctl -u repeater -f)"
    else
        echo "install.sh: edit $CONF, then: systemctl enable --now repeater"
    fi
elif [ -z "$DESTDIR" ]; then
    echo "install.sh: systemd is not running here; start ${PREFIX}/bin/repeater --config $CONF"
fi
