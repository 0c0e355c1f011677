/* eio: Engine.IO v4 packets over a WebSocket. Text frames carry a type digit and a payload;
 * binary frames are message packets whose payload is the whole frame. Pure codec: no I/O. */
#ifndef EIO_H
#define EIO_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rp_err.h"

enum rp_eio_type {
    RP_EIO_OPEN = 0,
    RP_EIO_CLOSE = 1,
    RP_EIO_PING = 2,
    RP_EIO_PONG = 3,
    RP_EIO_MESSAGE = 4,
    RP_EIO_UPGRADE = 5,
    RP_EIO_NOOP = 6,
};

/* A decoded packet; payload points into the frame it came from (borrowed). */
struct rp_eio_packet {
    enum rp_eio_type type;
    bool binary;
    const unsigned char *payload;
    size_t len;
};

/* The handshake values of an open packet. */
struct rp_eio_open {
    char sid[64];
    int ping_interval_ms;
    int ping_timeout_ms;
    long max_payload;
};

/* Splits a frame into a packet. Returns 0 or RP_EBAD_FRAME. */
int rp_eio_decode(const unsigned char *frame, size_t len, bool binary, struct rp_eio_packet *pkt,
                  struct rp_err *err);
/* Parses the JSON payload of an open packet. Returns 0 or RP_EBAD_PACKET. */
int rp_eio_open_parse(const unsigned char *payload, size_t len, struct rp_eio_open *open,
                      struct rp_err *err);
/* Builds the JSON text of an open packet (with the leading '0') into a new string the caller
 * frees; NULL when out of memory. */
char *rp_eio_open_build(const struct rp_eio_open *open);

#endif
