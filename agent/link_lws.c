/* link_lws: the libwebsockets client and its timers. It owns the lws context, the wsi, the
 * receive buffer and the send queue; it calls back into main.c, which feeds session.c. */
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "link.h"
#include "rp_log.h"
#include "rp_util.h"
#include "ws.h"

#define SUB "link"

struct ag_link {
    struct ag_link_cfg cfg;
    char *host;
    char *path;
    struct ag_link_cbs cbs;
    void *ud;
    struct lws_context *ctx;
    struct lws *wsi;
    bool connected;    /* WebSocket established */
    bool want_close;   /* close this wsi at the next writeable callback */
    bool closing;      /* no more reconnects */
    bool flush;        /* on close: write the queue first */
    bool write_failed; /* a write outside lws's callback failed: close at the next one */
    unsigned attempt;
    uv_timer_t retry;
    uv_timer_t watchdog;
    uv_prepare_t flusher; /* writes what was queued, before the loop waits for I/O again */
    struct rp_ws_rx rx;
    struct rp_ws_queue q;
    char down_reason[160];
};

static void queue_clear(struct ag_link *l)
{
    rp_ws_queue_clear(&l->q);
}

static void schedule_retry(struct ag_link *l);

static void link_lost(struct ag_link *l, const char *reason)
{
    bool was_connected = l->connected;
    l->wsi = NULL;
    l->connected = false;
    l->want_close = false;
    l->write_failed = false;
    uv_prepare_stop(&l->flusher);
    queue_clear(l);
    rp_buf_reset(&l->rx.buf);
    uv_timer_stop(&l->watchdog);
    const char *why = l->down_reason[0] ? l->down_reason : reason;
    if (was_connected && !l->closing) {
        rp_log_notice(SUB, "disconnected from the platform: %s", why);
    }
    if (was_connected) {
        l->cbs.down(l->ud, why);
    } else if (!l->closing) {
        rp_log_warn(SUB, "could not connect to %s:%d: %s", l->host, l->cfg.port, why);
    }
    l->down_reason[0] = 0;
    if (!l->closing) {
        schedule_retry(l);
    }
}

static void deliver(struct ag_link *l, struct lws *wsi, const void *in, size_t len)
{
    const unsigned char *msg;
    size_t n;
    bool binary;
    int rc = rp_ws_rx_feed(&l->rx, wsi, in, len, &msg, &n, &binary);
    if (rc == 1) {
        l->cbs.frame(l->ud, msg, n, binary);
    } else if (rc < 0) {
        rp_log_warn(SUB, "rejected input: error=%s message over %zu bytes dropped", rp_err_name(rc),
                    l->cfg.max_message);
    }
}

/* Writes one batch of the queue; a failed write ends the writing for this link. */
static int write_batch(struct ag_link *l, struct lws *wsi)
{
    if (rp_ws_queue_write(&l->q, wsi)) {
        snprintf(l->down_reason, sizeof(l->down_reason), "write failed");
        l->write_failed = true;
        return -1;
    }
    return 0;
}

static int on_writeable(struct ag_link *l, struct lws *wsi)
{
    if (l->write_failed) {
        return -1;
    }
    if (l->want_close && (!l->flush || !l->q.head)) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        return -1;
    }
    if (!l->q.head) {
        return 0;
    }
    if (write_batch(l, wsi)) {
        return -1;
    }
    if (l->q.head || l->want_close) {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

/* The platform's public key must be one of the pins (when pins are set); checked once the TLS
 * handshake is done and before anything of ours (the token) is sent. */
static bool pin_ok(struct ag_link *l, struct lws *wsi)
{
    if (!l->cfg.n_pins) {
        return true;
    }
    SSL *ssl = lws_get_ssl(wsi);
    X509 *cert = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
    if (!cert) {
        rp_log_error(SUB, "--pin-sha256 is set but the platform connection has no certificate");
        return false;
    }
    unsigned char *der = NULL;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    X509_free(cert);
    if (n <= 0) {
        return false;
    }
    char pin[64];
    ag_link_spki_pin(der, (size_t)n, pin);
    OPENSSL_free(der);
    for (size_t i = 0; i < l->cfg.n_pins; i++) {
        const char *want = l->cfg.pins[i];
        if (strncmp(want, "sha256//", 8) == 0) {
            want += 8;
        }
        if (strcmp(want, pin) == 0) {
            return true;
        }
    }
    rp_log_error(SUB,
                 "the platform's public key (sha256//%s) matches no --pin-sha256: closing "
                 "before sending anything",
                 pin);
    snprintf(l->down_reason, sizeof(l->down_reason), "public key pin mismatch");
    return false;
}

/* True when dir holds OpenSSL's hashed names (8 hex digits, ".", a digit), as Debian's
 * ca-certificates makes in /etc/ssl/certs. */
static bool has_hashed_certs(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return false;
    }
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        const char *n = e->d_name;
        found = strlen(n) == 10 && strspn(n, "0123456789abcdef") == 8 && n[8] == '.' &&
                n[9] >= '0' && n[9] <= '9';
    }
    closedir(d);
    return found;
}

/* The CA store for the platform's certificate. lws would load the whole system bundle (some
 * 140 certificates, about 1 MB of heap, for as long as the agent runs); the hashed directory
 * gives OpenSSL the one issuer it needs when it needs it. SSL_CERT_FILE and SSL_CERT_DIR
 * override, as for every OpenSSL program; without a hashed directory the bundle is loaded. */
static void load_platform_cas(SSL_CTX *ctx)
{
    const char *file = getenv(X509_get_default_cert_file_env());
    const char *dir = getenv(X509_get_default_cert_dir_env());
    int ok = 1;
    if (file && file[0] && SSL_CTX_load_verify_file(ctx, file) != 1) {
        ok = 0;
    }
    if (dir && dir[0]) {
        ok = SSL_CTX_load_verify_dir(ctx, dir) == 1 && ok;
    } else if (!file || !file[0]) {
        dir = X509_get_default_cert_dir();
        ok = has_hashed_certs(dir) ? SSL_CTX_load_verify_dir(ctx, dir)
                                   : SSL_CTX_load_verify_file(ctx, X509_get_default_cert_file());
    }
    if (ok != 1) {
        rp_log_warn(SUB,
                    "could not load the CA certificates (%s%s%s): the platform's certificate "
                    "may not verify",
                    file ? file : "", file && dir ? ", " : "", dir ? dir : "");
    }
    ERR_clear_error();
}

static int on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    (void)user;
    struct lws_context *ctx = lws_get_context(wsi);
    struct ag_link *l = ctx ? lws_context_user(ctx) : NULL;
    if (!l) {
        return 0;
    }
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
        load_platform_cas(user);
        return 0;
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        /* lws has already let through what --insecure allows; keep why the rest failed, for
         * the "could not connect" line (lws's own message says nothing useful) */
        if (!len && X509_STORE_CTX_get_error(user) != X509_V_OK) {
            snprintf(l->down_reason, sizeof(l->down_reason),
                     "the platform's certificate did not verify: %s (depth %d)",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(user)),
                     X509_STORE_CTX_get_error_depth(user));
        }
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (l->cfg.tls && !pin_ok(l, wsi)) {
            return -1;
        }
        l->connected = true;
        rp_log_verbose(SUB, "websocket open to %s:%d", l->host, l->cfg.port);
        l->cbs.up(l->ud);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        deliver(l, wsi, in, len);
        return 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        /* lws answers the close; nothing more of ours may follow it */
        if (wsi == l->wsi) {
            l->want_close = true;
            l->flush = false;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(l, wsi);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[160];
        snprintf(why, sizeof(why), "%.*s", in ? (int)len : 0, in ? (const char *)in : "");
        if (wsi == l->wsi) {
            link_lost(l, why[0] ? why : "connection error");
        }
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (wsi == l->wsi) {
            link_lost(l, "connection closed");
        }
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols link_protocols[] = {
    {"repeater-link", on_lws, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void connect_now(struct ag_link *l)
{
    struct lws_client_connect_info cci;
    memset(&cci, 0, sizeof(cci));
    cci.context = l->ctx;
    cci.address = l->host;
    cci.port = l->cfg.port;
    cci.path = l->path;
    cci.host = l->host;
    cci.origin = l->host;
    cci.local_protocol_name = "repeater-link";
    cci.pwsi = &l->wsi;
    if (l->cfg.tls) {
        cci.ssl_connection = LCCSCF_USE_SSL;
        if (l->cfg.insecure) {
            cci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                  LCCSCF_ALLOW_EXPIRED;
        }
    }
    rp_log_verbose(SUB, "connecting to %s://%s:%d", l->cfg.tls ? "wss" : "ws", l->host,
                   l->cfg.port);
    if (!lws_client_connect_via_info(&cci)) {
        l->wsi = NULL;
        rp_log_warn(SUB, "could not start a connection to %s:%d", l->host, l->cfg.port);
        schedule_retry(l);
    }
}

static void on_retry(uv_timer_t *t)
{
    struct ag_link *l = t->data;
    if (!l->closing && !l->wsi) {
        connect_now(l);
    }
}

static void schedule_retry(struct ag_link *l)
{
    uint32_t rnd = (uint32_t)rand();
    unsigned delay = ag_backoff_delay_ms(l->attempt, rnd);
    if (l->attempt < 16) {
        l->attempt++;
    }
    rp_log_verbose(SUB, "reconnecting in %u ms", delay);
    uv_timer_start(&l->retry, on_retry, delay, 0);
}

static void on_watchdog(uv_timer_t *t)
{
    struct ag_link *l = t->data;
    ag_link_drop(l, "no ping from the platform within pingInterval + pingTimeout");
}

struct ag_link *ag_link_new(uv_loop_t *loop, const struct ag_link_cfg *cfg,
                            const struct ag_link_cbs *cbs, void *ud, struct rp_err *err)
{
    struct ag_link *l = calloc(1, sizeof(*l));
    if (!l) {
        rp_err_set(err, RP_ENOMEM, NULL);
        return NULL;
    }
    l->cfg = *cfg;
    l->host = strdup(cfg->host);
    l->path = strdup(cfg->path);
    l->cbs = *cbs;
    l->ud = ud;
    rp_ws_rx_init(&l->rx, cfg->max_message);
    l->q.mask = true;
    if (!l->host || !l->path) {
        free(l->host);
        free(l->path);
        free(l);
        rp_err_set(err, RP_ENOMEM, NULL);
        return NULL;
    }
    rp_ws_log_setup();

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    void *foreign[1] = {loop};
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = link_protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN |
                   LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS; /* see load_platform_cas */
    info.foreign_loops = foreign;
    info.user = l;
    info.fd_limit_per_thread = 64;
    info.pcontext = &l->ctx;
    info.timeout_secs = 20;
    /* lws would fall back to the http_proxy variable: the agent uses only what it was told */
    unsetenv("http_proxy");
    info.http_proxy_address = cfg->proxy;
    l->ctx = lws_create_context(&info);
    if (!l->ctx) {
        free(l->host);
        free(l->path);
        free(l);
        rp_err_set(err, RP_EINTERNAL, "could not create the libwebsockets context");
        return NULL;
    }
    uv_timer_init(loop, &l->retry);
    uv_timer_init(loop, &l->watchdog);
    uv_prepare_init(loop, &l->flusher);
    l->retry.data = l;
    l->watchdog.data = l;
    l->flusher.data = l;
    return l;
}

void ag_link_start(struct ag_link *l)
{
    l->closing = false;
    connect_now(l);
}

/* Runs when something was queued, just before the loop next waits for I/O (so every answer
 * one round of I/O produced goes out together): writes the queue straight away, up to
 * RP_WS_BATCH_MAX bytes per send, while lws holds nothing back.
 * Asking lws for a writeable callback instead would turn POLLOUT on and off for every batch,
 * which libuv does with four epoll_ctl calls. A socket that is full gets the callback. */
static void on_flush(uv_prepare_t *h)
{
    struct ag_link *l = h->data;
    uv_prepare_stop(h);
    if (!l->wsi || !l->q.head || l->write_failed) {
        return;
    }
    if (!l->connected || l->want_close) {
        lws_callback_on_writable(l->wsi);
        return;
    }
    while (l->q.head && !lws_partial_buffered(l->wsi) && write_batch(l, l->wsi) == 0) {
    }
    if (l->q.head || l->write_failed) {
        lws_callback_on_writable(l->wsi);
    }
}

int ag_link_send(struct ag_link *l, const unsigned char *data, size_t len, bool binary)
{
    if (!l->wsi || !l->connected || l->want_close) {
        return RP_ESHUTTING_DOWN;
    }
    int rc = rp_ws_queue_push(&l->q, data, len, binary);
    if (rc) {
        return rc;
    }
    uv_prepare_start(&l->flusher, on_flush);
    return 0;
}

void ag_link_drop(struct ag_link *l, const char *reason)
{
    if (!l->wsi || l->want_close) {
        return;
    }
    snprintf(l->down_reason, sizeof(l->down_reason), "%s", reason);
    l->want_close = true;
    l->flush = false;
    uv_timer_stop(&l->watchdog);
    lws_callback_on_writable(l->wsi);
    /* a dead peer may never make the socket writeable: make sure it goes */
    lws_set_timeout(l->wsi, PENDING_TIMEOUT_CLOSE_SEND, 2);
}

void ag_link_watchdog(struct ag_link *l, int ms)
{
    if (l->wsi && !l->closing) {
        uv_timer_start(&l->watchdog, on_watchdog, (uint64_t)ms, 0);
    }
}

void ag_link_reset_backoff(struct ag_link *l)
{
    l->attempt = 0;
}

void ag_link_close(struct ag_link *l, bool flush)
{
    l->closing = true;
    uv_timer_stop(&l->retry);
    uv_timer_stop(&l->watchdog);
    if (l->wsi && !l->want_close) {
        l->want_close = true;
        l->flush = flush;
        lws_callback_on_writable(l->wsi);
    }
}

static void timer_closed(uv_handle_t *h)
{
    (void)h;
}

bool ag_link_busy(const struct ag_link *l)
{
    return l->wsi != NULL;
}

void ag_link_destroy(struct ag_link *l)
{
    if (l->ctx) {
        lws_context_destroy(l->ctx);
    }
    uv_close((uv_handle_t *)&l->retry, timer_closed);
    uv_close((uv_handle_t *)&l->watchdog, timer_closed);
    uv_close((uv_handle_t *)&l->flusher, timer_closed);
}

bool ag_link_destroy_again(struct ag_link *l)
{
    if (!l->ctx) {
        return false;
    }
    lws_context_destroy(l->ctx);
    return true;
}

void ag_link_free(struct ag_link *l)
{
    if (!l) {
        return;
    }
    queue_clear(l);
    rp_ws_rx_cleanup(&l->rx);
    free(l->host);
    free(l->path);
    free(l);
}

void ag_link_spki_pin(const unsigned char *der, size_t len, char out[64])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL);
    char *b64 = rp_base64_encode(md, mdlen);
    snprintf(out, 64, "%s", b64 ? b64 : "");
    free(b64);
}
