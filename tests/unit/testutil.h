/* testutil: helpers shared by the unit tests: hex, fixture files, the fixture markers
 * ($bin, $undefined, $date) turned into the mapping mpjson gives. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rp_util.h"

/* Decodes hex into a malloc'ed buffer (caller frees); returns NULL on bad hex. */
unsigned char *tu_unhex(const char *hex, size_t *len);
/* Loads RP_TEST_DATA_DIR/rel as JSON; fails the test when it cannot. New reference. */
json_t *tu_load_json(const char *rel);
/* The value mpjson must produce for a fixture "packet" written with markers. New reference. */
json_t *tu_expected(const json_t *packet);
/* Encodes the JSON text as msgpack into out (initialised here; the caller cleans it up); fails
 * the test when the text is not JSON or does not encode. */
void tu_msgpack_of(const char *json, struct rp_buf *out);

#endif
