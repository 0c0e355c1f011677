/* jobs: the agent's job scheduler. At most max_inflight jobs run at once; up to max_queue
 * more wait in order; beyond that a job is answered with a typed `busy` error. Every job gets
 * exactly one answer through the done callback, invalid ones included. Runs jobs through the
 * common executor; knows nothing of the wire. */
#ifndef AG_JOBS_H
#define AG_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "exec.h"

/* One answer: the ack argument (borrowed during the call) for the event ack_id of the link
 * generation the job came on. */
typedef void (*ag_jobs_done_cb)(void *ud, uint64_t generation, int64_t ack_id, const char *job_id,
                                json_t *ack);
/* One live trace line of a job (borrowed during the call). */
typedef void (*ag_jobs_trace_cb)(void *ud, uint64_t generation, int64_t ack_id,
                                 const struct rp_trace_line *line);

struct ag_metrics;

struct ag_jobs_cfg {
    size_t max_inflight;
    size_t max_queue;
    struct ag_metrics *metrics; /* counted into when not NULL (borrowed) */
};

/* What the session knows when a job arrives. */
struct ag_job_ctx {
    uint64_t generation;
    int64_t ack_id;
    bool full_record;       /* the platform negotiated full records */
    bool keep_trace;        /* ... and the trace lines in them */
    bool live_trace;        /* trace lines are wanted as they happen (log or platform) */
    size_t default_capture; /* body bytes kept when the job sets no maxContentSize */
    char job_id[96];        /* the platform's stable job id ("" when none) */
};

struct ag_jobs;
/* A job that wants a plain Bright ack (no full record) and has no job id is answered through
 * this instead of the done callback, with its record (borrowed during the call), so the ack
 * can be packed straight from it. */
typedef void (*ag_jobs_plain_cb)(void *ud, uint64_t generation, int64_t ack_id,
                                 const struct rp_record *rec);

struct ag_jobs *ag_jobs_new(struct rp_exec *ex, const struct ag_jobs_cfg *cfg, ag_jobs_done_cb cb,
                            ag_jobs_plain_cb plain, ag_jobs_trace_cb trace, void *ud);
/* Validates and runs (or queues) a job; payload is borrowed. */
void ag_jobs_submit(struct ag_jobs *j, const struct ag_job_ctx *ctx,
                    const struct rp_job_payload *payload);
/* Stops taking new jobs: later submissions are answered `shutting_down`. */
void ag_jobs_drain(struct ag_jobs *j);
/* Running plus queued jobs. */
size_t ag_jobs_pending(const struct ag_jobs *j);
size_t ag_jobs_running(const struct ag_jobs *j);
size_t ag_jobs_queued(const struct ag_jobs *j);
/* Ends every queued and running job now with a shutting_down error (each is answered). */
void ag_jobs_cancel_all(struct ag_jobs *j);
/* Called whenever the scheduler becomes empty (for a graceful drain). */
void ag_jobs_on_idle(struct ag_jobs *j, void (*idle)(void *ud), void *ud);
/* Frees the scheduler; call after ag_jobs_cancel_all. NULL is a no-op. */
void ag_jobs_free(struct ag_jobs *j);

#endif
