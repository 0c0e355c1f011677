/* jobs: bounded concurrency and a bounded FIFO over the executor, and the ack each job gets.
 * It owns job lifetimes from arrival to answer; the executor owns the HTTP call. */
#include "jobs.h"

#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "rp_log.h"

#define SUB "jobs"

struct ag_job {
    struct ag_jobs *owner;
    struct ag_job_ctx ctx;
    struct rp_job job;
    struct rp_exec_call *call;
    struct ag_job *next;                /* queue link */
    struct ag_job *prev_run, *next_run; /* running list */
};

struct ag_jobs {
    struct rp_exec *ex;
    struct ag_jobs_cfg cfg;
    ag_jobs_done_cb cb;
    ag_jobs_trace_cb trace;
    void *ud;
    struct ag_job *q_head, *q_tail;
    size_t n_queued;
    struct ag_job *running;
    size_t n_running;
    bool draining;
    void (*idle)(void *ud);
    void *idle_ud;
    ag_jobs_plain_cb plain;
};

struct ag_jobs *ag_jobs_new(struct rp_exec *ex, const struct ag_jobs_cfg *cfg, ag_jobs_done_cb cb,
                            ag_jobs_plain_cb plain, ag_jobs_trace_cb trace, void *ud)
{
    struct ag_jobs *j = calloc(1, sizeof(*j));
    if (!j) {
        return NULL;
    }
    j->ex = ex;
    j->cfg = *cfg;
    j->cb = cb;
    j->plain = plain;
    j->trace = trace;
    j->ud = ud;
    return j;
}

static void answer_error(struct ag_jobs *j, const struct ag_job_ctx *ctx, int code, const char *msg)
{
    if (j->cfg.metrics) {
        ag_metrics_job_refused(j->cfg.metrics, code);
    }
    json_t *ack = rp_record_error_ack(code, msg, ctx->full_record);
    rp_log_job(RP_LOG_VERBOSE, (long long)ctx->ack_id, "end", "error=%s %s", rp_err_name(code),
               msg);
    if (ack) {
        j->cb(j->ud, ctx->generation, ctx->ack_id, ctx->job_id[0] ? ctx->job_id : NULL, ack);
        json_decref(ack);
    }
}

static void check_idle(struct ag_jobs *j)
{
    if (j->n_running == 0 && j->n_queued == 0 && j->idle) {
        j->idle(j->idle_ud);
    }
}

static void job_free(struct ag_job *job)
{
    rp_job_cleanup(&job->job);
    free(job);
}

static void start_next(struct ag_jobs *j);

static void running_unlink(struct ag_jobs *j, struct ag_job *job)
{
    if (job->prev_run) {
        job->prev_run->next_run = job->next_run;
    } else {
        j->running = job->next_run;
    }
    if (job->next_run) {
        job->next_run->prev_run = job->prev_run;
    }
    j->n_running--;
}

/* The ack as a jansson value: Bright's fields, the full record when asked for. */
static void answer_record(struct ag_jobs *j, const struct ag_job *job, const struct rp_record *rec)
{
    json_t *ack = rp_record_to_bright(rec);
    if (ack && job->ctx.full_record) {
        json_object_set_new(ack, "record", rp_record_to_json(rec));
    }
    if (ack) {
        j->cb(j->ud, job->ctx.generation, job->ctx.ack_id,
              job->ctx.job_id[0] ? job->ctx.job_id : NULL, ack);
        json_decref(ack);
    } else {
        rp_log_error(SUB, "job %lld: out of memory building the ack", (long long)job->ctx.ack_id);
    }
}

static void on_done(struct rp_exec_call *call, struct rp_record *rec, void *ud)
{
    (void)call;
    struct ag_job *job = ud;
    struct ag_jobs *j = job->owner;
    running_unlink(j, job);

    if (rec->error.code) {
        rp_log_job(RP_LOG_VERBOSE, (long long)job->ctx.ack_id, "end",
                   "%s %s -> error=%s %s (%.1f ms, %llu bytes)", rec->method, rec->url,
                   rp_err_name(rec->error.code), rec->error.msg, (double)rec->t_total / 1000,
                   (unsigned long long)rec->body_total);
    } else {
        rp_log_job(RP_LOG_VERBOSE, (long long)job->ctx.ack_id, "end",
                   "%s %s -> %d (%.1f ms, %llu bytes)", rec->method, rec->url, rec->status,
                   (double)rec->t_total / 1000, (unsigned long long)rec->body_total);
    }
    if (j->cfg.metrics) {
        ag_metrics_job(j->cfg.metrics, rec);
    }
    if (!job->ctx.full_record && !job->ctx.job_id[0]) {
        j->plain(j->ud, job->ctx.generation, job->ctx.ack_id, rec);
    } else {
        answer_record(j, job, rec);
    }
    job_free(job);
    start_next(j);
    check_idle(j);
}

static void on_trace(void *ud, const struct rp_trace_line *line)
{
    struct ag_job *job = ud;
    job->owner->trace(job->owner->ud, job->ctx.generation, job->ctx.ack_id, line);
}

static void job_run(struct ag_jobs *j, struct ag_job *job)
{
    struct rp_err err = {0};
    job->next_run = j->running;
    job->prev_run = NULL;
    if (j->running) {
        j->running->prev_run = job;
    }
    j->running = job;
    j->n_running++;
    rp_log_job(RP_LOG_VERBOSE, (long long)job->ctx.ack_id, "start", "%s %s", job->job.method,
               job->job.url);
    struct rp_exec_call_opts co = {
        .done = on_done,
        .trace = job->ctx.live_trace && j->trace ? on_trace : NULL,
        .keep_trace = job->ctx.keep_trace,
        .plain = !job->ctx.full_record,
        .ud = job,
    };
    if (rp_exec_start(j->ex, &job->job, &co, &job->call, &err)) {
        running_unlink(j, job);
        answer_error(j, &job->ctx, err.code, err.msg);
        job_free(job);
    }
}

static void start_next(struct ag_jobs *j)
{
    while (j->q_head && j->n_running < j->cfg.max_inflight) {
        struct ag_job *job = j->q_head;
        j->q_head = job->next;
        if (!j->q_head) {
            j->q_tail = NULL;
        }
        j->n_queued--;
        job_run(j, job);
    }
}

void ag_jobs_submit(struct ag_jobs *j, const struct ag_job_ctx *ctx,
                    const struct rp_job_payload *payload)
{
    struct rp_err err = {0};
    if (j->draining) {
        answer_error(j, ctx, RP_ESHUTTING_DOWN, "the agent is shutting down");
        return;
    }
    if (j->n_running >= j->cfg.max_inflight && j->n_queued >= j->cfg.max_queue) {
        answer_error(j, ctx, RP_EBUSY, "the agent is at capacity (running and queue full)");
        return;
    }
    struct ag_job *job = calloc(1, sizeof(*job));
    if (!job) {
        answer_error(j, ctx, RP_ENOMEM, "out of memory");
        return;
    }
    job->owner = j;
    job->ctx = *ctx;
    int rc = rp_job_parse_payload(payload, &job->job, &err);
    if (rc) {
        free(job);
        rp_log_warn(SUB, "rejected input: error=%s job %lld: %s", rp_err_name(rc),
                    (long long)ctx->ack_id, err.msg);
        answer_error(j, ctx, rc, err.msg);
        return;
    }
    if (!job->job.max_content_kib) {
        job->job.max_content_kib = (long)((ctx->default_capture + 1023) / 1024);
    }
    if (j->n_running < j->cfg.max_inflight) {
        job_run(j, job);
        return;
    }
    if (j->q_tail) {
        j->q_tail->next = job;
    } else {
        j->q_head = job;
    }
    j->q_tail = job;
    j->n_queued++;
}

void ag_jobs_drain(struct ag_jobs *j)
{
    j->draining = true;
}

size_t ag_jobs_pending(const struct ag_jobs *j)
{
    return j->n_running + j->n_queued;
}

size_t ag_jobs_running(const struct ag_jobs *j)
{
    return j->n_running;
}

size_t ag_jobs_queued(const struct ag_jobs *j)
{
    return j->n_queued;
}

void ag_jobs_cancel_all(struct ag_jobs *j)
{
    j->draining = true;
    while (j->q_head) {
        struct ag_job *job = j->q_head;
        j->q_head = job->next;
        j->n_queued--;
        answer_error(j, &job->ctx, RP_ESHUTTING_DOWN, "the agent stopped before running the job");
        job_free(job);
    }
    j->q_tail = NULL;
    while (j->running) {
        rp_exec_cancel(j->running->call, RP_ESHUTTING_DOWN,
                       "the agent stopped before the job finished");
    }
}

void ag_jobs_on_idle(struct ag_jobs *j, void (*idle)(void *ud), void *ud)
{
    j->idle = idle;
    j->idle_ud = ud;
}

void ag_jobs_free(struct ag_jobs *j)
{
    free(j);
}
