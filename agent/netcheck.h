/* netcheck: the `test-network` event. Type "ping" checks that each URL answers (any HTTP
 * status counts as reachable) and returns one text line per URL; "traceroute" is refused
 * with an error. Runs through the common executor. */
#ifndef AG_NETCHECK_H
#define AG_NETCHECK_H

#include <stdint.h>

#include <jansson.h>

#include "exec.h"

#define AG_NETCHECK_MAX_URLS 32
#define AG_NETCHECK_TIMEOUT_MS 5000

/* Called once with the ack argument ({output} or {error}), borrowed during the call. */
typedef void (*ag_netcheck_cb)(void *ud, uint64_t generation, int64_t ack_id, json_t *ack);

/* Starts the checks of one test-network payload (borrowed). The answer may come before this
 * returns (bad input). */
void ag_netcheck_start(struct rp_exec *ex, uint64_t generation, int64_t ack_id,
                       const json_t *payload, ag_netcheck_cb cb, void *ud);

#endif
