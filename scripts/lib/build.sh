# Sourced by the scripts that build. rp_build DIR [CMAKE_ARGS...] configures and builds the
# project in DIR, linked with the HTTP(S)-only libcurl of scripts/build-curl.sh (built once and
# kept in .deps/); RP_SYSTEM_CURL=1 builds against the system's libcurl instead.
# RP_CURL_MODE is passed to build-curl.sh (--update or --offline).
rp_build() {
    local dir=$1
    shift
    local curl_prefix=""
    if [ "${RP_SYSTEM_CURL:-0}" != 1 ]; then
        # shellcheck disable=SC2086
        curl_prefix=$(bash scripts/build-curl.sh ${RP_CURL_MODE:-})
    fi
    cmake -S . -B "$dir" -DRP_CURL_PREFIX="$curl_prefix" "$@"
    cmake --build "$dir" -j"$(nproc)"
}
