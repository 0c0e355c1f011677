/* bench: the load driver of `platform-stub bench` (see bench.h). Glue over the server, the
 * hub and the executor; the statistics are plain arithmetic. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <uv.h>

#include "api.h"
#include "exec.h"
#include "hub.h"
#include "rp_log.h"
#include "rp_util.h"
#include "server.h"
#include "store.h"

#define MAX_LEVELS 8

struct bench_opts {
    char host[64];
    int port;
    const char *url;
    const char *slow_url;
    const char *token;
    const char *id;
    const char *json_out;
    int agents;
    int levels[MAX_LEVELS];
    int n_levels;
    int jobs;
    int echo;
    double rate; /* jobs/s; 0: closed loop */
    int agent_pids[64];
    int n_agent_pids;
    int rss_inflight;
    int rounds;        /* echo, then direct and via at each level, this many times */
    bool full_records; /* ask for records with traces, as the stub's own deliveries do */
    bool no_direct;    /* only through the agents (scale runs with protocol-only clients) */
};

/* One step of the run's plan. */
struct step {
    const char *mode; /* "direct", "via", "echo", "rss" */
    int level;
    int total;
    int round;
};

struct phase {
    struct step st; /* what the plan asked for */
    int sent;
    int done;
    int errors;
    int in_flight;
    uint64_t *lat_us;
    uint64_t t0_us;
    uint64_t t_end_us;
    double cpu_stub;
    double cpu_agents;
    uint64_t *scheduled; /* fixed-rate: scheduled send times */
};

struct bench {
    uv_loop_t loop;
    struct bench_opts o;
    struct ps_store *store;
    struct ps_hub *hub;
    struct ps_hub_ops hub_ops;
    struct ps_server *server;
    struct rp_exec *exec;
    struct ps_api api;
    struct rp_job job;
    struct rp_job slow_job;
    json_t *job_json;
    json_t *slow_json;
    struct phase *cur;
    uv_timer_t timer;
    json_t *results;
    json_t *ratios;
    json_t *summary;
    struct step *plan;
    int n_plan;
    int step;
    long rss_idle_kb;
    long rss_inflight_kb;
    long rss_after_kb;
    int exit_code;
};

struct bench_req {
    struct bench *b;
    uint64_t start_us;
    int index;
    struct rp_job *job;
};

static double cpu_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double cpu_of(int pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0;
    unsigned long st = 0;
    if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2) {
        return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    }
    return 0;
}

static double cpu_agents(const struct bench *b)
{
    double t = 0;
    for (int i = 0; i < b->o.n_agent_pids; i++) {
        t += cpu_of(b->o.agent_pids[i]);
    }
    return t;
}

static long rss_kb(const struct bench *b)
{
    long total = 0;
    for (int i = 0; i < b->o.n_agent_pids; i++) {
        char pid[16];
        snprintf(pid, sizeof(pid), "%d", b->o.agent_pids[i]);
        total += rp_proc_status_kb(pid, "VmRSS");
    }
    return total;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, int n, double p)
{
    if (n == 0) {
        return 0;
    }
    int i = (int)(p * (n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

static void next_step(struct bench *b);
static void pump(struct bench *b);

static void phase_done(struct bench *b)
{
    struct phase *ph = b->cur;
    ph->t_end_us = rp_now_us();
    ph->cpu_stub = cpu_self() - ph->cpu_stub;
    ph->cpu_agents = cpu_agents(b) - ph->cpu_agents;
    int n = ph->done;
    qsort(ph->lat_us, (size_t)n, sizeof(uint64_t), cmp_u64);
    double secs = (double)(ph->t_end_us - ph->t0_us) / 1e6;
    json_t *r = json_pack(
        "{s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f}", "mode", ph->st.mode, "round",
        ph->st.round, "inFlight", ph->st.level, "jobs", n, "errors", ph->errors, "jobsPerSec",
        n / (secs > 0 ? secs : 1e-9), "p50Ms", pct(ph->lat_us, n, 0.50), "p90Ms",
        pct(ph->lat_us, n, 0.90), "p99Ms", pct(ph->lat_us, n, 0.99), "cpuUsPerJobStub",
        n ? ph->cpu_stub * 1e6 / n : 0, "cpuUsPerJobAgents", n ? ph->cpu_agents * 1e6 / n : 0);
    if (r) {
        json_object_set_new(r, "agentRssKbAfter", json_integer(rss_kb(b)));
    }
    json_array_append_new(b->results, r);
    free(ph->lat_us);
    free(ph->scheduled);
    free(ph);
    b->cur = NULL;
    next_step(b);
}

static void finished(struct bench *b, struct bench_req *r, bool ok)
{
    struct phase *ph = b->cur;
    uint64_t base = ph->scheduled ? ph->scheduled[r->index] : r->start_us;
    if (strcmp(ph->st.mode, "rss") == 0 && b->rss_inflight_kb == 0) {
        b->rss_inflight_kb = rss_kb(b); /* the first answer: the others still in flight */
    }
    ph->lat_us[ph->done++] = rp_now_us() - base;
    ph->errors += !ok;
    ph->in_flight--;
    free(r);
    if (ph->done == ph->st.total) {
        phase_done(b);
        return;
    }
    if (!ph->scheduled) {
        pump(b);
    }
}

static void on_direct(struct rp_exec_call *call, struct rp_record *rec, void *ud)
{
    (void)call;
    struct bench_req *r = ud;
    finished(r->b, r, rec->error.code == 0 && rec->status == 200);
}

static void on_via(void *ud, json_t *ack, int code, const char *msg)
{
    (void)msg;
    struct bench_req *r = ud;
    bool ok = ack && (code == 0);
    if (strcmp(r->b->cur->st.mode, "echo") != 0) {
        ok = ok && json_integer_value(json_object_get(ack, "statusCode")) == 200;
    }
    finished(r->b, r, ok);
}

static void send_one(struct bench *b)
{
    struct phase *ph = b->cur;
    struct bench_req *r = calloc(1, sizeof(*r));
    r->b = b;
    r->index = ph->sent++;
    r->start_us = rp_now_us();
    ph->in_flight++;
    struct rp_err err = {0};
    int rc;
    if (strcmp(ph->st.mode, "direct") == 0) {
        /* the same work as the agent's: a plain ack unless --full-records */
        struct rp_exec_call_opts co = {.done = on_direct, .plain = !b->o.full_records, .ud = r};
        rc = rp_exec_start(b->exec, &b->job, &co, NULL, &err);
    } else if (strcmp(ph->st.mode, "echo") == 0) {
        json_t *arg = json_object();
        rc = ps_hub_emit(b->hub, b->o.id, "bench-echo", arg, on_via, r, NULL);
        json_decref(arg);
    } else {
        json_t *job = strcmp(ph->st.mode, "rss") == 0 ? b->slow_json : b->job_json;
        rc = ps_hub_request(b->hub, b->o.id, job, on_via, r, NULL);
    }
    if (rc) {
        finished(b, r, false);
    }
}

static void pump(struct bench *b)
{
    struct phase *ph = b->cur;
    while (ph && ph->sent < ph->st.total && ph->in_flight < ph->st.level) {
        send_one(b);
        ph = b->cur;
    }
}

static void on_rate_tick(uv_timer_t *t)
{
    struct bench *b = t->data;
    struct phase *ph = b->cur;
    if (!ph || !ph->scheduled) {
        uv_timer_stop(t);
        return;
    }
    uint64_t now = rp_now_us();
    while (ph->sent < ph->st.total && ph->scheduled[ph->sent] <= now) {
        send_one(b);
    }
    if (ph->sent >= ph->st.total) {
        uv_timer_stop(t);
    }
}

static void start_phase(struct bench *b, const struct step *st)
{
    const char *mode = st->mode;
    int total = st->total;
    struct phase *ph = calloc(1, sizeof(*ph));
    ph->st = *st;
    ph->lat_us = calloc((size_t)total, sizeof(uint64_t));
    ph->t0_us = rp_now_us();
    ph->cpu_stub = cpu_self();
    ph->cpu_agents = cpu_agents(b);
    b->cur = ph;
    printf("bench: round %d: %s, %d in flight, %d jobs...\n", st->round + 1, mode, st->level,
           total);
    fflush(stdout);
    if (b->o.rate > 0 && strcmp(mode, "echo") != 0 && strcmp(mode, "rss") != 0) {
        ph->scheduled = calloc((size_t)total, sizeof(uint64_t));
        for (int i = 0; i < total; i++) {
            ph->scheduled[i] = ph->t0_us + (uint64_t)((double)i * 1e6 / b->o.rate);
        }
        uv_timer_start(&b->timer, on_rate_tick, 0, 1);
        return;
    }
    pump(b);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_table(struct bench *b)
{
    printf("\n%-5s %-8s %-7s %10s %9s %9s %9s %12s %12s %6s %9s\n", "round", "mode", "flight",
           "jobs/s", "p50 ms", "p90 ms", "p99 ms", "stub us/job", "agent us/job", "errors",
           "agent kB");
    size_t i;
    json_t *r;
    json_array_foreach(b->results, i, r)
    {
        printf("%-5lld %-8s %-7lld %10.0f %9.3f %9.3f %9.3f %12.1f %12.1f %6lld %9lld\n",
               json_integer_value(json_object_get(r, "round")) + 1,
               json_string_value(json_object_get(r, "mode")),
               json_integer_value(json_object_get(r, "inFlight")),
               json_real_value(json_object_get(r, "jobsPerSec")),
               json_real_value(json_object_get(r, "p50Ms")),
               json_real_value(json_object_get(r, "p90Ms")),
               json_real_value(json_object_get(r, "p99Ms")),
               json_real_value(json_object_get(r, "cpuUsPerJobStub")),
               json_real_value(json_object_get(r, "cpuUsPerJobAgents")),
               json_integer_value(json_object_get(r, "errors")),
               json_integer_value(json_object_get(r, "agentRssKbAfter")));
    }
    printf("\n%-7s %-6s %16s %22s %22s\n", "flight", "round", "via/direct tput",
           "added p50 (via-direct)", "added p50 / echo p50");
    for (int l = 0; l < b->o.n_levels; l++) {
        double ratios[64];
        double overs[64];
        int n = 0;
        for (int round = 0; round < b->o.rounds && n < 64; round++) {
            json_t *d = NULL;
            json_t *v = NULL;
            json_t *e = NULL;
            json_array_foreach(b->results, i, r)
            {
                const char *m = json_string_value(json_object_get(r, "mode"));
                if (json_integer_value(json_object_get(r, "round")) != round) {
                    continue;
                }
                e = strcmp(m, "echo") == 0 ? r : e;
                if (json_integer_value(json_object_get(r, "inFlight")) == b->o.levels[l]) {
                    d = strcmp(m, "direct") == 0 ? r : d;
                    v = strcmp(m, "via") == 0 ? r : v;
                }
            }
            if (!d || !v) {
                continue;
            }
            double echo = e ? json_real_value(json_object_get(e, "p50Ms")) : 0;
            double ratio = json_real_value(json_object_get(v, "jobsPerSec")) /
                           json_real_value(json_object_get(d, "jobsPerSec"));
            double added = json_real_value(json_object_get(v, "p50Ms")) -
                           json_real_value(json_object_get(d, "p50Ms"));
            double over = echo > 0 ? added / echo : 0;
            ratios[n] = ratio;
            overs[n] = over;
            n++;
            json_array_append_new(b->ratios,
                                  json_pack("{s:i, s:i, s:f, s:f, s:f}", "inFlight", b->o.levels[l],
                                            "round", round, "viaOverDirectThroughput", ratio,
                                            "addedP50Ms", added, "addedP50OverEcho", over));
            printf("%-7d %-6d %16.2f %19.3f ms %22.2f\n", b->o.levels[l], round + 1, ratio, added,
                   over);
        }
        if (n > 1) {
            double mr = median(ratios, n);
            double mo = median(overs, n);
            json_array_append_new(b->summary,
                                  json_pack("{s:i, s:i, s:f, s:f}", "inFlight", b->o.levels[l],
                                            "rounds", n, "medianViaOverDirectThroughput", mr,
                                            "medianAddedP50OverEcho", mo));
            printf("%-7d %-6s %16.2f %22s %22.2f\n", b->o.levels[l], "median", mr, "", mo);
        }
    }
    printf("\nagent RSS: idle %ld kB, with %d slow jobs in flight %ld kB, after the run %ld kB\n",
           b->rss_idle_kb, b->o.rss_inflight, b->rss_inflight_kb, b->rss_after_kb);
    printf("stub RSS with %d agent session(s): %ld kB\n", b->o.agents,
           rp_proc_status_kb("self", "VmRSS"));
}

static void stop_all(struct bench *b)
{
    print_table(b);
    if (b->o.json_out) {
        json_t *doc = json_pack(
            "{s:O, s:O, s:O, s:i, s:i, s:I, s:{s:I, s:I, s:I, s:i}}", "phases", b->results,
            "comparison", b->ratios, "summary", b->summary, "rounds", b->o.rounds, "sessions",
            b->o.agents, "stubRssKb", (json_int_t)rp_proc_status_kb("self", "VmRSS"), "agentRssKb",
            "idle", (json_int_t)b->rss_idle_kb, "slowInFlight", (json_int_t)b->rss_inflight_kb,
            "after", (json_int_t)b->rss_after_kb, "slowJobs", b->o.rss_inflight);
        if (doc) {
            json_dump_file(doc, b->o.json_out, JSON_INDENT(2));
        }
        json_decref(doc);
    }
    uv_timer_stop(&b->timer);
    uv_close((uv_handle_t *)&b->timer, NULL);
    ps_server_destroy(b->server);
    rp_exec_free(b->exec);
    b->exec = NULL;
}

/* The run: for each round, the echo, then direct and via at each level; the slow-receiver
 * memory phase last. Pairs of direct and via run back to back, so a round's ratio compares
 * the same moment of a shared machine. */
static int build_plan(struct bench *b)
{
    int per_round = 1 + 2 * b->o.n_levels;
    b->plan = calloc((size_t)(per_round * b->o.rounds + 1), sizeof(*b->plan));
    if (!b->plan) {
        return -1;
    }
    for (int round = 0; round < b->o.rounds; round++) {
        b->plan[b->n_plan++] = (struct step){"echo", 1, b->o.echo, round};
        for (int l = 0; l < b->o.n_levels; l++) {
            if (!b->o.no_direct) {
                b->plan[b->n_plan++] = (struct step){"direct", b->o.levels[l], b->o.jobs, round};
            }
            b->plan[b->n_plan++] = (struct step){"via", b->o.levels[l], b->o.jobs, round};
        }
    }
    if (b->o.slow_url && b->o.rss_inflight > 0) {
        b->plan[b->n_plan++] = (struct step){"rss", b->o.rss_inflight, b->o.rss_inflight, 0};
    }
    return 0;
}

static void next_step(struct bench *b)
{
    int step = b->step++;
    if (step == 0) {
        b->rss_idle_kb = rss_kb(b);
    }
    if (step < b->n_plan) {
        start_phase(b, &b->plan[step]);
        return;
    }
    b->rss_after_kb = rss_kb(b);
    stop_all(b);
}

/* ---- the platform side ---- */

static const char *bench_auth(void *ud, const char *repeater_id, const char *token)
{
    struct bench *b = ud;
    return strcmp(repeater_id, b->o.id) == 0 && strcmp(token, b->o.token) == 0
               ? NULL
               : "repeater_unauthorized";
}

static void bench_deployed(void *ud, const char *repeater_id, const char *version,
                           const json_t *runtime)
{
    (void)version;
    (void)runtime;
    struct bench *b = ud;
    size_t n = ps_hub_sessions(b->hub, repeater_id);
    printf("bench: agent session %zu of %d deployed\n", n, b->o.agents);
    fflush(stdout);
    if ((int)n == b->o.agents && b->step == 0) {
        next_step(b);
    }
}

static void bench_gone(void *ud, const char *repeater_id)
{
    (void)ud;
    (void)repeater_id;
}

static int parse_levels(struct bench_opts *o, const char *v)
{
    o->n_levels = 0;
    char *copy = strdup(v);
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && o->n_levels < MAX_LEVELS;
         t = strtok_r(NULL, ",", &save)) {
        int n = atoi(t);
        if (n < 1 || n > 100000) {
            free(copy);
            return -1;
        }
        o->levels[o->n_levels++] = n;
    }
    free(copy);
    return o->n_levels ? 0 : -1;
}

static int bench_options(struct bench_opts *o, int argc, char **argv)
{
    snprintf(o->host, sizeof(o->host), "127.0.0.1");
    o->port = 0;
    o->token = "bench-token";
    o->id = "benchrepeater1";
    o->agents = 1;
    o->jobs = 5000;
    o->echo = 2000;
    o->rss_inflight = 1000;
    o->rounds = 1;
    parse_levels(o, "1,64,512");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--full-records") == 0) {
            o->full_records = true;
            continue;
        }
        if (strcmp(a, "--no-direct") == 0) {
            o->no_direct = true;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "platform-stub bench: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--listen") == 0) {
            const char *colon = strrchr(v, ':');
            if (!colon) {
                return -1;
            }
            snprintf(o->host, sizeof(o->host), "%.*s", (int)(colon - v), v);
            o->port = atoi(colon + 1);
        } else if (strcmp(a, "--url") == 0) {
            o->url = v;
        } else if (strcmp(a, "--slow-url") == 0) {
            o->slow_url = v;
        } else if (strcmp(a, "--token") == 0) {
            o->token = v;
        } else if (strcmp(a, "--id") == 0) {
            o->id = v;
        } else if (strcmp(a, "--json") == 0) {
            o->json_out = v;
        } else if (strcmp(a, "--agents") == 0) {
            o->agents = atoi(v);
        } else if (strcmp(a, "--jobs") == 0) {
            o->jobs = atoi(v);
        } else if (strcmp(a, "--echo") == 0) {
            o->echo = atoi(v);
        } else if (strcmp(a, "--rounds") == 0) {
            o->rounds = atoi(v);
        } else if (strcmp(a, "--rate") == 0) {
            o->rate = atof(v);
        } else if (strcmp(a, "--rss-inflight") == 0) {
            o->rss_inflight = atoi(v);
        } else if (strcmp(a, "--inflight") == 0) {
            if (parse_levels(o, v)) {
                fprintf(stderr,
                        "platform-stub bench: --inflight: \"%s\" is not a list like 1,64,512\n", v);
                return -1;
            }
        } else if (strcmp(a, "--agent-pid") == 0) {
            if (o->n_agent_pids < 64) {
                o->agent_pids[o->n_agent_pids++] = atoi(v);
            }
        } else {
            fprintf(stderr, "platform-stub bench: unknown option %s\n", a);
            return -1;
        }
    }
    if (!o->url || o->agents < 1 || o->jobs < 1 || o->echo < 1 || o->rounds < 1 || o->rounds > 64) {
        fprintf(stderr, "usage: platform-stub bench --url URL [--slow-url URL] [--listen H:P]\n"
                        "  [--inflight 1,64,512] [--jobs N] [--echo N] [--rate JOBS_PER_S]\n"
                        "  [--rounds N (1-64)]\n"
                        "  [--agents N] [--agent-pid PID]... [--rss-inflight N] [--json FILE]\n"
                        "  [--token T] [--id ID]\n");
        return -1;
    }
    return 0;
}

int ps_bench_main(int argc, char **argv)
{
    static struct bench b;
    struct rp_err err = {0};
    if (bench_options(&b.o, argc, argv)) {
        return 2;
    }
    rp_log_setup(RP_LOG_WARN, RP_LOG_TEXT, NULL);
    uv_loop_init(&b.loop);
    b.results = json_array();
    b.ratios = json_array();
    b.summary = json_array();
    if (build_plan(&b)) {
        fprintf(stderr, "platform-stub bench: out of memory\n");
        return 2;
    }
    b.job_json = json_pack("{s:s, s:s, s:s, s:i}", "protocol", "http", "url", b.o.url, "method",
                           "GET", "timeout", 30000);
    b.slow_json = b.o.slow_url ? json_pack("{s:s, s:s, s:s, s:i}", "protocol", "http", "url",
                                           b.o.slow_url, "method", "GET", "timeout", 60000)
                               : NULL;
    if (rp_job_parse(b.job_json, &b.job, &err) || ps_store_open(":memory:", &b.store, &err)) {
        fprintf(stderr, "platform-stub bench: %s\n", err.msg);
        return 2;
    }
    struct rp_exec_opts eo = {.default_timeout_ms = 30000,
                              .default_capture = RP_JOB_DEFAULT_CONTENT_KIB * 1024};
    b.exec = rp_exec_new(&b.loop, &eo, &err);
    b.hub_ops = *ps_server_hub_ops();
    b.hub_ops.auth = bench_auth;
    b.hub_ops.deployed = bench_deployed;
    b.hub_ops.gone = bench_gone;
    struct ps_hub_cfg hc = {.ping_interval_ms = 25000,
                            .ping_timeout_ms = 20000,
                            .max_payload = 64L * 1024 * 1024,
                            .sessions_per_repeater = b.o.agents,
                            .plain = !b.o.full_records};
    b.hub = ps_hub_new(&hc, &b.hub_ops, &b);
    b.api.store = b.store;
    b.api.hub = b.hub;
    struct ps_server_cfg sc = {.host = b.o.host,
                               .port = b.o.port,
                               .max_body = 1 << 20,
                               .max_message = 64u << 20,
                               .ping_interval_ms = 25000,
                               .ping_timeout_ms = 20000};
    b.server = b.exec && b.hub ? ps_server_new(&b.loop, &sc, &b.api, &err) : NULL;
    if (!b.server) {
        fprintf(stderr, "platform-stub bench: %s\n", err.msg);
        return 1;
    }
    ps_server_set_hub(b.server, b.hub);
    uv_timer_init(&b.loop, &b.timer);
    b.timer.data = &b;
    printf("platform-stub: listening on http://%s:%d (bench: waiting for %d agent session(s) of "
           "%s)\n",
           b.o.host, ps_server_port(b.server), b.o.agents, b.o.id);
    fflush(stdout);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    if (ps_server_destroy_again(b.server)) {
        uv_run(&b.loop, UV_RUN_DEFAULT);
    }
    ps_hub_free(b.hub);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    ps_server_free(b.server);
    ps_store_close(b.store);
    rp_job_cleanup(&b.job);
    json_decref(b.job_json);
    json_decref(b.slow_json);
    json_decref(b.results);
    json_decref(b.ratios);
    json_decref(b.summary);
    free(b.plan);
    uv_loop_close(&b.loop);
    return b.exit_code;
}
