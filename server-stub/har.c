/* har: maps records (docs/record.md) to HAR 1.2 entries: request, response, timings split into
 * blocked/dns/connect/ssl/send/wait/receive, server address. */
#include "har.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record.h"

static json_t *har_headers(const json_t *pairs)
{
    json_t *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(pairs, i, p)
    {
        json_t *h =
            json_pack("{s:O, s:O}", "name", json_array_get(p, 0), "value", json_array_get(p, 1));
        if (h) {
            json_array_append_new(out, h);
        }
    }
    return out;
}

static json_t *query_string(const char *url)
{
    json_t *out = json_array();
    const char *q = url ? strchr(url, '?') : NULL;
    if (!q) {
        return out;
    }
    q++;
    size_t qlen = strcspn(q, "#");
    char *copy = strndup(q, qlen);
    char *save = NULL;
    for (char *part = copy ? strtok_r(copy, "&", &save) : NULL; part;
         part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');
        if (eq) {
            *eq = 0;
        }
        json_t *v = json_pack("{s:s, s:s}", "name", part, "value", eq ? eq + 1 : "");
        if (v) {
            json_array_append_new(out, v);
        }
    }
    free(copy);
    return out;
}

static double num(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : -1;
}

/* HAR timings: every phase >= 0 except the optional ones (-1 when they did not happen);
 * connect includes ssl, as HAR defines it. */
static json_t *har_timings(const json_t *t, double *total)
{
    double dns = num(json_object_get(t, "dns"));
    double connect = num(json_object_get(t, "connect"));
    double ssl = num(json_object_get(t, "tls"));
    double first = num(json_object_get(t, "firstByte"));
    double all = num(json_object_get(t, "total"));
    if (all < 0) {
        all = 0;
    }
    double before = (dns > 0 ? dns : 0) + (connect > 0 ? connect : 0) + (ssl > 0 ? ssl : 0);
    double wait = first >= 0 ? first - before : all - before;
    if (wait < 0) {
        wait = 0;
    }
    double receive = first >= 0 ? all - first : 0;
    if (receive < 0) {
        receive = 0;
    }
    *total = before + wait + receive;
    return json_pack("{s:i, s:f, s:f, s:f, s:i, s:f, s:f}", "blocked", -1, "dns", dns, "connect",
                     connect >= 0 ? connect + (ssl > 0 ? ssl : 0) : -1, "ssl", ssl, "send", 0,
                     "wait", wait, "receive", receive);
}

static json_t *har_entry(const json_t *a)
{
    const json_t *req = json_object_get(a, "request");
    const json_t *resp = json_object_get(a, "response");
    const json_t *err = json_object_get(a, "error");
    const char *url = json_string_value(json_object_get(req, "url"));
    json_t *req_headers = json_object_get(req, "headers");
    json_t *request = json_pack("{s:O, s:s, s:s, s:[], s:o, s:o, s:i, s:I}", "method",
                                json_object_get(req, "method"), "url", url ? url : "",
                                "httpVersion", "HTTP/1.1", "cookies", "headers",
                                har_headers(json_is_array(req_headers) ? req_headers : NULL),
                                "queryString", query_string(url), "headersSize", -1, "bodySize",
                                (json_int_t)json_integer_value(json_object_get(req, "bodyLength")));
    const json_t *body = json_object_get(req, "body");
    if (request && json_is_string(body)) {
        const char *ct =
            json_is_array(req_headers) ? rp_header_pairs_get(req_headers, "content-type") : NULL;
        json_object_set_new(
            request, "postData",
            json_pack("{s:s, s:O, s:[]}", "mimeType", ct ? ct : "", "text", body, "params"));
    }
    json_t *response;
    if (json_is_object(resp)) {
        const json_t *rh = json_object_get(resp, "headers");
        const char *ct = rp_header_pairs_get(rh, "content-type");
        json_t *content = json_pack(
            "{s:I, s:s, s:O}", "size",
            (json_int_t)json_integer_value(json_object_get(resp, "bodyLength")), "mimeType",
            ct ? ct : "", "text",
            json_object_get(resp, "body") ? json_object_get(resp, "body") : json_string(""));
        if (content && json_object_get(resp, "encoding")) {
            json_object_set(content, "encoding", json_object_get(resp, "encoding"));
        }
        const char *version = json_string_value(json_object_get(resp, "httpVersion"));
        const char *location = rp_header_pairs_get(rh, "location");
        response = json_pack("{s:O, s:s, s:s, s:[], s:o, s:o, s:s, s:i, s:I}", "status",
                             json_object_get(resp, "statusCode"), "statusText",
                             json_string_value(json_object_get(resp, "statusText"))
                                 ? json_string_value(json_object_get(resp, "statusText"))
                                 : "",
                             "httpVersion", version ? version : "HTTP/1.1", "cookies", "headers",
                             har_headers(rh), "content", content, "redirectURL",
                             location ? location : "", "headersSize", -1, "bodySize",
                             (json_int_t)json_integer_value(json_object_get(resp, "bodyLength")));
    } else {
        response = json_pack("{s:i, s:s, s:s, s:[], s:[], s:{s:i, s:s}, s:s, s:i, s:i}", "status",
                             0, "statusText", "", "httpVersion", "", "cookies", "headers",
                             "content", "size", 0, "mimeType", "x-unknown", "redirectURL", "",
                             "headersSize", -1, "bodySize", -1);
    }
    double total = 0;
    json_t *timings = har_timings(json_object_get(a, "timings"), &total);
    const char *started = json_string_value(json_object_get(a, "startedAt"));
    json_t *entry =
        json_pack("{s:s, s:f, s:o, s:o, s:{}, s:o}", "startedDateTime",
                  started ? started : "1970-01-01T00:00:00.000Z", "time", total, "request", request,
                  "response", response, "cache", "timings", timings);
    if (!entry) {
        return NULL;
    }
    const char *ip = json_string_value(json_object_get(json_object_get(a, "remote"), "ip"));
    if (ip) {
        json_object_set_new(entry, "serverIPAddress", json_string(ip));
    }
    char comment[512];
    snprintf(comment, sizeof(comment), "attempt %lld via %s%s%s%s%s",
             (long long)json_integer_value(json_object_get(a, "number")),
             json_string_value(json_object_get(a, "via"))
                 ? json_string_value(json_object_get(a, "via"))
                 : "?",
             err ? "; error " : "", err ? json_string_value(json_object_get(err, "type")) : "",
             err ? ": " : "", err ? json_string_value(json_object_get(err, "message")) : "");
    json_object_set_new(entry, "comment", json_string(comment));
    return entry;
}

json_t *ps_har_from_delivery(const json_t *delivery)
{
    json_t *entries = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(delivery, "attempts"), i, a)
    {
        json_t *e = har_entry(a);
        if (e) {
            json_array_append_new(entries, e);
        }
    }
    return json_pack("{s:{s:s, s:{s:s, s:s}, s:[], s:o, s:s}}", "log", "version", "1.2", "creator",
                     "name", "platform-stub", "version", RP_VERSION, "pages", "entries", entries,
                     "comment",
                     json_string_value(json_object_get(delivery, "id"))
                         ? json_string_value(json_object_get(delivery, "id"))
                         : "");
}
