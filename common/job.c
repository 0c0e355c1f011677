/* job: parsing and validation of `request` payloads. It owns the rules a job must meet before
 * the executor may send anything; it does not execute. */
#include "job.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

int rp_job_add_header(struct rp_job *job, const char *name, const char *value)
{
    struct rp_header *h = realloc(job->headers, (job->n_headers + 1) * sizeof(*h));
    if (!h) {
        return RP_ENOMEM;
    }
    job->headers = h;
    h[job->n_headers].name = strdup(name);
    h[job->n_headers].value = strdup(value);
    if (!h[job->n_headers].name || !h[job->n_headers].value) {
        free(h[job->n_headers].name);
        free(h[job->n_headers].value);
        return RP_ENOMEM;
    }
    job->n_headers++;
    return 0;
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

static int headers_parse(struct rp_job *job, const json_t *headers, struct rp_err *err)
{
    if (!headers || json_is_null(headers)) {
        return 0;
    }
    if (!json_is_object(headers)) {
        return rp_err_set(err, RP_EINVALID_JOB, "headers: not an object");
    }
    size_t total = 0;
    const char *name;
    json_t *val;
    json_object_foreach((json_t *)headers, name, val)
    {
        size_t nlen = strlen(name);
        if (!rp_http_token_valid(name, nlen)) {
            return rp_err_set(err, RP_EINVALID_JOB, "headers: name \"%.64s\" is not a token", name);
        }
        size_t n_values = json_is_array(val) ? json_array_size(val) : 1;
        for (size_t i = 0; i < n_values; i++) {
            const json_t *v = json_is_array(val) ? json_array_get(val, i) : val;
            if (!json_is_string(v)) {
                return rp_err_set(err, RP_EINVALID_JOB,
                                  "headers: value of \"%.64s\" is not a string or array of "
                                  "strings",
                                  name);
            }
            const char *s = json_string_value(v);
            size_t vlen = json_string_length(v);
            if (!header_value_valid(s, vlen)) {
                return rp_err_set(err, RP_EINVALID_JOB,
                                  "headers: value of \"%.64s\" has CR, LF, NUL or a control "
                                  "character",
                                  name);
            }
            total += nlen + vlen;
            if (job->n_headers >= RP_JOB_MAX_HEADERS || total > RP_JOB_MAX_HEADER_BYTES) {
                return rp_err_set(err, RP_EINVALID_JOB, "headers: more than %d headers or %d bytes",
                                  RP_JOB_MAX_HEADERS, RP_JOB_MAX_HEADER_BYTES);
            }
            if (rp_job_add_header(job, name, s)) {
                return RP_ENOMEM;
            }
        }
    }
    return 0;
}

static int number_field(const json_t *payload, const char *key, long min, long max, long *out,
                        struct rp_err *err)
{
    const json_t *v = json_object_get(payload, key);
    *out = 0;
    if (!v || json_is_null(v)) {
        return 0;
    }
    double d;
    if (json_is_integer(v)) {
        d = (double)json_integer_value(v);
    } else if (json_is_real(v)) {
        d = json_real_value(v);
    } else {
        return rp_err_set(err, RP_EINVALID_JOB, "%s: not a number", key);
    }
    if (d < (double)min || d > (double)max) {
        return rp_err_set(err, RP_EINVALID_JOB, "%s: %g out of range %ld-%ld", key, d, min, max);
    }
    *out = (long)d;
    return 0;
}

static int body_parse(struct rp_job *job, const json_t *payload, struct rp_err *err)
{
    const json_t *body = json_object_get(payload, "body");
    const json_t *enc = json_object_get(payload, "encoding");
    if (enc && !json_is_null(enc)) {
        if (!json_is_string(enc) || strcmp(json_string_value(enc), "base64") != 0) {
            return rp_err_set(err, RP_EINVALID_JOB, "encoding: only \"base64\" is known");
        }
        job->body_base64 = true;
    }
    if (!body || json_is_null(body)) {
        return 0;
    }
    if (!json_is_string(body)) {
        return rp_err_set(err, RP_EINVALID_JOB, "body: not a string");
    }
    const char *s = json_string_value(body);
    size_t len = json_string_length(body);
    size_t decoded = job->body_base64 ? len / 4 * 3 : len;
    if (decoded > RP_JOB_MAX_BODY) {
        return rp_err_set(err, RP_ETOO_LARGE, "body: %zu bytes, more than the %d the agent takes",
                          decoded, RP_JOB_MAX_BODY);
    }
    if (job->body_base64) {
        int rc = rp_base64_decode(s, len, &job->body, &job->body_len);
        if (rc == RP_EINVALID) {
            return rp_err_set(err, RP_EINVALID_JOB, "body: not valid base64");
        }
        return rc;
    }
    job->body = malloc(len + 1);
    if (!job->body) {
        return RP_ENOMEM;
    }
    memcpy(job->body, s, len);
    job->body[len] = 0;
    job->body_len = len;
    return 0;
}

static int bool_field(const json_t *payload, const char *key, int *out, struct rp_err *err)
{
    const json_t *v = json_object_get(payload, key);
    *out = -1;
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (!json_is_boolean(v)) {
        return rp_err_set(err, RP_EINVALID_JOB, "%s: not a boolean", key);
    }
    *out = json_is_true(v);
    return 0;
}

static int job_fill(const json_t *payload, struct rp_job *job, struct rp_err *err)
{
    if (!json_is_object(payload)) {
        return rp_err_set(err, RP_EINVALID_JOB, "request: payload is not an object");
    }
    /* Fields this agent does not know (correlationIdRegex, newer ones) are ignored, as the
     * Bright CLI ignores them. */
    const json_t *proto = json_object_get(payload, "protocol");
    if (proto && !json_is_null(proto)) {
        if (!json_is_string(proto)) {
            return rp_err_set(err, RP_EINVALID_JOB, "protocol: not a string");
        }
        const char *p = json_string_value(proto);
        if (strcmp(p, "ws") == 0) {
            return rp_err_set(err, RP_EUNSUPPORTED, "protocol: ws targets are not supported yet");
        }
        if (strcmp(p, "http") != 0) {
            return rp_err_set(err, RP_EINVALID_JOB, "protocol: \"%.32s\" is not http or ws", p);
        }
    }
    const json_t *url = json_object_get(payload, "url");
    if (!json_is_string(url)) {
        return rp_err_set(err, RP_EINVALID_JOB, "url: missing or not a string");
    }
    if (memchr(json_string_value(url), 0, json_string_length(url))) {
        return rp_err_set(err, RP_EINVALID_JOB, "url: contains NUL");
    }
    job->url = strdup(json_string_value(url));
    if (!job->url) {
        return RP_ENOMEM;
    }
    int rc = url_check(job, err);
    if (rc) {
        return rc;
    }
    const json_t *method = json_object_get(payload, "method");
    if (method && !json_is_null(method)) {
        if (!json_is_string(method) ||
            !rp_http_token_valid(json_string_value(method), json_string_length(method)) ||
            json_string_length(method) > 32) {
            return rp_err_set(err, RP_EINVALID_JOB, "method: not a valid HTTP method token");
        }
        job->method = strdup(json_string_value(method));
        for (char *p = job->method; p && *p; p++) {
            *p = (char)toupper((unsigned char)*p);
        }
    } else {
        job->method = strdup("GET");
    }
    if (!job->method) {
        return RP_ENOMEM;
    }
    rc = headers_parse(job, json_object_get(payload, "headers"), err);
    if (rc) {
        return rc;
    }
    rc = body_parse(job, payload, err);
    if (rc) {
        return rc;
    }
    rc = number_field(payload, "timeout", 1, RP_JOB_MAX_TIMEOUT_MS, &job->timeout_ms, err);
    if (rc) {
        return rc;
    }
    rc = number_field(payload, "maxContentSize", 1, RP_JOB_MAX_CONTENT_KIB, &job->max_content_kib,
                      err);
    if (rc) {
        return rc;
    }
    int decompress;
    rc = bool_field(payload, "decompress", &decompress, err);
    if (rc) {
        return rc;
    }
    job->decompress = decompress != 0; /* default: true */
    return bool_field(payload, "keepAlive", &job->keep_alive, err);
}

int rp_job_parse(const json_t *payload, struct rp_job *job, struct rp_err *err)
{
    memset(job, 0, sizeof(*job));
    job->keep_alive = -1;
    int rc = job_fill(payload, job, err);
    if (rc == RP_ENOMEM) {
        rp_err_set(err, RP_ENOMEM, NULL);
    }
    if (rc) {
        rp_job_cleanup(job);
    }
    return rc;
}
