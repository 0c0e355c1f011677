/* health: the agent's small HTTP endpoint for orchestrators: /healthz (alive), /readyz
 * (connected and deployed), /metrics (Prometheus text). Glue over a libuv TCP server; what
 * it answers comes from callbacks. GET only, one request per connection, 8 KiB of request
 * head at most. */
#ifndef AG_HEALTH_H
#define AG_HEALTH_H

#include <stdbool.h>

#include <uv.h>

#include "rp_err.h"
#include "rp_util.h"

struct ag_health_cbs {
    bool (*ready)(void *ud);
    /* Appends the Prometheus text to out. */
    void (*metrics)(void *ud, struct rp_buf *out);
};

struct ag_health;

/* Listens on "HOST:PORT" (IPv6 as [::1]:PORT). Returns NULL with err set. */
struct ag_health *ag_health_start(uv_loop_t *loop, const char *listen,
                                  const struct ag_health_cbs *cbs, void *ud, struct rp_err *err);
/* Closes the listener and open connections; memory goes once the loop ran. NULL: no-op. */
void ag_health_stop(struct ag_health *h);

/* Splits "HOST:PORT" / "[V6]:PORT" into a sockaddr. Returns 0 or RP_ECONFIG. */
int ag_health_parse_addr(const char *listen, struct sockaddr_storage *ss, struct rp_err *err);

#endif
