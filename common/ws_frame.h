/* ws_frame: the header of one unfragmented WebSocket data frame (RFC 6455 section 5.2) and
 * the client's payload masking. Pure functions; ws_lws.c uses them to write several queued
 * messages with one send. */
#ifndef RP_WS_FRAME_H
#define RP_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>

/* The longest header: 2 bytes, a 64-bit length and a 4-byte masking key. */
#define RP_WS_FRAME_HEADER_MAX 14

/* Writes the header of a final text or binary frame of len payload bytes to out (at least
 * RP_WS_FRAME_HEADER_MAX bytes) and returns its length. With a mask (4 bytes; a client's
 * frames must have one) the key goes into the header. */
size_t rp_ws_frame_header(unsigned char *out, size_t len, bool binary, const unsigned char *mask);

/* XORs the payload with the 4-byte key, in place (masking and unmasking are the same). */
void rp_ws_frame_mask(unsigned char *data, size_t len, const unsigned char *mask);

#endif
