/* hub: connection states, authentication hand-off, deploy, request/ack matching. It owns the
 * connections and their pending requests; it does not own sockets, timers or storage. */
#include "hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eio.h"
#include "rp_log.h"
#include "rp_util.h"
#include "sio.h"

#define SUB "hub"

enum conn_state { CONN_OPEN, CONN_CONNECTED, CONN_DEPLOYED, CONN_CLOSING };

struct ps_req {
    struct ps_conn *conn;
    int64_t id;
    ps_req_cb cb;
    void *ud;
    struct ps_req *prev, *next;
};

struct ps_conn {
    struct ps_hub *hub;
    void *ud;
    enum conn_state state;
    char repeater_id[64];
    int64_t next_id;
    struct ps_req *reqs;
    size_t n_reqs;
    size_t capacity; /* announced by the agent; 0: not announced */
    struct ps_conn *prev, *next;
};

struct ps_hub {
    struct ps_hub_cfg cfg;
    const struct ps_hub_ops *ops;
    void *ud;
    struct ps_conn *conns;
    size_t n_conns;
};

struct ps_hub *ps_hub_new(const struct ps_hub_cfg *cfg, const struct ps_hub_ops *ops, void *hub_ud)
{
    struct ps_hub *hub = calloc(1, sizeof(*hub));
    if (hub) {
        hub->cfg = *cfg;
        hub->ops = ops;
        hub->ud = hub_ud;
    }
    return hub;
}

void ps_hub_free(struct ps_hub *hub)
{
    if (!hub) {
        return;
    }
    while (hub->conns) {
        ps_hub_conn_closed(hub->conns);
    }
    free(hub);
}

static int send_packet(struct ps_conn *c, enum rp_sio_type type, json_t *data, int64_t id)
{
    struct rp_buf buf;
    struct rp_err err = {0};
    rp_buf_init(&buf);
    struct rp_sio_packet p = {.type = type, .nsp = PS_NAMESPACE, .data = data, .id = id};
    int rc = rp_sio_encode(&p, &buf, &err);
    if (rc == 0) {
        rc = c->hub->ops->send(c->ud, buf.data, buf.len, true);
    }
    rp_buf_cleanup(&buf);
    return rc;
}

static void emit(struct ps_conn *c, json_t *args_stolen)
{
    if (args_stolen) {
        send_packet(c, RP_SIO_EVENT, args_stolen, RP_SIO_NO_ID);
        json_decref(args_stolen);
    }
}

struct ps_conn *ps_hub_conn_open(struct ps_hub *hub, void *conn_ud)
{
    struct ps_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->hub = hub;
    c->ud = conn_ud;
    c->state = CONN_OPEN;
    c->next = hub->conns;
    if (hub->conns) {
        hub->conns->prev = c;
    }
    hub->conns = c;
    hub->n_conns++;
    struct rp_eio_open open = {
        .ping_interval_ms = hub->cfg.ping_interval_ms,
        .ping_timeout_ms = hub->cfg.ping_timeout_ms,
        .max_payload = hub->cfg.max_payload,
    };
    rp_random_id(open.sid, 20);
    char *text = rp_eio_open_build(&open);
    if (text) {
        hub->ops->send(conn_ud, (const unsigned char *)text, strlen(text), false);
        free(text);
    }
    return c;
}

static void refuse(struct ps_conn *c, const char *code, const char *message,
                   const char *remediation)
{
    json_t *data = json_pack("{s:s, s:{s:s, s:s}}", "message", message, "data", "code", code,
                             "remediation", remediation);
    send_packet(c, RP_SIO_CONNECT_ERROR, data, RP_SIO_NO_ID);
    json_decref(data);
    rp_log_notice(SUB, "refused repeater %s: %s", c->repeater_id[0] ? c->repeater_id : "?", code);
    c->state = CONN_CLOSING;
    c->hub->ops->close(c->ud, code);
}

static size_t sessions_of(const struct ps_hub *hub, const char *id, const struct ps_conn *except)
{
    size_t n = 0;
    for (const struct ps_conn *o = hub->conns; o; o = o->next) {
        if (o != except && o->state >= CONN_CONNECTED && o->state != CONN_CLOSING &&
            strcmp(o->repeater_id, id) == 0) {
            n++;
        }
    }
    return n;
}

static void on_connect(struct ps_conn *c, const json_t *auth)
{
    const char *token = json_string_value(json_object_get(auth, "token"));
    const char *domain = json_string_value(json_object_get(auth, "domain"));
    if (c->state != CONN_OPEN) {
        return;
    }
    if (domain && strlen(domain) < sizeof(c->repeater_id)) {
        snprintf(c->repeater_id, sizeof(c->repeater_id), "%s", domain);
    }
    if (!token || !domain || strlen(domain) >= sizeof(c->repeater_id)) {
        refuse(c, "repeater_unauthorized", "Missing token or repeater id",
               "Start the repeater with --token and --id");
        return;
    }
    const char *code = c->hub->ops->auth(c->hub->ud, domain, token);
    if (code && strcmp(code, "repeater_deactivated") == 0) {
        refuse(c, code, "The repeater is deactivated", "Activate the repeater on the platform");
        return;
    }
    if (code) {
        refuse(c, "repeater_unauthorized", "Invalid token or unknown repeater id",
               "Check the repeater id and the token (the token is shown once at creation)");
        return;
    }
    int limit = c->hub->cfg.sessions_per_repeater > 0 ? c->hub->cfg.sessions_per_repeater : 1;
    if (sessions_of(c->hub, domain, c) >= (size_t)limit) {
        refuse(c, "repeater_already_started", "The repeater is already started",
               "Stop the other instance of this repeater, or use another repeater id");
        return;
    }
    char sid[24];
    rp_random_id(sid, 20);
    json_t *data = json_pack("{s:s}", "sid", sid);
    send_packet(c, RP_SIO_CONNECT, data, RP_SIO_NO_ID);
    json_decref(data);
    c->state = CONN_CONNECTED;
}

static void on_deploy(struct ps_conn *c, const json_t *args)
{
    const json_t *info = json_array_get(args, 1);
    const json_t *runtime = json_array_get(args, 2);
    const char *rid = json_string_value(json_object_get(info, "repeaterId"));
    if (c->state != CONN_CONNECTED && c->state != CONN_DEPLOYED) {
        return;
    }
    if (rid && strcmp(rid, c->repeater_id) != 0) {
        rp_log_warn(SUB, "deploy for %s on the connection of %s: ignored", rid, c->repeater_id);
        return;
    }
    c->state = CONN_DEPLOYED;
    const char *version = json_string_value(json_object_get(runtime, "version"));
    if (c->hub->cfg.plain) {
        emit(c, json_pack("[s, {s:s}]", "deployed", "repeaterId", c->repeater_id));
    } else {
        emit(c, json_pack("[s, {s:s, s:{s:b, s:b, s:b, s:b, s:b, s:b}}]", "deployed", "repeaterId",
                          c->repeater_id, "extensions", "record", 1, "trace", 1, "traceStream", 1,
                          "dedupe", 1, "results", 1, "capacity", 1));
    }
    if (c->hub->cfg.limits_max_body > 0) {
        emit(c, json_pack("[s, {s:I}]", "limits", "maxBodySize",
                          (json_int_t)c->hub->cfg.limits_max_body));
    }
    rp_log_notice(SUB, "repeater %s deployed (version %s)", c->repeater_id,
                  version ? version : "?");
    c->hub->ops->deployed(c->hub->ud, c->repeater_id, version, runtime);
    if (c->hub->ops->watched && c->hub->ops->watched(c->hub->ud, c->repeater_id)) {
        emit(c, json_pack("[s, {s:b}]", "trace-watch", "enabled", 1));
    }
}

static void req_unlink(struct ps_req *r)
{
    struct ps_conn *c = r->conn;
    if (r->prev) {
        r->prev->next = r->next;
    } else {
        c->reqs = r->next;
    }
    if (r->next) {
        r->next->prev = r->prev;
    }
    c->n_reqs--;
}

static void on_ack(struct ps_conn *c, int64_t id, json_t *args)
{
    for (struct ps_req *r = c->reqs; r; r = r->next) {
        if (r->id == id) {
            req_unlink(r);
            json_t *arg = json_array_get(args, 0);
            if (json_is_object(arg)) {
                r->cb(r->ud, arg, 0, NULL);
            } else {
                r->cb(r->ud, NULL, RP_EPROTOCOL, "the ack carried no record");
            }
            free(r);
            return;
        }
    }
    rp_log_warn(SUB, "repeater %s: ack %lld matches no request (late or duplicate)", c->repeater_id,
                (long long)id);
}

static void on_binary(struct ps_conn *c, const unsigned char *data, size_t len)
{
    struct rp_sio_packet p;
    struct rp_err err = {0};
    if (rp_sio_decode(data, len, &p, NULL, &err)) {
        rp_log_warn(SUB, "rejected input: error=%s %s", rp_err_name(err.code), err.msg);
        return;
    }
    if (strcmp(p.nsp, PS_NAMESPACE) != 0) {
        if (p.type == RP_SIO_CONNECT) {
            json_t *d = json_pack("{s:s}", "message", "Invalid namespace");
            struct rp_sio_packet e = {
                .type = RP_SIO_CONNECT_ERROR, .nsp = p.nsp, .data = d, .id = RP_SIO_NO_ID};
            struct rp_buf buf;
            rp_buf_init(&buf);
            if (rp_sio_encode(&e, &buf, &err) == 0) {
                c->hub->ops->send(c->ud, buf.data, buf.len, true);
            }
            rp_buf_cleanup(&buf);
            json_decref(d);
        }
        rp_sio_packet_cleanup(&p);
        return;
    }
    switch (p.type) {
    case RP_SIO_CONNECT:
        on_connect(c, p.data);
        break;
    case RP_SIO_EVENT: {
        const char *name = json_string_value(json_array_get(p.data, 0));
        if (c->state < CONN_CONNECTED || c->state == CONN_CLOSING) {
            break;
        }
        if (strcmp(name, "deploy") == 0) {
            on_deploy(c, p.data);
        } else if (strcmp(name, "capacity") == 0 && c->state == CONN_DEPLOYED) {
            json_t *max = json_object_get(json_array_get(p.data, 1), "maxInFlight");
            if (json_is_integer(max) && json_integer_value(max) > 0) {
                c->capacity = (size_t)json_integer_value(max);
                rp_log_verbose(SUB, "repeater %s takes at most %zu jobs at once", c->repeater_id,
                               c->capacity);
            }
        } else if (strcmp(name, "result") == 0 && c->state == CONN_DEPLOYED) {
            json_t *arg = json_array_get(p.data, 1);
            const char *job_id = json_string_value(json_object_get(arg, "jobId"));
            json_t *ack = json_object_get(arg, "ack");
            if (job_id && json_is_object(ack) && c->hub->ops->result) {
                c->hub->ops->result(c->hub->ud, c->repeater_id, job_id, ack);
            }
        } else if (strcmp(name, "trace") == 0 && c->state == CONN_DEPLOYED) {
            json_t *line = json_array_get(p.data, 1);
            if (json_is_object(line) && c->hub->ops->trace) {
                c->hub->ops->trace(c->hub->ud, c->repeater_id, line);
            }
        } else {
            rp_log_verbose(SUB, "repeater %s: event %s ignored", c->repeater_id, name);
        }
        break;
    }
    case RP_SIO_ACK:
        on_ack(c, p.id, p.data);
        break;
    case RP_SIO_DISCONNECT:
        c->state = CONN_CLOSING;
        c->hub->ops->close(c->ud, "the repeater left");
        break;
    case RP_SIO_CONNECT_ERROR:
        break;
    }
    rp_sio_packet_cleanup(&p);
}

void ps_hub_conn_frame(struct ps_conn *c, const unsigned char *data, size_t len, bool binary)
{
    if (binary) {
        on_binary(c, data, len);
        return;
    }
    struct rp_eio_packet pkt;
    struct rp_err err = {0};
    if (rp_eio_decode(data, len, false, &pkt, &err)) {
        rp_log_warn(SUB, "rejected input: error=%s %s", rp_err_name(err.code), err.msg);
        return;
    }
    if (pkt.type == RP_EIO_PONG) {
        c->hub->ops->pong(c->ud);
    } else if (pkt.type == RP_EIO_CLOSE) {
        c->state = CONN_CLOSING;
        c->hub->ops->close(c->ud, "the repeater closed the session");
    } else if (pkt.type == RP_EIO_PING) {
        c->hub->ops->send(c->ud, (const unsigned char *)"3", 1, false);
    }
}

void ps_hub_conn_ping(struct ps_conn *c)
{
    c->hub->ops->send(c->ud, (const unsigned char *)"2", 1, false);
}

void ps_hub_conn_closed(struct ps_conn *c)
{
    struct ps_hub *hub = c->hub;
    bool was_deployed = c->state == CONN_DEPLOYED;
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        hub->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    hub->n_conns--;
    while (c->reqs) {
        struct ps_req *r = c->reqs;
        req_unlink(r);
        r->cb(r->ud, NULL, RP_ECONNECT, "the repeater disconnected before answering");
        free(r);
    }
    if (was_deployed) {
        rp_log_notice(SUB, "repeater %s disconnected", c->repeater_id);
        hub->ops->gone(hub->ud, c->repeater_id);
    }
    free(c);
}

/* The deployed connection of the repeater with the fewest requests in flight and room left;
 * *full tells whether some were deployed but all full. */
static struct ps_conn *pick(const struct ps_hub *hub, const char *repeater_id, bool *full)
{
    struct ps_conn *best = NULL;
    *full = false;
    for (struct ps_conn *c = hub->conns; c; c = c->next) {
        if (c->state != CONN_DEPLOYED || strcmp(c->repeater_id, repeater_id) != 0) {
            continue;
        }
        if (c->capacity && c->n_reqs >= c->capacity) {
            *full = true;
            continue;
        }
        if (!best || c->n_reqs < best->n_reqs) {
            best = c;
        }
    }
    return best;
}

bool ps_hub_repeater_online(const struct ps_hub *hub, const char *repeater_id)
{
    bool full = false;
    return pick(hub, repeater_id, &full) != NULL || full;
}

int ps_hub_request(struct ps_hub *hub, const char *repeater_id, const json_t *job, ps_req_cb cb,
                   void *ud, struct ps_req **out)
{
    return ps_hub_emit(hub, repeater_id, "request", job, cb, ud, out);
}

size_t ps_hub_sessions(const struct ps_hub *hub, const char *repeater_id)
{
    size_t n = 0;
    for (const struct ps_conn *c = hub->conns; c; c = c->next) {
        n += c->state == CONN_DEPLOYED && strcmp(c->repeater_id, repeater_id) == 0;
    }
    return n;
}

int ps_hub_emit(struct ps_hub *hub, const char *repeater_id, const char *event, const json_t *arg,
                ps_req_cb cb, void *ud, struct ps_req **out)
{
    bool full = false;
    struct ps_conn *c = pick(hub, repeater_id, &full);
    if (!c) {
        return full ? RP_EBUSY : RP_ECONNECT;
    }
    struct ps_req *r = calloc(1, sizeof(*r));
    if (!r) {
        return RP_ENOMEM;
    }
    r->conn = c;
    r->id = c->next_id++;
    r->cb = cb;
    r->ud = ud;
    json_t *args = json_pack("[s, O]", event, arg);
    int rc = args ? send_packet(c, RP_SIO_EVENT, args, r->id) : RP_ENOMEM;
    json_decref(args);
    if (rc) {
        free(r);
        return rc;
    }
    r->next = c->reqs;
    if (c->reqs) {
        c->reqs->prev = r;
    }
    c->reqs = r;
    c->n_reqs++;
    if (out) {
        *out = r;
    }
    return 0;
}

void ps_hub_request_fail(struct ps_req *r, int code, const char *msg)
{
    req_unlink(r);
    r->cb(r->ud, NULL, code, msg);
    free(r);
}

void ps_hub_request_forget(struct ps_req *r)
{
    req_unlink(r);
    free(r);
}

void ps_hub_repeater_kick(struct ps_hub *hub, const char *repeater_id, const char *code,
                          const char *message)
{
    for (struct ps_conn *c = hub->conns; c; c = c->next) {
        if (c->state != CONN_CLOSING && strcmp(c->repeater_id, repeater_id) == 0) {
            emit(c, json_pack("[s, {s:s, s:s, s:s}]", "error", "message", message, "code", code,
                              "remediation", "Ask the platform's administrator"));
            c->state = CONN_CLOSING;
            hub->ops->close(c->ud, code);
        }
    }
}

void ps_hub_trace_watch(struct ps_hub *hub, const char *repeater_id, bool enabled)
{
    for (struct ps_conn *c = hub->conns; c; c = c->next) {
        if (c->state == CONN_DEPLOYED && strcmp(c->repeater_id, repeater_id) == 0) {
            emit(c, json_pack("[s, {s:b}]", "trace-watch", "enabled", enabled));
        }
    }
}
