#!/usr/bin/env bash
# Builds the libcurl that repeater ships: Debian 12's curl source package (upstream 7.88.1 with
# Debian's security patches), configured for HTTP and HTTPS over OpenSSL with zlib, brotli and
# zstd, and nothing else: no FTP, LDAP, SSH, RTMP, GnuTLS, Kerberos, IDN, PSL or HTTP/2 (the
# agent speaks HTTP/1.1 to targets). It is linked statically into the binaries (see
# docs/performance.md for what the other libraries of Debian's libcurl4 cost in memory, and
# docs/operations.md#libcurl for security updates).
#
#   bash scripts/build-curl.sh [--update | --offline]
#
# Prints the install prefix (for cmake -DRP_CURL_PREFIX=...) on stdout, nothing else.
#   (default)  reuse a finished build if there is one, else fetch the source and build
#   --update   ask Debian for the current source version; rebuild when it is newer
#   --offline  never use the network: reuse a finished build or fail
# The source comes through apt from Debian's source index, which apt checks against the
# archive's signed Release file (debian-archive-keyring). apt runs with a private list and cache
# directory and without the system's update hooks; the system's apt state is not touched, its
# apt.conf.d settings (a proxy, say) apply.
#
# RP_DEPS_DIR (default .deps in the checkout) holds the source, the build and the prefix.
# RP_DEBIAN_MIRROR (default http://deb.debian.org/debian) and RP_DEBIAN_SECURITY_MIRROR
# (default http://deb.debian.org/debian-security) name where the source index is read.
# A new build is made beside the old one and replaces it only once it is complete.
set -euo pipefail

if [ $# -gt 1 ]; then
    echo "build-curl.sh: one option at most (see the header of this script)" >&2
    exit 2
fi
MODE="${1:-}"
case "$MODE" in
"" | --update | --offline) ;;
*) echo "build-curl.sh: unknown option $MODE (see the header of this script)" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS="${RP_DEPS_DIR:-$ROOT/.deps}"
mkdir -p "$DEPS"
DEPS=$(cd "$DEPS" && pwd)
PREFIX="$DEPS/curl"
STAMP="$PREFIX/.built-from"
LOG="$DEPS/curl-build.log"
MIRROR="${RP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${RP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
say() { echo "build-curl: $*" >&2; }

# The configuration. A change to this script changes the stamp, which forces a rebuild.
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
SCRIPT_ID=$(sha256sum "$ROOT/scripts/build-curl.sh" | cut -c1-16)

built_version() { [ -f "$STAMP" ] && sed -n 's/^version //p' "$STAMP"; }
usable() { [ -f "$PREFIX/lib/libcurl.a" ] && grep -qx "script $SCRIPT_ID" "$STAMP" 2>/dev/null; }
keep() {
    echo "$PREFIX"
    exit 0
}

# One build at a time per deps directory (tests may run install.sh while another builds). A
# directory this user cannot write (made by `sudo install.sh`) can still be reused.
if [ -w "$DEPS" ]; then
    exec 9>>"$DEPS/.curl.lock"
    flock 9
elif [ -r "$DEPS/.curl.lock" ]; then
    exec 9<"$DEPS/.curl.lock"
    flock -s 9
fi

if usable && [ "$MODE" != --update ]; then
    keep
fi
if [ "$MODE" = --offline ]; then
    say "no finished build in $PREFIX and --offline given: run scripts/build-curl.sh once" \
        "with access to Debian's source index, or build against the system's libcurl" \
        "(scripts/install.sh --system-curl, RP_SYSTEM_CURL=1 for the other scripts, or" \
        "cmake -DRP_CURL_PREFIX=)"
    exit 1
fi
if [ ! -w "$DEPS" ]; then
    if usable; then
        say "$DEPS is not writable by $(id -u): keeping curl $(built_version) without checking for a newer one"
        keep
    fi
    say "$DEPS is not writable by $(id -u) (made by another user?): set RP_DEPS_DIR"
    exit 1
fi

# A private apt configuration with Debian 12's source index; the archive keyring checks it.
APT="$DEPS/apt"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$APT/sources.list" <<EOF
deb-src [signed-by=$KEYRING] $MIRROR bookworm main
deb-src [signed-by=$KEYRING] $MIRROR bookworm-updates main
deb-src [signed-by=$KEYRING] $SECURITY_MIRROR bookworm-security main
EOF
printf '#clear APT::Update::Post-Invoke-Success;\n#clear APT::Update::Post-Invoke;\n' \
    >"$APT/apt.conf"
APT_OPTS=(
    -c "$APT/apt.conf"
    -o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1
    -o APT::Update::Error-Mode=any -q
)
# apt drops to its own _apt user for downloads when it runs as root; another user downloads
# as itself
if [ "$(id -u)" -ne 0 ]; then
    APT_OPTS+=(-o APT::Sandbox::User="$(id -un 2>/dev/null || id -u)")
fi

# Keeps the finished build when Debian cannot be asked; fails when there is none.
unreachable() {
    if usable; then
        say "could not read Debian's source index ($1; see $LOG): keeping curl $(built_version)," \
            "NOT checked for a newer one"
        keep
    fi
    say "could not read Debian's source index ($1; see $LOG)"
    exit 1
}
apt-get "${APT_OPTS[@]}" update >"$LOG" 2>&1 || unreachable "$MIRROR"
# the second field of --print-uris is the file name: curl_VERSION.dsc
DSC=$(apt-get "${APT_OPTS[@]}" source --print-uris curl 2>>"$LOG" | awk '$2 ~ /\.dsc$/ {print $2}') ||
    true
VERSION=${DSC#curl_}
VERSION=${VERSION%.dsc}
if [ -z "$DSC" ] || [ -z "$VERSION" ]; then
    unreachable "no curl source package listed"
fi
if usable; then
    if [ "$(built_version)" = "$VERSION" ]; then
        keep
    fi
    if dpkg --compare-versions "$VERSION" lt "$(built_version)"; then
        say "Debian's index lists curl $VERSION, older than the built $(built_version):" \
            "keeping the build (a lagging mirror?)"
        keep
    fi
fi

say "building libcurl from Debian's curl $VERSION (HTTP and HTTPS only) into $PREFIX"
SRC="$DEPS/curl-src"
BUILD="$DEPS/curl-build"
NEW="$DEPS/curl.new"
cleanup() { rm -rf "$SRC" "$BUILD" "$NEW"; }
trap cleanup EXIT
cleanup
mkdir -p "$SRC"
# apt checks every file against the signed index, then dpkg-source unpacks the upstream
# tarball and applies Debian's patches (the last two of its series only touch the autotools
# files of Debian's GnuTLS and NSS flavours, which this cmake build does not read).
(cd "$SRC" && apt-get "${APT_OPTS[@]}" source curl) >>"$LOG" 2>&1 ||
    { say "fetching the source failed (see $LOG); the previous build, if any, is kept"; exit 1; }
TREE=$(find "$SRC" -mindepth 1 -maxdepth 1 -type d -name 'curl-*' | head -n1)
# Debian's hardening flags, as its own package is built with.
CFLAGS_DEB=$(dpkg-buildflags --get CFLAGS 2>/dev/null || echo "-O2 -g")
CPPFLAGS_DEB=$(dpkg-buildflags --get CPPFLAGS 2>/dev/null || true)
{
    cmake -S "$TREE" -B "$BUILD" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_C_FLAGS="$CFLAGS_DEB $CPPFLAGS_DEB" \
        -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib "${CURL_OPTIONS[@]}" &&
        cmake --build "$BUILD" -j"$(nproc)" &&
        DESTDIR="$NEW" cmake --install "$BUILD"
} >>"$LOG" 2>&1 || { say "the build failed (see $LOG); the previous build, if any, is kept"; exit 1; }
printf 'version %s\nscript %s\n' "$VERSION" "$SCRIPT_ID" >"$NEW$PREFIX/.built-from"
# the new prefix replaces the old one in two renames
rm -rf "$PREFIX.old"
[ -d "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
mv "$NEW$PREFIX" "$PREFIX"
rm -rf "$PREFIX.old"
say "done: curl $VERSION"
echo "$PREFIX"
