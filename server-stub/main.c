/* main: the platform-stub process: options, the loop, signals, and the wiring of the store,
 * the hub (repeater connections), the delivery engine, the executor and the server. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "api.h"
#include "bench.h"
#include "dispatch.h"
#include "exec.h"
#include "hub.h"
#include "rp_log.h"
#include "rp_util.h"
#include "server.h"
#include "store.h"

#define SUB "platform"

struct stub_options {
    char host[256];
    int port;
    const char *db;
    const char *api_key;
    const char *tls_cert;
    const char *tls_key;
    const char *cacert;
    long ping_interval_ms;
    long ping_timeout_ms;
    long attempt_timeout_ms;
    long max_body;
    long limits_max_body;
    long sessions_per_repeater;
    const char *retry;
    int log_level;
    int log_format;
};

struct stub {
    uv_loop_t loop;
    struct stub_options o;
    struct ps_store *store;
    struct ps_hub *hub;
    struct rp_exec *exec;
    struct ps_dispatch *dispatch;
    struct ps_server *server;
    struct ps_api api;
    struct ps_hub_ops hub_ops;
    struct rp_redact redact;
    uv_signal_t sigterm, sigint;
    bool stopping;
};

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: platform-stub [options]\n\n"
        "A local webhook platform speaking the Bright repeater protocol.\n\n"
        "  --listen HOST:PORT        address to listen on (default 127.0.0.1:8000; port 0\n"
        "                            picks a free port, printed at start)\n"
        "  --db FILE                 SQLite database (default platform.db)\n"
        "  --api-key KEY             REST API key (env PLATFORM_API_KEY; default: random,\n"
        "                            written to DB.api-key, mode 0600)\n"
        "  --tls-cert FILE           serve TLS with this certificate (PEM)\n"
        "  --tls-key FILE            and this key\n"
        "  --cacert FILE             PEM CAs trusted for direct deliveries, besides the system\n"
        "                            store\n"
        "  --ping-interval MS        Engine.IO ping interval (default 25000)\n"
        "  --ping-timeout MS         Engine.IO ping timeout (default 20000)\n"
        "  --attempt-timeout MS      timeout of one delivery attempt (default 30000)\n"
        "  --retry-schedule LIST     waits between attempts (default " PS_DEFAULT_RETRY_SCHEDULE
        ")\n"
        "  --max-body BYTES          largest REST request body (default 1048576)\n"
        "  --limits-max-body BYTES   maxBodySize sent to repeaters in `limits` (default "
        "1048576)\n"
        "  --sessions-per-repeater N connections one repeater id may hold (default 1)\n"
        "  --log-level LEVEL         silent, error, warn, notice, verbose, trace (default "
        "notice)\n"
        "  --log-format FORMAT       text or json (one JSON object per line; default text)\n"
        "  --help, --version\n");
}

static int parse_long(const char *name, const char *v, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max) {
        fprintf(stderr, "platform-stub: %s: \"%s\" is not a number from %ld to %ld\n", name, v, min,
                max);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_listen(struct stub_options *o, const char *v)
{
    const char *colon = strrchr(v, ':');
    long port = 0;
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof(o->host) ||
        parse_long("--listen", colon + 1, 0, 65535, &port)) {
        fprintf(stderr, "platform-stub: --listen: \"%s\" is not HOST:PORT\n", v);
        return -1;
    }
    const char *h = v;
    size_t hl = (size_t)(colon - v);
    if (h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    snprintf(o->host, sizeof(o->host), "%.*s", (int)hl, h);
    o->port = (int)port;
    return 0;
}

static int parse_options(struct stub_options *o, int argc, char **argv)
{
    snprintf(o->host, sizeof(o->host), "127.0.0.1");
    o->port = 8000;
    o->db = "platform.db";
    o->api_key = getenv("PLATFORM_API_KEY");
    o->ping_interval_ms = 25000;
    o->ping_timeout_ms = 20000;
    o->attempt_timeout_ms = 30000;
    o->max_body = 1048576;
    o->limits_max_body = 1048576;
    o->sessions_per_repeater = 1;
    o->retry = PS_DEFAULT_RETRY_SCHEDULE;
    o->log_level = RP_LOG_NOTICE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(a, "--version") == 0) {
            printf("platform-stub %s\n", RP_VERSION);
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "platform-stub: %s: unknown option or missing value (see --help)\n", a);
            return -1;
        }
        const char *v = argv[++i];
        int rc = 0;
        if (strcmp(a, "--listen") == 0) {
            rc = parse_listen(o, v);
        } else if (strcmp(a, "--db") == 0) {
            o->db = v;
        } else if (strcmp(a, "--api-key") == 0) {
            o->api_key = v;
        } else if (strcmp(a, "--tls-cert") == 0) {
            o->tls_cert = v;
        } else if (strcmp(a, "--tls-key") == 0) {
            o->tls_key = v;
        } else if (strcmp(a, "--cacert") == 0) {
            o->cacert = v;
        } else if (strcmp(a, "--ping-interval") == 0) {
            rc = parse_long(a, v, 100, 3600000, &o->ping_interval_ms);
        } else if (strcmp(a, "--ping-timeout") == 0) {
            rc = parse_long(a, v, 100, 3600000, &o->ping_timeout_ms);
        } else if (strcmp(a, "--attempt-timeout") == 0) {
            rc = parse_long(a, v, 100, 3600000, &o->attempt_timeout_ms);
        } else if (strcmp(a, "--max-body") == 0) {
            rc = parse_long(a, v, 1024, 1L << 30, &o->max_body);
        } else if (strcmp(a, "--limits-max-body") == 0) {
            rc = parse_long(a, v, 1024, 1L << 30, &o->limits_max_body);
        } else if (strcmp(a, "--sessions-per-repeater") == 0) {
            rc = parse_long(a, v, 1, 1000, &o->sessions_per_repeater);
        } else if (strcmp(a, "--retry-schedule") == 0) {
            o->retry = v;
        } else if (strcmp(a, "--log-format") == 0) {
            o->log_format = rp_log_format_parse(v);
            if (o->log_format < 0) {
                fprintf(stderr, "platform-stub: --log-format: \"%s\" is not text or json\n", v);
                rc = -1;
            }
        } else if (strcmp(a, "--log-level") == 0) {
            o->log_level = rp_log_level_parse(v);
            if (o->log_level < 0) {
                fprintf(stderr, "platform-stub: --log-level: \"%s\" is not a level\n", v);
                rc = -1;
            }
        } else {
            fprintf(stderr, "platform-stub: unknown option \"%s\" (see --help)\n", a);
            rc = -1;
        }
        if (rc) {
            return -1;
        }
    }
    if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
        fprintf(stderr, "platform-stub: --tls-cert and --tls-key go together\n");
        return -1;
    }
    return 0;
}

/* ---- hub callbacks ---- */

static const char *hub_auth(void *ud, const char *repeater_id, const char *token)
{
    struct stub *s = ud;
    char stored[65];
    bool active = false;
    char hash[65];
    int hashed = rp_sha256_hex(token, strlen(token), hash);
    if (ps_store_repeater_secret(s->store, repeater_id, stored, &active) || hashed ||
        !rp_secure_equal(stored, hash, 64)) {
        return "repeater_unauthorized";
    }
    return active ? NULL : "repeater_deactivated";
}

static void hub_deployed(void *ud, const char *repeater_id, const char *version,
                         const json_t *runtime)
{
    struct stub *s = ud;
    char now[32];
    rp_time_iso(rp_wall_ms(), now);
    ps_store_repeater_deployed(s->store, repeater_id, version, runtime, now);
    ps_dispatch_repeater_online(s->dispatch, repeater_id);
}

static void hub_trace(void *ud, const char *repeater_id, const json_t *line)
{
    (void)ud;
    ps_server_trace_line(repeater_id, line);
}

static bool hub_watched(void *ud, const char *repeater_id)
{
    (void)ud;
    return ps_server_trace_watched(repeater_id);
}

static void hub_result(void *ud, const char *repeater_id, const char *job_id, json_t *ack)
{
    struct stub *s = ud;
    ps_dispatch_result(s->dispatch, repeater_id, job_id, ack);
}

static void hub_gone(void *ud, const char *repeater_id)
{
    struct stub *s = ud;
    char now[32];
    rp_time_iso(rp_wall_ms(), now);
    ps_store_repeater_seen(s->store, repeater_id, now);
}

/* ---- life ---- */

static void handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void stop(struct stub *s)
{
    if (s->stopping) {
        return;
    }
    s->stopping = true;
    rp_log_notice(SUB, "stopping");
    ps_dispatch_stop(s->dispatch);
    ps_server_destroy(s->server); /* closes the WebSockets: the hub fails their requests */
    rp_exec_free(s->exec);
    s->exec = NULL;
    uv_close((uv_handle_t *)&s->sigterm, handle_closed);
    uv_close((uv_handle_t *)&s->sigint, handle_closed);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    (void)signum;
    stop(sig->data);
}

/* The REST API key: --api-key, PLATFORM_API_KEY, or one made up now and written to
 * DB.api-key (mode 0600), so no log or terminal ever shows it. Only its hash is kept. */
static int api_key_setup(struct stub *s)
{
    char generated[41];
    const char *key = s->o.api_key;
    if (!key || !key[0]) {
        rp_random_id(generated, 40);
        key = generated;
        char path[1100];
        snprintf(path, sizeof(path), "%s.api-key", s->o.db);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, key, strlen(key)) != (ssize_t)strlen(key) ||
            write(fd, "\n", 1) != 1) {
            fprintf(stderr, "platform-stub: cannot write the generated API key to %s\n", path);
            if (fd >= 0) {
                close(fd);
            }
            return -1;
        }
        close(fd);
        printf("platform-stub: generated an API key, written to %s (mode 0600)\n", path);
    }
    return rp_sha256_hex(key, strlen(key), s->api.api_key_hash) ? -1 : 0;
}

int main(int argc, char **argv)
{
    static struct stub s;
    struct rp_err err = {0};
    signal(SIGPIPE, SIG_IGN);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    if (argc >= 2 && strcmp(argv[1], "bench") == 0) {
        return ps_bench_main(argc - 1, argv + 1);
    }
    if (parse_options(&s.o, argc, argv)) {
        return 2;
    }
    rp_log_setup((enum rp_log_level)s.o.log_level, (enum rp_log_format)s.o.log_format, NULL);
    struct ps_dispatch_cfg dc = {
        .attempt_timeout_ms = s.o.attempt_timeout_ms, .max_in_flight = 256, .redact = &s.redact};
    if (ps_retry_parse(s.o.retry, &dc.retry, &err)) {
        fprintf(stderr, "platform-stub: --retry-schedule: %s\n", err.msg);
        return 2;
    }
    if (ps_store_open(s.o.db, &s.store, &err)) {
        fprintf(stderr, "platform-stub: %s\n", err.msg);
        return 2;
    }
    if (api_key_setup(&s)) {
        ps_store_close(s.store);
        return 1;
    }
    uv_loop_init(&s.loop);
    rp_redact_init(&s.redact);
    struct rp_exec_opts eo = {.default_timeout_ms = s.o.attempt_timeout_ms,
                              .default_capture = RP_JOB_DEFAULT_CONTENT_KIB * 1024,
                              .cacert_file = s.o.cacert,
                              .redact = &s.redact};
    s.exec = rp_exec_new(&s.loop, &eo, &err);
    struct ps_server_cfg sc = {
        .host = s.o.host,
        .port = s.o.port,
        .tls_cert = s.o.tls_cert,
        .tls_key = s.o.tls_key,
        .max_body = (size_t)s.o.max_body,
        .max_message = 64u * 1024 * 1024,
        .ping_interval_ms = (int)s.o.ping_interval_ms,
        .ping_timeout_ms = (int)s.o.ping_timeout_ms,
    };
    s.hub_ops = *ps_server_hub_ops();
    s.hub_ops.auth = hub_auth;
    s.hub_ops.deployed = hub_deployed;
    s.hub_ops.gone = hub_gone;
    s.hub_ops.trace = hub_trace;
    s.hub_ops.watched = hub_watched;
    s.hub_ops.result = hub_result;
    struct ps_hub_cfg hc = {
        .ping_interval_ms = (int)s.o.ping_interval_ms,
        .ping_timeout_ms = (int)s.o.ping_timeout_ms,
        .max_payload = 64L * 1024 * 1024,
        .limits_max_body = s.o.limits_max_body,
        .sessions_per_repeater = (int)s.o.sessions_per_repeater,
    };
    s.hub = ps_hub_new(&hc, &s.hub_ops, &s);
    s.api.store = s.store;
    s.api.hub = s.hub;
    s.server = s.exec && s.hub ? ps_server_new(&s.loop, &sc, &s.api, &err) : NULL;
    if (!s.server) {
        fprintf(stderr, "platform-stub: %s\n", err.msg[0] ? err.msg : "could not start");
        rp_exec_free(s.exec);
        ps_hub_free(s.hub);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        uv_loop_close(&s.loop);
        ps_store_close(s.store);
        return 1;
    }
    ps_server_set_hub(s.server, s.hub);
    s.dispatch = ps_dispatch_new(&s.loop, s.store, s.hub, s.exec, &dc);
    s.api.dispatch = s.dispatch;
    uv_signal_init(&s.loop, &s.sigterm);
    uv_signal_init(&s.loop, &s.sigint);
    s.sigterm.data = s.sigint.data = &s;
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    printf("platform-stub: listening on %s://%s:%d (repeaters: %s://%s:%d/api/ws/v1/)\n",
           s.o.tls_cert ? "https" : "http", s.o.host, ps_server_port(s.server),
           s.o.tls_cert ? "wss" : "ws", s.o.host, ps_server_port(s.server));
    fflush(stdout);

    uv_run(&s.loop, UV_RUN_DEFAULT);
    if (ps_server_destroy_again(s.server)) {
        uv_run(&s.loop, UV_RUN_DEFAULT);
    }
    ps_hub_free(s.hub);
    ps_dispatch_free(s.dispatch);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    ps_server_free(s.server);
    ps_store_close(s.store);
    int rc = uv_loop_close(&s.loop);
    rp_log_notice(SUB, "stopped");
    rp_redact_cleanup(&s.redact);
    return rc == 0 ? 0 : 1;
}
