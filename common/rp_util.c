/* rp_util: base64, UTF-8, hex, SHA-256 and the growable buffer. Owns no global state. */
#define _DEFAULT_SOURCE /* timegm */
#include "rp_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "rp_err.h"

void rp_buf_init(struct rp_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap_alloc = 0;
}

void rp_buf_cleanup(struct rp_buf *b)
{
    free(b->data);
    rp_buf_init(b);
}

void rp_buf_reset(struct rp_buf *b)
{
    b->len = 0;
    if (b->data) {
        b->data[0] = 0;
    }
}

int rp_buf_append(struct rp_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap_alloc) {
        size_t want = b->cap_alloc ? b->cap_alloc : 256;
        while (want < b->len + n + 1) {
            want *= 2;
        }
        unsigned char *d = realloc(b->data, want);
        if (!d) {
            return RP_ENOMEM;
        }
        b->data = d;
        b->cap_alloc = want;
    }
    if (n) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *rp_base64_encode(const unsigned char *in, size_t len)
{
    size_t out_len = 4 * ((len + 2) / 3);
    char *out = malloc(out_len + 1);
    if (!out) {
        return NULL;
    }
    size_t o = 0;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18 & 63];
        out[o++] = b64_alphabet[v >> 12 & 63];
        out[o++] = b64_alphabet[v >> 6 & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        out[o++] = b64_alphabet[v >> 18 & 63];
        out[o++] = b64_alphabet[v >> 12 & 63];
        out[o++] = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    out[o] = 0;
    return out;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

int rp_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
    if (len % 4 != 0) {
        return RP_EINVALID;
    }
    unsigned char *buf = malloc(len / 4 * 3 + 1);
    if (!buf) {
        return RP_ENOMEM;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            v[k] = pad ? -1 : b64_value(c);
            if (v[k] < 0) {
                free(buf);
                return RP_EINVALID;
            }
        }
        if (pad == 1 && in[i + 2] == '=') {
            free(buf);
            return RP_EINVALID; /* "x==" handled as pad 2; "x=y=" is invalid */
        }
        uint32_t n =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if ((pad == 2 && (n & 0xffff)) || (pad == 1 && (n & 0xff))) {
            free(buf);
            return RP_EINVALID; /* non-canonical trailing bits */
        }
        buf[o++] = (unsigned char)(n >> 16);
        if (pad < 2) {
            buf[o++] = (unsigned char)(n >> 8);
        }
        if (pad < 1) {
            buf[o++] = (unsigned char)n;
        }
    }
    buf[o] = 0;
    *out = buf;
    *out_len = o;
    return 0;
}

size_t rp_utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + n > len) {
            return i;
        }
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return i;
            }
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return i;
        }
        i += n;
    }
    return i;
}

bool rp_utf8_valid(const unsigned char *s, size_t len)
{
    return rp_utf8_valid_prefix(s, len) == len;
}

void rp_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = 0;
}

struct rp_sha256 {
    EVP_MD_CTX *md;
};

struct rp_sha256 *rp_sha256_new(void)
{
    struct rp_sha256 *s = malloc(sizeof(*s));
    if (!s) {
        return NULL;
    }
    /* fetched once: EVP_sha256() makes every init look the algorithm up again, under a lock
     * (the programs are single-threaded) */
    static EVP_MD *sha256;
    if (!sha256) {
        sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    }
    s->md = EVP_MD_CTX_new();
    if (!s->md || !sha256 || EVP_DigestInit_ex(s->md, sha256, NULL) != 1) {
        EVP_MD_CTX_free(s->md);
        free(s);
        return NULL;
    }
    return s;
}

void rp_sha256_update(struct rp_sha256 *s, const void *p, size_t n)
{
    EVP_DigestUpdate(s->md, p, n);
}

void rp_sha256_final_hex(struct rp_sha256 *s, char hex65[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(s->md, md, &n);
    rp_hex(md, 32, hex65);
    rp_sha256_free(s);
}

void rp_sha256_free(struct rp_sha256 *s)
{
    if (!s) {
        return;
    }
    EVP_MD_CTX_free(s->md);
    free(s);
}

int rp_sha256_hex(const void *p, size_t n, char hex65[65])
{
    hex65[0] = 0;
    struct rp_sha256 *s = rp_sha256_new();
    if (!s) {
        return RP_ENOMEM;
    }
    rp_sha256_update(s, p, n);
    rp_sha256_final_hex(s, hex65);
    return 0;
}

uint64_t rp_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t rp_wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void rp_time_iso(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

int64_t rp_time_parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int ms = 0;
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6) {
        return -1;
    }
    if (s[n] == '.') {
        int k = 0;
        if (sscanf(s + n + 1, "%3d%n", &ms, &k) != 1) {
            return -1;
        }
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return (int64_t)t * 1000 + ms;
}

int rp_random_id(char *out, size_t len)
{
    static const char alphabet[] = "123456789abcdefghijklmnopqrstuvwxyz";
    unsigned char raw[64];
    if (len > sizeof(raw) || RAND_bytes(raw, (int)len) != 1) {
        return RP_EINTERNAL;
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
    }
    out[len] = 0;
    return 0;
}

bool rp_secure_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

bool rp_no_proxy_match(const char *list, const char *host)
{
    if (!list || !host || !*host) {
        return false;
    }
    size_t hlen = strlen(host);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        const char *start = p;
        while (*p && *p != ',' && *p != ' ') {
            p++;
        }
        size_t n = (size_t)(p - start);
        if (n == 1 && *start == '*') {
            return true;
        }
        if (n && *start == '.') {
            start++;
            n--;
        }
        if (n == 0) {
            continue;
        }
        if (n == hlen && strncasecmp(host, start, n) == 0) {
            return true;
        }
        if (hlen > n && host[hlen - n - 1] == '.' && strncasecmp(host + hlen - n, start, n) == 0) {
            return true;
        }
    }
    return false;
}

long rp_proc_status_kb(const char *pid, const char *key)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%s/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    char line[256];
    long kb = 0;
    size_t n = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            kb = atol(line + n + 1);
            break;
        }
    }
    fclose(f);
    return kb;
}
