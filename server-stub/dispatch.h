/* dispatch: the delivery engine. Creates a delivery for every active webhook of a project when
 * a scan's status changes, runs attempts directly (common executor) or through a connected
 * repeater (hub), records every attempt, and retries on the schedule. Glue over the store, the
 * hub, the executor and a libuv timer; the rules are in deliver.c. */
#ifndef PS_DISPATCH_H
#define PS_DISPATCH_H

#include <stdbool.h>

#include <jansson.h>
#include <uv.h>

#include "deliver.h"
#include "exec.h"
#include "hub.h"
#include "store.h"

struct ps_dispatch_cfg {
    struct ps_retry_schedule retry;
    long attempt_timeout_ms; /* the job's timeout; the repeater's ack deadline adds 10 s */
    int max_in_flight;
    const struct rp_redact *redact; /* secrets in stored records (borrowed) */
};

struct ps_dispatch;

struct ps_dispatch *ps_dispatch_new(uv_loop_t *loop, struct ps_store *store, struct ps_hub *hub,
                                    struct rp_exec *exec, const struct ps_dispatch_cfg *cfg);
/* Stops scheduling. Attempts still running finish through their callbacks (free the hub and
 * the executor after this, before ps_dispatch_free). */
void ps_dispatch_stop(struct ps_dispatch *d);
/* Releases what is left; memory goes once the loop has run the close callback. */
void ps_dispatch_free(struct ps_dispatch *d);

/* A scan's status changed from `from` (project and scan borrowed): creates the deliveries.
 * Returns how many, or a negative code (nothing created then). */
int ps_dispatch_scan_changed(struct ps_dispatch *d, const json_t *project, const json_t *scan,
                             const char *from);
/* Looks for due deliveries now. */
void ps_dispatch_kick(struct ps_dispatch *d);
/* A result a repeater sent after reconnecting (`result` {jobId, ack}); ack borrowed. */
void ps_dispatch_result(struct ps_dispatch *d, const char *repeater_id, const char *job_id,
                        json_t *ack);
/* A repeater deployed: its pending deliveries are due now. */
void ps_dispatch_repeater_online(struct ps_dispatch *d, const char *repeater_id);

#endif
