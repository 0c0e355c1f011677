/* rp_log: formats and writes log lines. It owns the threshold and the output form; it does
 * not own the output FILE and never decides what is secret (callers redact first). */
#include "rp_log.h"

#include <stdarg.h>
#include <string.h>

#include <jansson.h>

#include "rp_util.h"

static enum rp_log_level log_level = RP_LOG_NOTICE;
static enum rp_log_format log_format = RP_LOG_TEXT;
static FILE *log_out;
static bool log_color;

static const char *const level_names[] = {"silent", "error", "warn", "notice", "verbose", "trace"};
static const char *const level_tags[] = {"", "ERROR", "WARN", "NOTICE", "VERB", "TRACE"};

void rp_log_setup(enum rp_log_level level, enum rp_log_format format, FILE *out)
{
    log_level = level;
    log_format = format;
    log_out = out;
}

void rp_log_set_color(bool on)
{
    log_color = on;
}

void rp_log_set_output(FILE *out)
{
    log_out = out;
}

int rp_log_format_parse(const char *name)
{
    if (strcmp(name, "text") == 0) {
        return RP_LOG_TEXT;
    }
    if (strcmp(name, "json") == 0) {
        return RP_LOG_JSON;
    }
    return -1;
}

bool rp_log_enabled(enum rp_log_level level)
{
    return level != RP_LOG_SILENT && level <= log_level;
}

int rp_log_level_parse(const char *name)
{
    for (int i = 0; i <= RP_LOG_TRACE; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

const char *rp_log_level_name(enum rp_log_level level)
{
    return level <= RP_LOG_TRACE ? level_names[level] : "?";
}

/* A JSON string member that survives bytes that are not UTF-8 (they become \\xNN). */
static json_t *safe_string(const char *s)
{
    json_t *v = json_string(s);
    if (v) {
        return v;
    }
    char buf[8192];
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < sizeof(buf); p++) {
        if (*p < 0x80) {
            buf[o++] = (char)*p;
        } else {
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", *p);
        }
    }
    buf[o] = 0;
    return json_string(buf);
}

static const char *color_of(enum rp_log_level level, const char *event, const char *msg)
{
    if (level <= RP_LOG_ERROR || (event && strcmp(event, "error") == 0)) {
        return "\033[31m";
    }
    if (level == RP_LOG_WARN) {
        return "\033[33m";
    }
    if (msg[0] == '>') {
        return "\033[36m";
    }
    if (msg[0] == '<') {
        return "\033[32m";
    }
    if (level == RP_LOG_NOTICE) {
        return "\033[1m";
    }
    return NULL;
}

static void emit(enum rp_log_level level, const char *subsys, long long job, const char *event,
                 const char *msg)
{
    FILE *out = log_out ? log_out : stderr;
    char when[32];
    rp_time_iso(rp_wall_ms(), when);
    if (log_format == RP_LOG_JSON) {
        json_t *line = json_pack("{s:s, s:s, s:s}", "time", when, "level", level_names[level],
                                 "subsystem", subsys);
        if (line) {
            if (job >= 0) {
                json_object_set_new(line, "job", json_integer(job));
            }
            if (event) {
                json_object_set_new(line, "event", json_string(event));
            }
            json_object_set_new(line, "message", safe_string(msg));
            json_dumpf(line, out, JSON_COMPACT);
            json_decref(line);
            fputc('\n', out);
        }
    } else {
        const char *color = log_color ? color_of(level, event, msg) : NULL;
        char tag[48];
        if (job >= 0) {
            snprintf(tag, sizeof(tag), "job %lld", job);
        } else {
            snprintf(tag, sizeof(tag), "%s", subsys);
        }
        fprintf(out, "%s %-6s %s: %s%s%s\n", when, level_tags[level], tag, color ? color : "", msg,
                color ? "\033[0m" : "");
    }
    fflush(out);
}

static void vlog(enum rp_log_level level, const char *subsys, long long job, const char *event,
                 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static void vlog(enum rp_log_level level, const char *subsys, long long job, const char *event,
                 const char *fmt, va_list ap)
{
    char msg[4096];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    emit(level, subsys, job, event, msg);
}

void rp_log(enum rp_log_level level, const char *subsys, const char *fmt, ...)
{
    if (rp_log_enabled(level)) {
        va_list ap;
        va_start(ap, fmt);
        vlog(level, subsys, -1, NULL, fmt, ap);
        va_end(ap);
    }
}

void rp_log_job(enum rp_log_level level, long long job, const char *event, const char *fmt, ...)
{
    if (rp_log_enabled(level)) {
        va_list ap;
        va_start(ap, fmt);
        vlog(level, "job", job, event, fmt, ap);
        va_end(ap);
    }
}
