/* session: the client side of the Bright repeater protocol as a state machine. Frames go in,
 * frames and decisions come out through the ops the caller provides. Pure logic: no lws, curl
 * or uv; the glue (link_lws.c, main.c) owns sockets and timers. */
#ifndef AG_SESSION_H
#define AG_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "job.h"
#include "rp_err.h"
#include "sio.h"

#define AG_NAMESPACE "/workstations"

enum ag_session_state {
    AG_SESSION_IDLE,       /* no link */
    AG_SESSION_OPENING,    /* WebSocket up, waiting for the Engine.IO open packet */
    AG_SESSION_CONNECTING, /* CONNECT sent, waiting for the namespace reply */
    AG_SESSION_DEPLOYING,  /* deploy sent, waiting for deployed */
    AG_SESSION_READY,      /* deployed: jobs flow */
};

struct ag_session_ops {
    /* Sends one WebSocket frame. Returns 0 or a negative code. */
    int (*send)(void *ud, const unsigned char *data, size_t len, bool binary);
    /* (Re)arms the dead-link watchdog: ms without a ping means the link is dead. */
    void (*watchdog)(void *ud, int ms);
    /* Asks the glue to close this link and reconnect later. */
    void (*drop)(void *ud, const char *reason);
    /* A fatal platform error: print it and exit 1. */
    void (*fatal)(void *ud, const char *code, const char *message, const char *remediation);
    /* The session is deployed (jobs may flow). */
    void (*ready)(void *ud);
    /* A `request` event with its ack id; the payload (read in place from the frame, or from
     * its jansson values) is borrowed for the call and may live in mpjson's unpack zone: the
     * callback must be done with it before anything decodes msgpack (it copies what it
     * keeps; sends only encode). */
    void (*job)(void *ud, int64_t ack_id, const struct rp_job_payload *payload);
    /* A `test-network` event with its ack id (borrowed payload). */
    void (*test_network)(void *ud, int64_t ack_id, json_t *payload);
};

struct ag_session {
    enum ag_session_state state;
    const struct ag_session_ops *ops;
    void *ud;
    char *token;
    char *repeater_id;
    json_t *runtime;      /* deploy's runtime argument (owned) */
    int ping_interval_ms; /* from the open packet */
    int ping_timeout_ms;
    uint64_t generation;   /* increases with every link */
    bool ext_record;       /* the platform asked for full records */
    bool ext_trace;        /* ... with the trace lines in them */
    bool ext_trace_stream; /* ... and may ask for live trace events (trace-watch) */
    bool trace_watched;    /* someone on the platform watches the live trace now */
    bool ext_dedupe;       /* jobs carry a stable jobId: repeats are answered from memory */
    bool ext_results;      /* results that missed their ack go as `result` events */
    bool ext_capacity;     /* the platform wants the agent's capacity */
    long limits_max_body;  /* from `limits`; 0 when not sent */
    uint64_t frames_rejected;
    struct rp_buf ack_buf; /* reused by ag_session_ack_packed (released when it grew large) */
};

/* token, repeater_id are copied; runtime is borrowed and copied. */
int ag_session_init(struct ag_session *s, const struct ag_session_ops *ops, void *ud,
                    const char *token, const char *repeater_id, const json_t *runtime);
void ag_session_cleanup(struct ag_session *s);

/* The WebSocket is up (a new generation starts). */
void ag_session_link_up(struct ag_session *s);
/* The WebSocket is gone. */
void ag_session_link_down(struct ag_session *s);
/* One complete WebSocket message. */
void ag_session_frame(struct ag_session *s, const unsigned char *data, size_t len, bool binary);
/* Sends an ACK with one argument (borrowed) for an event of this generation. Returns 0,
 * RP_ESHUTTING_DOWN when that link is gone, or an encode error. */
int ag_session_ack(struct ag_session *s, uint64_t generation, int64_t ack_id, const json_t *arg);
/* The same with the argument packed by pack(ctx) (rp_sio_encode_ack_packed). */
int ag_session_ack_packed(struct ag_session *s, uint64_t generation, int64_t ack_id,
                          rp_sio_pack_fn pack, const void *ctx);
/* Emits an event [name, arg] (arg borrowed) without an ack on the current link when ready.
 * Returns 0 or a negative code. */
int ag_session_emit(struct ag_session *s, const char *name, const json_t *arg);
/* Says goodbye on the current link: a Socket.IO DISCONNECT then an Engine.IO close. */
void ag_session_leave(struct ag_session *s);

/* The Bright error codes that end the CLI; unknown_error is not among them. */
bool ag_session_code_is_fatal(const char *code);

#endif
