/* job: the HTTP job a platform sends in a `request` event, validated before anything is sent.
 * Pure logic: takes a jansson value or msgpack objects, gives a struct rp_job or a typed
 * error. */
#ifndef JOB_H
#define JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A `request` payload as it came, read in place: jansson values, or the msgpack objects of the
 * frame (no jansson tree built for the agent's hot path). Validation is the same for both. */
enum rp_jv_kind {
    RP_JV_ABSENT,
    RP_JV_NULL,
    RP_JV_STR,
    RP_JV_INT,
    RP_JV_REAL,
    RP_JV_BOOL,
    RP_JV_MAP,
    RP_JV_ARRAY,
    RP_JV_OTHER
};
struct rp_jv {
    enum rp_jv_kind kind;
    const char *s; /* STR: the bytes, not NUL-terminated */
    size_t len;
    int64_t i;
    double d;
    bool b;
    const void *node; /* the reader's own value (maps, arrays) */
};
struct rp_jv_ops {
    void (*get)(const struct rp_jv *map, const char *key, struct rp_jv *out); /* ABSENT: none */
    bool (*next)(const struct rp_jv *map, void **it, struct rp_jv *key, struct rp_jv *val);
    size_t (*size)(const struct rp_jv *array);
    void (*item)(const struct rp_jv *array, size_t i, struct rp_jv *out);
};
struct rp_job_payload {
    const struct rp_jv_ops *ops;
    struct rp_jv root;
};

struct msgpack_object;
/* Reads a jansson value (borrowed while p is used). */
void rp_job_payload_json(struct rp_job_payload *p, const json_t *v);
/* Reads a msgpack object in place (borrowed; NULL: absent). Returns false, leaving p unset,
 * for payloads that would not read the same as through mpjson's jansson values (ext values
 * such as JS undefined or dates, non-string or NUL-holding keys, non-finite floats, a key
 * twice in the payload or its headers) or that are unusually wide (more than 64 fields or
 * RP_JOB_MAX_HEADERS + 1 header names): decode those with mpjson, use rp_job_payload_json.
 * Objects from rp_mpjson_unpack live until the next unpack: finish with p before that. */
bool rp_job_payload_msgpack(struct rp_job_payload *p, const struct msgpack_object *o);
/* Copies the payload's "jobId" into out when it is a string of fewer than cap bytes without
 * NUL; false otherwise. */
bool rp_job_payload_id(const struct rp_job_payload *p, char *out, size_t cap);

/* Parses and validates a `request` payload. Returns 0 and fills job (free with
 * rp_job_cleanup), RP_EINVALID_JOB, RP_EUNSUPPORTED (a `ws` job) or RP_ETOO_LARGE (a body
 * over RP_JOB_MAX_BODY) with the reason in err, or RP_ENOMEM. */
int rp_job_parse_payload(const struct rp_job_payload *p, struct rp_job *job, struct rp_err *err);
/* The same for a jansson value. */
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
