/* deliver: payload, signature, retry and outcome rules of webhook deliveries. */
#define _DEFAULT_SOURCE   /* timegm */
#define _XOPEN_SOURCE 700 /* strptime */
#include "deliver.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "rp_util.h"

int ps_retry_parse(const char *text, struct ps_retry_schedule *out, struct rp_err *err)
{
    out->n = 0;
    const char *p = text;
    while (*p) {
        char *end = NULL;
        long long v = strtoll(p, &end, 10);
        if (end == p || v <= 0) {
            return rp_err_set(err, RP_ECONFIG, "retry schedule: \"%s\" is not a list like 5s,2m,1h",
                              text);
        }
        int64_t unit = 1000;
        if (strncmp(end, "ms", 2) == 0) {
            unit = 1;
            end += 2;
        } else if (*end == 's') {
            end++;
        } else if (*end == 'm') {
            unit = 60000;
            end++;
        } else if (*end == 'h') {
            unit = 3600000;
            end++;
        }
        if ((*end && *end != ',') || out->n >= PS_RETRY_MAX_STEPS || v > 7 * 24 * 3600) {
            return rp_err_set(err, RP_ECONFIG,
                              "retry schedule: \"%s\" has a bad step (units ms, s, m, h; at "
                              "most %d steps)",
                              text, PS_RETRY_MAX_STEPS);
        }
        out->steps_ms[out->n++] = (int64_t)v * unit;
        p = *end ? end + 1 : end;
    }
    if (out->n == 0) {
        return rp_err_set(err, RP_ECONFIG, "retry schedule: empty");
    }
    return 0;
}

int64_t ps_retry_delay(const struct ps_retry_schedule *s, int attempts, int64_t retry_after_ms,
                       uint32_t rnd)
{
    if (attempts < 1 || (size_t)attempts > s->n) {
        return -1;
    }
    int64_t base = s->steps_ms[attempts - 1];
    int64_t spread = base / 5;
    int64_t delay = base - spread + (spread ? (int64_t)(rnd % (uint32_t)(2 * spread + 1)) : 0);
    return retry_after_ms > delay ? retry_after_ms : delay;
}

int64_t ps_retry_after_ms(const char *value, int64_t now_ms)
{
    if (!value || !*value) {
        return -1;
    }
    char *end = NULL;
    long long secs = strtoll(value, &end, 10);
    if (end != value && *end == 0) {
        return secs < 0 ? -1 : (secs > 86400 ? 86400 : secs) * 1000;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
        return -1;
    }
    int64_t at = (int64_t)timegm(&tm) * 1000;
    int64_t d = at - now_ms;
    return d < 0 ? 0 : (d > 86400000 ? 86400000 : d);
}

enum ps_outcome ps_outcome_of(int status)
{
    if (status >= 200 && status < 300) {
        return PS_OUTCOME_DELIVERED;
    }
    if (status == 410) {
        return PS_OUTCOME_GONE;
    }
    return PS_OUTCOME_RETRY;
}

json_t *ps_payload_build(const char *event_id, const char *created_at, const json_t *project,
                         const json_t *scan, const char *previous_status, const json_t *issues)
{
    json_t *by_sev = json_object();
    size_t i;
    json_t *issue;
    json_array_foreach(issues, i, issue)
    {
        const char *sev = json_string_value(json_object_get(issue, "severity"));
        sev = sev ? sev : "unknown";
        json_t *n = json_object_get(by_sev, sev);
        json_object_set_new(by_sev, sev, json_integer(n ? json_integer_value(n) + 1 : 1));
    }
    json_t *config = json_object_get(scan, "config");
    return json_pack(
        "{s:s, s:s, s:s, s:{s:O, s:O}, s:{s:O, s:O, s:O, s:s?, s:O, s:O, s:O, s:{s:I, s:o, s:O}}}",
        "id", event_id, "type", "scan.status_changed", "createdAt", created_at, "project", "id",
        json_object_get(project, "id"), "name", json_object_get(project, "name"), "scan", "id",
        json_object_get(scan, "id"), "name", json_object_get(scan, "name"), "status",
        json_object_get(scan, "status"), "previousStatus", previous_status, "config",
        config ? config : json_null(), "startedAt",
        json_object_get(scan, "startedAt") ? json_object_get(scan, "startedAt") : json_null(),
        "endedAt",
        json_object_get(scan, "endedAt") ? json_object_get(scan, "endedAt") : json_null(), "issues",
        "total", (json_int_t)json_array_size(issues), "bySeverity", by_sev, "items", issues);
}

static int secret_key(const char *secret, unsigned char **key, size_t *key_len)
{
    if (strncmp(secret, "whsec_", 6) == 0) {
        return rp_base64_decode(secret + 6, strlen(secret + 6), key, key_len);
    }
    *key_len = strlen(secret);
    *key = (unsigned char *)strdup(secret);
    return *key ? 0 : RP_ENOMEM;
}

bool ps_secret_valid(const char *secret)
{
    unsigned char *key = NULL;
    size_t len = 0;
    if (!secret || secret_key(secret, &key, &len)) {
        return false;
    }
    free(key);
    return strncmp(secret, "whsec_", 6) == 0 && len >= 24 && len <= 64;
}

int ps_sign(const char *secret, const char *msg_id, int64_t timestamp, const unsigned char *body,
            size_t body_len, char *out, size_t out_len)
{
    unsigned char *key = NULL;
    size_t key_len = 0;
    int rc = secret_key(secret, &key, &key_len);
    if (rc) {
        return rc;
    }
    char prefix[160];
    int n = snprintf(prefix, sizeof(prefix), "%s.%lld.", msg_id, (long long)timestamp);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t got = 0;
    rc = RP_EINTERNAL;
    if (ctx && EVP_MAC_init(ctx, key, key_len, params) == 1 &&
        EVP_MAC_update(ctx, (const unsigned char *)prefix, (size_t)n) == 1 &&
        EVP_MAC_update(ctx, body, body_len) == 1 &&
        EVP_MAC_final(ctx, mac, &got, sizeof(mac)) == 1) {
        mac_len = (unsigned int)got;
        char *b64 = rp_base64_encode(mac, mac_len);
        if (b64) {
            snprintf(out, out_len, "v1,%s", b64);
            free(b64);
            rc = 0;
        }
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    free(key);
    return rc;
}

static const char *const statuses[] = {"queued",  "pending",   "running",   "done", "failed",
                                       "stopped", "disrupted", "scheduled", NULL};

bool ps_scan_status_valid(const char *status)
{
    for (size_t i = 0; status && statuses[i]; i++) {
        if (strcmp(status, statuses[i]) == 0) {
            return true;
        }
    }
    return false;
}

bool ps_scan_status_is_final(const char *status)
{
    return strcmp(status, "done") == 0 || strcmp(status, "failed") == 0 ||
           strcmp(status, "stopped") == 0 || strcmp(status, "disrupted") == 0;
}
