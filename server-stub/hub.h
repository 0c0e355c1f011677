/* hub: the platform side of the Bright repeater protocol as a state machine. Each WebSocket
 * is a connection: Engine.IO open, Socket.IO CONNECT with {token, domain}, deploy/deployed,
 * limits, request events with ack ids, acks matched back to their requests. Pure logic: the
 * glue (server_lws.c, dispatch.c) owns sockets and timers and answers through ops. */
#ifndef PS_HUB_H
#define PS_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rp_err.h"

#define PS_NAMESPACE "/workstations"

struct ps_hub;
struct ps_conn;
struct ps_req;

/* Called once per request: with the ack argument (borrowed), or with ack NULL and a code
 * (RP_ETIMEOUT: deadline passed; RP_ECONNECT: the connection went away). */
typedef void (*ps_req_cb)(void *ud, json_t *ack, int code, const char *msg);

struct ps_hub_ops {
    /* Sends a frame on a connection. */
    int (*send)(void *conn_ud, const unsigned char *data, size_t len, bool binary);
    /* Closes a connection (after what was queued). */
    void (*close)(void *conn_ud, const char *reason);
    /* A pong arrived on a connection. */
    void (*pong)(void *conn_ud);
    /* Checks credentials. Returns NULL when accepted, else a Bright error code
     * ("repeater_unauthorized", "repeater_deactivated"). */
    const char *(*auth)(void *hub_ud, const char *repeater_id, const char *token);
    /* A repeater deployed (version and runtime as it reported them; runtime borrowed). */
    void (*deployed)(void *hub_ud, const char *repeater_id, const char *version,
                     const json_t *runtime);
    /* A repeater's connection ended. */
    void (*gone)(void *hub_ud, const char *repeater_id);
    /* A live trace line from a repeater ({jobId, t, event, text}, borrowed). May be NULL. */
    void (*trace)(void *hub_ud, const char *repeater_id, const json_t *line);
    /* True when someone watches the repeater's live trace. May be NULL. */
    bool (*watched)(void *hub_ud, const char *repeater_id);
    /* A result sent after a reconnection (`result` {jobId, ack}; ack borrowed). May be NULL. */
    void (*result)(void *hub_ud, const char *repeater_id, const char *job_id, json_t *ack);
};

struct ps_hub_cfg {
    int ping_interval_ms;
    int ping_timeout_ms;
    long max_payload;
    long limits_max_body; /* sent in `limits` */
    int sessions_per_repeater;
    bool plain; /* advertise no extension (as the Bright platform): plain Bright acks */
};

struct ps_hub *ps_hub_new(const struct ps_hub_cfg *cfg, const struct ps_hub_ops *ops, void *hub_ud);
/* Fails every pending request (RP_ECONNECT) and frees; connections must be closed first. */
void ps_hub_free(struct ps_hub *hub);

/* A WebSocket opened: sends the Engine.IO open packet. Returns the connection. */
struct ps_conn *ps_hub_conn_open(struct ps_hub *hub, void *conn_ud);
/* One complete WebSocket message. */
void ps_hub_conn_frame(struct ps_conn *c, const unsigned char *data, size_t len, bool binary);
/* The WebSocket is gone: pending requests fail with RP_ECONNECT; c is freed. */
void ps_hub_conn_closed(struct ps_conn *c);
/* Sends an Engine.IO ping. */
void ps_hub_conn_ping(struct ps_conn *c);

/* True when the repeater has a deployed connection. */
bool ps_hub_repeater_online(const struct ps_hub *hub, const char *repeater_id);
/* Sends a `request` event to the deployed connection of repeater_id with the fewest requests
 * in flight and room left under the capacity it announced. job is borrowed. Returns 0 and the
 * request, RP_ECONNECT when none is deployed, RP_EBUSY when all are full. */
int ps_hub_request(struct ps_hub *hub, const char *repeater_id, const json_t *job, ps_req_cb cb,
                   void *ud, struct ps_req **out);
/* Like ps_hub_request with any event name (benchmarks: an event the agent answers at once). */
int ps_hub_emit(struct ps_hub *hub, const char *repeater_id, const char *event, const json_t *arg,
                ps_req_cb cb, void *ud, struct ps_req **out);
/* Deployed connections of a repeater. */
size_t ps_hub_sessions(const struct ps_hub *hub, const char *repeater_id);
/* Gives up on a request: its callback runs now with code and msg. */
void ps_hub_request_fail(struct ps_req *r, int code, const char *msg);
/* Forgets a request without calling back (its answer came another way); a late ack is
 * ignored. */
void ps_hub_request_forget(struct ps_req *r);
/* Closes every connection of a repeater (deactivated or deleted) with a Bright error. */
void ps_hub_repeater_kick(struct ps_hub *hub, const char *repeater_id, const char *code,
                          const char *message);
/* Tells the repeater's connections whether their live trace is watched (trace-watch). */
void ps_hub_trace_watch(struct ps_hub *hub, const char *repeater_id, bool enabled);

#endif
