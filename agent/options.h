/* options: the agent's command line and REPEATER_* environment, described once in a table
 * that also produces --help. Flags win over the environment. Pure logic: no I/O but the
 * help text written to the FILE given. */
#ifndef AG_OPTIONS_H
#define AG_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "job.h"
#include "rp_err.h"
#include "rp_log.h"

/* A repeatable option's values (owned). */
struct ag_strlist {
    char **v;
    size_t n;
};

struct ag_options {
    char *token;
    char *id;
    char *hostname;
    char *platform; /* explicit ws:// or wss:// URL */
    bool insecure;  /* do not verify the platform's certificate */
    bool insecure_targets;
    long timeout_ms;
    char *cacert;
    struct rp_header *headers; /* --header values */
    size_t n_headers;
    int log_level;
    int log_format;
    char *log_file;
    bool verbose;
    bool no_redact;
    char **redact_headers;
    size_t n_redact_headers;
    long max_inflight;
    long max_queue;
    long shutdown_grace_ms;
    long max_message;
    char *config;
    struct ag_strlist allow; /* egress policy */
    struct ag_strlist deny;
    struct ag_strlist pins; /* --pin-sha256 */
    char **check_urls;      /* repeater doctor --check-url */
    size_t n_check_urls;
    char *health_listen;
    char *proxy;        /* for the platform and targets */
    char *proxy_bright; /* for the platform only */
    char *proxy_target; /* for targets only */
    bool help;
    bool version;
    /* derived from hostname/platform */
    bool tls;
    char *host;
    int port;
    char *path;
};

/* Parses argv then fills what argv did not set from env (an environ-style array; NULL for
 * none). Returns 0, or RP_ECONFIG with a message naming the option. */
int ag_options_parse(struct ag_options *o, int argc, char **argv, char **env, struct rp_err *err);
void ag_options_cleanup(struct ag_options *o);
void ag_options_help(FILE *out);

/* Derives tls/host/port/path from --platform or --hostname with the Bright CLI's rule:
 * "localhost" and "127.0.0.1" mean ws://HOST:8000, any other host wss://HOST. */
int ag_options_platform_url(struct ag_options *o, struct rp_err *err);

/* NO_PROXY (or no_proxy) from the environment; NULL when unset. */
const char *ag_options_no_proxy(void);
/* The proxy for the platform connection: --proxy-bright, else --proxy; NULL when there is
 * none or NO_PROXY names the platform host. */
const char *ag_options_platform_proxy(const struct ag_options *o);
/* The proxy for targets: --proxy-target, else --proxy (NULL: none). */
const char *ag_options_target_proxy(const struct ag_options *o);

#endif
