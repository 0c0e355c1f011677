/* api: REST routing, validation and response shapes. It owns what a valid request is and
 * what each endpoint answers; storage, live connections and deliveries belong to store.c,
 * hub.c and dispatch.c. */
#include "api.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "deliver.h"
#include "har.h"
#include "job.h"
#include "redact.h"
#include "rp_log.h"
#include "rp_util.h"

#define SUB "api"
#define ID_LEN 16
#define NAME_MAX_LEN 200
#define DESCRIPTION_MAX_LEN 2000

struct ctx {
    struct ps_api *api;
    const struct ps_api_request *req;
    struct ps_api_response *resp;
    json_t *body; /* parsed request body */
    char *seg[8];
    int nseg;
};

static void respond(struct ctx *c, int status, json_t *body)
{
    c->resp->status = status;
    json_decref(c->resp->body);
    c->resp->body = body;
}

static void fail(struct ctx *c, int status, const char *code, const char *field, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static void fail(struct ctx *c, int status, const char *code, const char *field, const char *fmt,
                 ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *err = json_pack("{s:s, s:s%}", "code", code, "message", msg, strlen(msg));
    if (err && field) {
        json_object_set_new(err, "field", json_string(field));
    }
    respond(c, status, json_pack("{s:o}", "error", err));
}

static void not_found(struct ctx *c, const char *what, const char *id)
{
    fail(c, 404, "not_found", NULL, "%s %.64s does not exist", what, id);
}

/* A write of several statements: all of them or none. tx_begin answers 503 when the database
 * is busy; tx_end commits when rc is 0 and answers 500 "could not <what>" otherwise. */
static bool tx_begin(struct ctx *c)
{
    if (ps_store_begin(c->api->store)) {
        fail(c, 503, "busy", NULL, "the database is busy");
        return false;
    }
    return true;
}

static bool tx_end(struct ctx *c, int rc, const char *what)
{
    if (rc || ps_store_commit(c->api->store)) {
        ps_store_rollback(c->api->store);
        fail(c, 500, "internal", NULL, "could not %s", what);
        return false;
    }
    return true;
}

static bool split_path(struct ctx *c, char *path);
static bool authorized(struct ctx *c);

/* ---- body validation ---- */

/* Parses the body as an object whose members are all in allowed (NULL-terminated). */
static bool body_object(struct ctx *c, const char *const *allowed)
{
    if (c->req->body_too_large) {
        fail(c, 413, "payload_too_large", NULL, "the request body is too large");
        return false;
    }
    json_error_t jerr;
    c->body =
        json_loadb((const char *)c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!c->body) {
        fail(c, 400, "invalid_json", NULL, "the body is not valid JSON: %s", jerr.text);
        return false;
    }
    if (!json_is_object(c->body)) {
        fail(c, 400, "invalid_json", NULL, "the body must be a JSON object");
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(c->body, key, v)
    {
        bool ok = allowed == NULL;
        for (size_t i = 0; allowed && allowed[i]; i++) {
            ok = ok || strcmp(key, allowed[i]) == 0;
        }
        if (!ok) {
            fail(c, 400, "unknown_field", key, "field \"%.64s\" is not known here", key);
            return false;
        }
    }
    return true;
}

/* A string member: required or optional, non-empty, at most max bytes, no control chars.
 * null is accepted as "absent" when nullable. */
static bool field_string(struct ctx *c, const char *name, bool required, bool nullable, size_t max,
                         const char **out)
{
    json_t *v = json_object_get(c->body, name);
    *out = NULL;
    if (!v || (nullable && json_is_null(v))) {
        if (required) {
            fail(c, 400, "missing_field", name, "field \"%s\" is required", name);
            return false;
        }
        return true;
    }
    if (!json_is_string(v)) {
        fail(c, 400, "invalid_field", name, "field \"%s\" must be a string", name);
        return false;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    bool trimmed_empty = true;
    for (size_t i = 0; i < len; i++) {
        trimmed_empty = trimmed_empty && isspace((unsigned char)s[i]);
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') {
            fail(c, 400, "invalid_field", name, "field \"%s\" has control characters", name);
            return false;
        }
    }
    if (trimmed_empty && strcmp(name, "description") != 0) {
        fail(c, 400, "invalid_field", name, "field \"%s\" must not be empty", name);
        return false;
    }
    if (len > max) {
        fail(c, 400, "invalid_field", name, "field \"%s\" is longer than %zu bytes", name, max);
        return false;
    }
    *out = s;
    return true;
}

/* ---- auth ---- */

static bool authorized(struct ctx *c)
{
    const char *h = c->req->authorization;
    if (!h || strncasecmp(h, "api-key ", 8) != 0) {
        fail(c, 401, "unauthorized", NULL, "send Authorization: api-key KEY");
        return false;
    }
    const char *key = h + 8;
    while (*key == ' ') {
        key++;
    }
    char hex[65];
    if (rp_sha256_hex(key, strlen(key), hex) || !rp_secure_equal(hex, c->api->api_key_hash, 64)) {
        fail(c, 401, "unauthorized", NULL, "the API key is not valid");
        return false;
    }
    return true;
}

/* ---- repeaters ---- */

const char *ps_api_repeater_status(struct ps_api *api, const json_t *r)
{
    if (!json_is_true(json_object_get(r, "active"))) {
        return "deactivated";
    }
    const char *id = json_string_value(json_object_get(r, "id"));
    return api->hub && id && ps_hub_repeater_online(api->hub, id) ? "connected" : "disconnected";
}

static json_t *repeater_out(struct ctx *c, json_t *r)
{
    if (r) {
        json_object_set_new(r, "status", json_string(ps_api_repeater_status(c->api, r)));
    }
    return r;
}

static void repeater_create(struct ctx *c)
{
    static const char *const allowed[] = {"name", "description", NULL};
    const char *name;
    const char *description;
    if (!body_object(c, allowed) || !field_string(c, "name", true, false, NAME_MAX_LEN, &name) ||
        !field_string(c, "description", false, true, DESCRIPTION_MAX_LEN, &description)) {
        return;
    }
    char id[ID_LEN + 1];
    char secret[41];
    char token[64];
    rp_random_id(id, ID_LEN);
    rp_random_id(secret, 40);
    snprintf(token, sizeof(token), "rpt_%s", secret);
    char hash[65];
    if (rp_sha256_hex(token, strlen(token), hash)) {
        fail(c, 500, "internal", NULL, "out of memory");
        return;
    }
    if (ps_store_repeater_create(c->api->store, id, name, description, hash)) {
        fail(c, 500, "internal", NULL, "could not store the repeater");
        return;
    }
    json_t *r = repeater_out(c, ps_store_repeater_get(c->api->store, id));
    json_object_set_new(r, "token", json_string(token));
    respond(c, 201, r);
}

static void repeater_action(struct ctx *c, const char *id, const char *action)
{
    json_t *r = ps_store_repeater_get(c->api->store, id);
    if (!r) {
        not_found(c, "repeater", id);
        return;
    }
    json_decref(r);
    if (strcmp(action, "deactivate") == 0) {
        ps_store_repeater_set_active(c->api->store, id, false);
        if (c->api->hub) {
            ps_hub_repeater_kick(c->api->hub, id, "repeater_deactivated",
                                 "The repeater was deactivated");
        }
    } else {
        ps_store_repeater_set_active(c->api->store, id, true);
    }
    respond(c, 200, repeater_out(c, ps_store_repeater_get(c->api->store, id)));
}

static void route_repeaters(struct ctx *c, const char *m)
{
    if (c->nseg == 3 && strcmp(m, "POST") == 0) {
        repeater_create(c);
    } else if (c->nseg == 3 && strcmp(m, "GET") == 0) {
        json_t *list = ps_store_repeater_list(c->api->store);
        size_t i;
        json_t *r;
        json_array_foreach(list, i, r)
        {
            repeater_out(c, r);
        }
        respond(c, 200, list);
    } else if (c->nseg == 4 && strcmp(m, "GET") == 0) {
        json_t *r = ps_store_repeater_get(c->api->store, c->seg[3]);
        if (r) {
            respond(c, 200, repeater_out(c, r));
        } else {
            not_found(c, "repeater", c->seg[3]);
        }
    } else if (c->nseg == 4 && strcmp(m, "DELETE") == 0) {
        int used = ps_store_repeater_webhooks(c->api->store, c->seg[3]);
        if (used > 0) {
            fail(c, 409, "in_use", NULL,
                 "%d webhook(s) deliver through this repeater: edit or delete them first", used);
            return;
        }
        if (ps_store_repeater_delete(c->api->store, c->seg[3])) {
            not_found(c, "repeater", c->seg[3]);
            return;
        }
        if (c->api->hub) {
            ps_hub_repeater_kick(c->api->hub, c->seg[3], "repeater_unauthorized",
                                 "The repeater was deleted");
        }
        respond(c, 204, NULL);
    } else if (c->nseg == 5 && strcmp(m, "POST") == 0 &&
               (strcmp(c->seg[4], "deactivate") == 0 || strcmp(c->seg[4], "activate") == 0)) {
        repeater_action(c, c->seg[3], c->seg[4]);
    } else {
        bool known = c->nseg <= 4 || (c->nseg == 5 && (strcmp(c->seg[4], "deactivate") == 0 ||
                                                       strcmp(c->seg[4], "activate") == 0 ||
                                                       strcmp(c->seg[4], "trace") == 0));
        fail(c, known ? 405 : 404, known ? "method_not_allowed" : "not_found", NULL,
             "%s %s is not an endpoint", m, c->req->path);
    }
}

/* ---- projects ---- */

static void route_projects(struct ctx *c, const char *m);

static void project_create(struct ctx *c)
{
    static const char *const allowed[] = {"name", NULL};
    const char *name;
    if (!body_object(c, allowed) || !field_string(c, "name", true, false, NAME_MAX_LEN, &name)) {
        return;
    }
    char id[ID_LEN + 1];
    rp_random_id(id, ID_LEN);
    if (ps_store_project_create(c->api->store, id, name)) {
        fail(c, 500, "internal", NULL, "could not store the project");
        return;
    }
    respond(c, 201, ps_store_project_get(c->api->store, id));
}

/* ---- webhooks ---- */

/* A webhook as the API shows it: no signing secret (hasSecret tells), and the values of its
 * secret-looking headers redacted. */
static json_t *webhook_out(json_t *w)
{
    if (!w) {
        return NULL;
    }
    json_object_del(w, "secret");
    json_t *headers = json_object_get(w, "headers");
    if (!json_is_object(headers)) {
        json_object_set_new(w, "headers", json_object());
        return w;
    }
    struct rp_redact red;
    rp_redact_init(&red);
    const char *name;
    json_t *v;
    json_object_foreach(headers, name, v)
    {
        const char *s = json_string_value(v);
        if (s && rp_redact_header(&red, name, strlen(name))) {
            char shown[96];
            rp_redact_value(s, strlen(s), shown, sizeof(shown));
            json_object_set_new(headers, name, json_string(shown));
        }
    }
    return w;
}

static bool valid_method(const char *m)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
    for (size_t i = 0; methods[i]; i++) {
        if (strcmp(m, methods[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Checks a url (and headers) by the rules a delivery job must meet, naming field on error. */
static bool job_probe(struct ctx *c, const char *field, const char *url, json_t *headers)
{
    json_t *probe = json_pack("{s:s}", "url", url);
    if (probe && headers) {
        json_object_set(probe, "headers", headers);
    }
    struct rp_job job;
    struct rp_err err = {0};
    int rc = probe ? rp_job_parse(probe, &job, &err) : rp_err_set(&err, RP_ENOMEM, NULL);
    json_decref(probe);
    if (rc == RP_ENOMEM) {
        fail(c, 500, "internal", NULL, "out of memory");
        return false;
    }
    if (rc) {
        fail(c, 400, "invalid_field", field, "%s", err.msg);
        return false;
    }
    rp_job_cleanup(&job);
    return true;
}

/* Checks the webhook members present in the body; required ones only when creating. */
static bool webhook_fields(struct ctx *c, bool create)
{
    const char *name;
    const char *s;
    if (!field_string(c, "name", create, false, NAME_MAX_LEN, &name) ||
        !field_string(c, "description", false, true, DESCRIPTION_MAX_LEN, &s)) {
        return false;
    }
    if (!field_string(c, "repeaterId", false, true, 64, &s)) {
        return false;
    }
    if (s) {
        json_t *r = ps_store_repeater_get(c->api->store, s);
        if (!r) {
            fail(c, 400, "invalid_field", "repeaterId", "repeater %.64s does not exist", s);
            return false;
        }
        json_decref(r);
    }
    if (!field_string(c, "method", create, false, 16, &s)) {
        return false;
    }
    if (s) {
        char upper[17];
        size_t i = 0;
        for (; s[i] && i < 16; i++) {
            upper[i] = (char)toupper((unsigned char)s[i]);
        }
        upper[i] = 0;
        if (!valid_method(upper)) {
            fail(c, 400, "invalid_field", "method",
                 "method \"%.16s\" is not one of GET, POST, PUT, PATCH, DELETE", s);
            return false;
        }
        json_object_set_new(c->body, "method", json_string(upper));
    }
    if (!field_string(c, "url", create, false, RP_JOB_MAX_URL, &s)) {
        return false;
    }
    if (s && !job_probe(c, "url", s, NULL)) {
        return false;
    }
    json_t *headers = json_object_get(c->body, "headers");
    if (headers && !json_is_null(headers) && !job_probe(c, "headers", "http://x/", headers)) {
        return false;
    }
    if (!field_string(c, "secret", false, true, 256, &s)) {
        return false;
    }
    if (s && !ps_secret_valid(s)) {
        fail(c, 400, "invalid_field", "secret",
             "secret must be whsec_ followed by base64 of 24 to 64 bytes");
        return false;
    }
    return true;
}

static const char *const webhook_allowed[] = {"name", "description", "repeaterId", "method",
                                              "url",  "headers",     "secret",     NULL};

static void webhook_create(struct ctx *c, const char *pid)
{
    if (!body_object(c, webhook_allowed) || !webhook_fields(c, true)) {
        return;
    }
    char id[ID_LEN + 1];
    rp_random_id(id, ID_LEN);
    if (ps_store_webhook_create(c->api->store, id, pid, c->body)) {
        fail(c, 500, "internal", NULL, "could not store the webhook");
        return;
    }
    respond(c, 201, webhook_out(ps_store_webhook_get(c->api->store, pid, id)));
}

static void route_webhooks(struct ctx *c, const char *m, const char *pid)
{
    const char *wid = c->nseg >= 6 ? c->seg[5] : NULL;
    if (c->nseg == 5 && strcmp(m, "POST") == 0) {
        webhook_create(c, pid);
    } else if (c->nseg == 5 && strcmp(m, "GET") == 0) {
        json_t *list = ps_store_webhook_list(c->api->store, pid, false);
        size_t i;
        json_t *w;
        json_array_foreach(list, i, w)
        {
            webhook_out(w);
        }
        respond(c, 200, list);
    } else if (c->nseg >= 6) {
        json_t *w = ps_store_webhook_get(c->api->store, pid, wid);
        if (!w) {
            not_found(c, "webhook", wid);
            return;
        }
        json_decref(w);
        if (c->nseg == 6 && strcmp(m, "GET") == 0) {
            respond(c, 200, webhook_out(ps_store_webhook_get(c->api->store, pid, wid)));
        } else if (c->nseg == 6 && strcmp(m, "PATCH") == 0) {
            if (!body_object(c, webhook_allowed) || !webhook_fields(c, false)) {
                return;
            }
            if (!tx_begin(c) ||
                !tx_end(c, ps_store_webhook_update(c->api->store, pid, wid, c->body),
                        "update the webhook")) {
                return;
            }
            respond(c, 200, webhook_out(ps_store_webhook_get(c->api->store, pid, wid)));
        } else if (c->nseg == 6 && strcmp(m, "DELETE") == 0) {
            if (!tx_begin(c)) {
                return;
            }
            int rc = ps_store_webhook_delete(c->api->store, pid, wid);
            rc = rc ? rc : ps_store_delivery_cancel_webhook(c->api->store, wid);
            if (tx_end(c, rc, "delete the webhook")) {
                respond(c, 204, NULL);
            }
        } else if (c->nseg == 7 && strcmp(m, "POST") == 0 &&
                   (strcmp(c->seg[6], "activate") == 0 || strcmp(c->seg[6], "deactivate") == 0)) {
            bool on = strcmp(c->seg[6], "activate") == 0;
            ps_store_webhook_set_active(c->api->store, pid, wid, on);
            if (!on) {
                ps_store_delivery_cancel_webhook(c->api->store, wid);
            }
            respond(c, 200, webhook_out(ps_store_webhook_get(c->api->store, pid, wid)));
        } else {
            bool known = c->nseg == 6 || (c->nseg == 7 && (strcmp(c->seg[6], "activate") == 0 ||
                                                           strcmp(c->seg[6], "deactivate") == 0));
            fail(c, known ? 405 : 404, known ? "method_not_allowed" : "not_found", NULL,
                 "%s %s is not an endpoint", m, c->req->path);
        }
    } else {
        fail(c, 405, "method_not_allowed", NULL, "%s %s is not an endpoint", m, c->req->path);
    }
}

static void route_projects(struct ctx *c, const char *m)
{
    if (c->nseg == 3 && strcmp(m, "POST") == 0) {
        project_create(c);
        return;
    }
    if (c->nseg == 3 && strcmp(m, "GET") == 0) {
        respond(c, 200, ps_store_project_list(c->api->store));
        return;
    }
    if (c->nseg < 4) {
        fail(c, 405, "method_not_allowed", NULL, "%s %s is not an endpoint", m, c->req->path);
        return;
    }
    json_t *p = ps_store_project_get(c->api->store, c->seg[3]);
    if (!p) {
        not_found(c, "project", c->seg[3]);
        return;
    }
    if (c->nseg == 4 && strcmp(m, "GET") == 0) {
        respond(c, 200, p);
        return;
    }
    json_decref(p);
    if (c->nseg == 4 && strcmp(m, "DELETE") == 0) {
        ps_store_project_delete(c->api->store, c->seg[3]);
        respond(c, 204, NULL);
    } else if (c->nseg >= 5 && strcmp(c->seg[4], "webhooks") == 0) {
        route_webhooks(c, m, c->seg[3]);
    } else {
        fail(c, c->nseg == 4 ? 405 : 404, c->nseg == 4 ? "method_not_allowed" : "not_found", NULL,
             "%s %s is not an endpoint", m, c->req->path);
    }
}

/* ---- scans ---- */

static json_t *scan_out(struct ctx *c, json_t *scan)
{
    if (scan) {
        json_object_set_new(
            scan, "issues",
            ps_store_issue_list(c->api->store, json_string_value(json_object_get(scan, "id"))));
    }
    return scan;
}

static void scan_create(struct ctx *c)
{
    static const char *const allowed[] = {"projectId", "name", "config", NULL};
    const char *pid;
    const char *name;
    if (!body_object(c, allowed) || !field_string(c, "projectId", true, false, 64, &pid) ||
        !field_string(c, "name", true, false, NAME_MAX_LEN, &name)) {
        return;
    }
    json_t *config = json_object_get(c->body, "config");
    if (config && !json_is_object(config) && !json_is_null(config)) {
        fail(c, 400, "invalid_field", "config", "config must be an object");
        return;
    }
    json_t *p = ps_store_project_get(c->api->store, pid);
    if (!p) {
        fail(c, 400, "invalid_field", "projectId", "project %.64s does not exist", pid);
        return;
    }
    json_decref(p);
    char id[ID_LEN + 1];
    char now[32];
    rp_random_id(id, ID_LEN);
    rp_time_iso(rp_wall_ms(), now);
    if (ps_store_scan_create(c->api->store, id, pid, name, json_is_object(config) ? config : NULL,
                             now)) {
        fail(c, 500, "internal", NULL, "could not store the scan");
        return;
    }
    respond(c, 201, scan_out(c, ps_store_scan_get(c->api->store, id)));
}

static void scan_status(struct ctx *c, json_t *scan)
{
    static const char *const allowed[] = {"status", NULL};
    const char *status;
    if (!body_object(c, allowed) || !field_string(c, "status", true, false, 32, &status)) {
        return;
    }
    if (!ps_scan_status_valid(status)) {
        fail(c, 400, "invalid_field", "status",
             "status \"%.32s\" is not one of queued, pending, running, done, failed, stopped, "
             "disrupted, scheduled",
             status);
        return;
    }
    const char *id = json_string_value(json_object_get(scan, "id"));
    char from[32];
    snprintf(from, sizeof(from), "%s", json_string_value(json_object_get(scan, "status")));
    if (strcmp(from, status) == 0) {
        fail(c, 409, "status_unchanged", "status", "the scan is already %s", status);
        return;
    }
    char now[32];
    rp_time_iso(rp_wall_ms(), now);
    bool starts =
        strcmp(status, "running") == 0 && json_is_null(json_object_get(scan, "startedAt"));
    bool ends = ps_scan_status_is_final(status);
    struct ps_store *st = c->api->store;
    if (!tx_begin(c)) {
        return;
    }
    int rc = ps_store_scan_set_status(st, id, status, starts ? now : NULL, ends ? now : NULL);
    json_t *updated = rc ? NULL : scan_out(c, ps_store_scan_get(st, id));
    json_t *project =
        updated ? ps_store_project_get(st, json_string_value(json_object_get(scan, "projectId")))
                : NULL;
    int n = project ? ps_dispatch_scan_changed(c->api->dispatch, project, updated, from) : -1;
    json_decref(project);
    if (!tx_end(c, n < 0 ? RP_EINTERNAL : 0, "change the status")) {
        json_decref(updated);
        return;
    }
    json_object_set_new(updated, "deliveriesCreated", json_integer(n));
    respond(c, 200, updated);
    ps_dispatch_kick(c->api->dispatch);
}

static void scan_issue(struct ctx *c, const char *scan_id)
{
    const char *name;
    const char *severity;
    if (!body_object(c, NULL) || !field_string(c, "name", true, false, NAME_MAX_LEN, &name) ||
        !field_string(c, "severity", true, false, 16, &severity)) {
        return;
    }
    static const char *const severities[] = {"critical", "high", "medium", "low", "info", NULL};
    bool ok = false;
    for (size_t i = 0; severities[i]; i++) {
        ok = ok || strcasecmp(severity, severities[i]) == 0;
    }
    if (!ok) {
        fail(c, 400, "invalid_field", "severity",
             "severity \"%.16s\" is not one of critical, high, medium, low, info", severity);
        return;
    }
    char lower[17];
    size_t i = 0;
    for (; severity[i] && i < 16; i++) {
        lower[i] = (char)tolower((unsigned char)severity[i]);
    }
    lower[i] = 0;
    json_object_set_new(c->body, "severity", json_string(lower));
    char id[ID_LEN + 1];
    char now[32];
    rp_random_id(id, ID_LEN);
    rp_time_iso(rp_wall_ms(), now);
    if (ps_store_issue_add(c->api->store, id, scan_id, c->body, now)) {
        fail(c, 500, "internal", NULL, "could not store the issue");
        return;
    }
    json_t *issue = json_deep_copy(c->body);
    json_object_set_new(issue, "id", json_string(id));
    json_object_set_new(issue, "foundAt", json_string(now));
    respond(c, 201, issue);
}

static void route_scans(struct ctx *c, const char *m)
{
    if (c->nseg == 3 && strcmp(m, "POST") == 0) {
        scan_create(c);
        return;
    }
    if (c->nseg == 3 && strcmp(m, "GET") == 0) {
        const char *pid = json_string_value(json_object_get(c->req->query, "projectId"));
        json_t *list = ps_store_scan_list(c->api->store, pid);
        respond(c, 200, list);
        return;
    }
    if (c->nseg < 4) {
        fail(c, 405, "method_not_allowed", NULL, "%s %s is not an endpoint", m, c->req->path);
        return;
    }
    json_t *scan = ps_store_scan_get(c->api->store, c->seg[3]);
    if (!scan) {
        not_found(c, "scan", c->seg[3]);
        return;
    }
    if (c->nseg == 4 && strcmp(m, "GET") == 0) {
        respond(c, 200, scan_out(c, scan));
        return;
    }
    if (c->nseg == 5 && strcmp(m, "POST") == 0 && strcmp(c->seg[4], "status") == 0) {
        scan_status(c, scan);
    } else if (c->nseg == 5 && strcmp(m, "POST") == 0 && strcmp(c->seg[4], "issues") == 0) {
        scan_issue(c, c->seg[3]);
    } else {
        bool known = c->nseg == 4 || (c->nseg == 5 && (strcmp(c->seg[4], "status") == 0 ||
                                                       strcmp(c->seg[4], "issues") == 0));
        fail(c, known ? 405 : 404, known ? "method_not_allowed" : "not_found", NULL,
             "%s %s is not an endpoint", m, c->req->path);
    }
    json_decref(scan);
}

/* ---- deliveries ---- */

static json_t *delivery_out(json_t *d)
{
    if (!d) {
        return NULL;
    }
    json_t *wh = json_object_get(d, "webhook");
    if (wh) {
        json_t *short_wh = json_pack(
            "{s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(wh, "id"), "name",
            json_object_get(wh, "name"), "method", json_object_get(wh, "method"), "url",
            json_object_get(wh, "url"), "repeaterId",
            json_object_get(wh, "repeaterId") ? json_object_get(wh, "repeaterId") : json_null());
        json_object_set_new(d, "webhook", short_wh ? short_wh : json_null());
    }
    json_t *next = json_object_get(d, "nextAttemptAtMs");
    if (json_is_integer(next) &&
        strcmp(json_string_value(json_object_get(d, "state")), "pending") == 0) {
        char iso[32];
        rp_time_iso(json_integer_value(next), iso);
        json_object_set_new(d, "nextAttemptAt", json_string(iso));
    } else {
        json_object_set_new(d, "nextAttemptAt", json_null());
    }
    json_object_del(d, "nextAttemptAtMs");
    return d;
}

static void route_deliveries(struct ctx *c, const char *m)
{
    if (c->nseg == 3 && strcmp(m, "GET") == 0) {
        const char *state = json_string_value(json_object_get(c->req->query, "state"));
        static const char *const states[] = {"pending", "in_flight", "delivered",
                                             "failed",  "cancelled", NULL};
        bool ok = state == NULL;
        for (size_t i = 0; state && states[i]; i++) {
            ok = ok || strcmp(state, states[i]) == 0;
        }
        if (!ok) {
            fail(c, 400, "invalid_field", "state",
                 "state must be pending, in_flight, delivered, failed or cancelled");
            return;
        }
        respond(c, 200,
                ps_store_delivery_list(
                    c->api->store, json_string_value(json_object_get(c->req->query, "webhookId")),
                    json_string_value(json_object_get(c->req->query, "scanId")), state));
        return;
    }
    if (c->nseg < 4) {
        fail(c, 405, "method_not_allowed", NULL, "%s %s is not an endpoint", m, c->req->path);
        return;
    }
    json_t *d = ps_store_delivery_get(c->api->store, c->seg[3]);
    if (!d) {
        not_found(c, "delivery", c->seg[3]);
        return;
    }
    if (c->nseg == 4 && strcmp(m, "GET") == 0) {
        respond(c, 200, delivery_out(d));
        return;
    }
    if (c->nseg == 5 && strcmp(m, "GET") == 0 && strcmp(c->seg[4], "har") == 0) {
        respond(c, 200, ps_har_from_delivery(d));
        json_decref(d);
        return;
    }
    if (c->nseg == 5 && strcmp(m, "POST") == 0 && strcmp(c->seg[4], "redeliver") == 0) {
        const char *state = json_string_value(json_object_get(d, "state"));
        if (strcmp(state, "in_flight") == 0) {
            fail(c, 409, "in_flight", NULL, "an attempt of this delivery is running");
        } else {
            ps_store_delivery_set_state(c->api->store, c->seg[3], "pending", rp_wall_ms());
            respond(c, 202, delivery_out(ps_store_delivery_get(c->api->store, c->seg[3])));
            ps_dispatch_kick(c->api->dispatch);
        }
    } else {
        bool known = c->nseg == 4 || (c->nseg == 5 && (strcmp(c->seg[4], "har") == 0 ||
                                                       strcmp(c->seg[4], "redeliver") == 0));
        fail(c, known ? 405 : 404, known ? "method_not_allowed" : "not_found", NULL,
             "%s %s is not an endpoint", m, c->req->path);
    }
    json_decref(d);
}

/* ---- routing ---- */

static bool split_path(struct ctx *c, char *path)
{
    c->nseg = 0;
    char *save = NULL;
    for (char *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (c->nseg >= (int)(sizeof(c->seg) / sizeof(c->seg[0]))) {
            return false;
        }
        c->seg[c->nseg++] = s;
    }
    return true;
}

int ps_api_trace_request(struct ps_api *api, const struct ps_api_request *req, char *id,
                         size_t id_len, struct ps_api_response *resp)
{
    struct ctx c = {.api = api, .req = req, .resp = resp};
    resp->status = 0;
    resp->body = NULL;
    if (strcmp(req->method, "GET") != 0 || !req->path) {
        return 0;
    }
    char *path = strdup(req->path);
    if (!path) {
        return 0;
    }
    int rc = 0;
    if (split_path(&c, path) && c.nseg == 5 && strcmp(c.seg[0], "api") == 0 &&
        strcmp(c.seg[1], "v1") == 0 && strcmp(c.seg[2], "repeaters") == 0 &&
        strcmp(c.seg[4], "trace") == 0) {
        rc = -1;
        if (authorized(&c)) {
            json_t *r = ps_store_repeater_get(api->store, c.seg[3]);
            if (r) {
                snprintf(id, id_len, "%s", c.seg[3]);
                rc = 1;
            } else {
                not_found(&c, "repeater", c.seg[3]);
            }
            json_decref(r);
        }
    }
    free(path);
    return rc;
}

void ps_api_handle(struct ps_api *api, const struct ps_api_request *req,
                   struct ps_api_response *resp)
{
    struct ctx c = {.api = api, .req = req, .resp = resp};
    resp->status = 500;
    resp->body = NULL;
    char *path = strdup(req->path ? req->path : "/");
    if (!path) {
        fail(&c, 500, "internal", NULL, "out of memory");
        return;
    }
    bool ok = split_path(&c, path);
    if (!ok || c.nseg < 3 || strcmp(c.seg[0], "api") != 0 || strcmp(c.seg[1], "v1") != 0) {
        fail(&c, 404, "not_found", NULL, "%.200s is not an endpoint", req->path);
    } else if (authorized(&c)) {
        const char *m = req->method;
        const char *res = c.seg[2];
        if (strcmp(res, "repeaters") == 0) {
            route_repeaters(&c, m);
        } else if (strcmp(res, "projects") == 0) {
            route_projects(&c, m);
        } else if (strcmp(res, "scans") == 0) {
            route_scans(&c, m);
        } else if (strcmp(res, "deliveries") == 0) {
            route_deliveries(&c, m);
        } else {
            fail(&c, 404, "not_found", NULL, "%.200s is not an endpoint", req->path);
        }
    }
    rp_log_verbose(SUB, "%s %s -> %d", req->method, req->path, resp->status);
    json_decref(c.body);
    free(path);
}
