/* rp_log: formats and writes log lines. It owns the threshold and the output form; it does
 * not own the output FILE and never decides what is secret (callers redact first). */
#include "rp_log.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <jansson.h>

static enum rp_log_level log_level = RP_LOG_NOTICE;
static enum rp_log_format log_format = RP_LOG_TEXT;
static FILE *log_out;

static const char *const level_names[] = {"silent", "error", "warn", "notice", "verbose", "trace"};
static const char *const level_tags[] = {"", "ERROR", "WARN", "NOTICE", "VERB", "TRACE"};

void rp_log_setup(enum rp_log_level level, enum rp_log_format format, FILE *out)
{
    log_level = level;
    log_format = format;
    log_out = out;
}

enum rp_log_level rp_log_level_get(void)
{
    return log_level;
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

static void log_time(char *buf, size_t len)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

void rp_log(enum rp_log_level level, const char *subsys, const char *fmt, ...)
{
    if (!rp_log_enabled(level)) {
        return;
    }
    FILE *out = log_out ? log_out : stderr;
    char when[40];
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_time(when, sizeof(when));

    if (log_format == RP_LOG_JSON) {
        json_t *line = json_pack("{s:s, s:s, s:s, s:s}", "time", when, "level", level_names[level],
                                 "subsystem", subsys, "message", msg);
        if (line) {
            json_dumpf(line, out, JSON_COMPACT);
            json_decref(line);
            fputc('\n', out);
        }
    } else {
        fprintf(out, "%s %-6s %s: %s\n", when, level_tags[level], subsys, msg);
    }
    fflush(out);
}
