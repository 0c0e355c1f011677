/* session: the repeater protocol's client state machine: Engine.IO open and pings, Socket.IO
 * CONNECT, deploy/deployed, event dispatch, acks. It owns protocol state and the typed errors
 * for bad input; it does not own sockets, timers or jobs. */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "eio.h"
#include "mpjson.h"
#include "rp_log.h"
#include "sio.h"

#define SUB "session"

static const char *const fatal_codes[] = {
    "repeater_not_permitted",
    "repeater_already_started",
    "repeater_deactivated",
    "repeater_unauthorized",
    "repeater_no_longer_supported",
    "unexpected_error",
    NULL,
};

bool ag_session_code_is_fatal(const char *code)
{
    for (size_t i = 0; code && fatal_codes[i]; i++) {
        if (strcmp(code, fatal_codes[i]) == 0) {
            return true;
        }
    }
    return false;
}

int ag_session_init(struct ag_session *s, const struct ag_session_ops *ops, void *ud,
                    const char *token, const char *repeater_id, const json_t *runtime)
{
    memset(s, 0, sizeof(*s));
    s->ops = ops;
    s->ud = ud;
    s->token = strdup(token);
    s->repeater_id = strdup(repeater_id);
    s->runtime = runtime ? json_deep_copy(runtime) : json_object();
    if (!s->token || !s->repeater_id || !s->runtime) {
        ag_session_cleanup(s);
        return RP_ENOMEM;
    }
    return 0;
}

void ag_session_cleanup(struct ag_session *s)
{
    free(s->token);
    free(s->repeater_id);
    json_decref(s->runtime);
    rp_buf_cleanup(&s->ack_buf);
    memset(s, 0, sizeof(*s));
}

static void reject(struct ag_session *s, const struct rp_err *err)
{
    s->frames_rejected++;
    rp_log_warn(SUB, "rejected input: error=%s %s", rp_err_name(err->code), err->msg);
}

static int send_packet(struct ag_session *s, const struct rp_sio_packet *p)
{
    struct rp_buf buf;
    struct rp_err err = {0};
    rp_buf_init(&buf);
    int rc = rp_sio_encode(p, &buf, &err);
    if (rc == 0) {
        rc = s->ops->send(s->ud, buf.data, buf.len, true);
    } else {
        rp_log_error(SUB, "could not encode a packet: error=%s %s", rp_err_name(rc), err.msg);
    }
    rp_buf_cleanup(&buf);
    return rc;
}

static void send_connect(struct ag_session *s)
{
    json_t *auth = json_pack("{s:s, s:s}", "token", s->token, "domain", s->repeater_id);
    struct rp_sio_packet p = {
        .type = RP_SIO_CONNECT, .nsp = AG_NAMESPACE, .data = auth, .id = RP_SIO_NO_ID};
    if (!auth || send_packet(s, &p)) {
        s->ops->drop(s->ud, "could not send CONNECT");
    }
    json_decref(auth);
    s->state = AG_SESSION_CONNECTING;
}

static void send_deploy(struct ag_session *s)
{
    json_t *args = json_pack("[s, {s:s}, O]", "deploy", "repeaterId", s->repeater_id, s->runtime);
    struct rp_sio_packet p = {
        .type = RP_SIO_EVENT, .nsp = AG_NAMESPACE, .data = args, .id = RP_SIO_NO_ID};
    if (!args || send_packet(s, &p)) {
        s->ops->drop(s->ud, "could not send deploy");
    }
    json_decref(args);
    s->state = AG_SESSION_DEPLOYING;
}

void ag_session_link_up(struct ag_session *s)
{
    s->generation++;
    s->state = AG_SESSION_OPENING;
    s->ext_record = false;
    s->ext_trace = false;
    s->ext_trace_stream = false;
    s->ext_dedupe = false;
    s->ext_results = false;
    s->ext_capacity = false;
    s->trace_watched = false;
}

void ag_session_link_down(struct ag_session *s)
{
    s->state = AG_SESSION_IDLE;
}

static void on_open_packet(struct ag_session *s, const struct rp_eio_packet *pkt)
{
    struct rp_eio_open open;
    struct rp_err err = {0};
    if (s->state != AG_SESSION_OPENING) {
        rp_err_set(&err, RP_EBAD_PACKET, "engine.io: open packet on an open link");
        reject(s, &err);
        return;
    }
    if (rp_eio_open_parse(pkt->payload, pkt->len, &open, &err)) {
        reject(s, &err);
        s->ops->drop(s->ud, "bad Engine.IO open packet");
        return;
    }
    s->ping_interval_ms = open.ping_interval_ms;
    s->ping_timeout_ms = open.ping_timeout_ms;
    rp_log_verbose(SUB, "engine.io open: sid=%s pingInterval=%d pingTimeout=%d", open.sid,
                   open.ping_interval_ms, open.ping_timeout_ms);
    s->ops->watchdog(s->ud, s->ping_interval_ms + s->ping_timeout_ms);
    send_connect(s);
}

static void on_text(struct ag_session *s, const unsigned char *data, size_t len)
{
    struct rp_eio_packet pkt;
    struct rp_err err = {0};
    if (rp_eio_decode(data, len, false, &pkt, &err)) {
        reject(s, &err);
        return;
    }
    switch (pkt.type) {
    case RP_EIO_OPEN:
        on_open_packet(s, &pkt);
        return;
    case RP_EIO_PING:
        if (s->state != AG_SESSION_OPENING) {
            s->ops->watchdog(s->ud, s->ping_interval_ms + s->ping_timeout_ms);
        }
        s->ops->send(s->ud, (const unsigned char *)"3", 1, false);
        return;
    case RP_EIO_CLOSE:
        s->ops->drop(s->ud, "the platform closed the Engine.IO session");
        return;
    case RP_EIO_NOOP:
    case RP_EIO_PONG:
        return;
    case RP_EIO_MESSAGE:
        rp_err_set(&err, RP_EBAD_FRAME,
                   "socket.io: text message where the msgpack parser sends "
                   "binary frames");
        reject(s, &err);
        return;
    case RP_EIO_UPGRADE:
        rp_err_set(&err, RP_EBAD_PACKET, "engine.io: upgrade on a WebSocket transport");
        reject(s, &err);
        return;
    }
}

static void on_connect_error(struct ag_session *s, const json_t *data)
{
    const char *message = NULL;
    const char *code = NULL;
    const char *remediation = NULL;
    if (json_is_string(data)) {
        message = json_string_value(data);
    } else {
        json_unpack((json_t *)data, "{s?s, s?{s?s, s?s}}", "message", &message, "data", "code",
                    &code, "remediation", &remediation);
    }
    if (ag_session_code_is_fatal(code)) {
        s->ops->fatal(s->ud, code, message ? message : "connection refused", remediation);
        return;
    }
    rp_log_warn(SUB, "the platform refused the connection: %s (code %s)",
                message ? message : "no message", code ? code : "none");
    s->ops->drop(s->ud, "connection refused by the platform");
}

static void on_error_event(struct ag_session *s, const json_t *arg)
{
    const char *message = NULL;
    const char *code = NULL;
    const char *remediation = NULL;
    json_unpack((json_t *)arg, "{s?s, s?s, s?s}", "message", &message, "code", &code, "remediation",
                &remediation);
    if (ag_session_code_is_fatal(code)) {
        s->ops->fatal(s->ud, code, message ? message : "fatal error", remediation);
        return;
    }
    rp_log_error(SUB, "platform error: %s (code %s)%s%s", message ? message : "no message",
                 code ? code : "none", remediation ? "; " : "", remediation ? remediation : "");
}

static void ack_error(struct ag_session *s, int64_t id, int code, const char *msg)
{
    if (id == RP_SIO_NO_ID) {
        return;
    }
    json_t *arg = json_pack("{s:s, s:s}", "errorCode", rp_err_name(code), "message", msg);
    ag_session_ack(s, s->generation, id, arg);
    json_decref(arg);
}

static void on_deployed(struct ag_session *s, const json_t *arg)
{
    json_t *ext = json_object_get(arg, "extensions");
    s->ext_record = json_is_true(json_object_get(ext, "record"));
    s->ext_trace = s->ext_record && json_is_true(json_object_get(ext, "trace"));
    s->ext_trace_stream = json_is_true(json_object_get(ext, "traceStream"));
    s->ext_dedupe = json_is_true(json_object_get(ext, "dedupe"));
    s->ext_results = json_is_true(json_object_get(ext, "results"));
    s->ext_capacity = json_is_true(json_object_get(ext, "capacity"));
    s->trace_watched = false;
    s->state = AG_SESSION_READY;
    rp_log_notice(SUB, "deployed as repeater %s%s%s%s", s->repeater_id,
                  s->ext_record ? " (full records" : "", s->ext_trace ? " with traces" : "",
                  s->ext_record ? " requested)" : "");
    s->ops->ready(s->ud);
}

/* False (with the event rejected) when no event may come yet. */
static bool events_allowed(struct ag_session *s, const char *name, int name_len, int64_t id)
{
    if (s->state >= AG_SESSION_DEPLOYING) {
        return true;
    }
    struct rp_err err = {0};
    rp_err_set(&err, RP_EBAD_PACKET, "socket.io: event \"%.*s\" before CONNECT",
               name_len < 40 ? name_len : 40, name);
    reject(s, &err);
    ack_error(s, id, RP_EBAD_PACKET, err.msg);
    return false;
}

/* The hot path: a `request` event read from the msgpack objects in place, without the jansson
 * tree of the packet. False when the frame is anything else (rp_sio_decode_object takes it). */
static bool request_in_place(struct ag_session *s, const msgpack_object *root)
{
    struct rp_sio_event_view ev;
    struct rp_job_payload payload;
    if (!rp_sio_event_in_place(root, &ev) ||
        !rp_mpjson_str_is(ev.nsp, AG_NAMESPACE, strlen(AG_NAMESPACE)) ||
        !rp_mpjson_str_is(ev.name, "request", 7) || !rp_job_payload_msgpack(&payload, ev.arg)) {
        return false;
    }
    if (events_allowed(s, "request", 7, ev.id)) {
        s->ops->job(s->ud, ev.id, &payload);
    }
    return true;
}

static void on_event(struct ag_session *s, struct rp_sio_packet *p)
{
    const char *name = json_string_value(json_array_get(p->data, 0));
    json_t *arg = json_array_get(p->data, 1);
    struct rp_err err = {0};
    if (!events_allowed(s, name, (int)strlen(name), p->id)) {
        return;
    }
    if (strcmp(name, "request") == 0) {
        if (p->id == RP_SIO_NO_ID) {
            rp_err_set(&err, RP_EBAD_PACKET, "request event without an ack id");
            reject(s, &err);
            return;
        }
        struct rp_job_payload payload;
        rp_job_payload_json(&payload, arg);
        s->ops->job(s->ud, p->id, &payload);
    } else if (strcmp(name, "deployed") == 0) {
        on_deployed(s, arg);
    } else if (strcmp(name, "limits") == 0) {
        json_t *max = json_object_get(arg, "maxBodySize");
        if (json_is_integer(max) && json_integer_value(max) > 0) {
            s->limits_max_body = (long)json_integer_value(max);
            rp_log_verbose(SUB, "limits: maxBodySize=%ld", s->limits_max_body);
        } else {
            rp_err_set(&err, RP_EBAD_PACKET, "limits without a positive maxBodySize");
            reject(s, &err);
        }
    } else if (strcmp(name, "update-available") == 0) {
        const char *version = json_string_value(json_object_get(arg, "version"));
        rp_log_notice(SUB, "the platform reports a newer version: %s", version ? version : "?");
    } else if (strcmp(name, "error") == 0) {
        on_error_event(s, arg);
    } else if (strcmp(name, "test-network") == 0) {
        if (p->id == RP_SIO_NO_ID) {
            rp_err_set(&err, RP_EBAD_PACKET, "test-network event without an ack id");
            reject(s, &err);
            return;
        }
        s->ops->test_network(s->ud, p->id, arg);
    } else if (strcmp(name, "trace-watch") == 0 && s->ext_trace_stream) {
        s->trace_watched = json_is_true(json_object_get(arg, "enabled"));
        rp_log_verbose(SUB, "the platform %s the live trace",
                       s->trace_watched ? "watches" : "stopped watching");
    } else if (strcmp(name, "scripts-updated") == 0) {
        rp_err_set(&err, RP_EUNSUPPORTED, "scripts-updated: scripts are not supported");
        reject(s, &err);
    } else {
        rp_err_set(&err, RP_EUNKNOWN_EVENT, "event \"%.40s\" is not known", name);
        reject(s, &err);
        ack_error(s, p->id, RP_EUNKNOWN_EVENT, err.msg);
    }
}

static void on_binary(struct ag_session *s, const unsigned char *data, size_t len)
{
    struct rp_sio_packet p;
    struct rp_err err = {0};
    int64_t id = RP_SIO_NO_ID;
    msgpack_object root;
    int rc = rp_mpjson_unpack(data, len, &root, &err);
    if (rc == 0 && request_in_place(s, &root)) {
        rp_mpjson_unpack_end();
        return;
    }
    rc = rc ? rc : rp_sio_decode_object(&root, &p, &id, &err);
    rp_mpjson_unpack_end();
    if (rc) {
        reject(s, &err);
        if (rc == RP_EBAD_PACKET) {
            ack_error(s, id, rc, err.msg);
        }
        return;
    }
    if (strcmp(p.nsp, AG_NAMESPACE) != 0) {
        rp_err_set(&err, RP_EBAD_PACKET, "socket.io: namespace \"%.40s\" is not %s", p.nsp,
                   AG_NAMESPACE);
        reject(s, &err);
        rp_sio_packet_cleanup(&p);
        return;
    }
    switch (p.type) {
    case RP_SIO_CONNECT:
        if (s->state != AG_SESSION_CONNECTING) {
            rp_err_set(&err, RP_EBAD_PACKET, "socket.io: CONNECT reply when not connecting");
            reject(s, &err);
            break;
        }
        rp_log_notice(SUB, "connected to the platform");
        send_deploy(s);
        break;
    case RP_SIO_CONNECT_ERROR:
        on_connect_error(s, p.data);
        break;
    case RP_SIO_DISCONNECT:
        s->ops->drop(s->ud, "the platform disconnected the namespace");
        break;
    case RP_SIO_EVENT:
        on_event(s, &p);
        break;
    case RP_SIO_ACK:
        rp_err_set(&err, RP_EBAD_PACKET, "socket.io: ACK %lld for no event of ours",
                   (long long)p.id);
        reject(s, &err);
        break;
    }
    rp_sio_packet_cleanup(&p);
}

void ag_session_frame(struct ag_session *s, const unsigned char *data, size_t len, bool binary)
{
    if (s->state == AG_SESSION_IDLE) {
        return;
    }
    if (binary) {
        on_binary(s, data, len);
    } else {
        on_text(s, data, len);
    }
}

int ag_session_ack(struct ag_session *s, uint64_t generation, int64_t ack_id, const json_t *arg)
{
    if (generation != s->generation || s->state < AG_SESSION_DEPLOYING) {
        return RP_ESHUTTING_DOWN;
    }
    json_t *args = json_pack("[O]", arg);
    if (!args) {
        return RP_ENOMEM;
    }
    struct rp_sio_packet p = {.type = RP_SIO_ACK, .nsp = AG_NAMESPACE, .data = args, .id = ack_id};
    int rc = send_packet(s, &p);
    json_decref(args);
    return rc;
}

int ag_session_ack_packed(struct ag_session *s, uint64_t generation, int64_t ack_id,
                          rp_sio_pack_fn pack, const void *ctx)
{
    if (generation != s->generation || s->state < AG_SESSION_DEPLOYING) {
        return RP_ESHUTTING_DOWN;
    }
    /* one buffer for every ack (send copies it): no malloc and realloc per job */
    struct rp_buf *buf = &s->ack_buf;
    rp_buf_reset(buf);
    int rc = rp_sio_encode_ack_packed(AG_NAMESPACE, ack_id, pack, ctx, buf);
    if (rc == 0) {
        rc = s->ops->send(s->ud, buf->data, buf->len, true);
    }
    if (buf->cap_alloc > 64 * 1024) {
        rp_buf_cleanup(buf); /* a large body's ack: do not keep its memory */
    }
    return rc;
}

int ag_session_emit(struct ag_session *s, const char *name, const json_t *arg)
{
    if (s->state != AG_SESSION_READY) {
        return RP_ESHUTTING_DOWN;
    }
    json_t *args = json_pack("[s, O]", name, arg);
    if (!args) {
        return RP_ENOMEM;
    }
    struct rp_sio_packet p = {
        .type = RP_SIO_EVENT, .nsp = AG_NAMESPACE, .data = args, .id = RP_SIO_NO_ID};
    int rc = send_packet(s, &p);
    json_decref(args);
    return rc;
}

void ag_session_leave(struct ag_session *s)
{
    if (s->state < AG_SESSION_CONNECTING) {
        return;
    }
    struct rp_sio_packet p = {.type = RP_SIO_DISCONNECT, .nsp = AG_NAMESPACE, .id = RP_SIO_NO_ID};
    send_packet(s, &p);
    s->ops->send(s->ud, (const unsigned char *)"1", 1, false);
    s->state = AG_SESSION_IDLE;
}
