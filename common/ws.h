/* ws: what both programs do with libwebsockets connections: an ordered queue of outgoing
 * messages (framed here, several written with one send per writeable callback), reassembly of
 * incoming fragments into whole messages under a size cap, and routing lws's own log lines into
 * rp_log. Glue (ws_lws.c); the callers own the connections. */
#ifndef RP_WS_H
#define RP_WS_H

#include <stdbool.h>
#include <stddef.h>

#include "rp_util.h"

struct lws;
struct rp_ws_frame;

/* Zero-initialised; a client's queue sets mask (RFC 6455: a client masks every frame). */
struct rp_ws_queue {
    struct rp_ws_frame *head, *tail;
    bool mask;
};

/* Up to this many bytes of queued frames go out in one write. */
#define RP_WS_BATCH_MAX (64 * 1024)

/* Frames a message and copies it to the end of the queue. Returns 0, RP_ENOMEM, or
 * RP_EINTERNAL when no masking key could be drawn. */
int rp_ws_queue_push(struct rp_ws_queue *q, const unsigned char *data, size_t len, bool binary);
/* Writes the first frames, up to RP_WS_BATCH_MAX bytes of them (from a WRITEABLE callback),
 * as one raw write: lws keeps what the socket did not take and sends it before anything else.
 * Returns 0 or -1 when the write failed. */
int rp_ws_queue_write(struct rp_ws_queue *q, struct lws *wsi);
void rp_ws_queue_clear(struct rp_ws_queue *q);

struct rp_ws_rx {
    struct rp_buf buf;
    size_t cap;
    bool binary;
    bool skip; /* the current message went over the cap: its fragments are dropped */
};

void rp_ws_rx_init(struct rp_ws_rx *rx, size_t cap);
void rp_ws_rx_cleanup(struct rp_ws_rx *rx);
/* Feeds one received fragment (from a RECEIVE callback). Returns 1 with the whole message in
 * msg, len and binary (valid until the next call), 0 when more is to come, RP_ETOO_LARGE when a
 * message over the cap is being dropped (once per message), RP_ENOMEM likewise. */
int rp_ws_rx_feed(struct rp_ws_rx *rx, struct lws *wsi, const void *in, size_t in_len,
                  const unsigned char **msg, size_t *len, bool *binary);

/* Routes lws's log into rp_log (errors as warnings, the rest at verbose when tracing). */
void rp_ws_log_setup(void);

#endif
