/* redact: the secret-header rules and the redacted form of a value. */
#include "redact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rp_err.h"
#include "rp_util.h"

static const char *const secret_names[] = {"authorization", "proxy-authorization", "cookie",
                                           "set-cookie",    "x-api-key",           NULL};
static const char *const secret_parts[] = {"token", "secret", "key", NULL};

void rp_redact_init(struct rp_redact *r)
{
    memset(r, 0, sizeof(*r));
    r->enabled = true;
}

void rp_redact_cleanup(struct rp_redact *r)
{
    for (size_t i = 0; i < r->n_names; i++) {
        free(r->names[i]);
    }
    r->n_names = 0;
}

int rp_redact_add(struct rp_redact *r, const char *name)
{
    if (r->n_names >= RP_REDACT_MAX_NAMES) {
        return RP_EINVALID;
    }
    char *copy = strdup(name);
    if (!copy) {
        return RP_ENOMEM;
    }
    for (char *p = copy; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    r->names[r->n_names++] = copy;
    return 0;
}

static bool contains_ci(const char *s, size_t len, const char *part)
{
    size_t n = strlen(part);
    for (size_t i = 0; i + n <= len; i++) {
        if (strncasecmp(s + i, part, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool equals_ci(const char *s, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(s, name, len) == 0;
}

bool rp_redact_header(const struct rp_redact *r, const char *name, size_t len)
{
    if (!r || !r->enabled) {
        return false;
    }
    for (size_t i = 0; secret_names[i]; i++) {
        if (equals_ci(name, len, secret_names[i])) {
            return true;
        }
    }
    for (size_t i = 0; secret_parts[i]; i++) {
        if (contains_ci(name, len, secret_parts[i])) {
            return true;
        }
    }
    for (size_t i = 0; i < r->n_names; i++) {
        if (equals_ci(name, len, r->names[i])) {
            return true;
        }
    }
    return false;
}

void rp_redact_value(const char *value, size_t len, char *out, size_t out_len)
{
    char hex[65];
    rp_sha256_hex(value, len, hex);
    snprintf(out, out_len, "[redacted: %zu bytes, sha256:%.8s]", len, hex);
}
