/* rp_log: the one logging module. Levels, a subsystem tag per line, a text form for
 * terminals and a JSON-lines form for machines. Writes to stderr (or a FILE set by the
 * caller). Not thread-safe: every caller runs on the process's one loop. */
#ifndef RP_LOG_H
#define RP_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum rp_log_level {
    RP_LOG_SILENT = 0,
    RP_LOG_ERROR,
    RP_LOG_WARN,
    RP_LOG_NOTICE,
    RP_LOG_VERBOSE,
    RP_LOG_TRACE,
};

enum rp_log_format {
    RP_LOG_TEXT = 0,
    RP_LOG_JSON,
};

/* Sets the threshold and form. out NULL means stderr; the caller keeps ownership of out. */
void rp_log_setup(enum rp_log_level level, enum rp_log_format format, FILE *out);
/* Colours the text form (only sensible on a terminal). */
void rp_log_set_color(bool on);
/* Replaces the output (after a log file was reopened); NULL means stderr. */
void rp_log_set_output(FILE *out);
/* Parses "text" or "json"; -1 when unknown. */
int rp_log_format_parse(const char *name);
bool rp_log_enabled(enum rp_log_level level);
/* Parses "silent", "error", "warn", "notice", "verbose", "trace"; returns -1 when unknown. */
int rp_log_level_parse(const char *name);
const char *rp_log_level_name(enum rp_log_level level);

/* One line: time, level, subsystem, message. */
void rp_log(enum rp_log_level level, const char *subsys, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One line about a job: its id and an event name travel as fields in the JSON form. */
void rp_log_job(enum rp_log_level level, long long job, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define rp_log_error(sub, ...) rp_log(RP_LOG_ERROR, sub, __VA_ARGS__)
#define rp_log_warn(sub, ...) rp_log(RP_LOG_WARN, sub, __VA_ARGS__)
#define rp_log_notice(sub, ...) rp_log(RP_LOG_NOTICE, sub, __VA_ARGS__)
#define rp_log_verbose(sub, ...) rp_log(RP_LOG_VERBOSE, sub, __VA_ARGS__)
#define rp_log_trace(sub, ...) rp_log(RP_LOG_TRACE, sub, __VA_ARGS__)

#endif
