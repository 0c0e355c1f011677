/* metrics: the agent's counters, gauges and histograms, and their Prometheus text form.
 * Pure logic: the glue feeds it events (connection changes, finished jobs) and asks for the
 * text; it owns no socket. */
#ifndef AG_METRICS_H
#define AG_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "rp_util.h"

#define AG_HIST_BUCKETS 14

struct ag_histogram {
    uint64_t counts[AG_HIST_BUCKETS + 1]; /* the last is +Inf */
    double sum;
    uint64_t count;
};

enum ag_phase { AG_PHASE_DNS, AG_PHASE_CONNECT, AG_PHASE_TLS, AG_PHASE_FIRST_BYTE, AG_PHASES };

#define AG_METRICS_ERROR_TYPES 32

struct ag_metrics {
    bool connected;
    bool deployed;
    uint64_t reconnects;
    uint64_t jobs_ok;
    uint64_t jobs_failed[AG_METRICS_ERROR_TYPES]; /* by error code, see ag_metrics_job */
    struct ag_histogram duration;
    struct ag_histogram phases[AG_PHASES];
    uint64_t bytes_sent;
    uint64_t bytes_received;
    uint64_t frames_rejected;
    uint64_t started_at_s;
};

void ag_metrics_init(struct ag_metrics *m);
/* A job finished with this record (a call that ran). */
void ag_metrics_job(struct ag_metrics *m, const struct rp_record *rec);
/* A job answered without running (invalid, busy, shutting down): its error code. */
void ag_metrics_job_refused(struct ag_metrics *m, int code);
void ag_metrics_histogram_add(struct ag_histogram *h, double seconds);

/* Gauges read at render time. */
struct ag_metrics_now {
    size_t in_flight;
    size_t queued;
    uint64_t frames_rejected;
};

/* Appends the Prometheus text exposition (format 0.0.4) to out. Returns 0 or RP_ENOMEM. */
int ag_metrics_render(const struct ag_metrics *m, const struct ag_metrics_now *now,
                      struct rp_buf *out);

#endif
