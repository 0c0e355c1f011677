/* server_lws: libwebsockets server glue for the REST API and the repeater WebSocket. It owns
 * the lws context, per-connection buffers, send queues and ping timers; meaning belongs to
 * api.c and hub.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "rp_log.h"
#include "rp_util.h"
#include "server.h"
#include "web.h"
#include "ws.h"

#define SUB "server"
#define ENGINE_PATH "/api/ws/v1"
#define HTTP_CHUNK 16384

/* A WebSocket peer: heap-allocated so its timers can outlive the wsi until closed. */
struct ws_peer {
    struct ps_server *srv;
    struct lws *wsi;
    struct ps_conn *conn;
    struct rp_ws_queue q;
    bool closing;
    uv_timer_t ping_timer;
    uv_timer_t pong_timer;
    int open_timers;
    struct rp_ws_rx rx;
};

/* Per-wsi data (lws allocates and frees it). */
struct pss {
    struct ws_peer *peer; /* WebSocket */
    /* HTTP */
    char method[8];
    char path[512];
    char auth[512];
    json_t *query;
    struct rp_buf body;
    bool body_too_large;
    unsigned char *out;
    size_t out_len;
    size_t out_sent;
    bool headers_sent;
    bool responded;   /* one answer per request, whatever lws calls back */
    bool close_after; /* a body-less POST without Content-Length: close when answered */
    int status;
    /* Server-Sent Events (a repeater's live trace) */
    bool sse;
    char sse_repeater[64];
    struct rp_buf sse_out;
    struct pss *sse_next;
    struct lws *wsi;
};

struct ps_server {
    uv_loop_t *loop;
    struct ps_server_cfg cfg;
    struct ps_api *api;
    struct ps_hub *hub;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    struct pss *sse_subs;
    uv_timer_t sse_timer;
};

#define SSE_KEEPALIVE_MS 15000
#define SSE_MAX_PENDING (1024 * 1024) /* a watcher that reads nothing loses lines past this */

/* ---- WebSocket peers ---- */

static void peer_timer_closed(uv_handle_t *h)
{
    struct ws_peer *p = h->data;
    if (--p->open_timers == 0) {
        rp_ws_rx_cleanup(&p->rx);
        free(p);
    }
}

static void peer_release(struct ws_peer *p)
{
    rp_ws_queue_clear(&p->q);
    uv_timer_stop(&p->ping_timer);
    uv_timer_stop(&p->pong_timer);
    uv_close((uv_handle_t *)&p->ping_timer, peer_timer_closed);
    uv_close((uv_handle_t *)&p->pong_timer, peer_timer_closed);
}

static int hub_send(void *conn_ud, const unsigned char *data, size_t len, bool binary)
{
    struct ws_peer *p = conn_ud;
    if (!p->wsi || p->closing) {
        return RP_ESHUTTING_DOWN;
    }
    if (rp_ws_queue_push(&p->q, data, len, binary)) {
        return RP_ENOMEM;
    }
    lws_callback_on_writable(p->wsi);
    return 0;
}

static void hub_close(void *conn_ud, const char *reason)
{
    struct ws_peer *p = conn_ud;
    rp_log_verbose(SUB, "closing a repeater connection: %s", reason);
    if (p->wsi && !p->closing) {
        p->closing = true;
        lws_callback_on_writable(p->wsi);
        lws_set_timeout(p->wsi, PENDING_TIMEOUT_CLOSE_SEND, 2);
    }
}

static void on_pong_timeout(uv_timer_t *t)
{
    struct ws_peer *p = t->data;
    rp_log_notice(SUB, "a repeater did not answer a ping in time: closing its connection");
    hub_close(p, "ping timeout");
}

static void on_ping_timer(uv_timer_t *t)
{
    struct ws_peer *p = t->data;
    if (p->conn && !p->closing) {
        ps_hub_conn_ping(p->conn);
        uv_timer_start(&p->pong_timer, on_pong_timeout, (uint64_t)p->srv->cfg.ping_timeout_ms, 0);
    }
}

static void hub_pong(void *conn_ud)
{
    struct ws_peer *p = conn_ud;
    uv_timer_stop(&p->pong_timer);
}

static const struct ps_hub_ops hub_ops_impl = {
    .send = hub_send,
    .close = hub_close,
    .pong = hub_pong,
};

const struct ps_hub_ops *ps_server_hub_ops(void)
{
    return &hub_ops_impl;
}

static int ws_writeable(struct ws_peer *p, struct lws *wsi)
{
    if (!p->q.head) {
        if (p->closing) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        return 0;
    }
    if (rp_ws_queue_write(&p->q, wsi)) {
        return -1;
    }
    if (p->q.head || p->closing) {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

static void ws_receive(struct ws_peer *p, struct lws *wsi, const void *in, size_t len)
{
    const unsigned char *msg;
    size_t n;
    bool binary;
    int rc = rp_ws_rx_feed(&p->rx, wsi, in, len, &msg, &n, &binary);
    if (rc == 1 && p->conn) {
        ps_hub_conn_frame(p->conn, msg, n, binary);
    } else if (rc < 0) {
        rp_log_warn(SUB, "rejected input: error=%s message over %zu bytes dropped", rp_err_name(rc),
                    p->srv->cfg.max_message);
    }
}

static void ws_established(struct ps_server *srv, struct pss *pss, struct lws *wsi)
{
    struct ws_peer *p = calloc(1, sizeof(*p));
    if (!p) {
        return;
    }
    p->srv = srv;
    p->wsi = wsi;
    rp_ws_rx_init(&p->rx, srv->cfg.max_message);
    uv_timer_init(srv->loop, &p->ping_timer);
    uv_timer_init(srv->loop, &p->pong_timer);
    p->ping_timer.data = p->pong_timer.data = p;
    p->open_timers = 2;
    pss->peer = p;
    p->conn = ps_hub_conn_open(srv->hub, p);
    uv_timer_start(&p->ping_timer, on_ping_timer, (uint64_t)srv->cfg.ping_interval_ms,
                   (uint64_t)srv->cfg.ping_interval_ms);
}

static void ws_closed(struct pss *pss)
{
    struct ws_peer *p = pss->peer;
    if (!p) {
        return;
    }
    pss->peer = NULL;
    p->wsi = NULL;
    if (p->conn) {
        struct ps_conn *c = p->conn;
        p->conn = NULL;
        ps_hub_conn_closed(c);
    }
    peer_release(p);
}

/* ---- HTTP ---- */

static int sse_start(struct ps_server *srv, struct lws *wsi, struct pss *pss, const char *id);
static void sse_stop(struct ps_server *srv, struct pss *pss);

static void http_reset(struct pss *pss)
{
    json_decref(pss->query);
    rp_buf_cleanup(&pss->body);
    free(pss->out);
    memset(pss, 0, sizeof(*pss));
}

static const struct {
    enum lws_token_indexes token;
    const char *name;
} methods[] = {
    {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
    {WSI_TOKEN_PUT_URI, "PUT"},       {WSI_TOKEN_PATCH_URI, "PATCH"},
    {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
    {WSI_TOKEN_HEAD_URI, "HEAD"},
};

static void http_read_request(struct lws *wsi, struct pss *pss)
{
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (lws_hdr_total_length(wsi, methods[i].token) > 0) {
            snprintf(pss->method, sizeof(pss->method), "%s", methods[i].name);
            lws_hdr_copy(wsi, pss->path, sizeof(pss->path), methods[i].token);
            break;
        }
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
        lws_hdr_copy(wsi, pss->auth, sizeof(pss->auth), WSI_TOKEN_HTTP_AUTHORIZATION);
    }
    pss->query = json_object();
    char arg[512];
    for (int n = 0; lws_hdr_copy_fragment(wsi, arg, sizeof(arg), WSI_TOKEN_HTTP_URI_ARGS, n) > 0;
         n++) {
        char *eq = strchr(arg, '=');
        if (eq) {
            *eq = 0;
            json_object_set_new(pss->query, arg, json_string(eq + 1));
        }
    }
    rp_buf_init(&pss->body);
}

/* The web page: GET / and its files, no API key needed (the page asks for it). */
static const struct ps_web_asset *web_asset(const struct pss *pss)
{
    if (strcmp(pss->method, "GET") != 0 && strcmp(pss->method, "HEAD") != 0) {
        return NULL;
    }
    const char *path = strcmp(pss->path, "/") == 0 ? "/index.html" : pss->path;
    for (const struct ps_web_asset *a = ps_web_assets; a->path; a++) {
        if (strcmp(a->path, path) == 0) {
            return a;
        }
    }
    return NULL;
}

static int serve_asset(struct lws *wsi, struct pss *pss, const struct ps_web_asset *a)
{
    pss->out = malloc(LWS_PRE + a->len + 1);
    if (!pss->out) {
        return -1;
    }
    memcpy(pss->out + LWS_PRE, a->data, a->len);
    pss->out_len = a->len;
    unsigned char hdr[LWS_PRE + 1024];
    unsigned char *start = hdr + LWS_PRE;
    unsigned char *p = start;
    unsigned char *end = hdr + sizeof(hdr) - 1;
    static const char csp[] = "default-src 'self'; style-src 'self'; script-src 'self'; "
                              "connect-src 'self'; img-src 'self' data: blob:";
    if (lws_add_http_common_headers(wsi, 200, a->type, a->len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"content-security-policy:",
                                    (const unsigned char *)csp, (int)strlen(csp), &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                    (const unsigned char *)"nosniff", 7, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end)) {
        return -1;
    }
    pss->headers_sent = true;
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_respond(struct ps_server *srv, struct lws *wsi, struct pss *pss)
{
    if (pss->responded) {
        return 0;
    }
    pss->responded = true;
    const struct ps_web_asset *asset = web_asset(pss);
    if (asset) {
        return serve_asset(wsi, pss, asset);
    }
    struct ps_api_request req = {
        .method = pss->method,
        .path = pss->path,
        .query = pss->query,
        .authorization = pss->auth[0] ? pss->auth : NULL,
        .body = pss->body.data ? pss->body.data : (const unsigned char *)"",
        .body_len = pss->body.len,
        .body_too_large = pss->body_too_large,
    };
    struct ps_api_response resp = {0};
    char repeater[64];
    int trace = ps_api_trace_request(srv->api, &req, repeater, sizeof(repeater), &resp);
    if (trace == 1) {
        return sse_start(srv, wsi, pss, repeater);
    }
    if (trace == 0) {
        ps_api_handle(srv->api, &req, &resp);
    }
    char *text = resp.body ? json_dumps(resp.body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(resp.body);
    size_t len = text ? strlen(text) : 0;
    pss->out = malloc(LWS_PRE + len + 1);
    if (!pss->out) {
        free(text);
        return -1;
    }
    memcpy(pss->out + LWS_PRE, text ? text : "", len);
    free(text);
    pss->out_len = len;
    pss->status = resp.status;
    unsigned char hdr[LWS_PRE + 1024];
    unsigned char *start = hdr + LWS_PRE;
    unsigned char *p = start;
    unsigned char *end = hdr + sizeof(hdr) - 1;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    size_t dlen = strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (lws_add_http_common_headers(wsi, (unsigned int)resp.status, "application/json", len, &p,
                                    end) ||
        lws_add_http_header_by_name(
            wsi, (const unsigned char *)"date:", (const unsigned char *)date, (int)dlen, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        (pss->close_after &&
         lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                     (const unsigned char *)"close", 5, &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end)) {
        return -1;
    }
    pss->headers_sent = true;
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_writeable(struct lws *wsi, struct pss *pss)
{
    if (!pss->headers_sent) {
        return 0;
    }
    size_t left = pss->out_len - pss->out_sent;
    size_t n = left > HTTP_CHUNK ? HTTP_CHUNK : left;
    bool last = n == left;
    if (n || last) {
        /* lws_write needs LWS_PRE bytes before the data it is given */
        unsigned char *chunk = pss->out + pss->out_sent;
        unsigned char saved[LWS_PRE];
        memcpy(saved, chunk, LWS_PRE);
        int w = lws_write(wsi, chunk + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
        memcpy(chunk, saved, LWS_PRE);
        if (w < 0) {
            return -1;
        }
        pss->out_sent += n;
    }
    if (last) {
        if (pss->close_after) {
            return -1;
        }
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    lws_callback_on_writable(wsi);
    return 0;
}

/* lws calls HTTP_BODY_COMPLETION for every request that carries Content-Length (0 included)
 * or a chunked body; others are answered at once. A POST, PUT or PATCH with neither leaves
 * lws unsure where the next request starts, so that connection closes after the answer. */
static bool expects_body(struct lws *wsi, struct pss *pss)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ||
        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        return true;
    }
    pss->close_after = strcmp(pss->method, "POST") == 0 || strcmp(pss->method, "PUT") == 0 ||
                       strcmp(pss->method, "PATCH") == 0;
    return false;
}

static bool ws_path_ok(struct lws *wsi)
{
    char uri[256];
    if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0) {
        return false;
    }
    size_t n = strlen(ENGINE_PATH);
    return strncmp(uri, ENGINE_PATH, n) == 0 && (uri[n] == 0 || (uri[n] == '/' && !uri[n + 1]));
}

/* ---- Server-Sent Events: a repeater's live trace ---- */

static size_t sse_count(const struct ps_server *srv, const char *repeater_id)
{
    size_t n = 0;
    for (const struct pss *p = srv->sse_subs; p; p = p->sse_next) {
        n += strcmp(p->sse_repeater, repeater_id) == 0;
    }
    return n;
}

static void sse_queue(struct pss *p, const char *text, size_t len)
{
    if (p->sse_out.len + len > SSE_MAX_PENDING) {
        return;
    }
    if (rp_buf_append(&p->sse_out, text, len) == 0) {
        lws_callback_on_writable(p->wsi);
    }
}

/* Fans a trace line out to the watchers of its repeater. */
static void sse_publish(struct ps_server *srv, const char *repeater_id, const json_t *line)
{
    char *data = NULL;
    for (struct pss *p = srv->sse_subs; p; p = p->sse_next) {
        if (strcmp(p->sse_repeater, repeater_id) != 0) {
            continue;
        }
        if (!data) {
            data = json_dumps(line, JSON_COMPACT);
            if (!data) {
                return;
            }
        }
        char head[] = "event: trace\ndata: ";
        sse_queue(p, head, sizeof(head) - 1);
        sse_queue(p, data, strlen(data));
        sse_queue(p, "\n\n", 2);
    }
    free(data);
}

static void on_sse_keepalive(uv_timer_t *t)
{
    struct ps_server *srv = t->data;
    for (struct pss *p = srv->sse_subs; p; p = p->sse_next) {
        sse_queue(p, ": keep-alive\n\n", 15);
    }
}

static int sse_start(struct ps_server *srv, struct lws *wsi, struct pss *pss, const char *id)
{
    unsigned char hdr[LWS_PRE + 1024];
    unsigned char *start = hdr + LWS_PRE;
    unsigned char *p = start;
    unsigned char *end = hdr + sizeof(hdr) - 1;
    if (lws_add_http_common_headers(wsi, 200, "text/event-stream", LWS_ILLEGAL_HTTP_CONTENT_LEN, &p,
                                    end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end)) {
        return -1;
    }
    pss->sse = true;
    pss->wsi = wsi;
    snprintf(pss->sse_repeater, sizeof(pss->sse_repeater), "%s", id);
    rp_buf_init(&pss->sse_out);
    bool first = sse_count(srv, id) == 0;
    pss->sse_next = srv->sse_subs;
    srv->sse_subs = pss;
    char hello[160];
    int n = snprintf(hello, sizeof(hello), ": watching the live trace of repeater %s\n\n", id);
    sse_queue(pss, hello, (size_t)n);
    if (first && srv->hub) {
        ps_hub_trace_watch(srv->hub, id, true);
    }
    return 0;
}

static void sse_stop(struct ps_server *srv, struct pss *pss)
{
    for (struct pss **pp = &srv->sse_subs; *pp; pp = &(*pp)->sse_next) {
        if (*pp == pss) {
            *pp = pss->sse_next;
            break;
        }
    }
    pss->sse = false;
    rp_buf_cleanup(&pss->sse_out);
    if (srv->hub && sse_count(srv, pss->sse_repeater) == 0) {
        ps_hub_trace_watch(srv->hub, pss->sse_repeater, false);
    }
}

static int sse_writeable(struct lws *wsi, struct pss *pss)
{
    if (pss->sse_out.len == 0) {
        return 0;
    }
    size_t n = pss->sse_out.len;
    unsigned char *buf = malloc(LWS_PRE + n);
    if (!buf) {
        return -1;
    }
    memcpy(buf + LWS_PRE, pss->sse_out.data, n);
    rp_buf_reset(&pss->sse_out);
    int w = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_HTTP);
    free(buf);
    return w < 0 ? -1 : 0;
}

/* Hub callbacks for the live trace. */
static struct ps_server *trace_server;

void ps_server_trace_line(const char *repeater_id, const json_t *line)
{
    if (trace_server) {
        sse_publish(trace_server, repeater_id, line);
    }
}

bool ps_server_trace_watched(const char *repeater_id)
{
    return trace_server && sse_count(trace_server, repeater_id) > 0;
}

static int on_lws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    struct pss *pss = user;
    struct lws_context *ctx = lws_get_context(wsi);
    struct ps_server *srv = ctx ? lws_context_user(ctx) : NULL;
    if (!pss || !srv) {
        return 0; /* callbacks without per-connection data (TLS setup, some closes) */
    }
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return ws_path_ok(wsi) ? 0 : -1;
    case LWS_CALLBACK_ESTABLISHED:
        ws_established(srv, pss, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (pss->peer) {
            ws_receive(pss->peer, wsi, in, len);
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return pss->peer ? ws_writeable(pss->peer, wsi) : 0;
    case LWS_CALLBACK_CLOSED:
        ws_closed(pss);
        return 0;
    case LWS_CALLBACK_HTTP:
        if (pss->sse) {
            sse_stop(srv, pss);
        }
        http_reset(pss);
        http_read_request(wsi, pss);
        if (expects_body(wsi, pss)) {
            return 0;
        }
        return http_respond(srv, wsi, pss);
    case LWS_CALLBACK_HTTP_BODY:
        if (!pss->body_too_large && pss->body.len + len > srv->cfg.max_body) {
            pss->body_too_large = true;
            rp_buf_reset(&pss->body);
        }
        if (!pss->body_too_large && rp_buf_append(&pss->body, in, len)) {
            return -1;
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return http_respond(srv, wsi, pss);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return pss->sse ? sse_writeable(wsi, pss) : http_writeable(wsi, pss);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss->sse) {
            sse_stop(srv, pss);
        }
        if (!pss->peer) {
            http_reset(pss);
        }
        /* a WebSocket's data is released by LWS_CALLBACK_CLOSED */
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols server_protocols[] = {
    {"platform", on_lws, sizeof(struct pss), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

struct ps_server *ps_server_new(uv_loop_t *loop, const struct ps_server_cfg *cfg,
                                struct ps_api *api, struct rp_err *err)
{
    struct ps_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        rp_err_set(err, RP_ENOMEM, NULL);
        return NULL;
    }
    srv->loop = loop;
    srv->cfg = *cfg;
    srv->api = api;
    rp_ws_log_setup();
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    void *foreign[1] = {loop};
    info.port = cfg->port;
    info.iface = cfg->host;
    info.protocols = server_protocols;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN |
                   LWS_SERVER_OPTION_DISABLE_IPV6 * (strchr(cfg->host, ':') == NULL);
    info.foreign_loops = foreign;
    info.user = srv;
    info.pcontext = &srv->ctx;
    info.ssl_cert_filepath = cfg->tls_cert;
    info.ssl_private_key_filepath = cfg->tls_key;
    info.fd_limit_per_thread = 4096;
    info.timeout_secs = 30;
    info.max_http_header_data = 4096;
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        free(srv);
        rp_err_set(err, RP_ECONFIG,
                   "cannot listen on %s:%d (in use, or a bad address or TLS files)", cfg->host,
                   cfg->port);
        return NULL;
    }
    srv->vhost = lws_get_vhost_by_name(srv->ctx, "default");
    uv_timer_init(loop, &srv->sse_timer);
    srv->sse_timer.data = srv;
    uv_timer_start(&srv->sse_timer, on_sse_keepalive, SSE_KEEPALIVE_MS, SSE_KEEPALIVE_MS);
    trace_server = srv;
    return srv;
}

int ps_server_port(const struct ps_server *s)
{
    return s->vhost ? lws_get_vhost_listen_port(s->vhost) : s->cfg.port;
}

void ps_server_set_hub(struct ps_server *s, struct ps_hub *hub)
{
    s->hub = hub;
}

static void sse_timer_closed(uv_handle_t *h)
{
    (void)h;
}

void ps_server_destroy(struct ps_server *s)
{
    trace_server = NULL;
    uv_timer_stop(&s->sse_timer);
    uv_close((uv_handle_t *)&s->sse_timer, sse_timer_closed);
    if (s->ctx) {
        lws_context_destroy(s->ctx);
    }
}

bool ps_server_destroy_again(struct ps_server *s)
{
    if (!s->ctx) {
        return false;
    }
    lws_context_destroy(s->ctx);
    return true;
}

void ps_server_free(struct ps_server *s)
{
    free(s);
}
