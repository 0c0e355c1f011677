/* exec: runs HTTP jobs with libcurl's multi interface on the process's libuv loop and fills a
 * record for each. Shared by the agent and the platform's direct deliveries. */
#ifndef EXEC_H
#define EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "job.h"
#include "policy.h"
#include "record.h"
#include "redact.h"

#define RP_TRACE_BODY_PREVIEW 256 /* body bytes shown in a trace */

/* One line of a call's live trace, in the spirit of curl -v. Borrowed during the callback. */
struct rp_trace_line {
    int64_t t_us;      /* since the call started */
    const char *event; /* resolve, connect, tls, request, request-body, response, response-body,
                          timing, error, info */
    const char *text;  /* one printable line, secrets redacted */
};

/* Called for every trace line as it happens, with the ud given to rp_exec_start. */
typedef void (*rp_exec_trace_cb)(void *call_ud, const struct rp_trace_line *line);

#define RP_EXEC_MAX_RESP_HEADERS 500
#define RP_EXEC_MAX_RESP_HEADER_BYTES (256 * 1024)
#define RP_EXEC_MAX_CACHED_CONNECTIONS 1024      /* idle keep-alive connections kept for reuse */
#define RP_EXEC_MAX_DOWNLOAD ((uint64_t)1 << 30) /* bytes read (and hashed) at most */

struct rp_exec_opts {
    const char *cacert_file; /* extra CA certificates (PEM), added to the system store */
    bool insecure;           /* do not verify target certificates */
    long default_timeout_ms; /* for jobs without a timeout */
    size_t default_capture;  /* body bytes kept for jobs without maxContentSize */
    const struct rp_header *extra_headers; /* the operator's --header values (copied) */
    size_t n_extra_headers;
    const struct rp_redact *redact; /* borrowed, must outlive the executor; NULL: nothing */
    const char *proxy;              /* proxy URL for every call (copied); NULL: direct */
    const char *no_proxy;           /* hosts that go direct (copied), NO_PROXY syntax */
    const struct rp_policy *policy; /* egress policy (borrowed); NULL: everything allowed */
};

struct rp_exec;
struct rp_exec_call;

/* Called once per started call, on the loop, with the finished record (borrowed: valid only
 * during the callback). The call is freed after the callback returns. */
typedef void (*rp_exec_done_cb)(struct rp_exec_call *call, struct rp_record *rec, void *ud);

/* Creates an executor on loop. Returns NULL with err set (bad CA file, no memory). */
struct rp_exec *rp_exec_new(uv_loop_t *loop, const struct rp_exec_opts *opts, struct rp_err *err);
/* Stops every call (their callbacks run with RP_ESHUTTING_DOWN), closes the handles; the
 * memory is released once the loop has run the close callbacks. NULL is a no-op. */
void rp_exec_free(struct rp_exec *ex);

/* What one call reports to its caller. */
struct rp_exec_call_opts {
    rp_exec_done_cb done;   /* required */
    rp_exec_trace_cb trace; /* live trace lines; NULL for none */
    bool keep_trace;        /* also keep the trace lines in the record */
    bool plain; /* only what a plain Bright ack and the metrics read is wanted: no request
                   head (curl's verbose mode stays off), no body hash, no start time, no TLS
                   facts beyond a failed verification's reason */
    void *ud;
};

/* Starts a job. The job must stay valid until the done callback. Returns 0 (and the call in
 * *out, when out is not NULL) or a negative code with err set; no callback is called then. */
int rp_exec_start(struct rp_exec *ex, const struct rp_job *job, const struct rp_exec_call_opts *co,
                  struct rp_exec_call **out, struct rp_err *err);
/* Ends a call early; its callback runs now with the given code. */
void rp_exec_cancel(struct rp_exec_call *call, int code, const char *why);

/* Writes one line about the HTTP client the executor runs on: libcurl's version, its TLS and
 * compression libraries and the protocols it was built with, e.g. "libcurl 7.88.1 (OpenSSL/3.0.15,
 * zlib/1.2.13, brotli/1.0.9, zstd/1.5.4; protocols http https)". Truncated to len. */
void rp_exec_describe(char *buf, size_t len);

#endif
