/* job: parsing and validation of `request` payloads. It owns the rules a job must meet before
 * the executor may send anything; it does not execute. */
#include "job.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <msgpack.h>

#include "mpjson.h"
#include "rp_util.h"

bool rp_http_token_valid(const char *s, size_t len)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && !(c && strchr(extra, c))) {
            return false;
        }
    }
    return true;
}

/* A field value may hold visible characters, spaces, tabs and obs-text; never CR, LF, NUL
 * or other controls. */
static bool header_value_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

void rp_job_cleanup(struct rp_job *job)
{
    for (size_t i = 0; i < job->n_headers; i++) {
        free(job->headers[i].name);
        free(job->headers[i].value);
    }
    free(job->headers);
    free(job->url);
    free(job->method);
    free(job->body);
    free(job->scheme);
    free(job->host);
    memset(job, 0, sizeof(*job));
}

static int add_header_n(struct rp_job *job, const char *name, size_t nlen, const char *value,
                        size_t vlen);

int rp_job_add_header(struct rp_job *job, const char *name, const char *value)
{
    return add_header_n(job, name, strlen(name), value, strlen(value));
}

bool rp_job_has_header(const struct rp_job *job, const char *name)
{
    for (size_t i = 0; i < job->n_headers; i++) {
        if (strcasecmp(job->headers[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

int rp_header_parse_line(const char *line, char **name, char **value, struct rp_err *err)
{
    const char *colon = strchr(line, ':');
    if (!colon) {
        return rp_err_set(err, RP_EINVALID, "header \"%s\" has no ':'", line);
    }
    size_t nlen = (size_t)(colon - line);
    if (!rp_http_token_valid(line, nlen)) {
        return rp_err_set(err, RP_EINVALID, "header name in \"%s\" is not a valid token", line);
    }
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') {
        v++;
    }
    size_t vlen = strlen(v);
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) {
        vlen--;
    }
    if (!header_value_valid(v, vlen)) {
        return rp_err_set(err, RP_EINVALID, "header value in \"%s\" has control characters", line);
    }
    *name = strndup(line, nlen);
    *value = strndup(v, vlen);
    if (!*name || !*value) {
        free(*name);
        free(*value);
        return RP_ENOMEM;
    }
    return 0;
}

/* Checks scheme://authority[/path][?query][#fragment] and fills scheme, host and port. */
static int url_check(struct rp_job *job, struct rp_err *err)
{
    const char *u = job->url;
    size_t len = strlen(u);
    if (len == 0 || len > RP_JOB_MAX_URL) {
        return rp_err_set(err, RP_EINVALID_JOB, "url: empty or longer than %d bytes",
                          RP_JOB_MAX_URL);
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\') {
            return rp_err_set(err, RP_EINVALID_JOB,
                              "url: character 0x%02x at offset %zu is not allowed", c, i);
        }
    }
    const char *sep = strstr(u, "://");
    if (!sep) {
        return rp_err_set(err, RP_EINVALID_JOB, "url: no scheme");
    }
    job->scheme = strndup(u, (size_t)(sep - u));
    if (!job->scheme) {
        return RP_ENOMEM;
    }
    for (char *p = job->scheme; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    int default_port;
    if (strcmp(job->scheme, "http") == 0) {
        default_port = 80;
    } else if (strcmp(job->scheme, "https") == 0) {
        default_port = 443;
    } else {
        return rp_err_set(err, RP_EINVALID_JOB, "url: scheme \"%s\" is not http or https",
                          job->scheme);
    }
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', alen);
    if (at) {
        alen -= (size_t)(at + 1 - auth);
        auth = at + 1;
    }
    const char *host = auth;
    size_t hlen;
    const char *rest;
    if (alen && auth[0] == '[') {
        const char *close = memchr(auth, ']', alen);
        if (!close) {
            return rp_err_set(err, RP_EINVALID_JOB, "url: unclosed IPv6 literal");
        }
        host = auth + 1;
        hlen = (size_t)(close - host);
        rest = close + 1;
        for (size_t i = 0; i < hlen; i++) {
            if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.') {
                return rp_err_set(err, RP_EINVALID_JOB, "url: bad IPv6 literal");
            }
        }
    } else {
        const char *colon = memchr(auth, ':', alen);
        hlen = colon ? (size_t)(colon - auth) : alen;
        rest = auth + hlen;
        for (size_t i = 0; i < hlen; i++) {
            unsigned char c = (unsigned char)host[i];
            if (!isalnum(c) && !strchr("-._~%!$&'()*+,;=", c)) {
                return rp_err_set(err, RP_EINVALID_JOB, "url: bad character in host");
            }
        }
    }
    if (hlen == 0) {
        return rp_err_set(err, RP_EINVALID_JOB, "url: no host");
    }
    job->host = strndup(host, hlen);
    if (!job->host) {
        return RP_ENOMEM;
    }
    job->port = default_port;
    const char *auth_end = auth + alen;
    if (rest < auth_end) {
        if (*rest != ':') {
            return rp_err_set(err, RP_EINVALID_JOB, "url: junk after host");
        }
        rest++;
        if (rest == auth_end) {
            return 0; /* "host:" means the default port */
        }
        long port = 0;
        for (const char *p = rest; p < auth_end; p++) {
            if (!isdigit((unsigned char)*p) || port > 65535) {
                return rp_err_set(err, RP_EINVALID_JOB, "url: bad port");
            }
            port = port * 10 + (*p - '0');
        }
        if (port < 1 || port > 65535) {
            return rp_err_set(err, RP_EINVALID_JOB, "url: port %ld out of range 1-65535", port);
        }
        job->port = (int)port;
    }
    return 0;
}

/* ---- the payload, read in place from jansson values or msgpack objects ---- */

static void jv_from_json(const json_t *v, struct rp_jv *out)
{
    memset(out, 0, sizeof(*out));
    out->node = v;
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        out->kind = RP_JV_STR;
        out->s = json_string_value(v);
        out->len = json_string_length(v);
        break;
    case JSON_INTEGER:
        out->kind = RP_JV_INT;
        out->i = json_integer_value(v);
        break;
    case JSON_REAL:
        out->kind = RP_JV_REAL;
        out->d = json_real_value(v);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        out->kind = RP_JV_BOOL;
        out->b = json_is_true(v);
        break;
    case JSON_OBJECT:
        out->kind = RP_JV_MAP;
        break;
    case JSON_ARRAY:
        out->kind = RP_JV_ARRAY;
        break;
    case JSON_NULL:
        out->kind = v ? RP_JV_NULL : RP_JV_ABSENT;
        break;
    }
}

static void json_get(const struct rp_jv *map, const char *key, struct rp_jv *out)
{
    jv_from_json(json_object_get(map->node, key), out);
}

static bool json_next(const struct rp_jv *map, void **it, struct rp_jv *key, struct rp_jv *val)
{
    void *i = *it ? json_object_iter_next((json_t *)map->node, *it)
                  : json_object_iter((json_t *)map->node);
    *it = i;
    if (!i) {
        return false;
    }
    memset(key, 0, sizeof(*key));
    key->kind = RP_JV_STR;
    key->s = json_object_iter_key(i);
    key->len = json_object_iter_key_len(i);
    jv_from_json(json_object_iter_value(i), val);
    return true;
}

static size_t json_size(const struct rp_jv *arr)
{
    return json_array_size(arr->node);
}

static void json_item(const struct rp_jv *arr, size_t i, struct rp_jv *out)
{
    jv_from_json(json_array_get(arr->node, i), out);
}

static const struct rp_jv_ops json_ops = {json_get, json_next, json_size, json_item};

void rp_job_payload_json(struct rp_job_payload *p, const json_t *v)
{
    p->ops = &json_ops;
    jv_from_json(v, &p->root);
}

/* The msgpack reading matches mpjson's mapping to jansson for the payloads
 * rp_job_payload_msgpack accepts (no ext values, string keys, no repeated key). */
static void jv_from_mp(const msgpack_object *o, struct rp_jv *out)
{
    memset(out, 0, sizeof(*out));
    out->node = o;
    if (!o) {
        out->kind = RP_JV_ABSENT;
        return;
    }
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        out->kind = RP_JV_NULL;
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        out->kind = RP_JV_BOOL;
        out->b = o->via.boolean;
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX) {
            out->kind = RP_JV_REAL;
            out->d = (double)o->via.u64;
        } else {
            out->kind = RP_JV_INT;
            out->i = (int64_t)o->via.u64;
        }
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        out->kind = RP_JV_INT;
        out->i = o->via.i64;
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        out->kind = RP_JV_REAL;
        out->d = o->via.f64;
        break;
    case MSGPACK_OBJECT_STR:
    case MSGPACK_OBJECT_BIN: /* the same union layout; msgpack-c gives NULL for empty ones */
        out->kind = RP_JV_STR;
        out->len = o->via.str.size;
        out->s = out->len ? o->via.str.ptr : "";
        break;
    case MSGPACK_OBJECT_ARRAY:
        out->kind = RP_JV_ARRAY;
        break;
    case MSGPACK_OBJECT_MAP:
        out->kind = RP_JV_MAP;
        break;
    default:
        out->kind = RP_JV_OTHER;
        break;
    }
}

static void mp_get(const struct rp_jv *map, const char *key, struct rp_jv *out)
{
    const msgpack_object_map *m = &((const msgpack_object *)map->node)->via.map;
    size_t len = strlen(key);
    for (uint32_t i = 0; i < m->size; i++) {
        if (rp_mpjson_str_is(&m->ptr[i].key, key, len)) {
            jv_from_mp(&m->ptr[i].val, out);
            return;
        }
    }
    jv_from_mp(NULL, out);
}

static bool mp_next(const struct rp_jv *map, void **it, struct rp_jv *key, struct rp_jv *val)
{
    const msgpack_object_map *m = &((const msgpack_object *)map->node)->via.map;
    uintptr_t i = (uintptr_t)*it;
    if (i >= m->size) {
        return false;
    }
    jv_from_mp(&m->ptr[i].key, key);
    jv_from_mp(&m->ptr[i].val, val);
    *it = (void *)(i + 1);
    return true;
}

static size_t mp_size(const struct rp_jv *arr)
{
    return ((const msgpack_object *)arr->node)->via.array.size;
}

static void mp_item(const struct rp_jv *arr, size_t i, struct rp_jv *out)
{
    jv_from_mp(&((const msgpack_object *)arr->node)->via.array.ptr[i], out);
}

static const struct rp_jv_ops mp_ops = {mp_get, mp_next, mp_size, mp_item};

/* True when o reads the same in place as through mpjson's jansson values, as far as any map
 * or array goes: no ext value (JS undefined and dates become something else there), only
 * string keys without NUL, no non-finite float. Linear; the depth is bounded by mpjson's
 * unpack, which checked the whole frame. */
static bool mp_plain(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_EXT:
        return false;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return isfinite(o->via.f64);
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (!mp_plain(&o->via.array.ptr[i])) {
                return false;
            }
        }
        return true;
    case MSGPACK_OBJECT_MAP:
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            if (k->type != MSGPACK_OBJECT_STR ||
                (k->via.str.size && memchr(k->via.str.ptr, 0, k->via.str.size)) ||
                !mp_plain(&o->via.map.ptr[i].val)) {
                return false;
            }
        }
        return true;
    default:
        return true;
    }
}

/* True when the map has at most max entries and no key twice (jansson keeps one value per
 * key). Only the maps validation reads by key or walks need it: the payload and its headers.
 * The bound keeps the check small; a wider map takes the jansson reading. */
static bool mp_keys_unique(const msgpack_object *o, uint32_t max)
{
    if (o->type != MSGPACK_OBJECT_MAP) {
        return true;
    }
    if (o->via.map.size > max) {
        return false;
    }
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        for (uint32_t j = 0; j < i; j++) {
            if (rp_mpjson_str_is(&o->via.map.ptr[j].key, k->via.str.ptr, k->via.str.size)) {
                return false;
            }
        }
    }
    return true;
}

bool rp_job_payload_msgpack(struct rp_job_payload *p, const msgpack_object *o)
{
    if (o && (!mp_plain(o) || !mp_keys_unique(o, 64))) {
        return false;
    }
    struct rp_jv root;
    jv_from_mp(o, &root);
    if (root.kind == RP_JV_MAP) {
        struct rp_jv headers;
        mp_get(&root, "headers", &headers);
        if (headers.kind == RP_JV_MAP && !mp_keys_unique(headers.node, RP_JOB_MAX_HEADERS + 1)) {
            return false;
        }
    }
    p->ops = &mp_ops;
    p->root = root;
    return true;
}

bool rp_job_payload_id(const struct rp_job_payload *p, char *out, size_t cap)
{
    struct rp_jv id = {0};
    if (p->root.kind == RP_JV_MAP) {
        p->ops->get(&p->root, "jobId", &id);
    }
    if (id.kind != RP_JV_STR || id.len >= cap || memchr(id.s, 0, id.len)) {
        return false;
    }
    memcpy(out, id.s, id.len);
    out[id.len] = 0;
    return true;
}

/* ---- validation, the same for both readings ---- */

static bool jv_given(const struct rp_jv *v)
{
    return v->kind != RP_JV_ABSENT && v->kind != RP_JV_NULL;
}

static int add_header_n(struct rp_job *job, const char *name, size_t nlen, const char *value,
                        size_t vlen)
{
    struct rp_header *h = realloc(job->headers, (job->n_headers + 1) * sizeof(*h));
    if (!h) {
        return RP_ENOMEM;
    }
    job->headers = h;
    h[job->n_headers].name = strndup(name, nlen);
    h[job->n_headers].value = strndup(value, vlen);
    if (!h[job->n_headers].name || !h[job->n_headers].value) {
        free(h[job->n_headers].name);
        free(h[job->n_headers].value);
        return RP_ENOMEM;
    }
    job->n_headers++;
    return 0;
}

static int headers_parse(struct rp_job *job, const struct rp_job_payload *p,
                         const struct rp_jv *headers, struct rp_err *err)
{
    if (!jv_given(headers)) {
        return 0;
    }
    if (headers->kind != RP_JV_MAP) {
        return rp_err_set(err, RP_EINVALID_JOB, "headers: not an object");
    }
    size_t total = 0;
    void *it = NULL;
    struct rp_jv key;
    struct rp_jv val;
    while (p->ops->next(headers, &it, &key, &val)) {
        int shown = (int)(key.len < 64 ? key.len : 64);
        if (!rp_http_token_valid(key.s, key.len)) {
            return rp_err_set(err, RP_EINVALID_JOB, "headers: name \"%.*s\" is not a token", shown,
                              key.s);
        }
        bool many = val.kind == RP_JV_ARRAY;
        size_t n_values = many ? p->ops->size(&val) : 1;
        for (size_t i = 0; i < n_values; i++) {
            struct rp_jv one = val;
            if (many) {
                p->ops->item(&val, i, &one);
            }
            if (one.kind != RP_JV_STR) {
                return rp_err_set(err, RP_EINVALID_JOB,
                                  "headers: value of \"%.*s\" is not a string or array of "
                                  "strings",
                                  shown, key.s);
            }
            if (!header_value_valid(one.s, one.len)) {
                return rp_err_set(err, RP_EINVALID_JOB,
                                  "headers: value of \"%.*s\" has CR, LF, NUL or a control "
                                  "character",
                                  shown, key.s);
            }
            total += key.len + one.len;
            if (job->n_headers >= RP_JOB_MAX_HEADERS || total > RP_JOB_MAX_HEADER_BYTES) {
                return rp_err_set(err, RP_EINVALID_JOB, "headers: more than %d headers or %d bytes",
                                  RP_JOB_MAX_HEADERS, RP_JOB_MAX_HEADER_BYTES);
            }
            if (add_header_n(job, key.s, key.len, one.s, one.len)) {
                return RP_ENOMEM;
            }
        }
    }
    return 0;
}

static int number_field(const struct rp_job_payload *p, const char *key, long min, long max,
                        long *out, struct rp_err *err)
{
    struct rp_jv v;
    p->ops->get(&p->root, key, &v);
    *out = 0;
    if (!jv_given(&v)) {
        return 0;
    }
    double d;
    if (v.kind == RP_JV_INT) {
        d = (double)v.i;
    } else if (v.kind == RP_JV_REAL) {
        d = v.d;
    } else {
        return rp_err_set(err, RP_EINVALID_JOB, "%s: not a number", key);
    }
    if (d < (double)min || d > (double)max) {
        return rp_err_set(err, RP_EINVALID_JOB, "%s: %g out of range %ld-%ld", key, d, min, max);
    }
    *out = (long)d;
    return 0;
}

static int body_parse(struct rp_job *job, const struct rp_job_payload *p, struct rp_err *err)
{
    struct rp_jv body;
    struct rp_jv enc;
    p->ops->get(&p->root, "body", &body);
    p->ops->get(&p->root, "encoding", &enc);
    if (jv_given(&enc)) {
        if (enc.kind != RP_JV_STR || enc.len != 6 || memcmp(enc.s, "base64", 6) != 0) {
            return rp_err_set(err, RP_EINVALID_JOB, "encoding: only \"base64\" is known");
        }
        job->body_base64 = true;
    }
    if (!jv_given(&body)) {
        return 0;
    }
    if (body.kind != RP_JV_STR) {
        return rp_err_set(err, RP_EINVALID_JOB, "body: not a string");
    }
    size_t decoded = job->body_base64 ? body.len / 4 * 3 : body.len;
    if (decoded > RP_JOB_MAX_BODY) {
        return rp_err_set(err, RP_ETOO_LARGE, "body: %zu bytes, more than the %d the agent takes",
                          decoded, RP_JOB_MAX_BODY);
    }
    if (job->body_base64) {
        int rc = rp_base64_decode(body.s, body.len, &job->body, &job->body_len);
        if (rc == RP_EINVALID) {
            return rp_err_set(err, RP_EINVALID_JOB, "body: not valid base64");
        }
        return rc;
    }
    job->body = malloc(body.len + 1);
    if (!job->body) {
        return RP_ENOMEM;
    }
    memcpy(job->body, body.s, body.len);
    job->body[body.len] = 0;
    job->body_len = body.len;
    return 0;
}

static int bool_field(const struct rp_job_payload *p, const char *key, int *out, struct rp_err *err)
{
    struct rp_jv v;
    p->ops->get(&p->root, key, &v);
    *out = -1;
    if (!jv_given(&v)) {
        return 0;
    }
    if (v.kind != RP_JV_BOOL) {
        return rp_err_set(err, RP_EINVALID_JOB, "%s: not a boolean", key);
    }
    *out = v.b;
    return 0;
}

static int protocol_check(const struct rp_job_payload *p, struct rp_err *err)
{
    struct rp_jv proto;
    p->ops->get(&p->root, "protocol", &proto);
    if (!jv_given(&proto)) {
        return 0;
    }
    if (proto.kind != RP_JV_STR) {
        return rp_err_set(err, RP_EINVALID_JOB, "protocol: not a string");
    }
    if (proto.len == 2 && memcmp(proto.s, "ws", 2) == 0) {
        return rp_err_set(err, RP_EUNSUPPORTED, "protocol: ws targets are not supported yet");
    }
    if (proto.len != 4 || memcmp(proto.s, "http", 4) != 0) {
        int shown = (int)(proto.len < 32 ? proto.len : 32);
        return rp_err_set(err, RP_EINVALID_JOB, "protocol: \"%.*s\" is not http or ws", shown,
                          proto.s);
    }
    return 0;
}

static int job_fill(const struct rp_job_payload *p, struct rp_job *job, struct rp_err *err)
{
    if (p->root.kind != RP_JV_MAP) {
        return rp_err_set(err, RP_EINVALID_JOB, "request: payload is not an object");
    }
    /* Fields this agent does not know (correlationIdRegex, newer ones) are ignored, as the
     * Bright CLI ignores them. */
    int rc = protocol_check(p, err);
    if (rc) {
        return rc;
    }
    struct rp_jv url;
    p->ops->get(&p->root, "url", &url);
    if (url.kind != RP_JV_STR) {
        return rp_err_set(err, RP_EINVALID_JOB, "url: missing or not a string");
    }
    if (memchr(url.s, 0, url.len)) {
        return rp_err_set(err, RP_EINVALID_JOB, "url: contains NUL");
    }
    job->url = strndup(url.s, url.len);
    if (!job->url) {
        return RP_ENOMEM;
    }
    rc = url_check(job, err);
    if (rc) {
        return rc;
    }
    struct rp_jv method;
    p->ops->get(&p->root, "method", &method);
    if (jv_given(&method)) {
        if (method.kind != RP_JV_STR || !rp_http_token_valid(method.s, method.len) ||
            method.len > 32) {
            return rp_err_set(err, RP_EINVALID_JOB, "method: not a valid HTTP method token");
        }
        job->method = strndup(method.s, method.len);
        for (char *c = job->method; c && *c; c++) {
            *c = (char)toupper((unsigned char)*c);
        }
    } else {
        job->method = strdup("GET");
    }
    if (!job->method) {
        return RP_ENOMEM;
    }
    struct rp_jv headers;
    p->ops->get(&p->root, "headers", &headers);
    rc = headers_parse(job, p, &headers, err);
    rc = rc ? rc : body_parse(job, p, err);
    rc = rc ? rc : number_field(p, "timeout", 1, RP_JOB_MAX_TIMEOUT_MS, &job->timeout_ms, err);
    rc = rc ? rc
            : number_field(p, "maxContentSize", 1, RP_JOB_MAX_CONTENT_KIB, &job->max_content_kib,
                           err);
    int decompress = -1;
    rc = rc ? rc : bool_field(p, "decompress", &decompress, err);
    job->decompress = decompress != 0; /* default: true */
    return rc ? rc : bool_field(p, "keepAlive", &job->keep_alive, err);
}

int rp_job_parse_payload(const struct rp_job_payload *p, struct rp_job *job, struct rp_err *err)
{
    memset(job, 0, sizeof(*job));
    job->keep_alive = -1;
    int rc = job_fill(p, job, err);
    if (rc == RP_ENOMEM) {
        rp_err_set(err, RP_ENOMEM, NULL);
    }
    if (rc) {
        rp_job_cleanup(job);
    }
    return rc;
}

int rp_job_parse(const json_t *payload, struct rp_job *job, struct rp_err *err)
{
    struct rp_job_payload p;
    rp_job_payload_json(&p, payload);
    return rp_job_parse_payload(&p, job, err);
}
