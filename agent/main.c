/* main: the repeater agent's process: options, the loop, signals, and the wiring between the
 * link (WebSocket), the session (protocol), the job scheduler and the executor. It owns the
 * process's life: start-up, reconnection policy hand-off, graceful stop and exit codes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "doctor.h"
#include "exec.h"
#include "health.h"
#include "healthcmd.h"
#include "jobs.h"
#include "link.h"
#include "metrics.h"
#include "netcheck.h"
#include "options.h"
#include "results.h"
#include "rp_log.h"
#include "session.h"

#define SUB "agent"
#define LEAVE_TIMEOUT_MS 2000

extern char **environ;

struct agent {
    uv_loop_t loop;
    struct ag_options opts;
    struct rp_exec *exec;
    struct ag_jobs *jobs;
    struct ag_session session;
    struct ag_link *link;
    uv_signal_t sigterm, sigint, sighup;
    struct rp_redact redact;
    FILE *log_file;
    struct ag_metrics metrics;
    struct rp_policy policy;
    struct ag_results results;
    struct ag_health *health;
    uv_timer_t stop_timer;
    int exit_code;
    bool stopping;
    bool leaving;
    bool torn_down;
    bool doctor;       /* repeater doctor: check the credentials, then leave */
    int doctor_failed; /* checks that failed */
    uv_timer_t doctor_timer;
};

#define DOCTOR_DEPLOY_TIMEOUT_MS 15000

static void teardown(struct agent *a);

/* ---- session ops ---- */

static int op_send(void *ud, const unsigned char *data, size_t len, bool binary)
{
    struct agent *a = ud;
    return ag_link_send(a->link, data, len, binary);
}

static void op_watchdog(void *ud, int ms)
{
    struct agent *a = ud;
    ag_link_watchdog(a->link, ms);
}

static void op_drop(void *ud, const char *reason)
{
    struct agent *a = ud;
    ag_link_drop(a->link, reason);
}

static void begin_stop(struct agent *a, bool graceful);

static void op_fatal(void *ud, const char *code, const char *message, const char *remediation)
{
    struct agent *a = ud;
    if (a->doctor) {
        char detail[512];
        snprintf(detail, sizeof(detail), "refused: %s (%s)", message, code);
        ag_doctor_line(stdout, false, "credentials", detail,
                       remediation && remediation[0] ? remediation : "check --token and --id");
        a->doctor_failed++;
        a->exit_code = 1;
        uv_timer_stop(&a->doctor_timer);
        begin_stop(a, false);
        return;
    }
    fprintf(stderr, "repeater: %s (%s)\n", message, code);
    if (remediation && remediation[0]) {
        fprintf(stderr, "repeater: remediation: %s\n", remediation);
    }
    fflush(stderr);
    a->exit_code = 1;
    begin_stop(a, false);
}

static void send_result(void *ud, const char *job_id, const json_t *ack);

static void op_ready(void *ud)
{
    struct agent *a = ud;
    a->metrics.deployed = true;
    ag_link_reset_backoff(a->link);
    if (a->session.ext_capacity) {
        json_t *cap = json_pack("{s:I}", "maxInFlight",
                                (json_int_t)(a->opts.max_inflight + a->opts.max_queue));
        if (cap) {
            ag_session_emit(&a->session, "capacity", cap);
        }
        json_decref(cap);
    }
    if (a->session.ext_results) {
        ag_results_drain_unsent(&a->results, send_result, a);
    }
    if (a->doctor) {
        ag_doctor_line(stdout, true, "credentials",
                       "connected, deployed and left: the platform accepts this token and id",
                       NULL);
        uv_timer_stop(&a->doctor_timer);
        begin_stop(a, false);
    }
}

static void on_doctor_timeout(uv_timer_t *t)
{
    struct agent *a = t->data;
    ag_doctor_line(stdout, false, "credentials", "not deployed within 15 s",
                   "see the lines above, or run with --log-level verbose");
    a->doctor_failed++;
    a->exit_code = 1;
    begin_stop(a, false);
}

static void ack_sent(int64_t ack_id, int rc)
{
    if (rc == RP_ESHUTTING_DOWN) {
        rp_log_warn(SUB, "job %lld finished after its connection was lost; its result is dropped",
                    (long long)ack_id);
    } else if (rc) {
        rp_log_error(SUB, "job %lld: could not send the ack: error=%s", (long long)ack_id,
                     rp_err_name(rc));
    }
}

static void send_ack(struct agent *a, uint64_t generation, int64_t ack_id, json_t *ack)
{
    ack_sent(ack_id, ag_session_ack(&a->session, generation, ack_id, ack));
}

/* A plain Bright ack, packed straight from the record (the hot path: no jansson value). */
static void on_plain_ack(void *ud, uint64_t generation, int64_t ack_id, const struct rp_record *rec)
{
    struct agent *a = ud;
    ack_sent(ack_id,
             ag_session_ack_packed(&a->session, generation, ack_id, rp_record_bright_pack, rec));
}

static bool platform_watches(const struct agent *a)
{
    return a->session.ext_trace_stream && a->session.trace_watched;
}

static void on_job_trace(void *ud, uint64_t generation, int64_t ack_id,
                         const struct rp_trace_line *line)
{
    struct agent *a = ud;
    rp_log_job(RP_LOG_TRACE, (long long)ack_id, line->event, "%s", line->text);
    if (platform_watches(a) && generation == a->session.generation) {
        json_t *ev =
            json_pack("{s:I, s:f, s:s, s:s}", "jobId", (json_int_t)ack_id, "t",
                      (double)line->t_us / 1000.0, "event", line->event, "text", line->text);
        if (ev) {
            ag_session_emit(&a->session, "trace", ev);
            json_decref(ev);
        }
    }
}

static void on_netcheck_done(void *ud, uint64_t generation, int64_t ack_id, json_t *ack)
{
    send_ack(ud, generation, ack_id, ack);
}

/* A job ended: its answer goes to every request of it still on the current connection; when
 * none is, the platform gets it as a `result` event after the next deploy (if it asked). */
static void on_job_done(void *ud, uint64_t generation, int64_t ack_id, const char *job_id,
                        json_t *ack)
{
    struct agent *a = ud;
    if (!job_id) {
        send_ack(a, generation, ack_id, ack);
        return;
    }
    struct ag_waiter waiters[AG_RESULTS_MAX_WAITERS];
    size_t n = ag_results_finish(&a->results, job_id, ack, waiters, AG_RESULTS_MAX_WAITERS);
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        if (waiters[i].generation == a->session.generation &&
            ag_session_ack(&a->session, waiters[i].generation, waiters[i].ack_id, ack) == 0) {
            sent++;
        }
    }
    if (sent == 0) {
        ag_results_mark_unsent(&a->results, job_id);
        rp_log_notice(SUB,
                      "job %s finished after its connection was lost; its result is kept "
                      "and sent after the next deploy",
                      job_id);
    }
}

static void send_result(void *ud, const char *job_id, const json_t *ack)
{
    struct agent *a = ud;
    json_t *ev = json_pack("{s:s, s:O}", "jobId", job_id, "ack", ack);
    if (ev && ag_session_emit(&a->session, "result", ev) == 0) {
        rp_log_verbose(SUB, "job %s: result sent after reconnecting", job_id);
    }
    json_decref(ev);
}

static void op_job(void *ud, int64_t ack_id, const struct rp_job_payload *payload)
{
    struct agent *a = ud;
    size_t capture = RP_JOB_DEFAULT_CONTENT_KIB * 1024;
    if (a->session.limits_max_body > 0 && (size_t)a->session.limits_max_body > capture) {
        capture = (size_t)a->session.limits_max_body;
    }
    struct ag_job_ctx ctx = {
        .generation = a->session.generation,
        .ack_id = ack_id,
        .full_record = a->session.ext_record,
        .keep_trace = a->session.ext_trace,
        .live_trace = rp_log_enabled(RP_LOG_TRACE) || platform_watches(a),
        .default_capture = capture,
    };
    char job_id[sizeof(ctx.job_id)];
    if (a->session.ext_dedupe && rp_job_payload_id(payload, job_id, sizeof(job_id))) {
        json_t *known = NULL;
        switch (ag_results_arrive(&a->results, job_id, ctx.generation, ack_id, &known)) {
        case AG_RESULT_DONE:
            rp_log_verbose(SUB, "job %s (ack %lld): already done, answered from memory", job_id,
                           (long long)ack_id);
            send_ack(a, ctx.generation, ack_id, known);
            return;
        case AG_RESULT_RUNNING:
            rp_log_verbose(SUB, "job %s (ack %lld): already running, will answer both", job_id,
                           (long long)ack_id);
            return;
        case AG_RESULT_NEW:
            snprintf(ctx.job_id, sizeof(ctx.job_id), "%s", job_id);
            break;
        }
    }
    ag_jobs_submit(a->jobs, &ctx, payload);
}

static void op_test_network(void *ud, int64_t ack_id, json_t *payload)
{
    struct agent *a = ud;
    ag_netcheck_start(a->exec, a->session.generation, ack_id, payload, on_netcheck_done, a);
}

static const struct ag_session_ops session_ops = {
    .send = op_send,
    .watchdog = op_watchdog,
    .drop = op_drop,
    .fatal = op_fatal,
    .ready = op_ready,
    .job = op_job,
    .test_network = op_test_network,
};

/* ---- link callbacks ---- */

static void on_link_up(void *ud)
{
    struct agent *a = ud;
    a->metrics.connected = true;
    ag_session_link_up(&a->session);
}

static void on_link_frame(void *ud, const unsigned char *data, size_t len, bool binary)
{
    struct agent *a = ud;
    ag_session_frame(&a->session, data, len, binary);
}

static void on_link_down(void *ud, const char *reason)
{
    struct agent *a = ud;
    (void)reason;
    a->metrics.connected = false;
    a->metrics.deployed = false;
    if (!a->stopping) {
        a->metrics.reconnects++;
    }
    ag_session_link_down(&a->session);
    if (a->leaving) {
        teardown(a);
    }
}

static const struct ag_link_cbs link_cbs = {
    .up = on_link_up,
    .frame = on_link_frame,
    .down = on_link_down,
};

/* ---- stopping ---- */

static void handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void teardown(struct agent *a)
{
    if (a->torn_down) {
        return;
    }
    a->torn_down = true;
    uv_timer_stop(&a->stop_timer);
    ag_health_stop(a->health);
    a->health = NULL;
    ag_link_destroy(a->link);
    rp_exec_free(a->exec);
    a->exec = NULL;
    uv_close((uv_handle_t *)&a->sigterm, handle_closed);
    uv_close((uv_handle_t *)&a->sigint, handle_closed);
    uv_close((uv_handle_t *)&a->sighup, handle_closed);
    uv_close((uv_handle_t *)&a->stop_timer, handle_closed);
    uv_close((uv_handle_t *)&a->doctor_timer, handle_closed);
}

static void on_leave_timeout(uv_timer_t *t)
{
    teardown(t->data);
}

/* Every job is answered: say goodbye, then tear down once the link is gone. */
static void leave(struct agent *a)
{
    if (a->leaving) {
        return;
    }
    a->leaving = true;
    ag_jobs_cancel_all(a->jobs);
    ag_session_leave(&a->session);
    ag_link_close(a->link, true);
    if (!ag_link_busy(a->link)) {
        teardown(a);
        return;
    }
    uv_timer_start(&a->stop_timer, on_leave_timeout, LEAVE_TIMEOUT_MS, 0);
}

static void on_idle(void *ud)
{
    struct agent *a = ud;
    if (a->stopping) {
        leave(a);
    }
}

static void on_grace_over(uv_timer_t *t)
{
    struct agent *a = t->data;
    rp_log_warn(SUB,
                "shutdown grace over with %zu job(s) unfinished; they are answered with "
                "shutting_down",
                ag_jobs_pending(a->jobs));
    leave(a);
}

static void begin_stop(struct agent *a, bool graceful)
{
    if (a->stopping) {
        if (!graceful) {
            leave(a);
        }
        return;
    }
    a->stopping = true;
    ag_jobs_drain(a->jobs);
    size_t pending = ag_jobs_pending(a->jobs);
    if (!graceful || pending == 0) {
        leave(a);
        return;
    }
    rp_log_notice(SUB, "stopping: waiting up to %ld ms for %zu job(s)", a->opts.shutdown_grace_ms,
                  pending);
    uv_timer_start(&a->stop_timer, on_grace_over, (uint64_t)a->opts.shutdown_grace_ms, 0);
}

/* SIGHUP: reopen the log file (logrotate moved it). */
static void on_sighup(uv_signal_t *s, int signum)
{
    (void)signum;
    struct agent *a = s->data;
    if (!a->opts.log_file) {
        return;
    }
    FILE *f = fopen(a->opts.log_file, "a");
    if (!f) {
        rp_log_error(SUB, "SIGHUP: cannot reopen the log file %s; logging on", a->opts.log_file);
        return;
    }
    rp_log_set_output(f);
    if (a->log_file) {
        fclose(a->log_file);
    }
    a->log_file = f;
    rp_log_notice(SUB, "log file reopened");
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct agent *a = s->data;
    rp_log_notice(SUB, "received %s", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    /* a second signal stops at once */
    begin_stop(a, !a->stopping);
}

/* ---- health endpoint ---- */

static bool health_ready(void *ud)
{
    struct agent *a = ud;
    return a->session.state == AG_SESSION_READY && !a->stopping;
}

static void health_metrics(void *ud, struct rp_buf *out)
{
    struct agent *a = ud;
    struct ag_metrics_now now = {
        .in_flight = ag_jobs_running(a->jobs),
        .queued = ag_jobs_queued(a->jobs),
        .frames_rejected = a->session.frames_rejected,
    };
    ag_metrics_render(&a->metrics, &now, out);
}

static const struct ag_health_cbs health_cbs = {.ready = health_ready, .metrics = health_metrics};

/* ---- start-up ---- */

static json_t *runtime_info(void)
{
    struct utsname u;
    const char *arch = "unknown";
    if (uname(&u) == 0) {
        arch = u.machine;
    }
    char distro[128] = "";
    FILE *f = fopen("/etc/os-release", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof(line), f)) {
            if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
                char *v = line + 12;
                v[strcspn(v, "\n")] = 0;
                if (*v == '"') {
                    v++;
                    v[strcspn(v, "\"")] = 0;
                }
                snprintf(distro, sizeof(distro), "%.127s", v);
            }
        }
        fclose(f);
    }
    bool docker = access("/.dockerenv", F_OK) == 0;
    return json_pack("{s:s, s:b, s:b, s:s, s:s, s:b, s:s}", "version", RP_VERSION, "scriptsLoaded",
                     0, "localScriptsLoaded", 0, "os", "linux", "arch", arch, "docker", docker,
                     "distribution", distro);
}

static int agent_start(struct agent *a, struct rp_err *err)
{
    const char *no_proxy = ag_options_no_proxy();
    const char *target_proxy = ag_options_target_proxy(&a->opts);
    const char *bright_proxy = ag_options_platform_proxy(&a->opts);
    char platform_proxy[512] = "";
    if (bright_proxy) {
        const char *p =
            strstr(bright_proxy, "://") ? strstr(bright_proxy, "://") + 3 : bright_proxy;
        if (strncmp(bright_proxy, "http://", 7) != 0 && strstr(bright_proxy, "://")) {
            return rp_err_set(err, RP_ECONFIG,
                              "--proxy-bright: only http:// proxies reach the platform (CONNECT)");
        }
        snprintf(platform_proxy, sizeof(platform_proxy), "%.*s", (int)strcspn(p, "/"), p);
        const char *at = strrchr(platform_proxy, '@');
        rp_log_notice(SUB, "platform connection through proxy %s%s", at ? "[credentials]@" : "",
                      at ? at + 1 : platform_proxy);
    }
    if (target_proxy) {
        const char *hostpart =
            strstr(target_proxy, "://") ? strstr(target_proxy, "://") + 3 : target_proxy;
        const char *at = strchr(hostpart, '@');
        rp_log_notice(SUB, "targets through proxy %s%s%s%s", at ? "[credentials]@" : "",
                      at ? at + 1 : hostpart, no_proxy ? "; NO_PROXY " : "",
                      no_proxy ? no_proxy : "");
    }
    rp_policy_init(&a->policy);
    for (size_t i = 0; i < a->opts.deny.n; i++) {
        if (rp_policy_add(&a->policy, false, a->opts.deny.v[i], err)) {
            return err->code;
        }
    }
    for (size_t i = 0; i < a->opts.allow.n; i++) {
        if (rp_policy_add(&a->policy, true, a->opts.allow.v[i], err)) {
            return err->code;
        }
    }
    char policy_text[2048];
    rp_policy_describe(&a->policy, policy_text, sizeof(policy_text));
    rp_log_notice(SUB, "egress policy: %s", policy_text);
    struct rp_exec_opts eo = {
        .policy = &a->policy,
        .proxy = target_proxy,
        .no_proxy = no_proxy,
        .cacert_file = a->opts.cacert,
        .insecure = a->opts.insecure_targets,
        .default_timeout_ms = a->opts.timeout_ms,
        .default_capture = RP_JOB_DEFAULT_CONTENT_KIB * 1024,
        .extra_headers = a->opts.headers,
        .n_extra_headers = a->opts.n_headers,
        .redact = &a->redact,
    };
    a->exec = rp_exec_new(&a->loop, &eo, err);
    if (!a->exec) {
        return err->code;
    }
    ag_metrics_init(&a->metrics);
    struct ag_jobs_cfg jc = {.max_inflight = (size_t)a->opts.max_inflight,
                             .max_queue = (size_t)a->opts.max_queue,
                             .metrics = &a->metrics};
    a->jobs = ag_jobs_new(a->exec, &jc, on_job_done, on_plain_ack, on_job_trace, a);
    if (!a->jobs) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    ag_jobs_on_idle(a->jobs, on_idle, a);
    if (ag_results_init(&a->results)) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    json_t *rt = runtime_info();
    int rc = ag_session_init(&a->session, &session_ops, a, a->opts.token, a->opts.id, rt);
    json_decref(rt);
    if (rc) {
        return rp_err_set(err, rc, NULL);
    }
    struct ag_link_cfg lc = {
        .host = a->opts.host,
        .port = a->opts.port,
        .path = a->opts.path,
        .tls = a->opts.tls,
        .insecure = a->opts.insecure,
        .max_message = (size_t)a->opts.max_message,
        .proxy = platform_proxy[0] ? platform_proxy : NULL,
        .pins = a->opts.pins.v,
        .n_pins = a->opts.pins.n,
    };
    a->link = ag_link_new(&a->loop, &lc, &link_cbs, a, err);
    if (!a->link) {
        return err->code;
    }
    uv_signal_init(&a->loop, &a->sigterm);
    uv_signal_init(&a->loop, &a->sigint);
    uv_signal_init(&a->loop, &a->sighup);
    uv_timer_init(&a->loop, &a->stop_timer);
    uv_timer_init(&a->loop, &a->doctor_timer);
    a->sigterm.data = a->sigint.data = a->sighup.data = a->stop_timer.data = a;
    a->doctor_timer.data = a;
    if (a->doctor) {
        uv_timer_start(&a->doctor_timer, on_doctor_timeout, DOCTOR_DEPLOY_TIMEOUT_MS, 0);
    }
    uv_signal_start(&a->sigterm, on_signal, SIGTERM);
    uv_signal_start(&a->sigint, on_signal, SIGINT);
    uv_signal_start(&a->sighup, on_sighup, SIGHUP);
    if (a->opts.health_listen) {
        a->health = ag_health_start(&a->loop, a->opts.health_listen, &health_cbs, a, err);
        if (!a->health) {
            return err->code;
        }
    }
    if (!a->redact.enabled) {
        rp_log_warn(SUB, "*** --no-redact: tokens, Authorization, cookies and keys WILL appear in "
                         "logs, traces and records ***");
    }
    if (a->opts.insecure_targets) {
        rp_log_warn(SUB, "--insecure-targets: target TLS certificates are NOT verified");
    }
    if (a->opts.insecure) {
        rp_log_warn(SUB, "--insecure: the platform's TLS certificate is NOT verified");
    }
    rp_log_notice(SUB, "repeater %s starting: platform %s://%s:%d, repeater id %s", RP_VERSION,
                  a->opts.tls ? "wss" : "ws", a->opts.host, a->opts.port, a->opts.id);
    ag_link_start(a->link);
    return 0;
}

int main(int argc, char **argv)
{
    static struct agent a;
    struct rp_err err = {0};
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "health") == 0) {
        return ag_health_command(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "doctor") == 0) {
        a.doctor = true;
        argc--;
        argv++;
    }
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    if (ag_options_parse(&a.opts, argc, argv, environ, &err)) {
        fprintf(stderr, "repeater: %s\n", err.msg);
        ag_options_cleanup(&a.opts);
        return 2;
    }
    if (a.opts.help) {
        ag_options_help(stdout);
        ag_options_cleanup(&a.opts);
        return 0;
    }
    if (a.opts.version) {
        char http[256];
        rp_exec_describe(http, sizeof(http));
        printf("repeater %s\n%s\n", RP_VERSION, http);
        ag_options_cleanup(&a.opts);
        return 0;
    }
    if (a.doctor) {
        int targets_failed = 0;
        int platform_failed = ag_doctor_network(&a.opts, stdout, &targets_failed);
        a.doctor_failed = platform_failed + targets_failed;
        if (platform_failed) {
            ag_doctor_line(stdout, false, "credentials",
                           "not checked: the platform is not reachable",
                           "fix the lines above first");
            printf("repeater doctor: %d check(s) failed\n", a.doctor_failed + 1);
            ag_options_cleanup(&a.opts);
            return 1;
        }
        if (a.opts.log_level == RP_LOG_NOTICE) {
            a.opts.log_level = RP_LOG_ERROR; /* the check lines are the output */
        }
    }
    if (a.opts.log_file) {
        a.log_file = fopen(a.opts.log_file, "a");
        if (!a.log_file) {
            fprintf(stderr, "repeater: --log-file: cannot open %s\n", a.opts.log_file);
            ag_options_cleanup(&a.opts);
            return 2;
        }
    }
    rp_log_setup((enum rp_log_level)a.opts.log_level, (enum rp_log_format)a.opts.log_format,
                 a.log_file);
    rp_log_set_color(!a.log_file && a.opts.log_format == RP_LOG_TEXT && isatty(STDERR_FILENO));
    rp_redact_init(&a.redact);
    a.redact.enabled = !a.opts.no_redact;
    for (size_t i = 0; i < a.opts.n_redact_headers; i++) {
        if (rp_redact_add(&a.redact, a.opts.redact_headers[i])) {
            fprintf(stderr, "repeater: --redact-header: too many names\n");
            ag_options_cleanup(&a.opts);
            return 2;
        }
    }
    uv_loop_init(&a.loop);
    int rc = agent_start(&a, &err);
    if (rc) {
        fprintf(stderr, "repeater: %s\n", err.msg);
        a.exit_code = rc == RP_ECONFIG ? 2 : 1;
        if (a.link) {
            teardown(&a);
        } else {
            rp_exec_free(a.exec);
            a.exec = NULL;
        }
    }
    uv_run(&a.loop, UV_RUN_DEFAULT);
    if (a.link && ag_link_destroy_again(a.link)) {
        uv_run(&a.loop, UV_RUN_DEFAULT);
    }
    ag_jobs_free(a.jobs);
    ag_link_free(a.link);
    ag_session_cleanup(&a.session);
    ag_options_cleanup(&a.opts);
    rp_redact_cleanup(&a.redact);
    ag_results_cleanup(&a.results);
    if (uv_loop_close(&a.loop) != 0) {
        fprintf(stderr, "repeater: the loop still had open handles at exit\n");
        return a.exit_code ? a.exit_code : 1;
    }
    rp_log_notice(SUB, "stopped");
    if (a.doctor) {
        printf(a.doctor_failed ? "repeater doctor: %d check(s) failed\n"
                               : "repeater doctor: all checks passed\n",
               a.doctor_failed);
        a.exit_code = a.doctor_failed ? 1 : 0;
    }
    rp_log_set_output(NULL);
    if (a.log_file) {
        fclose(a.log_file);
    }
    return a.exit_code;
}
