#!/usr/bin/env bash
# Builds the libcurl that repeater ships: Debian 12's curl source package (upstream 7.88.1 with
# Debian's security patches), configured for HTTP and HTTPS over OpenSSL with zlib, brotli and
# zstd, and nothing else: no FTP, LDAP, SSH, RTMP, GnuTLS, Kerberos, IDN or PSL. It is linked
# statically into the binaries (see docs/performance.md for what the other 25 libraries of
# Debian's libcurl4 cost in memory, and docs/operations.md for security updates).
#
#   bash scripts/build-curl.sh [--update | --offline]
#
# Prints the install prefix (for cmake -DRP_CURL_PREFIX=...) on stdout, nothing else.
#   (default)  reuse a finished build if there is one, else fetch the source and build
#   --update   ask Debian for the current source version; rebuild when it is newer
#   --offline  never use the network: reuse a finished build or fail
# The source comes through apt from deb.debian.org's source index, which apt checks against
# the archive's signed Release file (debian-archive-keyring); no system apt state is touched.
# RP_DEPS_DIR (default .deps in the checkout) holds the source, the build and the prefix.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-}"
case "$MODE" in
"" | --update | --offline) ;;
*) echo "build-curl.sh: unknown option $MODE (see the header of this script)" >&2; exit 2 ;;
esac

DEPS="${RP_DEPS_DIR:-$PWD/.deps}"
mkdir -p "$DEPS"
DEPS=$(cd "$DEPS" && pwd)
PREFIX="$DEPS/curl"
STAMP="$PREFIX/.built-from"
LOG="$DEPS/curl-build.log"
say() { echo "build-curl: $*" >&2; }

# The configuration. Changing it changes the stamp, which forces a rebuild.
CURL_OPTIONS=(
    -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON
    -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DENABLE_MANUAL=OFF
    -DHTTP_ONLY=ON -DCURL_DISABLE_LDAP=ON
    -DCURL_USE_OPENSSL=ON -DCURL_ZLIB=ON -DCURL_BROTLI=ON -DCURL_ZSTD=ON
    -DUSE_NGHTTP2=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF
    -DUSE_LIBIDN2=OFF -DCURL_USE_LIBPSL=OFF
    -DENABLE_THREADED_RESOLVER=ON -DENABLE_IPV6=ON
    # where Debian's libcurl looks for CA certificates, so a job verifies the same way
    -DCURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt -DCURL_CA_PATH=/etc/ssl/certs
)
OPTIONS_ID=$(printf '%s\n' "${CURL_OPTIONS[@]}" | sha256sum | cut -c1-16)

built_version() { [ -f "$STAMP" ] && sed -n 's/^version //p' "$STAMP"; }
built_options() { [ -f "$STAMP" ] && sed -n 's/^options //p' "$STAMP"; }
usable() { [ -f "$PREFIX/lib/libcurl.a" ] && [ "$(built_options)" = "$OPTIONS_ID" ]; }

# One build at a time per deps directory (tests may run install.sh while another builds).
exec 9>"$DEPS/.curl.lock"
flock 9

if usable && [ "$MODE" != --update ]; then
    echo "$PREFIX"
    exit 0
fi
if [ "$MODE" = --offline ]; then
    if usable; then echo "$PREFIX"; exit 0; fi
    say "no finished build in $PREFIX and --offline given: run scripts/build-curl.sh once" \
        "with network access to deb.debian.org, or build against the system's libcurl" \
        "(cmake -DRP_CURL_PREFIX= , or RP_SYSTEM_CURL=1 for the scripts)"
    exit 1
fi

# A private apt configuration with Debian 12's source index; the archive keyring checks it.
APT="$DEPS/apt"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$APT/sources.list" <<EOF
deb-src [signed-by=$KEYRING] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$KEYRING] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$KEYRING] http://deb.debian.org/debian-security bookworm-security main
EOF
APT_OPTS=(
    -o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User="$(id -un)" -q
)
if ! apt-get "${APT_OPTS[@]}" update >"$LOG" 2>&1; then
    if usable; then
        say "could not reach Debian's source index (see $LOG); keeping curl $(built_version)"
        echo "$PREFIX"
        exit 0
    fi
    say "could not reach Debian's source index at deb.debian.org (see $LOG)"
    exit 1
fi
DSC_URI=$(apt-get "${APT_OPTS[@]}" source --print-uris curl 2>>"$LOG" | grep -o "'[^']*\.dsc'" |
    tr -d "'") || true
VERSION=$(basename "$DSC_URI" .dsc | sed -e 's/^curl_//' -e 's/%2[bB]/+/g' -e 's/%3[aA]/:/g')
if [ -z "$VERSION" ]; then
    say "Debian's source index has no curl package (see $LOG)"
    exit 1
fi
if usable && [ "$(built_version)" = "$VERSION" ]; then
    echo "$PREFIX"
    exit 0
fi

say "building libcurl from Debian's curl $VERSION (HTTP and HTTPS only) into $PREFIX"
SRC="$DEPS/curl-src"
rm -rf "$SRC" "$DEPS/curl-build" "$PREFIX"
mkdir -p "$SRC"
# apt checks every file against the signed index, then dpkg-source unpacks the upstream
# tarball and applies Debian's patches (the last two of its series only touch the autotools
# files of Debian's GnuTLS and NSS flavours, which this cmake build does not read).
(cd "$SRC" && apt-get "${APT_OPTS[@]}" source curl) >>"$LOG" 2>&1 ||
    { say "fetching the source failed (see $LOG)"; exit 1; }
TREE=$(find "$SRC" -mindepth 1 -maxdepth 1 -type d -name 'curl-*' | head -n1)
# Debian's hardening flags, as its own package is built with.
CFLAGS_DEB=$(dpkg-buildflags --get CFLAGS 2>/dev/null || echo "-O2 -g")
CPPFLAGS_DEB=$(dpkg-buildflags --get CPPFLAGS 2>/dev/null || true)
LDFLAGS_DEB=$(dpkg-buildflags --get LDFLAGS 2>/dev/null || true)
{
    cmake -S "$TREE" -B "$DEPS/curl-build" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_C_FLAGS="$CFLAGS_DEB $CPPFLAGS_DEB" -DCMAKE_SHARED_LINKER_FLAGS="$LDFLAGS_DEB" \
        -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib "${CURL_OPTIONS[@]}" &&
        cmake --build "$DEPS/curl-build" -j"$(nproc)" &&
        cmake --install "$DEPS/curl-build"
} >>"$LOG" 2>&1 || { say "the build failed (see $LOG)"; exit 1; }
printf 'version %s\noptions %s\n' "$VERSION" "$OPTIONS_ID" >"$STAMP"
rm -rf "$SRC" "$DEPS/curl-build"
say "done: curl $VERSION"
echo "$PREFIX"
