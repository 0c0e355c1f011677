/* rss-floor: the memory floor under the agent's idle RSS, for scripts/bench.sh. It links the
 * same libraries as the repeater and initialises them as the agent does at start (a libuv
 * loop, an lws client context with TLS and the platform CA lookup, curl with a multi handle,
 * one jansson and one msgpack value), then prints its RSS as one JSON line and exits. What the
 * agent holds above this is the agent's own. Not installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <msgpack.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <uv.h>

static int on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    (void)wsi;
    (void)in;
    (void)len;
    if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS) {
        SSL_CTX_load_verify_dir(user, X509_get_default_cert_dir());
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"floor", on_lws, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) {
        return -1;
    }
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            v = atol(line + n + 1);
        }
    }
    fclose(f);
    return v;
}

int main(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    void *foreign[1] = {&loop};
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN |
                   LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
    info.foreign_loops = foreign;
    info.fd_limit_per_thread = 64;
    struct lws_context *ctx = NULL;
    info.pcontext = &ctx;
    ctx = lws_create_context(&info);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();

    json_t *v = json_pack("{s:i}", "statusCode", 200);
    char *text = json_dumps(v, JSON_COMPACT);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_int(&pk, 200);

    printf("{\"rssKb\":%ld,\"anonKb\":%ld,\"fileKb\":%ld,\"ok\":%s}\n", status_kb("VmRSS"),
           status_kb("RssAnon"), status_kb("RssFile"), ctx && multi && text ? "true" : "false");

    msgpack_sbuffer_destroy(&sb);
    free(text);
    json_decref(v);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    if (ctx) { /* lws 4.1 with a foreign libuv loop: two rounds (see PLATFORM-NOTES) */
        lws_context_destroy(ctx);
        uv_run(&loop, UV_RUN_DEFAULT);
        if (ctx) {
            lws_context_destroy(ctx);
        }
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 0;
}
