/* exec_curl: the libcurl and libuv glue of the executor. It owns the curl multi handle, the
 * uv poll/timer handles curl asks for, and the per-call easy handles; what goes into a record
 * is decided by record.c, what a valid job is by job.c. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "exec.h"
#include "rp_log.h"

/* What the executor knows of one curl socket (indexed by fd). curl's sockets sit in an epoll
 * set of the executor's own, watched by one uv poll handle, so that a connection kept for the
 * next job keeps its watch: a job on a kept connection costs no epoll_ctl at all, where a uv
 * poll handle per socket cost two to six. */
struct exec_sock {
    uint32_t want;       /* the epoll events curl asked for; 0 when it asked for none */
    uint32_t registered; /* the events in the epoll set */
    bool in_set;         /* the fd is in the epoll set */
    bool ours;           /* opened through on_open_socket, so its close is seen too */
    bool connected;      /* curl has waited to read from it: past connecting */
};

/* Through a proxy the proxy would resolve the target itself, out of the policy's sight. So
 * the agent resolves it, checks every address, and has the proxy tunnel (CONNECT) to the
 * address it checked. */
struct resolve {
    uv_getaddrinfo_t req;
    struct rp_exec_call *call; /* NULL once the call ended first */
};

struct rp_exec_call {
    struct rp_exec *ex;
    CURL *easy;
    struct curl_slist *headers;
    struct curl_slist *connect_to;
    const struct rp_job *job;
    struct rp_record rec;
    rp_exec_done_cb cb;
    rp_exec_trace_cb trace;
    bool keep_trace;
    void *ud;
    int own_error; /* set by a callback that aborted the transfer */
    char own_msg[RP_ERR_MSG_MAX];
    char errbuf[CURL_ERROR_SIZE];
    bool tls_seen;
    bool plain;                /* see rp_exec_call_opts */
    bool proxied;              /* this call goes through a proxy: its sockets lead to the proxy */
    struct resolve *resolving; /* proxied calls: our own lookup, pinned for the proxy */
    bool allowed_by_name;      /* the policy allowed the host by name */
    uint64_t start_us;
    size_t body_out_shown; /* request body bytes already traced */
    size_t body_in_shown;  /* response body bytes already traced */
    struct rp_exec_call *prev, *next;
};

/* Easy handles are reset and kept rather than freed: a new one costs a 16 KiB buffer and some
 * twenty allocations. Calls are kept too: at their size each malloc made glibc consolidate its
 * fast bins. */
#define EXEC_SPARE_EASY 32

struct rp_exec {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct rp_exec_opts opts;
    struct rp_header *extra;
    STACK_OF(X509) * extra_ca;
    struct rp_exec_call *calls;
    int epfd;                /* the epoll set of curl's sockets */
    uv_poll_t ep_poll;       /* watches epfd in the loop */
    struct exec_sock *socks; /* indexed by fd */
    size_t n_socks;
    CURL *spare[EXEC_SPARE_EASY]; /* reset easy handles kept for the next calls */
    size_t n_spare;
    struct rp_exec_call *spare_calls[EXEC_SPARE_EASY]; /* likewise the calls (4 KiB each) */
    size_t n_spare_calls;
    int open_handles; /* uv handles not yet closed, the timer and ep_poll included */
    bool closing;
};

static void exec_release(struct rp_exec *ex)
{
    for (size_t i = 0; i < ex->opts.n_extra_headers; i++) {
        free(ex->extra[i].name);
        free(ex->extra[i].value);
    }
    free(ex->extra);
    free((char *)ex->opts.proxy);
    free((char *)ex->opts.no_proxy);
    sk_X509_pop_free(ex->extra_ca, X509_free);
    if (ex->epfd >= 0) {
        close(ex->epfd);
    }
    free(ex->socks);
    free(ex);
}

static void handle_closed(uv_handle_t *h)
{
    struct rp_exec *ex = h->data;
    if (--ex->open_handles == 0 && ex->closing) {
        exec_release(ex);
    }
}

/* ---- curl <-> uv: sockets and the timer ---- */

static void check_done(struct rp_exec *ex);

static struct exec_sock *sock_of(struct rp_exec *ex, curl_socket_t fd)
{
    if (fd < 0) {
        return NULL;
    }
    if ((size_t)fd >= ex->n_socks) {
        size_t n = ex->n_socks ? ex->n_socks : 64;
        while (n <= (size_t)fd) {
            n *= 2;
        }
        struct exec_sock *t = realloc(ex->socks, n * sizeof(*t));
        if (!t) {
            return NULL;
        }
        memset(t + ex->n_socks, 0, (n - ex->n_socks) * sizeof(*t));
        ex->socks = t;
        ex->n_socks = n;
    }
    return &ex->socks[fd];
}

/* Puts fd in the epoll set with these events. The set may know better than our table (an fd
 * closed and reused behind curl's back), so ADD and MOD fall back to each other. */
static int sock_watch(struct rp_exec *ex, curl_socket_t fd, struct exec_sock *s, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};
    int op = s->in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int rc = epoll_ctl(ex->epfd, op, fd, &ev);
    if (rc != 0 && op == EPOLL_CTL_MOD && errno == ENOENT) {
        rc = epoll_ctl(ex->epfd, EPOLL_CTL_ADD, fd, &ev);
    } else if (rc != 0 && op == EPOLL_CTL_ADD && errno == EEXIST) {
        rc = epoll_ctl(ex->epfd, EPOLL_CTL_MOD, fd, &ev);
    }
    if (rc != 0) {
        return -1;
    }
    s->in_set = true;
    s->registered = events;
    return 0;
}

static void sock_unwatch(struct rp_exec *ex, curl_socket_t fd, struct exec_sock *s)
{
    if (s->in_set) {
        struct epoll_event ev = {0};
        epoll_ctl(ex->epfd, EPOLL_CTL_DEL, fd, &ev);
    }
    s->in_set = false;
    s->registered = 0;
}

static void on_sockets_ready(uv_poll_t *poll, int status, int events)
{
    (void)status;
    (void)events;
    struct rp_exec *ex = poll->data;
    struct epoll_event evs[64];
    int n = epoll_wait(ex->epfd, evs, 64, 0);
    for (int i = 0; i < n; i++) {
        curl_socket_t fd = evs[i].data.fd;
        uint32_t e = evs[i].events;
        struct exec_sock *s = &ex->socks[fd]; /* sock_of grew the table before fd joined */
        if (!s->want) {
            /* a kept connection nobody is using spoke or closed: stop watching it until curl
             * uses it again (curl checks a kept connection before it reuses it); it spoke, so
             * it is in the set whatever the table says */
            s->in_set = true;
            sock_unwatch(ex, fd, s);
            continue;
        }
        int flags = 0;
        if ((s->want & EPOLLIN) && (e & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
            flags |= CURL_CSELECT_IN;
        }
        if ((s->want & EPOLLOUT) && (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
            flags |= CURL_CSELECT_OUT;
        }
        if (e & EPOLLERR) {
            flags |= CURL_CSELECT_ERR;
        }
        int running = 0;
        curl_multi_socket_action(ex->multi, fd, flags, &running);
    }
    check_done(ex);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)socketp;
    struct rp_exec *ex = userp;
    struct exec_sock *s = sock_of(ex, fd);
    if (!s) {
        return -1;
    }
    if (what == CURL_POLL_REMOVE) {
        s->want = 0;
        if (!s->ours || !s->connected) {
            /* not a socket whose close we are sure to see: the resolver's wake-up pair, or
             * one still connecting (curl closes those without the close callback). A later fd
             * with the same number must not inherit its watch. */
            sock_unwatch(ex, fd, s);
            *s = (struct exec_sock){0};
        }
        /* a kept connection stays in the set for its next job; if it speaks while unused,
         * on_sockets_ready takes it out */
        return 0;
    }
    uint32_t want = 0;
    want |= (what & CURL_POLL_IN) ? EPOLLIN : 0;
    want |= (what & CURL_POLL_OUT) ? EPOLLOUT : 0;
    s->want = want;
    s->connected = s->connected || (what & CURL_POLL_IN);
    if (s->in_set && s->registered == want) {
        return 0;
    }
    return sock_watch(ex, fd, s, want);
}

static void on_timer(uv_timer_t *t)
{
    struct rp_exec *ex = t->data;
    int running = 0;
    curl_multi_socket_action(ex->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(ex);
}

static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct rp_exec *ex = userp;
    if (timeout_ms < 0) {
        uv_timer_stop(&ex->timer);
    } else {
        uv_timer_start(&ex->timer, on_timer, (uint64_t)timeout_ms, 0);
    }
    return 0;
}

/* ---- the live trace ---- */

#define TRACE_LINE_MAX 1024

/* Copies len bytes as one printable line: controls and non-ASCII bytes become \xNN. */
static void printable(const char *in, size_t len, char *out, size_t out_len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < out_len; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch >= 0x20 && ch < 0x7f) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = 0;
}

static bool tracing(const struct rp_exec_call *c)
{
    return c->trace || c->keep_trace;
}

static void trace_text(struct rp_exec_call *c, const char *event, const char *text)
{
    struct rp_trace_line line = {
        .t_us = (int64_t)(rp_now_us() - c->start_us), .event = event, .text = text};
    if (c->trace) {
        c->trace(c->ud, &line);
    }
    if (c->keep_trace) {
        rp_record_trace(&c->rec, line.t_us, event, text);
    }
}

static void trace_fmt(struct rp_exec_call *c, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void trace_fmt(struct rp_exec_call *c, const char *event, const char *fmt, ...)
{
    if (!tracing(c)) {
        return;
    }
    char raw[TRACE_LINE_MAX];
    char line[TRACE_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    printable(raw,
              n < 0                     ? 0
              : (size_t)n < sizeof(raw) ? (size_t)n
                                        : sizeof(raw) - 1,
              line, sizeof(line));
    trace_text(c, event, line);
}

/* A header line, its value redacted when the name is a secret. */
static void trace_header(struct rp_exec_call *c, const char *event, char dir, const char *p,
                         size_t len)
{
    const char *colon = memchr(p, ':', len);
    const struct rp_redact *red = c->ex->opts.redact;
    if (colon && rp_redact_header(red, p, (size_t)(colon - p))) {
        const char *v = colon + 1;
        while (v < p + len && *v == ' ') {
            v++;
        }
        char shown[96];
        rp_redact_value(v, (size_t)(p + len - v), shown, sizeof(shown));
        trace_fmt(c, event, "%c %.*s: %s", dir, (int)(colon - p), p, shown);
    } else {
        trace_fmt(c, event, "%c %.*s", dir, (int)len, p);
    }
}

/* Splits a header block into lines. */
static void trace_head(struct rp_exec_call *c, const char *event, char dir, const char *data,
                       size_t size)
{
    const char *p = data;
    const char *end = data + size;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t l = (size_t)((eol ? eol : end) - p);
        if (l && p[l - 1] == '\r') {
            l--;
        }
        if (l) {
            trace_header(c, event, dir, p, l);
        }
        p = eol ? eol + 1 : end;
    }
}

static void trace_body(struct rp_exec_call *c, const char *event, char dir, const char *data,
                       size_t size, size_t *shown)
{
    if (*shown >= RP_TRACE_BODY_PREVIEW) {
        return;
    }
    size_t n = size < RP_TRACE_BODY_PREVIEW - *shown ? size : RP_TRACE_BODY_PREVIEW - *shown;
    trace_fmt(c, event, "%c %.*s%s", dir, (int)n, data,
              *shown + n >= RP_TRACE_BODY_PREVIEW ? " [...]" : "");
    *shown += n;
}

static const char *info_event(const char *text)
{
    static const char *const tls_prefixes[] = {
        "SSL",         "TLS",          "ALPN",    "Server certificate", " subject",
        " start date", " expire date", " issuer", " subjectAltName",    "CAfile",
        "CApath",      " SSL",         NULL};
    if (strncmp(text, "Trying", 6) == 0 || strncmp(text, "Connected to", 12) == 0 ||
        strncmp(text, "  Trying", 8) == 0) {
        return "connect";
    }
    for (size_t i = 0; tls_prefixes[i]; i++) {
        if (strncmp(text, tls_prefixes[i], strlen(tls_prefixes[i])) == 0) {
            return "tls";
        }
    }
    return "info";
}

/* ---- TLS facts ---- */

static void x509_name(X509_NAME *name, char *out, size_t len)
{
    out[0] = 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) {
        return;
    }
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    int n = BIO_read(bio, out, (int)len - 1);
    out[n > 0 ? n : 0] = 0;
    BIO_free(bio);
}

static void asn1_iso(const ASN1_TIME *t, char *out, size_t len)
{
    struct tm tm;
    out[0] = 0;
    if (t && ASN1_TIME_to_tm(t, &tm) == 1) {
        strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
}

static void tls_cert_facts(struct rp_record_tls *tls, X509 *cert)
{
    x509_name(X509_get_subject_name(cert), tls->subject, sizeof(tls->subject));
    x509_name(X509_get_issuer_name(cert), tls->issuer, sizeof(tls->issuer));
    asn1_iso(X509_get0_notBefore(cert), tls->not_before, sizeof(tls->not_before));
    asn1_iso(X509_get0_notAfter(cert), tls->not_after, sizeof(tls->not_after));
}

static void tls_from_ssl(struct rp_exec_call *c, SSL *ssl)
{
    struct rp_record_tls *tls = &c->rec.tls;
    snprintf(tls->version, sizeof(tls->version), "%s", SSL_get_version(ssl));
    const char *cipher = SSL_get_cipher_name(ssl);
    snprintf(tls->cipher, sizeof(tls->cipher), "%s", cipher ? cipher : "");
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (cert) {
        tls_cert_facts(tls, cert);
        X509_free(cert);
    }
    tls->verify_result = SSL_get_verify_result(ssl);
    if (c->ex->opts.insecure) {
        tls->verify_result = tls->verify_result ? tls->verify_result : -1;
        snprintf(tls->verify_error, sizeof(tls->verify_error), "not verified (insecure mode)");
    }
    c->rec.has_tls = true;
    c->tls_seen = true;
    trace_fmt(c, "tls", "* TLS %s %s; subject %s; issuer %s; expires %s; %s", tls->version,
              tls->cipher, tls->subject, tls->issuer, tls->not_after,
              tls->verify_result == 0 ? "verified" : "NOT verified");
}

static void tls_capture(struct rp_exec_call *c)
{
    struct curl_tlssessioninfo *info = NULL;
    if (c->plain || c->tls_seen ||
        curl_easy_getinfo(c->easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || !info ||
        info->backend != CURLSSLBACKEND_OPENSSL || !info->internals) {
        return;
    }
    tls_from_ssl(c, info->internals);
}

/* Sees every certificate of the chain while OpenSSL verifies it; keeps the leaf's facts and
 * the first failure, so a refused handshake still tells what the peer presented. */
static int on_verify(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (!ssl) {
        return ok;
    }
    struct rp_exec_call *c = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    if (!c) {
        return ok;
    }
    struct rp_record_tls *tls = &c->rec.tls;
    if (X509_STORE_CTX_get_error_depth(store) == 0) {
        X509 *leaf = X509_STORE_CTX_get_current_cert(store);
        if (leaf) {
            tls_cert_facts(tls, leaf);
            c->rec.has_tls = true;
        }
    }
    if (!ok && !tls->verify_error[0]) {
        int e = X509_STORE_CTX_get_error(store);
        tls->verify_result = e;
        snprintf(tls->verify_error, sizeof(tls->verify_error), "%s",
                 X509_verify_cert_error_string(e));
        c->rec.has_tls = true;
    }
    return ok;
}

static CURLcode on_ssl_ctx(CURL *easy, void *sslctx, void *userp)
{
    (void)easy;
    struct rp_exec_call *c = userp;
    SSL_CTX *ctx = sslctx;
    /* the context outlives this call when curl keeps the connection: no renegotiation, so
     * on_verify runs only during this call's handshake */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_app_data(ctx, c);
    SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_verify);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    for (int i = 0; c->ex->extra_ca && i < sk_X509_num(c->ex->extra_ca); i++) {
        X509_STORE_add_cert(store, sk_X509_value(c->ex->extra_ca, i));
    }
    return CURLE_OK;
}

/* ---- headers, body and the request as sent ---- */

static void call_abort(struct rp_exec_call *c, int code, const char *msg)
{
    if (!c->own_error) {
        c->own_error = code;
        snprintf(c->own_msg, sizeof(c->own_msg), "%s", msg);
    }
}

static void remote_capture(struct rp_exec_call *c)
{
    char *ip = NULL;
    long port = 0;
    if (curl_easy_getinfo(c->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip && ip[0]) {
        snprintf(c->rec.remote_ip, sizeof(c->rec.remote_ip), "%s", ip);
        curl_easy_getinfo(c->easy, CURLINFO_PRIMARY_PORT, &port);
        c->rec.remote_port = (int)port;
    }
    if (curl_easy_getinfo(c->easy, CURLINFO_LOCAL_IP, &ip) == CURLE_OK && ip && ip[0]) {
        snprintf(c->rec.local_ip, sizeof(c->rec.local_ip), "%s", ip);
        curl_easy_getinfo(c->easy, CURLINFO_LOCAL_PORT, &port);
        c->rec.local_port = (int)port;
    }
}

static void status_line(struct rp_exec_call *c, const char *line, size_t len)
{
    struct rp_record *r = &c->rec;
    rp_record_reset_response(r);
    r->has_response = true;
    const char *sp = memchr(line, ' ', len);
    size_t vlen = sp ? (size_t)(sp - line) : len;
    snprintf(r->http_version, sizeof(r->http_version), "%.*s", (int)vlen, line);
    if (sp) {
        r->status = atoi(sp + 1);
        const char *text = memchr(sp + 1, ' ', len - vlen - 1);
        if (text) {
            size_t tlen = len - (size_t)(text + 1 - line);
            snprintf(r->status_text, sizeof(r->status_text), "%.*s", (int)tlen, text + 1);
        }
    }
    tls_capture(c);
}

static size_t on_header(char *buf, size_t size, size_t n, void *userp)
{
    struct rp_exec_call *c = userp;
    size_t len = size * n;
    size_t total = len;
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        len--;
    }
    struct rp_record *r = &c->rec;
    if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        status_line(c, buf, len);
        return total;
    }
    if (len == 0) {
        return total; /* end of a header block */
    }
    r->resp_header_bytes += total;
    if (r->n_resp_headers >= RP_EXEC_MAX_RESP_HEADERS ||
        r->resp_header_bytes > RP_EXEC_MAX_RESP_HEADER_BYTES) {
        call_abort(c, RP_ETOO_LARGE, "response headers exceed the limit");
        return 0;
    }
    if ((buf[0] == ' ' || buf[0] == '\t') && r->n_resp_headers) {
        /* obsolete line folding: append to the previous value */
        struct rp_header *h = &r->resp_headers[r->n_resp_headers - 1];
        size_t old = strlen(h->value);
        char *v = realloc(h->value, old + len + 1);
        if (!v) {
            call_abort(c, RP_ENOMEM, "out of memory");
            return 0;
        }
        memcpy(v + old, buf, len);
        v[old + len] = 0;
        h->value = v;
        return total;
    }
    const char *colon = memchr(buf, ':', len);
    if (!colon) {
        return total; /* not a header line; curl would have failed already if it mattered */
    }
    const char *v = colon + 1;
    const char *end = buf + len;
    while (v < end && (*v == ' ' || *v == '\t')) {
        v++;
    }
    char shown[96];
    size_t vlen = (size_t)(end - v);
    if (rp_redact_header(c->ex->opts.redact, buf, (size_t)(colon - buf))) {
        rp_redact_value(v, vlen, shown, sizeof(shown));
        v = shown;
        vlen = strlen(shown);
    }
    if (rp_record_add_header(&r->resp_headers, &r->n_resp_headers, buf, (size_t)(colon - buf), v,
                             vlen)) {
        call_abort(c, RP_ENOMEM, "out of memory");
        return 0;
    }
    return total;
}

static size_t on_body(char *buf, size_t size, size_t n, void *userp)
{
    struct rp_exec_call *c = userp;
    size_t len = size * n;
    if (c->rec.body_total + len > RP_EXEC_MAX_DOWNLOAD) {
        call_abort(c, RP_ETOO_LARGE, "response body exceeds the download limit");
        return 0;
    }
    if (rp_record_body(&c->rec, buf, len)) {
        call_abort(c, RP_ENOMEM, "out of memory");
        return 0;
    }
    return len;
}

/* Keeps the request head exactly as written on the wire (the last one, when curl sent more
 * than one). */
static void request_head(struct rp_exec_call *c, const char *data, size_t len)
{
    struct rp_record *r = &c->rec;
    for (size_t i = 0; i < r->n_req_headers; i++) {
        free(r->req_headers[i].name);
        free(r->req_headers[i].value);
    }
    free(r->req_headers);
    r->req_headers = NULL;
    r->n_req_headers = 0;
    const char *p = data;
    const char *end = data + len;
    bool first = true;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        size_t l = (size_t)(line_end - p);
        if (l && p[l - 1] == '\r') {
            l--;
        }
        if (first) {
            first = false;
        } else if (l) {
            const char *colon = memchr(p, ':', l);
            if (colon) {
                const char *v = colon + 1;
                while (v < p + l && *v == ' ') {
                    v++;
                }
                size_t vlen = (size_t)(p + l - v);
                char shown[96];
                if (rp_redact_header(c->ex->opts.redact, p, (size_t)(colon - p))) {
                    rp_redact_value(v, vlen, shown, sizeof(shown));
                    v = shown;
                    vlen = strlen(shown);
                }
                rp_record_add_header(&r->req_headers, &r->n_req_headers, p, (size_t)(colon - p), v,
                                     vlen);
            }
        }
        p = eol ? eol + 1 : end;
    }
}

static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userp)
{
    (void)easy;
    struct rp_exec_call *c = userp;
    switch (type) {
    case CURLINFO_HEADER_OUT:
        request_head(c, data, size);
        if (tracing(c)) {
            trace_head(c, "request", '>', data, size);
        }
        break;
    case CURLINFO_DATA_OUT:
        if (tracing(c)) {
            trace_body(c, "request-body", '>', data, size, &c->body_out_shown);
        }
        break;
    case CURLINFO_HEADER_IN:
        if (tracing(c)) {
            trace_head(c, "response", '<', data, size);
        }
        break;
    case CURLINFO_DATA_IN:
        if (tracing(c)) {
            trace_body(c, "response-body", '<', data, size, &c->body_in_shown);
        }
        break;
    case CURLINFO_TEXT:
        if (tracing(c)) {
            size_t n = size;
            while (n && (data[n - 1] == '\n' || data[n - 1] == '\r')) {
                n--;
            }
            char text[TRACE_LINE_MAX];
            snprintf(text, sizeof(text), "%.*s", (int)n, data);
            trace_fmt(c, info_event(text), "* %s", text);
        }
        break;
    default:
        break;
    }
    return 0;
}

/* The egress policy on every address curl is about to connect to: after DNS, so neither names
 * nor rebinding get round it. A refused address gets no socket, so nothing is sent. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct rp_exec_call *c = ud;
    const struct rp_policy *policy = c->ex->opts.policy;
    if (purpose == CURLSOCKTYPE_IPCXN && policy && !c->proxied) {
        struct rp_err err = {0};
        if (rp_policy_check_addr(policy, &addr->addr, c->allowed_by_name, &err)) {
            call_abort(c, RP_EPOLICY, err.msg);
            trace_fmt(c, "error", "! %s", err.msg);
            return CURL_SOCKET_BAD;
        }
    }
    curl_socket_t fd = socket(addr->family, addr->socktype, addr->protocol);
    struct exec_sock *s = sock_of(c->ex, fd);
    if (s) {
        *s = (struct exec_sock){.ours = true}; /* a new socket: nothing of an old fd carries */
    }
    return fd;
}

/* Every socket from on_open_socket is closed here (curl hands this callback to the connection,
 * so its data is the executor, which outlives every connection). Closing takes the fd out of
 * the epoll set. */
static int on_close_socket(void *ud, curl_socket_t fd)
{
    struct rp_exec *ex = ud;
    if (fd >= 0 && (size_t)fd < ex->n_socks) {
        ex->socks[fd] = (struct exec_sock){0};
    }
    return close(fd);
}

/* ---- calls ---- */

static int error_from_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return RP_EDNS;
    case CURLE_COULDNT_CONNECT:
        return RP_ECONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return RP_ETIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
        return RP_ETLS;
    case CURLE_FILESIZE_EXCEEDED:
        return RP_ETOO_LARGE;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return RP_EIO;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return RP_EPROTOCOL;
    default:
        return RP_EINTERNAL;
    }
}

static int64_t info_us(CURL *easy, CURLINFO what)
{
    curl_off_t v = 0;
    if (curl_easy_getinfo(easy, what, &v) != CURLE_OK) {
        return -1;
    }
    return (int64_t)v;
}

static void timings_capture(struct rp_exec_call *c)
{
    struct rp_record *r = &c->rec;
    int64_t dns = info_us(c->easy, CURLINFO_NAMELOOKUP_TIME_T);
    int64_t conn = info_us(c->easy, CURLINFO_CONNECT_TIME_T);
    int64_t app = info_us(c->easy, CURLINFO_APPCONNECT_TIME_T);
    int64_t first = info_us(c->easy, CURLINFO_STARTTRANSFER_TIME_T);
    r->t_total = info_us(c->easy, CURLINFO_TOTAL_TIME_T);
    bool reached = conn > 0 || r->has_response;
    r->t_dns = dns > 0 || reached ? dns : -1;
    r->t_connect = conn > 0 ? conn - (dns > 0 ? dns : 0) : (r->has_response ? 0 : -1);
    if (strcmp(c->job->scheme, "https") == 0) {
        r->t_tls = app > 0 ? app - conn : (r->has_response ? 0 : -1);
    }
    r->t_first_byte = r->has_response && first > 0 ? first : -1;
}

static void call_unlink(struct rp_exec_call *c)
{
    struct rp_exec *ex = c->ex;
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        ex->calls = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
}

static void call_free(struct rp_exec_call *c)
{
    struct rp_exec *ex = c->ex;
    if (c->resolving) {
        c->resolving->call = NULL; /* its callback frees it */
        uv_cancel((uv_req_t *)&c->resolving->req);
    }
    rp_record_cleanup(&c->rec);
    curl_slist_free_all(c->headers);
    curl_slist_free_all(c->connect_to);
    if (c->easy) {
        if (ex->n_spare < EXEC_SPARE_EASY && !ex->closing) {
            curl_easy_reset(c->easy); /* every option back to its default */
            ex->spare[ex->n_spare++] = c->easy;
        } else {
            curl_easy_cleanup(c->easy);
        }
    }
    if (ex->n_spare_calls < EXEC_SPARE_EASY && !ex->closing) {
        ex->spare_calls[ex->n_spare_calls++] = c;
    } else {
        free(c);
    }
}

static void call_finish(struct rp_exec_call *c, CURLcode rc, int forced, const char *forced_msg)
{
    struct rp_exec *ex = c->ex;
    call_unlink(c);
    curl_multi_remove_handle(ex->multi, c->easy);
    struct rp_record *r = &c->rec;
    if (forced || rc != CURLE_COULDNT_RESOLVE_HOST) {
        remote_capture(c); /* once, at the end: the address of the connection used last */
    }
    timings_capture(c);
    if (forced) {
        rp_err_set(&r->error, forced, "%s", forced_msg);
    } else if (c->own_error) {
        rp_err_set(&r->error, c->own_error, "%s", c->own_msg);
    } else if (rc != CURLE_OK) {
        const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
        rp_err_set(&r->error, error_from_curl(rc), "%s", detail);
        if (r->error.code == RP_ETLS && r->tls.verify_error[0] &&
            !strstr(detail, r->tls.verify_error)) {
            rp_err_set(&r->error, RP_ETLS, "%s (%s)", detail, r->tls.verify_error);
        }
    }
    rp_record_finish(r);
    if (tracing(c)) {
        char parts[5][24];
        int64_t v[5] = {r->t_dns, r->t_connect, r->t_tls, r->t_first_byte, r->t_total};
        for (int i = 0; i < 5; i++) {
            if (v[i] < 0) {
                snprintf(parts[i], sizeof(parts[i]), "-");
            } else {
                snprintf(parts[i], sizeof(parts[i]), "%.2f ms", (double)v[i] / 1000.0);
            }
        }
        if (r->error.code) {
            trace_fmt(c, "error", "! %s: %s", rp_err_name(r->error.code), r->error.msg);
        }
        trace_fmt(c, "timing",
                  "* timing: dns %s, connect %s, tls %s, first byte %s, total %s; %llu body bytes",
                  parts[0], parts[1], parts[2], parts[3], parts[4],
                  (unsigned long long)r->body_total);
    }
    c->cb(c, r, c->ud);
    call_free(c);
}

static void check_done(struct rp_exec *ex)
{
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(ex->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        struct rp_exec_call *c = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        if (c) {
            call_finish(c, msg->data.result, 0, NULL);
        }
    }
}

static int add_header(struct rp_exec_call *c, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n);
    if (!line) {
        return RP_ENOMEM;
    }
    if (value[0]) {
        snprintf(line, n, "%s: %s", name, value);
    } else {
        snprintf(line, n, "%s;", name); /* curl's form for a header with an empty value */
    }
    struct curl_slist *l = curl_slist_append(c->headers, line);
    free(line);
    if (!l) {
        return RP_ENOMEM;
    }
    c->headers = l;
    return 0;
}

/* The job's headers, then the operator's, then removals of the headers curl would add on its
 * own (Accept, Expect, Content-Type of form posts, Accept-Encoding). */
static int build_headers(struct rp_exec_call *c)
{
    const struct rp_job *job = c->job;
    int rc = 0;
    for (size_t i = 0; !rc && i < job->n_headers; i++) {
        rc = add_header(c, job->headers[i].name, job->headers[i].value);
    }
    const struct rp_exec_opts *o = &c->ex->opts;
    for (size_t i = 0; !rc && i < o->n_extra_headers; i++) {
        if (!rp_job_has_header(job, c->ex->extra[i].name)) {
            rc = add_header(c, c->ex->extra[i].name, c->ex->extra[i].value);
        }
    }
    static const char *const removals[] = {"Accept", "Expect", "Content-Type", "Accept-Encoding",
                                           NULL};
    for (size_t i = 0; !rc && removals[i]; i++) {
        bool has = rp_job_has_header(job, removals[i]);
        for (size_t k = 0; k < o->n_extra_headers; k++) {
            has = has || strcasecmp(c->ex->extra[k].name, removals[i]) == 0;
        }
        if (!has) {
            char line[64];
            snprintf(line, sizeof(line), "%s:", removals[i]);
            struct curl_slist *l = curl_slist_append(c->headers, line);
            if (!l) {
                return RP_ENOMEM;
            }
            c->headers = l;
        }
    }
    return rc;
}

static int setup_easy(struct rp_exec_call *c)
{
    const struct rp_job *job = c->job;
    struct rp_exec *ex = c->ex;
    CURL *e = c->easy;
    long timeout = job->timeout_ms ? job->timeout_ms : ex->opts.default_timeout_ms;
    int rc = build_headers(c);
    if (rc) {
        return rc;
    }
    CURLcode cr = CURLE_OK;
    cr |= curl_easy_setopt(e, CURLOPT_URL, job->url);
    cr |= curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    cr |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    cr |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    cr |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    cr |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    cr |= curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    cr |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    cr |= curl_easy_setopt(e, CURLOPT_PROXY, ex->opts.proxy ? ex->opts.proxy : "");
    if (ex->opts.proxy && ex->opts.no_proxy) {
        cr |= curl_easy_setopt(e, CURLOPT_NOPROXY, ex->opts.no_proxy);
    }
    cr |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    cr |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    cr |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    cr |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    cr |= curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    cr |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    cr |= curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    cr |= curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
    cr |= curl_easy_setopt(e, CURLOPT_DEBUGDATA, c);
    /* the request head as written and the trace come from curl's debug callback */
    bool verbose = c->trace || c->keep_trace || !c->plain;
    cr |= curl_easy_setopt(e, CURLOPT_VERBOSE, verbose ? 1L : 0L);
    /* no TLS session resumption: a pooled handle keeps its session cache across
     * curl_easy_reset, and a resumed session would skip on_verify and shorten the recorded
     * handshake; connections are kept for reuse instead */
    cr |= curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    cr |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, ex->opts.insecure ? 0L : 1L);
    cr |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, ex->opts.insecure ? 0L : 2L);
    cr |= curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
    cr |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    cr |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
    cr |= curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    cr |= curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, ex);
    cr |= curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, c);
    if (job->decompress) {
        cr |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    }
    if (job->keep_alive == 0) {
        cr |= curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
        cr |= curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    }
    if (strcmp(job->method, "HEAD") == 0 && !job->body) {
        cr |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (job->body || strcmp(job->method, "POST") == 0) {
        cr |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->body_len);
        cr |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, job->body ? (char *)job->body : "");
        if (strcmp(job->method, "POST") != 0) {
            cr |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, job->method);
        }
    } else if (strcmp(job->method, "GET") != 0) {
        cr |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, job->method);
    }
    return cr == CURLE_OK ? 0 : RP_EINTERNAL;
}

static void add_to_multi(struct rp_exec_call *c)
{
    if (curl_multi_add_handle(c->ex->multi, c->easy) != CURLM_OK) {
        call_finish(c, CURLE_OK, RP_EINTERNAL, "could not start the transfer");
    }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct resolve *r = (struct resolve *)req;
    struct rp_exec_call *c = r->call;
    free(r);
    if (!c) {
        uv_freeaddrinfo(res);
        return;
    }
    c->resolving = NULL;
    if (status < 0 || !res) {
        char msg[160];
        snprintf(msg, sizeof(msg), "could not resolve %s: %s", c->job->host, uv_strerror(status));
        uv_freeaddrinfo(res);
        call_finish(c, CURLE_OK, RP_EDNS, msg);
        return;
    }
    struct rp_err err = {0};
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (rp_policy_check_addr(c->ex->opts.policy, ai->ai_addr, c->allowed_by_name, &err)) {
            uv_freeaddrinfo(res);
            trace_fmt(c, "error", "! %s", err.msg);
            call_finish(c, CURLE_OK, RP_EPOLICY, err.msg);
            return;
        }
    }
    char ip[64];
    if (res->ai_family == AF_INET6) {
        char a[48];
        uv_ip6_name((struct sockaddr_in6 *)res->ai_addr, a, sizeof(a));
        snprintf(ip, sizeof(ip), "[%s]", a);
    } else {
        uv_ip4_name((struct sockaddr_in *)res->ai_addr, ip, sizeof(ip));
    }
    uv_freeaddrinfo(res);
    char pin[400];
    snprintf(pin, sizeof(pin), "%s:%d:%s:%d", c->job->host, c->job->port, ip, c->job->port);
    struct curl_slist *l = curl_slist_append(NULL, pin);
    c->connect_to = l;
    curl_easy_setopt(c->easy, CURLOPT_CONNECT_TO, l);
    curl_easy_setopt(c->easy, CURLOPT_HTTPPROXYTUNNEL, 1L);
    trace_fmt(c, "resolve",
              "* resolved %s to %s, allowed by the egress policy; the proxy tunnels "
              "to that address",
              c->job->host, ip);
    add_to_multi(c);
}

static int resolve_for_proxy(struct rp_exec_call *c)
{
    struct resolve *r = calloc(1, sizeof(*r));
    if (!r) {
        return RP_ENOMEM;
    }
    r->call = c;
    char port[8];
    snprintf(port, sizeof(port), "%d", c->job->port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    const char *host = c->job->host;
    if (uv_getaddrinfo(c->ex->loop, &r->req, on_resolved, host, port, &hints) != 0) {
        free(r);
        return RP_EDNS;
    }
    c->resolving = r;
    return 0;
}

int rp_exec_start(struct rp_exec *ex, const struct rp_job *job, const struct rp_exec_call_opts *co,
                  struct rp_exec_call **out, struct rp_err *err)
{
    if (ex->closing) {
        return rp_err_set(err, RP_ESHUTTING_DOWN, NULL);
    }
    bool by_name = false;
    if (ex->opts.policy && rp_policy_check_host(ex->opts.policy, job->host, &by_name, err)) {
        return err->code;
    }
    struct rp_exec_call *c = NULL;
    if (ex->n_spare_calls) {
        c = ex->spare_calls[--ex->n_spare_calls];
        memset(c, 0, sizeof(*c));
    } else if (!(c = calloc(1, sizeof(*c)))) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    c->allowed_by_name = by_name;
    c->proxied = ex->opts.proxy && !rp_no_proxy_match(ex->opts.no_proxy, job->host);
    c->ex = ex;
    c->job = job;
    c->cb = co->done;
    c->trace = co->trace;
    c->keep_trace = co->keep_trace;
    c->plain = co->plain;
    c->ud = co->ud;
    size_t cap =
        job->max_content_kib ? (size_t)job->max_content_kib * 1024 : ex->opts.default_capture;
    int rc = rp_record_init(&c->rec, job, cap, !co->plain);
    if (rc) {
        free(c);
        return rp_err_set(err, rc, NULL);
    }
    c->start_us = rp_now_us();
    c->easy = ex->n_spare ? ex->spare[--ex->n_spare] : curl_easy_init();
    rc = c->easy ? setup_easy(c) : RP_ENOMEM;
    bool resolve_first = rc == 0 && c->proxied && ex->opts.policy;
    if (resolve_first) {
        rc = resolve_for_proxy(c);
    } else if (rc == 0 && curl_multi_add_handle(ex->multi, c->easy) != CURLM_OK) {
        rc = RP_EINTERNAL;
    }
    if (rc) {
        call_free(c);
        return rp_err_set(err, rc, "could not set up the transfer");
    }
    c->next = ex->calls;
    if (ex->calls) {
        ex->calls->prev = c;
    }
    ex->calls = c;
    if (out) {
        *out = c;
    }
    trace_fmt(c, "resolve", "* %s %s: resolving %s (port %d)", job->method, job->url, job->host,
              job->port);
    return 0;
}

void rp_exec_cancel(struct rp_exec_call *c, int code, const char *why)
{
    call_finish(c, CURLE_OK, code, why);
}

static int load_ca(struct rp_exec *ex, const char *file, struct rp_err *err)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        return rp_err_set(err, RP_ECONFIG, "cacert: cannot open %s", file);
    }
    ex->extra_ca = sk_X509_new_null();
    X509 *x;
    while (ex->extra_ca && (x = PEM_read_X509(f, NULL, NULL, NULL))) {
        sk_X509_push(ex->extra_ca, x);
    }
    fclose(f);
    ERR_clear_error();
    if (!ex->extra_ca || sk_X509_num(ex->extra_ca) == 0) {
        return rp_err_set(err, RP_ECONFIG, "cacert: no PEM certificate in %s", file);
    }
    return 0;
}

struct rp_exec *rp_exec_new(uv_loop_t *loop, const struct rp_exec_opts *opts, struct rp_err *err)
{
    static bool global_done;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            rp_err_set(err, RP_EINTERNAL, "curl_global_init failed");
            return NULL;
        }
        global_done = true;
    }
    struct rp_exec *ex = calloc(1, sizeof(*ex));
    if (!ex) {
        rp_err_set(err, RP_ENOMEM, NULL);
        return NULL;
    }
    ex->loop = loop;
    ex->epfd = -1;
    ex->opts = *opts;
    ex->opts.cacert_file = NULL;
    if (opts->n_extra_headers) {
        ex->extra = calloc(opts->n_extra_headers, sizeof(*ex->extra));
        for (size_t i = 0; ex->extra && i < opts->n_extra_headers; i++) {
            ex->extra[i].name = strdup(opts->extra_headers[i].name);
            ex->extra[i].value = strdup(opts->extra_headers[i].value);
        }
    }
    ex->opts.extra_headers = ex->extra;
    ex->opts.proxy = opts->proxy ? strdup(opts->proxy) : NULL;
    ex->opts.no_proxy = opts->no_proxy ? strdup(opts->no_proxy) : NULL;
    if (opts->cacert_file && load_ca(ex, opts->cacert_file, err)) {
        exec_release(ex);
        return NULL;
    }
    ex->multi = curl_multi_init();
    if (!ex->multi) {
        exec_release(ex);
        rp_err_set(err, RP_ENOMEM, NULL);
        return NULL;
    }
    ex->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ex->epfd < 0 || uv_poll_init(loop, &ex->ep_poll, ex->epfd) != 0) {
        curl_multi_cleanup(ex->multi);
        exec_release(ex);
        rp_err_set(err, RP_EINTERNAL, "could not create the executor's epoll set");
        return NULL;
    }
    ex->ep_poll.data = ex;
    uv_poll_start(&ex->ep_poll, UV_READABLE, on_sockets_ready);
    uv_timer_init(loop, &ex->timer);
    ex->timer.data = ex;
    ex->open_handles = 2;
    curl_multi_setopt(ex->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(ex->multi, CURLMOPT_SOCKETDATA, ex);
    curl_multi_setopt(ex->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
    curl_multi_setopt(ex->multi, CURLMOPT_TIMERDATA, ex);
    /* keep connections to receivers for reuse: by default curl keeps four per easy handle in
     * the multi, and each job has its own short-lived handle, so it would close and reopen */
    curl_multi_setopt(ex->multi, CURLMOPT_MAXCONNECTS, (long)RP_EXEC_MAX_CACHED_CONNECTIONS);
    return ex;
}

void rp_exec_free(struct rp_exec *ex)
{
    if (!ex) {
        return;
    }
    while (ex->calls) {
        rp_exec_cancel(ex->calls, RP_ESHUTTING_DOWN, "the executor is shutting down");
    }
    ex->closing = true;
    while (ex->n_spare) {
        curl_easy_cleanup(ex->spare[--ex->n_spare]);
    }
    while (ex->n_spare_calls) {
        free(ex->spare_calls[--ex->n_spare_calls]);
    }
    curl_multi_cleanup(ex->multi); /* closes cached connections through on_close_socket */
    ex->multi = NULL;
    uv_timer_stop(&ex->timer);
    uv_close((uv_handle_t *)&ex->timer, handle_closed);
    uv_poll_stop(&ex->ep_poll);
    uv_close((uv_handle_t *)&ex->ep_poll, handle_closed);
}

/* Appends the strings (up to a NULL) at *at in buf, cutting at len - 1; buf stays terminated. */
static void describe_add(char *buf, size_t len, size_t *at, ...)
{
    va_list ap;
    va_start(ap, at);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
        size_t n = strlen(s);
        size_t room = len - 1 - *at;
        n = n < room ? n : room;
        memcpy(buf + *at, s, n);
        *at += n;
    }
    buf[*at] = '\0';
    va_end(ap);
}

void rp_exec_describe(char *buf, size_t len)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    size_t at = 0;
    if (len == 0) {
        return;
    }
    describe_add(buf, len, &at, "libcurl ", v->version, " (", (char *)NULL);
    const char *sep = "";
    const char *names[] = {"", "zlib/", "brotli/", "zstd/"};
    const char *libs[] = {v->ssl_version, v->libz_version, v->brotli_version, v->zstd_version};
    for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
        if (libs[i]) {
            describe_add(buf, len, &at, sep, names[i], libs[i], (char *)NULL);
            sep = ", ";
        }
    }
    describe_add(buf, len, &at, "; protocols", (char *)NULL);
    for (const char *const *p = v->protocols; p && *p; p++) {
        describe_add(buf, len, &at, " ", *p, (char *)NULL);
    }
    describe_add(buf, len, &at, ")", (char *)NULL);
}
