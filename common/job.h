/* job: the HTTP job a platform sends in a `request` event, validated before anything is sent.
 * Pure logic: takes a jansson value, gives a struct rp_job or a typed error. */
#ifndef JOB_H
#define JOB_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rp_err.h"

#define RP_JOB_MAX_HEADERS 256
#define RP_JOB_MAX_HEADER_BYTES (64 * 1024) /* all names and values together */
#define RP_JOB_MAX_URL 8192
#define RP_JOB_MAX_BODY (32 * 1024 * 1024) /* request body bytes, after base64 decoding */
#define RP_JOB_MAX_TIMEOUT_MS (24 * 3600 * 1000)
#define RP_JOB_DEFAULT_TIMEOUT_MS 30000
#define RP_JOB_MAX_CONTENT_KIB (1024 * 1024) /* 1 GiB */
#define RP_JOB_DEFAULT_CONTENT_KIB 100

struct rp_header {
    char *name;
    char *value;
};

struct rp_job {
    char *url;
    char *method;
    struct rp_header *headers; /* in the order the platform gave them */
    size_t n_headers;
    unsigned char *body; /* exact bytes; NULL when absent */
    size_t body_len;
    bool body_base64;     /* the platform sent the body base64-encoded */
    long timeout_ms;      /* 0: not given (the agent's default applies) */
    long max_content_kib; /* 0: not given */
    bool decompress;
    int keep_alive; /* -1 not given, 0 false, 1 true */
    char *scheme;   /* "http" or "https", lower case */
    char *host;     /* as written, without brackets */
    int port;       /* explicit or the scheme's default */
};

/* Parses and validates a `request` payload. Returns 0 and fills job (free with
 * rp_job_cleanup), RP_EINVALID_JOB, RP_EUNSUPPORTED (a `ws` job) or RP_ETOO_LARGE (a body
 * over RP_JOB_MAX_BODY) with the reason in err, or RP_ENOMEM. */
int rp_job_parse(const json_t *payload, struct rp_job *job, struct rp_err *err);
void rp_job_cleanup(struct rp_job *job);

/* Appends a header (copied); used for the operator's --header values. */
int rp_job_add_header(struct rp_job *job, const char *name, const char *value);
/* True when the job has a header of that name (case-insensitive). */
bool rp_job_has_header(const struct rp_job *job, const char *name);

/* Splits "Name: value" into a validated header; returns 0 or RP_EINVALID with err. */
int rp_header_parse_line(const char *line, char **name, char **value, struct rp_err *err);

/* True for an RFC 9110 token (method names and header names). */
bool rp_http_token_valid(const char *s, size_t len);

#endif
