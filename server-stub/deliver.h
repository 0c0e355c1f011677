/* deliver: the rules of webhook deliveries, as pure functions: the event payload, Standard
 * Webhooks signatures, the retry schedule with jitter and Retry-After, and how an attempt's
 * outcome is judged. No I/O; dispatch.c applies them. */
#ifndef PS_DELIVER_H
#define PS_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rp_err.h"

#define PS_RETRY_MAX_STEPS 32
#define PS_DEFAULT_RETRY_SCHEDULE "5s,30s,2m,10m,30m,1h,3h,6h"

struct ps_retry_schedule {
    int64_t steps_ms[PS_RETRY_MAX_STEPS]; /* wait before attempt 2, 3, ... */
    size_t n;
};

/* Parses "5s,30s,2m,1h" (units ms, s, m, h; a bare number is seconds). */
int ps_retry_parse(const char *text, struct ps_retry_schedule *out, struct rp_err *err);
/* Delay before the attempt after `attempts` failed ones, with +/-20% jitter from rnd, at
 * least retry_after_ms; -1 when the schedule is exhausted. */
int64_t ps_retry_delay(const struct ps_retry_schedule *s, int attempts, int64_t retry_after_ms,
                       uint32_t rnd);
/* Retry-After as seconds or an HTTP date, relative to now_ms; -1 when absent or unreadable. */
int64_t ps_retry_after_ms(const char *value, int64_t now_ms);

enum ps_outcome {
    PS_OUTCOME_DELIVERED, /* 2xx */
    PS_OUTCOME_RETRY,     /* error, 5xx, 429, other statuses */
    PS_OUTCOME_GONE,      /* 410: deactivate the webhook */
};

/* Judges an attempt from its status (0 when there was no response). */
enum ps_outcome ps_outcome_of(int status);

/* The body of a scan.status_changed event. project, scan and issues are borrowed. */
json_t *ps_payload_build(const char *event_id, const char *created_at, const json_t *project,
                         const json_t *scan, const char *previous_status, const json_t *issues);

/* Standard Webhooks: base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) prefixed "v1,".
 * The secret is "whsec_" + base64 of the key (a secret without the prefix is used as raw
 * bytes). Writes into out (at least 128 bytes). */
int ps_sign(const char *secret, const char *msg_id, int64_t timestamp, const unsigned char *body,
            size_t body_len, char *out, size_t out_len);
/* True when a secret is usable: whsec_ + valid base64 of 24 to 64 bytes. */
bool ps_secret_valid(const char *secret);

/* True for Bright's scan statuses. */
bool ps_scan_status_valid(const char *status);
bool ps_scan_status_is_final(const char *status);

#endif
