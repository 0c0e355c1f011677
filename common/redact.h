/* redact: which header values are secrets and how a secret is shown instead (its length and a
 * short hash, never its value). Pure logic. On by default; the operator may add names or turn
 * it off. */
#ifndef RP_REDACT_H
#define RP_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define RP_REDACT_MAX_NAMES 64

struct rp_redact {
    bool enabled;
    char *names[RP_REDACT_MAX_NAMES]; /* extra header names, lower case (owned) */
    size_t n_names;
};

/* Enabled with no extra names. */
void rp_redact_init(struct rp_redact *r);
void rp_redact_cleanup(struct rp_redact *r);
/* Adds a header name (copied). Returns 0, RP_EINVALID (too many) or RP_ENOMEM. */
int rp_redact_add(struct rp_redact *r, const char *name);
/* True when a header of this name is a secret: Authorization, Proxy-Authorization, Cookie,
 * Set-Cookie, X-Api-Key, names containing "token", "secret" or "key", and the added names. */
bool rp_redact_header(const struct rp_redact *r, const char *name, size_t len);
/* Writes "[redacted: N bytes, sha256:xxxxxxxx]" for a secret value into out (64+ bytes). */
void rp_redact_value(const char *value, size_t len, char *out, size_t out_len);

#endif
