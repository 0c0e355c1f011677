/* dispatch: the delivery engine's glue. It owns the scheduling timer and the attempts in
 * flight; what an attempt sends and how its outcome is judged come from deliver.c, where it
 * goes from the executor (direct) or the hub (through a repeater). */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "job.h"
#include "record.h"
#include "rp_log.h"
#include "rp_util.h"

#define SUB "dispatch"
#define DUE_BATCH 64
#define ACK_GRACE_MS 10000
#define BUSY_RETRY_MS 100
/* A job whose repeater session ends while it runs is sent again with the same job id; after
 * this many resends it is recorded as a failed attempt, so an agent that dies on one
 * particular job cannot hold its delivery forever. */
#define LOST_RESENDS_MAX 3
/* the resend counts are forgotten wholesale beyond this many (they only slow a loop down) */
#define LOST_TRACKED_MAX 100000

struct attempt {
    struct ps_dispatch *d;
    char delivery_id[32];
    char repeater_id[64];
    int number;
    char started_at[32];
    json_t *job;          /* the request as sent (for the record of a plain ack) */
    struct rp_job parsed; /* direct attempts */
    struct ps_req *req;   /* attempts through a repeater */
    uv_timer_t *deadline;
    struct attempt *prev, *next;
};

struct ps_dispatch {
    uv_loop_t *loop;
    struct ps_store *store;
    struct ps_hub *hub;
    struct rp_exec *exec;
    struct ps_dispatch_cfg cfg;
    uv_timer_t timer;
    struct attempt *attempts;
    int n_attempts;
    json_t *lost; /* job id -> times its session ended while it ran */
    bool closing;
};

static void schedule(struct ps_dispatch *d);

/* ---- creating deliveries ---- */

int ps_dispatch_scan_changed(struct ps_dispatch *d, const json_t *project, const json_t *scan,
                             const char *from)
{
    const char *pid = json_string_value(json_object_get(project, "id"));
    const char *scan_id = json_string_value(json_object_get(scan, "id"));
    json_t *hooks = ps_store_webhook_list(d->store, pid, true);
    if (!hooks) {
        return RP_EINTERNAL;
    }
    char now[32];
    int64_t now_ms = rp_wall_ms();
    rp_time_iso(now_ms, now);
    json_t *issues = json_object_get(scan, "issues");
    json_t *event = json_pack("{s:s, s:s, s:O, s:s}", "type", "scan.status_changed", "from", from,
                              "to", json_object_get(scan, "status"), "at", now);
    int n = 0;
    size_t i;
    json_t *hook;
    json_array_foreach(hooks, i, hook)
    {
        char id[17];
        rp_random_id(id, 16);
        char event_id[24];
        snprintf(event_id, sizeof(event_id), "msg_%s", id);
        json_t *payload = ps_payload_build(event_id, now, project, scan, from, issues);
        json_t *snapshot = json_deep_copy(hook);
        json_object_del(snapshot, "secret");
        int rc = payload && snapshot ? ps_store_delivery_create(d->store, event_id, snapshot,
                                                                scan_id, event, payload, now_ms)
                                     : RP_ENOMEM;
        json_decref(payload);
        json_decref(snapshot);
        if (rc) {
            json_decref(hooks);
            json_decref(event);
            return rc < 0 ? rc : RP_EINTERNAL;
        }
        n++;
    }
    json_decref(hooks);
    json_decref(event);
    return n;
}

/* ---- finishing attempts ---- */

static void attempt_unlink(struct attempt *a)
{
    struct ps_dispatch *d = a->d;
    if (a->prev) {
        a->prev->next = a->next;
    } else {
        d->attempts = a->next;
    }
    if (a->next) {
        a->next->prev = a->prev;
    }
    d->n_attempts--;
}

static void timer_free(uv_handle_t *h)
{
    free(h);
}

static void attempt_free(struct attempt *a)
{
    if (a->deadline) {
        uv_timer_stop(a->deadline);
        uv_close((uv_handle_t *)a->deadline, timer_free);
    }
    json_decref(a->job);
    rp_job_cleanup(&a->parsed);
    free(a);
}

/* Records the attempt and moves the delivery on. rec is the attempt's record (borrowed). */
static void attempt_done(struct attempt *a, json_t *rec)
{
    struct ps_dispatch *d = a->d;
    json_t *attempt = json_deep_copy(rec);
    if (!attempt) {
        attempt = json_object();
    }
    json_object_set_new(attempt, "number", json_integer(a->number));
    json_object_set_new(attempt, "startedAt", json_string(a->started_at));
    json_object_set_new(attempt, "via", json_string(a->repeater_id[0] ? "repeater" : "direct"));
    json_object_set_new(attempt, "repeaterId",
                        a->repeater_id[0] ? json_string(a->repeater_id) : json_null());
    json_t *resp = json_object_get(rec, "response");
    int status = (int)json_integer_value(json_object_get(resp, "statusCode"));
    json_t *err = json_object_get(rec, "error");
    enum ps_outcome outcome = err ? PS_OUTCOME_RETRY : ps_outcome_of(status);
    int64_t now = rp_wall_ms();
    const char *state = "pending";
    int64_t next = now;
    if (outcome == PS_OUTCOME_DELIVERED) {
        state = "delivered";
    } else if (outcome == PS_OUTCOME_GONE) {
        state = "failed";
        json_t *w = ps_store_delivery_get(d->store, a->delivery_id);
        json_t *wh = json_object_get(w, "webhook");
        ps_store_webhook_set_active(d->store, json_string_value(json_object_get(wh, "projectId")),
                                    json_string_value(json_object_get(wh, "id")), false);
        rp_log_notice(SUB, "delivery %s: 410 Gone, webhook %s deactivated", a->delivery_id,
                      json_string_value(json_object_get(wh, "id")));
        json_decref(w);
    } else {
        int64_t retry_after = ps_retry_after_ms(
            rp_header_pairs_get(json_object_get(resp, "headers"), "retry-after"), now);
        int64_t delay = ps_retry_delay(&d->cfg.retry, a->number, retry_after, (uint32_t)rand());
        if (delay < 0) {
            state = "failed";
        } else {
            next = now + delay;
        }
    }
    /* the attempt and the delivery's new state in one transaction: a stop between the two
     * would run a recorded attempt again after a restart */
    bool in_tx = ps_store_begin(d->store) == 0;
    if (ps_store_attempt_add(d->store, a->delivery_id, a->number, attempt) ||
        ps_store_delivery_set_state(d->store, a->delivery_id, state, next) ||
        (in_tx && ps_store_commit(d->store))) {
        if (in_tx) {
            ps_store_rollback(d->store);
        }
        rp_log_error(SUB, "delivery %s: could not record attempt %d", a->delivery_id, a->number);
    }
    rp_log_verbose(SUB, "delivery %s attempt %d via %s: %s -> %s", a->delivery_id, a->number,
                   a->repeater_id[0] ? a->repeater_id : "direct",
                   err ? json_string_value(json_object_get(err, "type")) : "response", state);
    json_decref(attempt);
    json_object_del(d->lost, json_string_value(json_object_get(a->job, "jobId")));
    attempt_unlink(a);
    attempt_free(a);
    schedule(d);
}

static void on_direct_done(struct rp_exec_call *call, struct rp_record *rec, void *ud)
{
    (void)call;
    struct attempt *a = ud;
    json_t *j = rp_record_to_json(rec);
    attempt_done(a, j);
    json_decref(j);
}

/* A header pair for a stored record, its value redacted when the name is a secret. */
static json_t *header_pair(const struct ps_dispatch *d, const char *name, const json_t *value)
{
    const char *v = json_string_value(value);
    if (v && rp_redact_header(d->cfg.redact, name, strlen(name))) {
        char shown[96];
        rp_redact_value(v, strlen(v), shown, sizeof(shown));
        return json_pack("[s, s]", name, shown);
    }
    return json_pack("[s, O]", name, value);
}

/* The job's headers as [[name, value], ...], the record's form. New reference. */
static json_t *job_header_pairs(const struct ps_dispatch *d, const json_t *job)
{
    json_t *pairs = json_array();
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(job, "headers"), name, v)
    {
        json_array_append_new(pairs, header_pair(d, name, v));
    }
    return pairs;
}

/* The request part of a record built from the job that was sent. */
static json_t *record_base(struct attempt *a)
{
    const json_t *body = json_object_get(a->job, "body");
    return json_pack("{s:s, s:s, s:{s:O, s:O, s:o, s:O, s:I}, s:n, s:n, s:n, s:{s:n, s:n, s:n, "
                     "s:n, s:n}}",
                     "protocol", "http", "startedAt", a->started_at, "request", "method",
                     json_object_get(a->job, "method"), "url", json_object_get(a->job, "url"),
                     "headers", job_header_pairs(a->d, a->job), "body", body, "bodyLength",
                     (json_int_t)json_string_length(body), "response", "remote", "tls", "timings",
                     "dns", "connect", "tls", "firstByte", "total");
}

/* A record for an attempt that never reached a receiver. */
static json_t *error_record(struct attempt *a, int code, const char *msg)
{
    json_t *rec = record_base(a);
    json_object_set_new(rec, "error",
                        json_pack("{s:s, s:s}", "type", rp_err_name(code), "message", msg));
    return rec;
}

static const char *reason_phrase(int status)
{
    static const struct {
        int status;
        const char *text;
    } phrases[] = {
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {409, "Conflict"},
        {410, "Gone"},
        {413, "Payload Too Large"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        if (phrases[i].status == status) {
            return phrases[i].text;
        }
    }
    return "";
}

/* The response part of a record rebuilt from Bright ack fields: what the ack says, and the
 * length and hash of the body it carries (the agent's cap, if any, is not known). */
static json_t *bright_response(const json_t *ack, json_t *status, json_t *pairs_stolen)
{
    const json_t *body = json_object_get(ack, "body");
    const char *text = json_is_string(body) ? json_string_value(body) : "";
    size_t len = json_is_string(body) ? json_string_length(body) : 0;
    const json_t *enc = json_object_get(ack, "encoding");
    unsigned char *bytes = NULL;
    size_t n = len;
    if (json_is_string(enc) && strcmp(json_string_value(enc), "base64") == 0 &&
        rp_base64_decode(text, len, &bytes, &n) != 0) {
        bytes = NULL;
        n = len;
    }
    char hex[65];
    rp_sha256_hex(bytes ? (const void *)bytes : (const void *)text, n, hex);
    free(bytes);
    json_t *resp =
        json_pack("{s:O, s:s, s:s, s:o, s:s%, s:I, s:I, s:s, s:b}", "statusCode", status,
                  "statusText", reason_phrase((int)json_integer_value(status)), "httpVersion",
                  "HTTP/1.1", "headers", pairs_stolen, "body", text, len, "bodyLength",
                  (json_int_t)n, "bodyCaptured", (json_int_t)n, "bodySha256", hex, "truncated", 0);
    if (resp && json_is_string(enc)) {
        json_object_set_new(resp, "encoding", json_string(json_string_value(enc)));
    }
    return resp ? resp : json_null();
}

/* A record rebuilt from a plain Bright ack (a client that did not send `record`). */
static json_t *record_from_bright(struct attempt *a, const json_t *ack)
{
    json_t *rec = record_base(a);
    const char *code = json_string_value(json_object_get(ack, "errorCode"));
    json_t *status = json_object_get(ack, "statusCode");
    if (json_is_integer(status)) {
        json_t *pairs = json_array();
        const char *name;
        json_t *v;
        json_object_foreach(json_object_get(ack, "headers"), name, v)
        {
            size_t n = json_is_array(v) ? json_array_size(v) : 1;
            for (size_t i = 0; i < n; i++) {
                json_t *one = json_is_array(v) ? json_array_get(v, i) : v;
                json_array_append_new(pairs, header_pair(a->d, name, one));
            }
        }
        json_object_set_new(rec, "response", bright_response(ack, status, pairs));
    } else {
        json_object_set_new(rec, "response", json_null());
    }
    json_t *ttfb = json_object_get(ack, "ttfb");
    json_object_set_new(rec, "timings",
                        json_pack("{s:n, s:n, s:n, s:O, s:n}", "dns", "connect", "tls", "firstByte",
                                  ttfb ? ttfb : json_null(), "total"));
    if (code || !json_is_integer(status)) {
        const char *msg = json_string_value(json_object_get(ack, "message"));
        json_object_set_new(rec, "error",
                            json_pack("{s:s, s:s}", "type", code ? code : "protocol", "message",
                                      msg ? msg : "no status in the ack"));
    }
    return rec;
}

static void attempt_again(struct attempt *a, int64_t delay_ms, const char *why);
static json_t *record_of_ack(struct attempt *a, json_t *ack);

/* Counts one more lost session for the attempt's job; false when it has had its resends. */
static bool lost_again(struct attempt *a)
{
    struct ps_dispatch *d = a->d;
    const char *job_id = json_string_value(json_object_get(a->job, "jobId"));
    if (!d->lost || !job_id) {
        return true;
    }
    json_int_t n = json_integer_value(json_object_get(d->lost, job_id)) + 1;
    if (n > LOST_RESENDS_MAX) {
        return false;
    }
    if (json_object_size(d->lost) >= LOST_TRACKED_MAX) {
        json_object_clear(d->lost);
    }
    json_object_set_new(d->lost, job_id, json_integer(n));
    return true;
}

static void on_repeater_done(void *ud, json_t *ack, int code, const char *msg)
{
    struct attempt *a = ud;
    a->req = NULL;
    if (!ack && code == RP_ECONNECT && !a->d->closing) {
        /* the session died with the job: another session (or this one, reconnected) gets the
         * same job id; an agent that finished it answers from memory */
        if (lost_again(a)) {
            attempt_again(a, 0, msg);
            return;
        }
        char why[160];
        snprintf(why, sizeof(why),
                 "the repeater's session ended while it ran this job %d times in a row",
                 LOST_RESENDS_MAX + 1);
        json_t *rec = error_record(a, RP_ELOST, why);
        attempt_done(a, rec);
        json_decref(rec);
        return;
    }
    json_t *rec = ack ? record_of_ack(a, ack) : error_record(a, code, msg);
    attempt_done(a, rec);
    json_decref(rec);
}

static void on_deadline(uv_timer_t *t)
{
    struct attempt *a = t->data;
    if (a->req) {
        ps_hub_request_fail(a->req, RP_ETIMEOUT, "the repeater did not answer before the deadline");
    }
}

/* ---- starting attempts ---- */

static json_t *build_job(struct ps_dispatch *d, const json_t *delivery, const json_t *hook,
                         int number, struct rp_err *err)
{
    json_t *payload = json_object_get(delivery, "payload");
    char *body = json_dumps(payload, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!body) {
        rp_err_set(err, RP_ENOMEM, NULL);
        return NULL;
    }
    json_t *headers = json_object();
    json_object_set_new(headers, "Content-Type", json_string("application/json"));
    json_object_set_new(headers, "User-Agent", json_string("repeater-platform-stub/" RP_VERSION));
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(hook, "headers"), name, v)
    {
        json_object_set(headers, name, v);
    }
    const char *secret = json_string_value(json_object_get(hook, "secret"));
    if (secret) {
        const char *msg_id = json_string_value(json_object_get(delivery, "id"));
        int64_t ts = rp_wall_ms() / 1000;
        char sig[160];
        if (ps_sign(secret, msg_id, ts, (const unsigned char *)body, strlen(body), sig,
                    sizeof(sig)) == 0) {
            char tsbuf[24];
            snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);
            json_object_set_new(headers, "webhook-id", json_string(msg_id));
            json_object_set_new(headers, "webhook-timestamp", json_string(tsbuf));
            json_object_set_new(headers, "webhook-signature", json_string(sig));
        }
    }
    /* the same attempt of the same delivery is the same job, however often it is sent */
    char job_id[64];
    snprintf(job_id, sizeof(job_id), "%s:%d", json_string_value(json_object_get(delivery, "id")),
             number);
    json_t *job = json_pack("{s:s, s:O, s:O, s:o, s:s, s:I, s:s}", "protocol", "http", "url",
                            json_object_get(hook, "url"), "method", json_object_get(hook, "method"),
                            "headers", headers, "body", body, "timeout",
                            (json_int_t)d->cfg.attempt_timeout_ms, "jobId", job_id);
    free(body);
    return job;
}

/* Loads a due delivery into a new attempt (in_flight, numbered after the recorded ones, its
 * request built); NULL when there is nothing to send (gone, cancelled, out of memory). */
static struct attempt *attempt_prepare(struct ps_dispatch *d, const char *delivery_id)
{
    json_t *delivery = ps_store_delivery_get(d->store, delivery_id);
    if (!delivery) {
        return NULL;
    }
    const char *wid = json_string_value(json_object_get(delivery, "webhookId"));
    json_t *hook = ps_store_webhook_find(d->store, wid);
    if (!hook || !json_is_true(json_object_get(hook, "active"))) {
        ps_store_delivery_set_state(d->store, delivery_id, "cancelled", 0);
        rp_log_verbose(SUB, "delivery %s cancelled: its webhook is %s", delivery_id,
                       hook ? "inactive" : "deleted");
        json_decref(hook);
        json_decref(delivery);
        return NULL;
    }
    struct attempt *a = calloc(1, sizeof(*a));
    if (!a) {
        json_decref(hook);
        json_decref(delivery);
        return NULL;
    }
    struct rp_err err = {0};
    a->d = d;
    snprintf(a->delivery_id, sizeof(a->delivery_id), "%s", delivery_id);
    const char *rid = json_string_value(json_object_get(hook, "repeaterId"));
    snprintf(a->repeater_id, sizeof(a->repeater_id), "%s", rid ? rid : "");
    a->number = (int)json_array_size(json_object_get(delivery, "attempts")) + 1;
    rp_time_iso(rp_wall_ms(), a->started_at);
    a->job = build_job(d, delivery, hook, a->number, &err);
    json_decref(hook);
    json_decref(delivery);
    a->next = d->attempts;
    if (d->attempts) {
        d->attempts->prev = a;
    }
    d->attempts = a;
    d->n_attempts++;
    ps_store_delivery_set_state(d->store, delivery_id, "in_flight", 0);
    if (!a->job) {
        json_t *rec = json_pack("{s:{s:s, s:s}}", "error", "type", "internal", "message", err.msg);
        attempt_done(a, rec);
        json_decref(rec);
        return NULL;
    }
    return a;
}

/* The attempt did not happen (no repeater session had room, or the one it went to is gone):
 * nothing is recorded and the same attempt, with the same job id, goes out again soon. */
static void attempt_again(struct attempt *a, int64_t delay_ms, const char *why)
{
    struct ps_dispatch *d = a->d;
    rp_log_verbose(SUB, "delivery %s attempt %d: %s; sending it again", a->delivery_id, a->number,
                   why);
    ps_store_delivery_set_state(d->store, a->delivery_id, "pending", rp_wall_ms() + delay_ms);
    attempt_unlink(a);
    attempt_free(a);
    schedule(d);
}

static void attempt_start(struct ps_dispatch *d, const char *delivery_id)
{
    struct attempt *a = attempt_prepare(d, delivery_id);
    struct rp_err err = {0};
    if (!a) {
        return;
    }
    if (a->repeater_id[0]) {
        int rc = ps_hub_request(d->hub, a->repeater_id, a->job, on_repeater_done, a, &a->req);
        if (rc == RP_EBUSY) {
            attempt_again(a, BUSY_RETRY_MS, "every session of the repeater is at capacity");
            return;
        }
        if (rc) {
            json_t *rec = error_record(a, rc == RP_ECONNECT ? RP_EOFFLINE : rc,
                                       rc == RP_ECONNECT ? "the repeater is not connected"
                                                         : "could not send the request");
            attempt_done(a, rec);
            json_decref(rec);
            return;
        }
        a->deadline = malloc(sizeof(*a->deadline));
        if (a->deadline) {
            uv_timer_init(d->loop, a->deadline);
            a->deadline->data = a;
            uv_timer_start(a->deadline, on_deadline,
                           (uint64_t)(d->cfg.attempt_timeout_ms + ACK_GRACE_MS), 0);
        }
        return;
    }
    int rc = rp_job_parse(a->job, &a->parsed, &err);
    if (rc == 0) {
        struct rp_exec_call_opts co = {.done = on_direct_done, .keep_trace = true, .ud = a};
        rc = rp_exec_start(d->exec, &a->parsed, &co, NULL, &err);
    }
    if (rc) {
        json_t *rec = error_record(a, rc, err.msg);
        attempt_done(a, rec);
        json_decref(rec);
    }
}

static struct attempt *attempt_find(struct ps_dispatch *d, const char *delivery_id, int number)
{
    for (struct attempt *a = d->attempts; a; a = a->next) {
        if (a->number == number && strcmp(a->delivery_id, delivery_id) == 0) {
            return a;
        }
    }
    return NULL;
}

static json_t *record_of_ack(struct attempt *a, json_t *ack)
{
    if (json_is_object(json_object_get(ack, "record"))) {
        return json_incref(json_object_get(ack, "record"));
    }
    return record_from_bright(a, ack);
}

void ps_dispatch_result(struct ps_dispatch *d, const char *repeater_id, const char *job_id,
                        json_t *ack)
{
    char delivery_id[32];
    const char *colon = strrchr(job_id, ':');
    int number = colon ? atoi(colon + 1) : 0;
    if (!colon || (size_t)(colon - job_id) >= sizeof(delivery_id) || number < 1) {
        rp_log_warn(SUB, "result for an unknown job id \"%.60s\": ignored", job_id);
        return;
    }
    snprintf(delivery_id, sizeof(delivery_id), "%.*s", (int)(colon - job_id), job_id);
    struct attempt *a = attempt_find(d, delivery_id, number);
    if (!a) {
        json_t *delivery = ps_store_delivery_get(d->store, delivery_id);
        const char *state = json_string_value(json_object_get(delivery, "state"));
        bool waiting = state && strcmp(state, "pending") == 0 &&
                       json_array_size(json_object_get(delivery, "attempts")) + 1 == (size_t)number;
        json_decref(delivery);
        if (!waiting) {
            rp_log_verbose(SUB, "result for %s: that attempt is settled already", job_id);
            return;
        }
        a = attempt_prepare(d, delivery_id);
        if (!a) {
            return;
        }
    } else if (a->req) {
        ps_hub_request_forget(a->req);
        a->req = NULL;
    }
    rp_log_verbose(SUB, "delivery %s attempt %d: result from repeater %s after a reconnection",
                   delivery_id, number, repeater_id);
    json_t *rec = record_of_ack(a, ack);
    attempt_done(a, rec);
    json_decref(rec);
}

/* ---- the scheduler ---- */

static void run_due(struct ps_dispatch *d)
{
    int room = d->cfg.max_in_flight - d->n_attempts;
    if (room <= 0 || d->closing) {
        return;
    }
    json_t *due =
        ps_store_delivery_due(d->store, rp_wall_ms(), room < DUE_BATCH ? room : DUE_BATCH);
    size_t i;
    json_t *row;
    json_array_foreach(due, i, row)
    {
        attempt_start(d, json_string_value(json_object_get(row, "id")));
    }
    json_decref(due);
}

static void on_timer(uv_timer_t *t)
{
    struct ps_dispatch *d = t->data;
    run_due(d);
    schedule(d);
}

static void schedule(struct ps_dispatch *d)
{
    if (d->closing) {
        return;
    }
    int64_t next = ps_store_delivery_next_due(d->store);
    if (next < 0 || d->n_attempts >= d->cfg.max_in_flight) {
        uv_timer_stop(&d->timer);
        return;
    }
    int64_t wait = next - rp_wall_ms();
    uv_timer_start(&d->timer, on_timer, wait > 0 ? (uint64_t)wait : 0, 0);
}

void ps_dispatch_kick(struct ps_dispatch *d)
{
    schedule(d);
}

void ps_dispatch_repeater_online(struct ps_dispatch *d, const char *repeater_id)
{
    ps_store_delivery_wake_repeater(d->store, repeater_id, rp_wall_ms());
    schedule(d);
}

struct ps_dispatch *ps_dispatch_new(uv_loop_t *loop, struct ps_store *store, struct ps_hub *hub,
                                    struct rp_exec *exec, const struct ps_dispatch_cfg *cfg)
{
    struct ps_dispatch *d = calloc(1, sizeof(*d));
    if (!d) {
        return NULL;
    }
    d->loop = loop;
    d->store = store;
    d->hub = hub;
    d->exec = exec;
    d->cfg = *cfg;
    d->lost = json_object();
    uv_timer_init(loop, &d->timer);
    d->timer.data = d;
    int n = ps_store_delivery_recover(store, rp_wall_ms());
    if (n > 0) {
        rp_log_notice(SUB, "%d delivery attempt(s) interrupted by the last stop will run again", n);
    }
    schedule(d);
    return d;
}

static void dispatch_closed(uv_handle_t *h)
{
    free(h->data);
}

void ps_dispatch_stop(struct ps_dispatch *d)
{
    d->closing = true;
    uv_timer_stop(&d->timer);
}

void ps_dispatch_free(struct ps_dispatch *d)
{
    if (!d) {
        return;
    }
    d->closing = true;
    while (d->attempts) {
        struct attempt *a = d->attempts;
        attempt_unlink(a);
        attempt_free(a);
    }
    json_decref(d->lost);
    d->lost = NULL;
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, dispatch_closed);
}
