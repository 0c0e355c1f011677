/* options: one table of options; argv and environment parsing; --help. It owns option
 * names, defaults and value checks; what the options do belongs to the other modules. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rp_util.h"

enum opt_kind {
    OPT_STRING,
    OPT_BOOL,
    OPT_LONG,
    OPT_LEVEL,
    OPT_HEADER,
    OPT_FORMAT,
    OPT_NAMES,
    OPT_URLS,
    OPT_LIST,
};

struct opt_def {
    const char *name; /* long flag without dashes */
    char short_name;  /* 0 when none */
    const char *env;  /* REPEATER_... */
    enum opt_kind kind;
    size_t offset;
    long min, max;   /* OPT_LONG range */
    const char *def; /* default, as shown in --help */
    const char *help;
};

#define OFF(f) offsetof(struct ag_options, f)

static const struct opt_def opt_table[] = {
    {"token", 't', "REPEATER_TOKEN", OPT_STRING, OFF(token), 0, 0, NULL,
     "repeater token issued by the platform (required)"},
    {"id", 0, "REPEATER_ID", OPT_STRING, OFF(id), 0, 0, NULL,
     "repeater id (required; --agent is an alias)"},
    {"agent", 0, NULL, OPT_STRING, OFF(id), 0, 0, NULL, "alias of --id"},
    {"hostname", 0, "REPEATER_HOSTNAME", OPT_STRING, OFF(hostname), 0, 0, "app.brightsec.com",
     "platform host: localhost/127.0.0.1 mean ws://HOST:8000, others wss://HOST"},
    {"platform", 0, "REPEATER_PLATFORM", OPT_STRING, OFF(platform), 0, 0, NULL,
     "platform URL with scheme and port (ws://H:P or wss://H:P); overrides --hostname"},
    {"insecure", 0, "REPEATER_INSECURE", OPT_BOOL, OFF(insecure), 0, 0, "false",
     "do not verify the platform's TLS certificate"},
    {"insecure-targets", 0, "REPEATER_INSECURE_TARGETS", OPT_BOOL, OFF(insecure_targets), 0, 0,
     "false", "do not verify the TLS certificates of targets"},
    {"timeout", 0, "REPEATER_TIMEOUT", OPT_LONG, OFF(timeout_ms), 1, 86400000, "30000",
     "default job timeout in milliseconds"},
    {"cacert", 0, "REPEATER_CACERT", OPT_STRING, OFF(cacert), 0, 0, NULL,
     "PEM file of CA certificates trusted for targets, besides the system store"},
    {"header", 'H', "REPEATER_HEADER", OPT_HEADER, OFF(headers), 0, 0, NULL,
     "'Name: value' added to every request that lacks it (repeatable; the environment "
     "takes several separated by newlines)"},
    {"log-level", 0, "REPEATER_LOG_LEVEL", OPT_LEVEL, OFF(log_level), 0, 0, "notice",
     "silent, error, warn, notice, verbose or trace"},
    {"verbose", 'v', "REPEATER_VERBOSE", OPT_BOOL, OFF(verbose), 0, 0, "false",
     "shortcut for --log-level trace: every job's exchange, live"},
    {"log-format", 0, "REPEATER_LOG_FORMAT", OPT_FORMAT, OFF(log_format), 0, 0, "text",
     "text, or json (one JSON object per line)"},
    {"log-file", 0, "REPEATER_LOG_FILE", OPT_STRING, OFF(log_file), 0, 0, NULL,
     "append the log to this file instead of stderr; reopened on SIGHUP"},
    {"redact-header", 0, "REPEATER_REDACT_HEADER", OPT_NAMES, OFF(redact_headers), 0, 0, NULL,
     "one more header name whose values are redacted (repeatable; comma-separated in the "
     "environment)"},
    {"no-redact", 0, "REPEATER_NO_REDACT", OPT_BOOL, OFF(no_redact), 0, 0, "false",
     "show secrets (tokens, Authorization, cookies, keys) in logs and records"},
    {"max-inflight", 0, "REPEATER_MAX_INFLIGHT", OPT_LONG, OFF(max_inflight), 1, 100000, "64",
     "jobs executed at once"},
    {"max-queue", 0, "REPEATER_MAX_QUEUE", OPT_LONG, OFF(max_queue), 0, 1000000, "4096",
     "jobs waiting for a slot; more get a busy error"},
    {"shutdown-grace", 0, "REPEATER_SHUTDOWN_GRACE", OPT_LONG, OFF(shutdown_grace_ms), 0, 3600000,
     "10000", "milliseconds given to running jobs on SIGTERM/SIGINT"},
    {"max-message", 0, "REPEATER_MAX_MESSAGE", OPT_LONG, OFF(max_message), 1024,
     1024L * 1024 * 1024, "67108864", "largest WebSocket message accepted, in bytes"},
    {"proxy", 0, "REPEATER_PROXY", OPT_STRING, OFF(proxy), 0, 0, NULL,
     "proxy URL (http://[user:pass@]host:port) for the platform and for targets; hosts in "
     "NO_PROXY go direct"},
    {"proxy-bright", 0, "REPEATER_PROXY_BRIGHT", OPT_STRING, OFF(proxy_bright), 0, 0, NULL,
     "proxy for the platform connection only (wins over --proxy)"},
    {"proxy-target", 0, "REPEATER_PROXY_TARGET", OPT_STRING, OFF(proxy_target), 0, 0, NULL,
     "proxy for the HTTP targets only (wins over --proxy); http, https or socks5 URLs"},
    {"health-listen", 0, "REPEATER_HEALTH_LISTEN", OPT_STRING, OFF(health_listen), 0, 0, NULL,
     "serve /healthz, /readyz and /metrics on HOST:PORT (off unless given)"},
    {"pin-sha256", 0, "REPEATER_PIN_SHA256", OPT_LIST, OFF(pins), 0, 0, NULL,
     "base64 SHA-256 of the platform's public key (sha256//... accepted); the connection is "
     "closed before the token is sent when no pin matches (repeatable)"},
    {"allow", 0, "REPEATER_ALLOW", OPT_LIST, OFF(allow), 0, 0, NULL,
     "egress: a CIDR range, address, host or *.domain jobs may reach; once one is given, "
     "nothing else is (repeatable; comma-separated in the environment)"},
    {"deny", 0, "REPEATER_DENY", OPT_LIST, OFF(deny), 0, 0, NULL,
     "egress: a CIDR range, address, host or *.domain jobs may not reach (repeatable); "
     "link-local ranges and cloud metadata hosts are always denied"},
    {"check-url", 0, "REPEATER_CHECK_URL", OPT_URLS, OFF(check_urls), 0, 0, NULL,
     "repeater doctor: a target URL to check (repeatable; comma-separated in the environment)"},
    {"config", 'c', "REPEATER_CONFIG", OPT_STRING, OFF(config), 0, 0, NULL,
     "configuration file of `option = value` lines (flags and environment win over it)"},
    {"help", 'h', NULL, OPT_BOOL, OFF(help), 0, 0, NULL, "show this help"},
    {"version", 'V', NULL, OPT_BOOL, OFF(version), 0, 0, NULL, "show the version"},
};

#define N_OPTS (sizeof(opt_table) / sizeof(opt_table[0]))

static int set_value(struct ag_options *o, const struct opt_def *d, const char *val,
                     const char *origin, struct rp_err *err)
{
    void *field = (char *)o + d->offset;
    switch (d->kind) {
    case OPT_STRING: {
        char **s = field;
        free(*s);
        *s = strdup(val);
        return *s ? 0 : RP_ENOMEM;
    }
    case OPT_BOOL: {
        bool *b = field;
        if (!val || strcmp(val, "1") == 0 || strcmp(val, "true") == 0 || strcmp(val, "yes") == 0) {
            *b = true;
        } else if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0 || strcmp(val, "no") == 0) {
            *b = false;
        } else {
            return rp_err_set(err, RP_ECONFIG, "%s: \"%s\" is not a boolean (true/false)", origin,
                              val);
        }
        return 0;
    }
    case OPT_LONG: {
        char *end = NULL;
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || !end || end == val || *end || v < d->min || v > d->max) {
            return rp_err_set(err, RP_ECONFIG, "%s: \"%s\" is not a whole number from %ld to %ld",
                              origin, val, d->min, d->max);
        }
        *(long *)field = v;
        return 0;
    }
    case OPT_LEVEL: {
        int lvl = rp_log_level_parse(val);
        if (lvl < 0) {
            return rp_err_set(err, RP_ECONFIG,
                              "%s: \"%s\" is not one of silent, error, warn, notice, verbose, "
                              "trace",
                              origin, val);
        }
        *(int *)field = lvl;
        return 0;
    }
    case OPT_FORMAT: {
        int f = rp_log_format_parse(val);
        if (f < 0) {
            return rp_err_set(err, RP_ECONFIG, "%s: \"%s\" is not text or json", origin, val);
        }
        *(int *)field = f;
        return 0;
    }
    case OPT_NAMES: {
        size_t n = strlen(val);
        if (!rp_http_token_valid(val, n)) {
            return rp_err_set(err, RP_ECONFIG, "%s: \"%s\" is not a header name", origin, val);
        }
        char **names = realloc(o->redact_headers, (o->n_redact_headers + 1) * sizeof(*names));
        if (!names) {
            return RP_ENOMEM;
        }
        o->redact_headers = names;
        names[o->n_redact_headers] = strdup(val);
        if (!names[o->n_redact_headers]) {
            return RP_ENOMEM;
        }
        o->n_redact_headers++;
        return 0;
    }
    case OPT_URLS: {
        if (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) {
            return rp_err_set(err, RP_ECONFIG, "%s: \"%s\" is not an http(s) URL", origin, val);
        }
        char **urls = realloc(o->check_urls, (o->n_check_urls + 1) * sizeof(*urls));
        if (!urls) {
            return RP_ENOMEM;
        }
        o->check_urls = urls;
        urls[o->n_check_urls] = strdup(val);
        if (!urls[o->n_check_urls]) {
            return RP_ENOMEM;
        }
        o->n_check_urls++;
        return 0;
    }
    case OPT_LIST: {
        struct ag_strlist *l = field;
        char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
        if (!v) {
            return RP_ENOMEM;
        }
        l->v = v;
        v[l->n] = strdup(val);
        if (!v[l->n]) {
            return RP_ENOMEM;
        }
        l->n++;
        return 0;
    }
    case OPT_HEADER: {
        char *name = NULL;
        char *value = NULL;
        struct rp_err herr;
        if (rp_header_parse_line(val, &name, &value, &herr)) {
            return rp_err_set(err, RP_ECONFIG, "%s: %s", origin, herr.msg);
        }
        struct rp_header *h = realloc(o->headers, (o->n_headers + 1) * sizeof(*h));
        if (!h) {
            free(name);
            free(value);
            return RP_ENOMEM;
        }
        o->headers = h;
        h[o->n_headers].name = name;
        h[o->n_headers].value = value;
        o->n_headers++;
        return 0;
    }
    }
    return RP_EINTERNAL;
}

static const struct opt_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        if (strlen(opt_table[i].name) == len && strncmp(opt_table[i].name, name, len) == 0) {
            return &opt_table[i];
        }
    }
    return NULL;
}

static const struct opt_def *find_short(char c)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        if (opt_table[i].short_name && opt_table[i].short_name == c) {
            return &opt_table[i];
        }
    }
    return NULL;
}

static void set_defaults(struct ag_options *o)
{
    memset(o, 0, sizeof(*o));
    o->timeout_ms = 30000;
    o->log_level = RP_LOG_NOTICE;
    o->max_inflight = 64;
    o->max_queue = 4096;
    o->shutdown_grace_ms = 10000;
    o->max_message = 64L * 1024 * 1024;
}

static int parse_argv(struct ag_options *o, int argc, char **argv, bool *seen, struct rp_err *err)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const struct opt_def *d = NULL;
        const char *val = NULL;
        char origin[80];
        if (strncmp(arg, "--", 2) == 0 && arg[2]) {
            const char *eq = strchr(arg + 2, '=');
            size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
            d = find_long(arg + 2, len);
            val = eq ? eq + 1 : NULL;
        } else if (arg[0] == '-' && arg[1] && !arg[2]) {
            d = find_short(arg[1]);
        } else {
            return rp_err_set(err, RP_ECONFIG, "unexpected argument \"%s\"", arg);
        }
        if (!d) {
            return rp_err_set(err, RP_ECONFIG, "unknown option \"%s\" (see --help)", arg);
        }
        snprintf(origin, sizeof(origin), "--%s", d->name);
        if (d->kind != OPT_BOOL && !val) {
            if (i + 1 >= argc) {
                return rp_err_set(err, RP_ECONFIG, "%s needs a value", origin);
            }
            val = argv[++i];
        }
        int rc = set_value(o, d, val, origin, err);
        if (rc) {
            return rc;
        }
        seen[d - opt_table] = true;
    }
    return 0;
}

static const char *env_get(char **env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env && env[i]; i++) {
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
            return env[i] + n + 1;
        }
    }
    return NULL;
}

static int parse_env(struct ag_options *o, char **env, bool *seen, struct rp_err *err)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt_def *d = &opt_table[i];
        bool given = false; /* by this flag or an alias writing the same field */
        for (size_t k = 0; k < N_OPTS; k++) {
            given = given || (seen[k] && opt_table[k].offset == d->offset);
        }
        if (!d->env || given) {
            continue;
        }
        const char *val = env_get(env, d->env);
        if (!val || !val[0]) {
            continue;
        }
        if (d->kind == OPT_HEADER || d->kind == OPT_NAMES || d->kind == OPT_URLS ||
            d->kind == OPT_LIST) {
            char *copy = strdup(val);
            char *save = NULL;
            const char *sep = d->kind == OPT_HEADER ? "\n" : ", ";
            int rc = copy ? 0 : RP_ENOMEM;
            for (char *line = copy ? strtok_r(copy, sep, &save) : NULL; line && !rc;
                 line = strtok_r(NULL, sep, &save)) {
                rc = set_value(o, d, line, d->env, err);
            }
            free(copy);
            if (rc) {
                return rc;
            }
            continue;
        }
        int rc = set_value(o, d, val, d->env, err);
        if (rc) {
            return rc;
        }
        seen[i] = true;
    }
    return 0;
}

static bool given(const bool *seen, const struct opt_def *d)
{
    for (size_t k = 0; k < N_OPTS; k++) {
        if (seen[k] && opt_table[k].offset == d->offset) {
            return true;
        }
    }
    return false;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) {
        s[--n] = 0;
    }
    return s;
}

/* One `key = value` line of the configuration file. */
static int parse_file_line(struct ag_options *o, char *line, const char *path, int lineno,
                           const bool *seen, bool *seen_file, struct rp_err *err)
{
    char *p = trim(line);
    if (*p == 0 || *p == '#') {
        return 0;
    }
    char *eq = strchr(p, '=');
    if (!eq) {
        return rp_err_set(err, RP_ECONFIG, "%s:%d: expected `option = value`", path, lineno);
    }
    *eq = 0;
    char *key = trim(p);
    char *val = trim(eq + 1);
    size_t vlen = strlen(val);
    if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
        val[vlen - 1] = 0;
        val++;
    }
    const struct opt_def *d = find_long(key, strlen(key));
    if (!d || strcmp(key, "config") == 0 || strcmp(key, "help") == 0 ||
        strcmp(key, "version") == 0) {
        return rp_err_set(err, RP_ECONFIG, "%s:%d: unknown key \"%s\" (see repeater --help)", path,
                          lineno, key);
    }
    size_t idx = (size_t)(d - opt_table);
    if (given(seen, d)) {
        return 0; /* a flag or the environment set it: they win */
    }
    bool list =
        d->kind == OPT_HEADER || d->kind == OPT_NAMES || d->kind == OPT_URLS || d->kind == OPT_LIST;
    if (seen_file[idx] && !list) {
        return rp_err_set(err, RP_ECONFIG, "%s:%d: key \"%s\" is set twice", path, lineno, key);
    }
    seen_file[idx] = true;
    char origin[300];
    snprintf(origin, sizeof(origin), "%s:%d: %s", path, lineno, key);
    return set_value(o, d, val, origin, err);
}

static int parse_file(struct ag_options *o, const char *path, const bool *seen, struct rp_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return rp_err_set(err, RP_ECONFIG, "--config: cannot read %s: %s", path, strerror(errno));
    }
    bool seen_file[N_OPTS] = {0};
    char line[4096];
    int lineno = 0;
    int rc = 0;
    while (!rc && fgets(line, sizeof(line), f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = rp_err_set(err, RP_ECONFIG, "%s:%d: line longer than %zu bytes", path, lineno,
                            sizeof(line) - 2);
            break;
        }
        rc = parse_file_line(o, line, path, lineno, seen, seen_file, err);
    }
    fclose(f);
    return rc;
}

int ag_options_platform_url(struct ag_options *o, struct rp_err *err)
{
    free(o->host);
    free(o->path);
    o->host = NULL;
    o->path = strdup("/api/ws/v1/?EIO=4&transport=websocket");
    if (!o->path) {
        return RP_ENOMEM;
    }
    if (o->platform) {
        const char *u = o->platform;
        if (strncmp(u, "wss://", 6) == 0) {
            o->tls = true;
            u += 6;
            o->port = 443;
        } else if (strncmp(u, "ws://", 5) == 0) {
            o->tls = false;
            u += 5;
            o->port = 80;
        } else {
            return rp_err_set(err, RP_ECONFIG, "--platform: \"%s\" is not a ws:// or wss:// URL",
                              o->platform);
        }
        size_t hlen = strcspn(u, ":/");
        if (u[0] == '[') {
            const char *close = strchr(u, ']');
            if (!close) {
                return rp_err_set(err, RP_ECONFIG, "--platform: unclosed IPv6 literal");
            }
            o->host = strndup(u + 1, (size_t)(close - u - 1));
            u = close + 1;
        } else {
            o->host = strndup(u, hlen);
            u += hlen;
        }
        if (!o->host || !o->host[0]) {
            return rp_err_set(err, RP_ECONFIG, "--platform: no host in \"%s\"", o->platform);
        }
        if (*u == ':') {
            char *end = NULL;
            long port = strtol(u + 1, &end, 10);
            if (port < 1 || port > 65535 || (end && *end && *end != '/')) {
                return rp_err_set(err, RP_ECONFIG, "--platform: bad port in \"%s\"", o->platform);
            }
            o->port = (int)port;
        }
        return 0;
    }
    const char *h = o->hostname ? o->hostname : "app.brightsec.com";
    if (strchr(h, '/') || strchr(h, ' ') || !h[0]) {
        return rp_err_set(err, RP_ECONFIG, "--hostname: \"%s\" is not a host name", h);
    }
    o->host = strdup(h);
    if (!o->host) {
        return RP_ENOMEM;
    }
    if (strcmp(h, "localhost") == 0 || strcmp(h, "127.0.0.1") == 0) {
        o->tls = false;
        o->port = 8000;
    } else {
        o->tls = true;
        o->port = 443;
    }
    return 0;
}

static bool id_valid(const char *id)
{
    size_t n = strlen(id);
    bool short_id = n >= 10 && n <= 22;
    for (size_t i = 0; short_id && i < n; i++) {
        short_id = (id[i] >= '1' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'z');
    }
    if (short_id) {
        return true;
    }
    if (n != 36) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-' : !isxdigit((unsigned char)id[i])) {
            return false;
        }
    }
    return true;
}

int ag_options_parse(struct ag_options *o, int argc, char **argv, char **env, struct rp_err *err)
{
    bool seen[N_OPTS] = {0};
    set_defaults(o);
    int rc = parse_argv(o, argc, argv, seen, err);
    if (!rc) {
        rc = parse_env(o, env, seen, err);
    }
    if (!rc && o->config && !o->help && !o->version) {
        rc = parse_file(o, o->config, seen, err);
    }
    if (rc == RP_ENOMEM) {
        rp_err_set(err, RP_ENOMEM, NULL);
    }
    if (rc || o->help || o->version) {
        return rc;
    }
    if (o->verbose) {
        o->log_level = RP_LOG_TRACE;
    }
    if (!o->token || !o->token[0]) {
        return rp_err_set(err, RP_ECONFIG, "--token (REPEATER_TOKEN) is required");
    }
    if (!o->id || !o->id[0]) {
        return rp_err_set(err, RP_ECONFIG, "--id (REPEATER_ID) is required");
    }
    if (!id_valid(o->id)) {
        return rp_err_set(err, RP_ECONFIG,
                          "--id: \"%s\" is neither a UUID nor 10-22 characters of [1-9a-z]", o->id);
    }
    return ag_options_platform_url(o, err);
}

void ag_options_cleanup(struct ag_options *o)
{
    free(o->token);
    free(o->id);
    free(o->hostname);
    free(o->platform);
    free(o->cacert);
    for (size_t i = 0; i < o->n_headers; i++) {
        free(o->headers[i].name);
        free(o->headers[i].value);
    }
    free(o->headers);
    for (size_t i = 0; i < o->n_redact_headers; i++) {
        free(o->redact_headers[i]);
    }
    free(o->redact_headers);
    free(o->log_file);
    free(o->config);
    for (size_t i = 0; i < o->n_check_urls; i++) {
        free(o->check_urls[i]);
    }
    free(o->check_urls);
    struct ag_strlist *lists[] = {&o->allow, &o->deny, &o->pins};
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < lists[k]->n; i++) {
            free(lists[k]->v[i]);
        }
        free(lists[k]->v);
    }
    free(o->health_listen);
    free(o->proxy);
    free(o->proxy_bright);
    free(o->proxy_target);
    free(o->host);
    free(o->path);
    memset(o, 0, sizeof(*o));
}

void ag_options_help(FILE *out)
{
    fprintf(out, "Usage: repeater --token TOKEN --id ID [options]\n"
                 "       repeater doctor --token TOKEN --id ID [options] [--check-url URL]...\n"
                 "       repeater health [--ready] [--health-listen HOST:PORT]\n\n"
                 "Runs HTTP jobs sent by a Bright-compatible platform inside this network.\n"
                 "doctor checks DNS, TCP, TLS, proxy, clock and credentials, then exits;\n"
                 "health asks a running agent's --health-listen endpoint (exit 0 when healthy).\n\n"
                 "Options (flags win over the environment, which wins over --config):\n");
    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt_def *d = &opt_table[i];
        char flag[64];
        if (d->short_name) {
            snprintf(flag, sizeof(flag), "-%c, --%s", d->short_name, d->name);
        } else {
            snprintf(flag, sizeof(flag), "    --%s", d->name);
        }
        fprintf(out, "  %-26s %s\n", flag, d->help);
        if (d->env || d->def) {
            fprintf(out, "  %-26s", "");
            if (d->env) {
                fprintf(out, " env %s", d->env);
            }
            if (d->def) {
                fprintf(out, "%s default %s", d->env ? ";" : "", d->def);
            }
            fputc('\n', out);
        }
    }
}

const char *ag_options_no_proxy(void)
{
    return getenv("NO_PROXY") ? getenv("NO_PROXY") : getenv("no_proxy");
}

const char *ag_options_platform_proxy(const struct ag_options *o)
{
    const char *p = o->proxy_bright ? o->proxy_bright : o->proxy;
    return p && !rp_no_proxy_match(ag_options_no_proxy(), o->host) ? p : NULL;
}

const char *ag_options_target_proxy(const struct ag_options *o)
{
    return o->proxy_target ? o->proxy_target : o->proxy;
}
