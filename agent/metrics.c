/* metrics: counting and the Prometheus text exposition of the agent's state. */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rp_err.h"

static const double bucket_bounds[AG_HIST_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1,     2.5,  5,     10,   30};
static const char *const phase_names[AG_PHASES] = {"dns", "connect", "tls", "first_byte"};

void ag_metrics_init(struct ag_metrics *m)
{
    memset(m, 0, sizeof(*m));
    m->started_at_s = (uint64_t)time(NULL);
}

void ag_metrics_histogram_add(struct ag_histogram *h, double seconds)
{
    size_t i = 0;
    while (i < AG_HIST_BUCKETS && seconds > bucket_bounds[i]) {
        i++;
    }
    h->counts[i]++;
    h->sum += seconds;
    h->count++;
}

static size_t error_slot(int code)
{
    long slot = (long)code - (long)RP_ERR_FIRST_;
    return slot > 0 && slot < AG_METRICS_ERROR_TYPES ? (size_t)slot : 0;
}

void ag_metrics_job_refused(struct ag_metrics *m, int code)
{
    m->jobs_failed[error_slot(code)]++;
}

void ag_metrics_job(struct ag_metrics *m, const struct rp_record *rec)
{
    if (rec->error.code) {
        m->jobs_failed[error_slot(rec->error.code)]++;
    } else {
        m->jobs_ok++;
    }
    if (rec->t_total >= 0) {
        ag_metrics_histogram_add(&m->duration, (double)rec->t_total / 1e6);
    }
    int64_t phases[AG_PHASES] = {rec->t_dns, rec->t_connect, rec->t_tls, rec->t_first_byte};
    for (int i = 0; i < AG_PHASES; i++) {
        if (phases[i] >= 0) {
            ag_metrics_histogram_add(&m->phases[i], (double)phases[i] / 1e6);
        }
    }
    m->bytes_sent += rec->req_body_len;
    m->bytes_received += rec->body_total;
}

static int put(struct rp_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int put(struct rp_buf *out, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return RP_EINTERNAL;
    }
    return rp_buf_append(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static int header(struct rp_buf *out, const char *name, const char *type, const char *help)
{
    return put(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric with no labels: its HELP and TYPE lines and its one value. */
static int scalar(struct rp_buf *out, const char *name, const char *type, const char *help,
                  unsigned long long value)
{
    int rc = header(out, name, type, help);
    return rc ? rc : put(out, "%s %llu\n", name, value);
}

static int histogram(struct rp_buf *out, const char *name, const char *labels,
                     const struct ag_histogram *h)
{
    uint64_t cum = 0;
    int rc = 0;
    for (size_t i = 0; i <= AG_HIST_BUCKETS && !rc; i++) {
        cum += h->counts[i];
        if (i < AG_HIST_BUCKETS) {
            rc = put(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, labels[0] ? "," : "",
                     bucket_bounds[i], (unsigned long long)cum);
        } else {
            rc = put(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, labels[0] ? "," : "",
                     (unsigned long long)cum);
        }
    }
    const char *open = labels[0] ? "{" : "";
    const char *close = labels[0] ? "}" : "";
    rc = rc ? rc : put(out, "%s_sum%s%s%s %.6f\n", name, open, labels, close, h->sum);
    return rc ? rc
              : put(out, "%s_count%s%s%s %llu\n", name, open, labels, close,
                    (unsigned long long)h->count);
}

int ag_metrics_render(const struct ag_metrics *m, const struct ag_metrics_now *now,
                      struct rp_buf *out)
{
    int rc = header(out, "repeater_build_info", "gauge", "Build of the running agent.");
    rc = rc ? rc : put(out, "repeater_build_info{version=\"%s\"} 1\n", RP_VERSION);
    rc = rc ? rc
            : scalar(out, "repeater_start_time_seconds", "gauge", "Unix time the agent started.",
                     m->started_at_s);
    rc = rc ? rc
            : scalar(out, "repeater_connected", "gauge",
                     "1 while the WebSocket to the platform is open.", m->connected ? 1 : 0);
    rc = rc ? rc
            : scalar(out, "repeater_deployed", "gauge",
                     "1 while the platform has acknowledged the deployment.", m->deployed ? 1 : 0);
    rc = rc ? rc
            : scalar(out, "repeater_reconnects_total", "counter",
                     "Connections lost and attempted again.", m->reconnects);
    rc = rc ? rc
            : header(out, "repeater_jobs_total", "counter",
                     "Jobs answered, by outcome and error type.");
    rc = rc ? rc
            : put(out, "repeater_jobs_total{outcome=\"success\",error_type=\"none\"} %llu\n",
                  (unsigned long long)m->jobs_ok);
    for (size_t i = 1; i < AG_METRICS_ERROR_TYPES && !rc; i++) {
        int code = (int)((long)RP_ERR_FIRST_ + (long)i);
        if (code >= RP_ERR_END_) {
            break;
        }
        rc = put(out, "repeater_jobs_total{outcome=\"error\",error_type=\"%s\"} %llu\n",
                 rp_err_name(code), (unsigned long long)m->jobs_failed[i]);
    }
    rc = rc ? rc
            : header(out, "repeater_job_duration_seconds", "histogram",
                     "Time from the start of a job's HTTP call to its end.");
    rc = rc ? rc : histogram(out, "repeater_job_duration_seconds", "", &m->duration);
    rc = rc ? rc
            : header(out, "repeater_job_phase_seconds", "histogram",
                     "Time of each phase of a job's HTTP call (first_byte counts from the start).");
    for (int i = 0; i < AG_PHASES && !rc; i++) {
        char labels[32];
        snprintf(labels, sizeof(labels), "phase=\"%s\"", phase_names[i]);
        rc = histogram(out, "repeater_job_phase_seconds", labels, &m->phases[i]);
    }
    rc = rc ? rc
            : scalar(out, "repeater_jobs_in_flight", "gauge", "Jobs running now.", now->in_flight);
    rc = rc ? rc
            : scalar(out, "repeater_jobs_queued", "gauge", "Jobs waiting for a slot.", now->queued);
    rc = rc ? rc
            : scalar(out, "repeater_sent_bytes_total", "counter",
                     "Request body bytes sent to targets.", m->bytes_sent);
    rc = rc ? rc
            : scalar(out, "repeater_received_bytes_total", "counter",
                     "Response body bytes received from targets.", m->bytes_received);
    return rc ? rc
              : scalar(out, "repeater_rejected_frames_total", "counter",
                       "Frames from the platform refused as malformed.", now->frames_rejected);
}
