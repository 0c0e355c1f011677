/* sio: Socket.IO v5 packets in the msgpack parser's form: one msgpack map
 * {type, nsp, data?, id?} per binary frame. Pure codec over mpjson: no I/O. */
#ifndef SIO_H
#define SIO_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "rp_err.h"
#include "rp_util.h"

enum rp_sio_type {
    RP_SIO_CONNECT = 0,
    RP_SIO_DISCONNECT = 1,
    RP_SIO_EVENT = 2,
    RP_SIO_ACK = 3,
    RP_SIO_CONNECT_ERROR = 4,
};

#define RP_SIO_NO_ID (-1)

/* A packet. data is owned by the packet (NULL when absent); nsp is a new string. */
struct rp_sio_packet {
    enum rp_sio_type type;
    char *nsp;
    json_t *data;
    int64_t id; /* RP_SIO_NO_ID when absent */
};

void rp_sio_packet_init(struct rp_sio_packet *p);
void rp_sio_packet_cleanup(struct rp_sio_packet *p);

/* Decodes and checks the shape the msgpack parser requires: type 0..4 (the parser's binary
 * types do not exist here), nsp a string, data by type (CONNECT: object or absent;
 * DISCONNECT: absent; EVENT: non-empty array starting with a string; ACK: array;
 * CONNECT_ERROR: object or string), id a non-negative integer or absent.
 * Returns 0, RP_EBAD_FRAME (not msgpack), RP_EBAD_PACKET (wrong shape) or RP_ENOMEM. On a
 * shape error *id_out (if not NULL) still gives the id when one could be read. */
int rp_sio_decode(const unsigned char *buf, size_t len, struct rp_sio_packet *p, int64_t *id_out,
                  struct rp_err *err);

struct msgpack_object;
/* The same from a frame already unpacked with rp_mpjson_unpack. */
int rp_sio_decode_object(const struct msgpack_object *o, struct rp_sio_packet *p, int64_t *id_out,
                         struct rp_err *err);

/* An EVENT packet with an ack id, read in place (borrowed from the unpacked frame). */
struct rp_sio_event_view {
    const struct msgpack_object *nsp;  /* a str (compare with rp_mpjson_str_is) */
    const struct msgpack_object *name; /* a str */
    int64_t id;
    const struct msgpack_object *arg; /* the first argument; NULL when there is none */
};
/* True when o is exactly {type: 2, nsp: str, data: [str, arg?], id: 0..INT64_MAX} (the form
 * the platform's events with an ack take) and fills ev; false for anything else, which
 * rp_sio_decode_object then decodes and checks. */
bool rp_sio_event_in_place(const struct msgpack_object *o, struct rp_sio_event_view *ev);

/* Encodes p into out (appended). data is borrowed. Returns 0 or a negative code. */
int rp_sio_encode(const struct rp_sio_packet *p, struct rp_buf *out, struct rp_err *err);

/* Helpers that build and encode in one step; data is borrowed. */
int rp_sio_encode_event(const char *nsp, const json_t *args, int64_t id, struct rp_buf *out,
                        struct rp_err *err);
struct msgpack_packer;
/* Packs one value by hand with pk; returns 0 or RP_ENOMEM. */
typedef int (*rp_sio_pack_fn)(const void *ctx, struct msgpack_packer *pk);
/* An ACK packet whose one argument pack(ctx) writes: what rp_sio_encode_ack gives for [arg],
 * with no jansson value on the way (the agent's hot path). Returns 0 or RP_ENOMEM. */
int rp_sio_encode_ack_packed(const char *nsp, int64_t id, rp_sio_pack_fn pack, const void *ctx,
                             struct rp_buf *out);
int rp_sio_encode_ack(const char *nsp, int64_t id, const json_t *args, struct rp_buf *out,
                      struct rp_err *err);

#endif
