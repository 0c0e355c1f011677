/* record: the account of one executed HTTP call (what was sent, what came back, where it
 * went, how long each phase took, TLS facts, a typed error) and its two JSON forms: the full
 * record and the reduced Bright ack. Pure logic; the executor fills it. */
#ifndef RECORD_H
#define RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "job.h"
#include "rp_err.h"
#include "rp_util.h"

#define RP_RECORD_MAX_TRACE 400

struct rp_record_tls {
    char version[32];
    char cipher[96];
    char subject[512];
    char issuer[512];
    char not_before[40]; /* ISO-8601 */
    char not_after[40];
    long verify_result; /* X509_V_OK (0) when verified */
    char verify_error[128];
};

struct rp_record {
    /* what was sent */
    char *method;
    char *url;
    struct rp_header *req_headers; /* as written on the wire */
    size_t n_req_headers;
    const unsigned char *req_body; /* borrowed from the job */
    size_t req_body_len;
    /* what came back */
    bool has_response;
    int status;
    char http_version[16];
    char status_text[128];
    struct rp_header *resp_headers; /* received order, repeats kept */
    size_t n_resp_headers;
    size_t resp_header_bytes;
    struct rp_buf body; /* the captured part of the body */
    size_t capture_cap;
    uint64_t body_total; /* every body byte received */
    struct rp_sha256 *sha;
    char body_sha256[65];
    bool truncated;
    /* where it went */
    char remote_ip[64];
    int remote_port;
    char local_ip[64];
    int local_port;
    /* phases in microseconds from the start; -1 when the phase did not happen */
    int64_t t_dns, t_connect, t_tls, t_first_byte, t_total;
    bool has_tls;
    struct rp_record_tls tls;
    int64_t started_ms; /* wall clock, ms since the epoch */
    json_t *trace;      /* [{t, event, text}] when kept, else NULL (owned) */
    size_t trace_dropped;
    struct rp_err error; /* code 0 on success */
};

/* Prepares an empty record for a job; capture_cap is the most body bytes kept; full: what
 * only the full record shows is kept too (the body's SHA-256, the start time, now). Returns 0
 * or RP_ENOMEM. The record borrows the job's body: the job must outlive it. */
int rp_record_init(struct rp_record *r, const struct rp_job *job, size_t capture_cap, bool full);
void rp_record_cleanup(struct rp_record *r);

/* Adds a header line to the request or response list. Returns 0 or a negative code. */
int rp_record_add_header(struct rp_header **list, size_t *n, const char *name, size_t nlen,
                         const char *value, size_t vlen);
/* Drops the response status and headers (a 1xx interim response or a new attempt). */
void rp_record_reset_response(struct rp_record *r);
/* Feeds received body bytes: all are hashed and counted, the first capture_cap are kept. */
int rp_record_body(struct rp_record *r, const void *p, size_t n);
/* Keeps a trace line (at most RP_RECORD_MAX_TRACE; the rest are counted). */
void rp_record_trace(struct rp_record *r, int64_t t_us, const char *event, const char *text);
/* Finishes the body hash. */
void rp_record_finish(struct rp_record *r);

/* The full record as a new JSON object (caller owns). */
json_t *rp_record_to_json(const struct rp_record *r);
/* The ack a plain Bright platform expects: {protocol, statusCode, headers, body, encoding?,
 * ttfb?, errorCode?, message?}. New reference. */
json_t *rp_record_to_bright(const struct rp_record *r);
/* An ack for a job that never ran (invalid, busy ...): Bright fields and, when full is true,
 * a `record` with the error. New reference. */
json_t *rp_record_error_ack(int code, const char *message, bool full);

/* The value of the first header of that name (case-insensitive) in a [[name, value], ...]
 * JSON array, or NULL. Borrowed from pairs. */
const char *rp_header_pairs_get(const json_t *pairs, const char *name);

/* True when a content type names text (text/..., JSON, XML, JavaScript, form data). */
bool rp_content_type_is_text(const char *content_type);

struct msgpack_packer;
/* Packs the plain Bright ack of a record (a const struct rp_record *): the value
 * rp_record_to_bright gives, as msgpack, with no jansson value on the way. Fits
 * rp_sio_pack_fn. Returns 0 or RP_ENOMEM. */
int rp_record_bright_pack(const void *record, struct msgpack_packer *pk);

#endif
