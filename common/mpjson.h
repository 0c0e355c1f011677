/* mpjson: msgpack bytes <-> jansson values, the mapping the Socket.IO msgpack parser needs.
 *
 * Decoding: nil -> null; JS undefined (fixext 1, type 0, `d4 00 00`) -> absent inside a map,
 * null elsewhere; bin and str -> length-aware jansson strings holding the exact bytes (not
 * checked for UTF-8); notepack Dates (fixext 8 type 0) and msgpack timestamps (type -1) ->
 * ISO-8601 strings; integers beyond int64 -> reals. Non-string map keys, other ext types,
 * non-finite floats, nesting deeper than RP_MPJSON_MAX_DEPTH and trailing bytes are errors.
 * Encoding: the reverse, with strings as msgpack str and integers in their smallest form. */
#ifndef MPJSON_H
#define MPJSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rp_err.h"
#include "rp_util.h"

#define RP_MPJSON_MAX_DEPTH 32

/* Decodes exactly one msgpack value filling all of buf. Returns 0 and a new reference in
 * *out, or RP_EBAD_FRAME / RP_ENOMEM with details in err. */
int rp_mpjson_decode(const unsigned char *buf, size_t len, json_t **out, struct rp_err *err);

struct msgpack_object;
/* The two steps of rp_mpjson_decode, for readers that look at the msgpack objects in place.
 * rp_mpjson_unpack checks and unpacks exactly one value filling buf into *out; the objects
 * live in one zone that the next unpack, rp_mpjson_decode or rp_mpjson_unpack_end clears (the
 * zone itself is kept). Nothing may decode msgpack while such objects are still in use.
 * rp_mpjson_to_json gives the jansson value of an unpacked object. */
int rp_mpjson_unpack(const unsigned char *buf, size_t len, struct msgpack_object *out,
                     struct rp_err *err);
void rp_mpjson_unpack_end(void);
int rp_mpjson_to_json(const struct msgpack_object *o, json_t **out, struct rp_err *err);
/* True when o is a msgpack str of exactly the n bytes at s. */
bool rp_mpjson_str_is(const struct msgpack_object *o, const char *s, size_t n);

struct msgpack_packer;
/* Sets pk up to append to out, for values packed by hand (no jansson value on the way). */
void rp_mpjson_packer_init(struct msgpack_packer *pk, struct rp_buf *out);
/* Packs a msgpack str of n bytes (or of a C string); nonzero when the packer failed. */
int rp_mpjson_pack_strn(struct msgpack_packer *pk, const char *s, size_t n);
int rp_mpjson_pack_cstr(struct msgpack_packer *pk, const char *s);

/* Appends the msgpack form of v to out. Returns 0, RP_EINVALID (unencodable value) or
 * RP_ENOMEM. v is borrowed. */
int rp_mpjson_encode(const json_t *v, struct rp_buf *out, struct rp_err *err);

#endif
