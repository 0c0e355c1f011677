#!/usr/bin/env bash
# Reverses scripts/install.sh: stops and removes the unit, the installed files and, with
# --purge, the configuration and the system user.
#   sudo scripts/uninstall.sh [--prefix DIR] [--destdir DIR] [--purge]
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=/usr/local
DESTDIR=""
PURGE=0
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --destdir) DESTDIR=$2; shift 2 ;;
    --purge) PURGE=1; shift ;;
    -h | --help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
SUDO=""
if [ "$(id -u)" -ne 0 ] && [ -z "$DESTDIR" ]; then
    SUDO="sudo"
fi

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now repeater.service 2>/dev/null || true
fi
$SUDO rm -f "${DESTDIR}/etc/systemd/system/repeater.service"

MANIFEST="${RP_INSTALL_BUILD_DIR:-build-install}/install_manifest.txt"
if [ -f "$MANIFEST" ]; then
    # the manifest lists the installed paths without DESTDIR
    while read -r f || [ -n "$f" ]; do
        case "$f" in
        "${PREFIX}"/*) $SUDO rm -f "${DESTDIR}${f}" ;;
        esac
    done <"$MANIFEST"
else
    $SUDO rm -f "${DESTDIR}${PREFIX}/bin/repeater" "${DESTDIR}${PREFIX}/bin/platform-stub" \
        "${DESTDIR}${PREFIX}/lib/systemd/system/repeater.service"
    $SUDO rm -rf "${DESTDIR}${PREFIX}/share/doc/repeater"
fi
if [ -d "${DESTDIR}${PREFIX}/share/doc/repeater" ]; then
    $SUDO find "${DESTDIR}${PREFIX}/share/doc/repeater" -depth -type d -empty -delete
fi

if [ "$PURGE" = 1 ]; then
    $SUDO rm -rf "${DESTDIR}/etc/repeater"
    if [ -z "$DESTDIR" ] && id repeater >/dev/null 2>&1; then
        $SUDO userdel repeater || true
    fi
    echo "uninstall.sh: removed repeater, its configuration and its user"
else
    echo "uninstall.sh: removed repeater (kept ${DESTDIR}/etc/repeater; --purge removes it)"
fi
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    $SUDO systemctl daemon-reload
fi
