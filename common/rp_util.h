/* rp_util: small byte helpers shared by every module: base64, UTF-8 checks, hex, SHA-256,
 * and a growable byte buffer. Pure functions; no I/O. */
#ifndef RP_UTIL_H
#define RP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer that can refuse to grow past a cap (0 = no cap). */
struct rp_buf {
    unsigned char *data;
    size_t len;
    size_t cap_alloc;
};

void rp_buf_init(struct rp_buf *b);
void rp_buf_cleanup(struct rp_buf *b);
/* Appends n bytes; returns 0 or RP_ENOMEM. The data stays NUL-terminated. */
int rp_buf_append(struct rp_buf *b, const void *p, size_t n);
void rp_buf_reset(struct rp_buf *b);

/* Base64 (RFC 4648, with padding). Encode returns a malloc'ed NUL-terminated string the
 * caller frees, or NULL when out of memory. */
char *rp_base64_encode(const unsigned char *in, size_t len);
/* Decodes strictly (padding required, no whitespace, canonical trailing bits). Returns 0 and
 * a malloc'ed buffer in *out (caller frees) or RP_EINVALID / RP_ENOMEM. */
int rp_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len);

/* Length of the longest prefix of s that is valid UTF-8 ending on a character boundary. */
size_t rp_utf8_valid_prefix(const unsigned char *s, size_t len);
bool rp_utf8_valid(const unsigned char *s, size_t len);

/* Writes 2*len lowercase hex digits and a NUL to out. */
void rp_hex(const unsigned char *in, size_t len, char *out);

/* Incremental SHA-256 (OpenSSL underneath); the context is opaque. */
struct rp_sha256;
struct rp_sha256 *rp_sha256_new(void);
void rp_sha256_update(struct rp_sha256 *s, const void *p, size_t n);
/* Writes 64 hex digits and a NUL to hex65 and frees s. */
void rp_sha256_final_hex(struct rp_sha256 *s, char hex65[65]);
void rp_sha256_free(struct rp_sha256 *s);
/* The SHA-256 of n bytes as 64 hex digits. Returns 0, or RP_ENOMEM with hex65 empty. */
int rp_sha256_hex(const void *p, size_t n, char hex65[65]);

/* Monotonic clock in microseconds. */
uint64_t rp_now_us(void);
/* A kB field of /proc/<pid>/status ("VmRSS", "RssAnon"...; pid "self" for this process);
 * 0 when it cannot be read. */
long rp_proc_status_kb(const char *pid, const char *key);
/* Wall clock in milliseconds since the epoch. */
int64_t rp_wall_ms(void);
/* Writes a wall-clock time (ms since the epoch) as ISO-8601 UTC with milliseconds. */
void rp_time_iso(int64_t ms, char out[32]);
/* Parses what rp_time_iso writes (and whole seconds); returns -1 when it cannot. */
int64_t rp_time_parse_iso(const char *s);
/* Fills out with len random characters of [1-9a-z] (the Bright id alphabet) and a NUL. */
int rp_random_id(char *out, size_t len);
/* True when host is covered by a NO_PROXY list: comma-separated names or addresses, "*" for
 * all, a name also covering its subdomains (a leading dot is optional). */
bool rp_no_proxy_match(const char *list, const char *host);
/* Constant-time comparison of two equal-length buffers. */
bool rp_secure_equal(const void *a, const void *b, size_t len);

#endif
