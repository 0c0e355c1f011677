/* record: filling a record as bytes arrive, and writing it as JSON. It owns the record format
 * of docs/record.md; it knows nothing of libcurl or the wire protocol. */
#include "record.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <msgpack.h>

#include "mpjson.h"

static void headers_free(struct rp_header *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].value);
    }
    free(list);
}

int rp_record_init(struct rp_record *r, const struct rp_job *job, size_t capture_cap, bool full)
{
    memset(r, 0, sizeof(*r));
    rp_buf_init(&r->body);
    r->capture_cap = capture_cap;
    r->t_dns = r->t_connect = r->t_tls = r->t_first_byte = r->t_total = -1;
    r->method = strdup(job->method);
    r->url = strdup(job->url);
    r->req_body = job->body;
    r->req_body_len = job->body_len;
    r->sha = full ? rp_sha256_new() : NULL;
    r->started_ms = full ? rp_wall_ms() : 0;
    if (!r->method || !r->url || (full && !r->sha)) {
        rp_record_cleanup(r);
        return RP_ENOMEM;
    }
    return 0;
}

void rp_record_cleanup(struct rp_record *r)
{
    free(r->method);
    free(r->url);
    headers_free(r->req_headers, r->n_req_headers);
    headers_free(r->resp_headers, r->n_resp_headers);
    rp_buf_cleanup(&r->body);
    rp_sha256_free(r->sha);
    json_decref(r->trace);
    memset(r, 0, sizeof(*r));
}

int rp_record_add_header(struct rp_header **list, size_t *n, const char *name, size_t nlen,
                         const char *value, size_t vlen)
{
    struct rp_header *l = realloc(*list, (*n + 1) * sizeof(*l));
    if (!l) {
        return RP_ENOMEM;
    }
    *list = l;
    l[*n].name = strndup(name, nlen);
    l[*n].value = strndup(value, vlen);
    if (!l[*n].name || !l[*n].value) {
        free(l[*n].name);
        free(l[*n].value);
        return RP_ENOMEM;
    }
    (*n)++;
    return 0;
}

void rp_record_reset_response(struct rp_record *r)
{
    headers_free(r->resp_headers, r->n_resp_headers);
    r->resp_headers = NULL;
    r->n_resp_headers = 0;
    r->resp_header_bytes = 0;
    r->has_response = false;
    r->status = 0;
    r->http_version[0] = 0;
    r->status_text[0] = 0;
}

int rp_record_body(struct rp_record *r, const void *p, size_t n)
{
    r->body_total += n;
    if (r->sha) {
        rp_sha256_update(r->sha, p, n);
    }
    size_t room = r->body.len < r->capture_cap ? r->capture_cap - r->body.len : 0;
    size_t keep = n < room ? n : room;
    if (keep < n) {
        r->truncated = true;
    }
    return keep ? rp_buf_append(&r->body, p, keep) : 0;
}

void rp_record_trace(struct rp_record *r, int64_t t_us, const char *event, const char *text)
{
    if (!r->trace) {
        r->trace = json_array();
    }
    if (!r->trace || json_array_size(r->trace) >= RP_RECORD_MAX_TRACE) {
        r->trace_dropped++;
        return;
    }
    json_t *line = json_pack("{s:f, s:s, s:s%}", "t", (double)t_us / 1000.0, "event", event, "text",
                             text, strlen(text));
    if (line) {
        json_array_append_new(r->trace, line);
    } else {
        r->trace_dropped++;
    }
}

void rp_record_finish(struct rp_record *r)
{
    if (r->sha) {
        rp_sha256_final_hex(r->sha, r->body_sha256);
        r->sha = NULL;
    }
}

bool rp_content_type_is_text(const char *ct)
{
    if (!ct) {
        return false;
    }
    while (*ct == ' ') {
        ct++;
    }
    if (strncasecmp(ct, "text/", 5) == 0) {
        return true;
    }
    size_t len = strcspn(ct, ";");
    static const char *const markers[] = {"json",    "xml",  "javascript", "x-www-form-urlencoded",
                                          "graphql", "yaml", NULL};
    for (size_t i = 0; markers[i]; i++) {
        size_t mlen = strlen(markers[i]);
        for (size_t k = 0; k + mlen <= len; k++) {
            if (strncasecmp(ct + k, markers[i], mlen) == 0) {
                return true;
            }
        }
    }
    return false;
}

const char *rp_header_pairs_get(const json_t *pairs, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(pairs, i, p)
    {
        const char *n = json_string_value(json_array_get(p, 0));
        if (n && strcasecmp(n, name) == 0) {
            return json_string_value(json_array_get(p, 1));
        }
    }
    return NULL;
}

static const char *header_find(const struct rp_header *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(list[i].name, name) == 0) {
            return list[i].value;
        }
    }
    return NULL;
}

/* True when len bytes (len > 0) are shown as text, the first *text_len of them; false: base64.
 * A text body cut by the cap in the middle of a character keeps only whole characters. */
static bool body_is_text(const unsigned char *p, size_t len, bool want_text, size_t *text_len)
{
    size_t valid = rp_utf8_valid_prefix(p, len);
    *text_len = valid;
    return (valid == len || (want_text && len - valid < 4 && valid > 0)) &&
           memchr(p, 0, valid) == NULL;
}

static int body_set(json_t *obj, const unsigned char *p, size_t len, bool want_text,
                    const char *body_key, const char *enc_key)
{
    if (!p || len == 0) {
        return json_object_set_new(obj, body_key, json_string(""));
    }
    size_t valid = 0;
    if (body_is_text(p, len, want_text, &valid)) {
        return json_object_set_new(obj, body_key, json_stringn((const char *)p, valid));
    }
    char *b64 = rp_base64_encode(p, len);
    if (!b64) {
        return -1;
    }
    int rc = json_object_set_new(obj, body_key, json_string(b64));
    rc |= json_object_set_new(obj, enc_key, json_string("base64"));
    free(b64);
    return rc;
}

static json_t *headers_to_pairs(const struct rp_header *list, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *pair = json_pack("[s%s%]", list[i].name, strlen(list[i].name), list[i].value,
                                 strlen(list[i].value));
        if (!pair) {
            /* a value that is not UTF-8 is kept as base64 so nothing is lost */
            char *b64 =
                rp_base64_encode((const unsigned char *)list[i].value, strlen(list[i].value));
            pair = json_pack("[s, s, s]", list[i].name, b64 ? b64 : "", "base64");
            free(b64);
        }
        json_array_append_new(arr, pair);
    }
    return arr;
}

static json_t *ms(int64_t us)
{
    return us < 0 ? json_null() : json_real((double)us / 1000.0);
}

json_t *rp_record_to_json(const struct rp_record *r)
{
    json_t *rec = json_object();
    json_t *req = json_object();
    if (!rec || !req) {
        json_decref(rec);
        json_decref(req);
        return NULL;
    }
    json_object_set_new(rec, "protocol", json_string("http"));
    char started[32];
    rp_time_iso(r->started_ms, started);
    json_object_set_new(rec, "startedAt", json_string(started));
    json_object_set_new(req, "method", json_string(r->method));
    json_object_set_new(req, "url", json_string(r->url));
    json_object_set_new(req, "headers", headers_to_pairs(r->req_headers, r->n_req_headers));
    if (r->req_body) {
        body_set(req, r->req_body, r->req_body_len, true, "body", "encoding");
    }
    json_object_set_new(req, "bodyLength", json_integer((json_int_t)r->req_body_len));
    json_object_set_new(rec, "request", req);

    if (r->has_response) {
        json_t *resp = json_object();
        json_object_set_new(resp, "statusCode", json_integer(r->status));
        json_object_set_new(resp, "statusText", json_string(r->status_text));
        json_object_set_new(resp, "httpVersion", json_string(r->http_version));
        json_object_set_new(resp, "headers", headers_to_pairs(r->resp_headers, r->n_resp_headers));
        const char *ct = header_find(r->resp_headers, r->n_resp_headers, "content-type");
        body_set(resp, r->body.data, r->body.len, rp_content_type_is_text(ct), "body", "encoding");
        json_object_set_new(resp, "bodyLength", json_integer((json_int_t)r->body_total));
        json_object_set_new(resp, "bodyCaptured", json_integer((json_int_t)r->body.len));
        json_object_set_new(resp, "bodySha256", json_string(r->body_sha256));
        json_object_set_new(resp, "truncated", json_boolean(r->truncated));
        json_object_set_new(rec, "response", resp);
    } else {
        json_object_set_new(rec, "response", json_null());
    }

    if (r->remote_ip[0]) {
        json_object_set_new(rec, "remote",
                            json_pack("{s:s, s:i}", "ip", r->remote_ip, "port", r->remote_port));
    } else {
        json_object_set_new(rec, "remote", json_null());
    }
    json_t *t = json_object();
    json_object_set_new(t, "dns", ms(r->t_dns));
    json_object_set_new(t, "connect", ms(r->t_connect));
    json_object_set_new(t, "tls", ms(r->t_tls));
    json_object_set_new(t, "firstByte", ms(r->t_first_byte));
    json_object_set_new(t, "total", ms(r->t_total));
    json_object_set_new(rec, "timings", t);

    if (r->has_tls) {
        json_t *tls = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "version", r->tls.version,
                                "cipher", r->tls.cipher, "subject", r->tls.subject, "issuer",
                                r->tls.issuer, "notBefore", r->tls.not_before, "notAfter",
                                r->tls.not_after, "verified", r->tls.verify_result == 0);
        if (tls && r->tls.verify_error[0]) {
            json_object_set_new(tls, "verifyError", json_string(r->tls.verify_error));
        }
        json_object_set_new(rec, "tls", tls ? tls : json_null());
    } else {
        json_object_set_new(rec, "tls", json_null());
    }
    if (r->trace) {
        json_object_set(rec, "trace", r->trace);
        if (r->trace_dropped) {
            json_object_set_new(rec, "traceDropped", json_integer((json_int_t)r->trace_dropped));
        }
    }
    if (r->error.code) {
        json_object_set_new(rec, "error",
                            json_pack("{s:s, s:s%}", "type", rp_err_name(r->error.code), "message",
                                      r->error.msg, strlen(r->error.msg)));
    }
    return rec;
}

json_t *rp_record_error_ack(int code, const char *message, bool full)
{
    json_t *ack = json_pack("{s:s, s:s, s:s%}", "protocol", "http", "errorCode", rp_err_name(code),
                            "message", message, strlen(message));
    if (ack && full) {
        json_object_set_new(ack, "record",
                            json_pack("{s:s, s:n, s:{s:s, s:s%}}", "protocol", "http", "response",
                                      "error", "type", rp_err_name(code), "message", message,
                                      strlen(message)));
    }
    return ack;
}

/* ---- the plain Bright ack as msgpack (rp_record_to_bright reads it back for jansson) ---- */

/* A header value as jansson takes it: a value that is not UTF-8 becomes "". */
static int pack_header_value(msgpack_packer *pk, const char *v)
{
    size_t n = strlen(v);
    return rp_utf8_valid((const unsigned char *)v, n) ? rp_mpjson_pack_strn(pk, v, n)
                                                      : rp_mpjson_pack_cstr(pk, "");
}

static int pack_lower(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    int rc = msgpack_pack_str(pk, n);
    char chunk[64];
    for (size_t i = 0; !rc && i < n; i += sizeof(chunk)) {
        size_t k = n - i < sizeof(chunk) ? n - i : sizeof(chunk);
        for (size_t c = 0; c < k; c++) {
            chunk[c] = (char)tolower((unsigned char)s[i + c]);
        }
        rc = msgpack_pack_str_body(pk, chunk, k);
    }
    return rc;
}

/* headers: lower-case names, in the order of their first appearance; a repeated name gets an
 * array of its values, and a name that is not UTF-8 is left out (jansson would refuse such a
 * key when the ack is read back) */
enum { HDR_FIRST, HDR_REPEAT, HDR_SKIP };

static bool same_name(const struct rp_header *h, const unsigned char *state, size_t i, size_t k)
{
    return state[k] == HDR_REPEAT && strcasecmp(h[k].name, h[i].name) == 0;
}

static int pack_bright_headers(msgpack_packer *pk, const struct rp_record *r)
{
    size_t n = r->n_resp_headers;
    const struct rp_header *h = r->resp_headers;
    unsigned char *state = n ? malloc(n) : NULL;
    if (n && !state) {
        return RP_ENOMEM;
    }
    size_t names = 0;
    for (size_t i = 0; i < n; i++) {
        state[i] = HDR_FIRST;
        if (!rp_utf8_valid((const unsigned char *)h[i].name, strlen(h[i].name))) {
            state[i] = HDR_SKIP;
            continue;
        }
        for (size_t k = 0; state[i] == HDR_FIRST && k < i; k++) {
            if (state[k] == HDR_FIRST && strcasecmp(h[k].name, h[i].name) == 0) {
                state[i] = HDR_REPEAT;
            }
        }
        names += state[i] == HDR_FIRST;
    }
    int rc = msgpack_pack_map(pk, names);
    for (size_t i = 0; !rc && i < n; i++) {
        if (state[i] != HDR_FIRST) {
            continue;
        }
        size_t count = 1;
        for (size_t k = i + 1; k < n; k++) {
            count += same_name(h, state, i, k);
        }
        rc = pack_lower(pk, h[i].name);
        if (!rc && count == 1) {
            rc = pack_header_value(pk, h[i].value);
        } else if (!rc) {
            rc = msgpack_pack_array(pk, count);
            for (size_t k = i; !rc && k < n; k++) {
                if (k == i || same_name(h, state, i, k)) {
                    rc = pack_header_value(pk, h[k].value);
                }
            }
        }
    }
    free(state);
    return rc ? RP_ENOMEM : 0;
}

int rp_record_bright_pack(const void *record, msgpack_packer *pk)
{
    const struct rp_record *r = record;
    /* the body as body_set decides it: text, or base64 with "encoding" */
    const unsigned char *body = r->body.data;
    size_t len = r->body.len;
    size_t text_len = 0;
    char *b64 = NULL;
    bool is_text = true;
    if (r->has_response && body && len) {
        const char *ct = header_find(r->resp_headers, r->n_resp_headers, "content-type");
        is_text = body_is_text(body, len, rp_content_type_is_text(ct), &text_len);
        if (!is_text && !(b64 = rp_base64_encode(body, len))) {
            return RP_ENOMEM;
        }
    }
    bool message =
        r->error.code && rp_utf8_valid((const unsigned char *)r->error.msg, strlen(r->error.msg));
    size_t keys = 1;
    if (r->has_response) {
        keys += 3 + !is_text + (r->t_first_byte >= 0);
    }
    if (r->error.code) {
        keys += 1 + message;
    }
    int rc = msgpack_pack_map(pk, keys);
    rc = rc || rp_mpjson_pack_cstr(pk, "protocol") || rp_mpjson_pack_cstr(pk, "http");
    if (r->has_response) {
        rc = rc || rp_mpjson_pack_cstr(pk, "statusCode") || msgpack_pack_int64(pk, r->status);
        rc = rc || rp_mpjson_pack_cstr(pk, "headers") || pack_bright_headers(pk, r);
        rc = rc || rp_mpjson_pack_cstr(pk, "body") ||
             (is_text ? rp_mpjson_pack_strn(pk, (const char *)body, body ? text_len : 0)
                      : rp_mpjson_pack_cstr(pk, b64));
        if (!is_text) {
            rc = rc || rp_mpjson_pack_cstr(pk, "encoding") || rp_mpjson_pack_cstr(pk, "base64");
        }
        if (r->t_first_byte >= 0) {
            rc = rc || rp_mpjson_pack_cstr(pk, "ttfb") ||
                 msgpack_pack_int64(pk, r->t_first_byte / 1000);
        }
    }
    if (r->error.code) {
        rc = rc || rp_mpjson_pack_cstr(pk, "errorCode") ||
             rp_mpjson_pack_cstr(pk, rp_err_name(r->error.code));
        if (message) {
            rc = rc || rp_mpjson_pack_cstr(pk, "message") || rp_mpjson_pack_cstr(pk, r->error.msg);
        }
    }
    free(b64);
    return rc ? RP_ENOMEM : 0;
}

json_t *rp_record_to_bright(const struct rp_record *r)
{
    /* the packer is the one encoding of a plain ack; this is its jansson reading, for the
     * acks that carry more (a full record, a job id) */
    struct rp_buf buf;
    rp_buf_init(&buf);
    msgpack_packer pk;
    rp_mpjson_packer_init(&pk, &buf);
    json_t *ack = NULL;
    struct rp_err err = {0};
    if (rp_record_bright_pack(r, &pk) == 0 && rp_mpjson_decode(buf.data, buf.len, &ack, &err)) {
        ack = NULL;
    }
    rp_buf_cleanup(&buf);
    return ack;
}
