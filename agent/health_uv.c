/* health_uv: the health/readiness/metrics HTTP endpoint on libuv. It owns its TCP handles;
 * the answers come from main.c through callbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "rp_log.h"

#define SUB "health"
#define HEAD_MAX 8192

struct ag_health {
    uv_loop_t *loop;
    uv_tcp_t server;
    struct ag_health_cbs cbs;
    void *ud;
    int open; /* handles not yet closed */
    bool stopping;
    struct hconn *conns;
};

struct hconn {
    uv_tcp_t tcp;
    struct ag_health *h;
    char head[HEAD_MAX];
    size_t len;
    bool answered;
    struct hconn *prev, *next;
};

struct hwrite {
    uv_write_t req;
    struct rp_buf buf;
};

static void health_release(struct ag_health *h)
{
    if (--h->open == 0 && h->stopping) {
        free(h);
    }
}

static void conn_closed(uv_handle_t *handle)
{
    struct hconn *c = handle->data;
    struct ag_health *h = c->h;
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        h->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    free(c);
    health_release(h);
}

static void conn_close(struct hconn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp)) {
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
    }
}

static void on_written(uv_write_t *req, int status)
{
    (void)status;
    struct hwrite *w = (struct hwrite *)req;
    struct hconn *c = req->data;
    rp_buf_cleanup(&w->buf);
    free(w);
    conn_close(c);
}

static void respond(struct hconn *c, int status, const char *reason, const char *type,
                    const struct rp_buf *body)
{
    struct hwrite *w = calloc(1, sizeof(*w));
    if (!w) {
        conn_close(c);
        return;
    }
    rp_buf_init(&w->buf);
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                     status, reason, type, body ? body->len : 0);
    if (rp_buf_append(&w->buf, head, (size_t)n) ||
        (body && body->len && rp_buf_append(&w->buf, body->data, body->len))) {
        rp_buf_cleanup(&w->buf);
        free(w);
        conn_close(c);
        return;
    }
    uv_buf_t b = uv_buf_init((char *)w->buf.data, (unsigned int)w->buf.len);
    w->req.data = c;
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        rp_buf_cleanup(&w->buf);
        free(w);
        conn_close(c);
    }
}

static void respond_text(struct hconn *c, int status, const char *reason, const char *text)
{
    struct rp_buf body;
    rp_buf_init(&body);
    rp_buf_append(&body, text, strlen(text));
    respond(c, status, reason, "text/plain; charset=utf-8", &body);
    rp_buf_cleanup(&body);
}

static void handle(struct hconn *c)
{
    struct ag_health *h = c->h;
    c->answered = true;
    char method[8] = "";
    char path[256] = "";
    if (sscanf(c->head, "%7s %255s HTTP/1.", method, path) != 2) {
        respond_text(c, 400, "Bad Request", "bad request\n");
        return;
    }
    char *q = strchr(path, '?');
    if (q) {
        *q = 0;
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!get) {
        respond_text(c, 405, "Method Not Allowed", "GET only\n");
    } else if (strcmp(path, "/healthz") == 0) {
        respond_text(c, 200, "OK", "ok\n");
    } else if (strcmp(path, "/readyz") == 0) {
        if (h->cbs.ready(h->ud)) {
            respond_text(c, 200, "OK", "ready: connected and deployed\n");
        } else {
            respond_text(c, 503, "Service Unavailable",
                         "not ready: not deployed on the platform\n");
        }
    } else if (strcmp(path, "/metrics") == 0) {
        struct rp_buf body;
        rp_buf_init(&body);
        h->cbs.metrics(h->ud, &body);
        respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", &body);
        rp_buf_cleanup(&body);
    } else {
        respond_text(c, 404, "Not Found", "try /healthz, /readyz or /metrics\n");
    }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct hconn *c = handle->data;
    size_t room = HEAD_MAX - 1 - c->len;
    *buf = uv_buf_init(c->head + c->len, (unsigned int)room);
}

static void on_read(uv_stream_t *stream, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    struct hconn *c = stream->data;
    if (n < 0) {
        conn_close(c);
        return;
    }
    c->len += (size_t)n;
    c->head[c->len] = 0;
    if (c->answered) {
        return;
    }
    if (strstr(c->head, "\r\n\r\n") || strstr(c->head, "\n\n")) {
        uv_read_stop(stream);
        handle(c);
    } else if (c->len >= HEAD_MAX - 1) {
        uv_read_stop(stream);
        c->answered = true;
        respond_text(c, 431, "Request Header Fields Too Large", "request head too large\n");
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    struct ag_health *h = server->data;
    if (status < 0 || h->stopping) {
        return;
    }
    struct hconn *c = calloc(1, sizeof(*c));
    if (!c) {
        return;
    }
    c->h = h;
    uv_tcp_init(h->loop, &c->tcp);
    c->tcp.data = c;
    h->open++;
    c->next = h->conns;
    if (h->conns) {
        h->conns->prev = c;
    }
    h->conns = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
        conn_close(c);
    }
}

int ag_health_parse_addr(const char *listen, struct sockaddr_storage *ss, struct rp_err *err)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof(host)) {
        return rp_err_set(err, RP_ECONFIG, "--health-listen: \"%s\" is not HOST:PORT", listen);
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!end || *end || port < 0 || port > 65535) {
        return rp_err_set(err, RP_ECONFIG, "--health-listen: bad port in \"%s\"", listen);
    }
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        if (uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss) == 0) {
            return 0;
        }
    } else if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0) {
        return 0;
    }
    return rp_err_set(err, RP_ECONFIG, "--health-listen: \"%s\" is not an IP address", host);
}

static void server_closed(uv_handle_t *handle)
{
    health_release(handle->data);
}

struct ag_health *ag_health_start(uv_loop_t *loop, const char *listen,
                                  const struct ag_health_cbs *cbs, void *ud, struct rp_err *err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (ag_health_parse_addr(listen, &ss, err)) {
        return NULL;
    }
    struct ag_health *h = calloc(1, sizeof(*h));
    if (!h) {
        rp_err_set(err, RP_ENOMEM, NULL);
        return NULL;
    }
    h->loop = loop;
    h->cbs = *cbs;
    h->ud = ud;
    uv_tcp_init(loop, &h->server);
    h->server.data = h;
    h->open = 1;
    int rc = uv_tcp_bind(&h->server, (const struct sockaddr *)&ss, 0);
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)&h->server, 64, on_connection);
    }
    if (rc) {
        rp_err_set(err, RP_ECONFIG, "--health-listen %s: %s", listen, uv_strerror(rc));
        h->stopping = true;
        uv_close((uv_handle_t *)&h->server, server_closed);
        return NULL;
    }
    rp_log_notice(SUB, "health endpoint on http://%s (/healthz, /readyz, /metrics)", listen);
    return h;
}

void ag_health_stop(struct ag_health *h)
{
    if (!h) {
        return;
    }
    h->stopping = true;
    for (struct hconn *c = h->conns; c; c = c->next) {
        conn_close(c);
    }
    uv_close((uv_handle_t *)&h->server, server_closed);
}
