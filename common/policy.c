/* policy: parsing and matching of egress rules. Deny rules win over allow rules; without an
 * allow rule everything not denied is allowed. */
#include "policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const default_denies[] = {
    "169.254.0.0/16",     /* IPv4 link-local, cloud metadata (169.254.169.254) */
    "fe80::/10",          /* IPv6 link-local */
    "fd00:ec2::254/128",  /* AWS metadata over IPv6 */
    "100.100.100.200/32", /* Alibaba Cloud metadata */
    "metadata.google.internal",
    "metadata.goog",
    "metadata.azure.com",
    "instance-data",
    "instance-data.ec2.internal",
    NULL,
};

static int parse_net(const char *entry, struct rp_policy_rule *r)
{
    char addr[128];
    const char *slash = strchr(entry, '/');
    size_t alen = slash ? (size_t)(slash - entry) : strlen(entry);
    if (alen == 0 || alen >= sizeof(addr)) {
        return -1;
    }
    memcpy(addr, entry, alen);
    addr[alen] = 0;
    int max;
    if (inet_pton(AF_INET, addr, r->net) == 1) {
        r->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, r->net) == 1) {
        r->family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }
    r->prefix = max;
    if (slash) {
        char *end = NULL;
        long p = strtol(slash + 1, &end, 10);
        if (!end || *end || end == slash + 1 || p < 0 || p > max) {
            return -2;
        }
        r->prefix = (int)p;
    }
    r->is_net = true;
    return 0;
}

static bool name_valid(const char *s)
{
    if (!*s || strlen(s) > 253) {
        return false;
    }
    if (s[0] == '*' && s[1] == '.') {
        s += 2;
    }
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_') {
            return false;
        }
    }
    return true;
}

int rp_policy_add(struct rp_policy *p, bool allow, const char *entry, struct rp_err *err)
{
    if (p->n >= RP_POLICY_MAX_RULES) {
        return rp_err_set(err, RP_ECONFIG, "more than %d egress rules", RP_POLICY_MAX_RULES);
    }
    struct rp_policy_rule *r = &p->rules[p->n];
    memset(r, 0, sizeof(*r));
    r->allow = allow;
    int rc = parse_net(entry, r);
    if (rc == -2) {
        return rp_err_set(err, RP_ECONFIG, "--%s: \"%s\" has a bad prefix length",
                          allow ? "allow" : "deny", entry);
    }
    if (rc != 0) {
        if (strchr(entry, '/') || !name_valid(entry)) {
            return rp_err_set(err, RP_ECONFIG,
                              "--%s: \"%s\" is neither an address, a CIDR range nor a host name",
                              allow ? "allow" : "deny", entry);
        }
        snprintf(r->name, sizeof(r->name), "%s", entry);
        for (char *c = r->name; *c; c++) {
            *c = (char)tolower((unsigned char)*c);
        }
    }
    p->n++;
    p->has_allow = p->has_allow || allow;
    return 0;
}

void rp_policy_init(struct rp_policy *p)
{
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; default_denies[i]; i++) {
        rp_policy_add(p, false, default_denies[i], NULL);
    }
}

static bool net_match(const struct rp_policy_rule *r, int family, const unsigned char *addr)
{
    if (r->family != family) {
        return false;
    }
    int full = r->prefix / 8;
    int rest = r->prefix % 8;
    if (memcmp(r->net, addr, (size_t)full) != 0) {
        return false;
    }
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        return (r->net[full] & mask) == (addr[full] & mask);
    }
    return true;
}

static bool name_match(const struct rp_policy_rule *r, const char *host)
{
    if (r->name[0] == '*' && r->name[1] == '.') {
        const char *suffix = r->name + 1; /* ".example.com" */
        size_t hl = strlen(host);
        size_t sl = strlen(suffix);
        return (hl > sl && strcasecmp(host + hl - sl, suffix) == 0) ||
               strcasecmp(host, suffix + 1) == 0;
    }
    return strcasecmp(host, r->name) == 0;
}

static void rule_text(const struct rp_policy_rule *r, char *out, size_t len)
{
    if (r->is_net) {
        char a[INET6_ADDRSTRLEN];
        inet_ntop(r->family, r->net, a, sizeof(a));
        snprintf(out, len, "%s/%d", a, r->prefix);
    } else {
        snprintf(out, len, "%s", r->name);
    }
}

/* The first matching deny, else whether an allow matches. */
static int decide(const struct rp_policy *p, const char *host, int family,
                  const unsigned char *addr, const char *shown, bool allowed, struct rp_err *err)
{
    allowed = allowed || !p->has_allow;
    for (size_t i = 0; i < p->n; i++) {
        const struct rp_policy_rule *r = &p->rules[i];
        bool hit = r->is_net ? (addr && net_match(r, family, addr))
                             : (host && !r->is_net && r->name[0] && name_match(r, host));
        if (!hit) {
            continue;
        }
        if (!r->allow) {
            char rule[300];
            rule_text(r, rule, sizeof(rule));
            return rp_err_set(err, RP_EPOLICY, "%s is denied by the egress policy (deny %s)", shown,
                              rule);
        }
        allowed = true;
    }
    if (!allowed) {
        return rp_err_set(err, RP_EPOLICY, "%s is not in the egress policy's allow list", shown);
    }
    return 0;
}

int rp_policy_check_host(const struct rp_policy *p, const char *host, bool *by_name,
                         struct rp_err *err)
{
    unsigned char addr[16];
    *by_name = false;
    if (inet_pton(AF_INET, host, addr) == 1) {
        return decide(p, NULL, AF_INET, addr, host, false, err);
    }
    if (inet_pton(AF_INET6, host, addr) == 1) {
        return decide(p, NULL, AF_INET6, addr, host, false, err);
    }
    /* a name: name rules now; address rules wait for the connection */
    for (size_t i = 0; i < p->n; i++) {
        const struct rp_policy_rule *r = &p->rules[i];
        if (!r->is_net && name_match(r, host)) {
            if (!r->allow) {
                return decide(p, host, 0, NULL, host, false, err);
            }
            *by_name = true;
        }
    }
    return 0;
}

int rp_policy_check_addr(const struct rp_policy *p, const struct sockaddr *sa, bool by_name,
                         struct rp_err *err)
{
    char shown[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, shown, sizeof(shown));
        return decide(p, NULL, AF_INET, (const unsigned char *)&in->sin_addr, shown, by_name, err);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        const unsigned char *a = (const unsigned char *)&in6->sin6_addr;
        inet_ntop(AF_INET6, a, shown, sizeof(shown));
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, 12) == 0) { /* ::ffff:a.b.c.d is checked as IPv4 */
            return decide(p, NULL, AF_INET, a + 12, shown, by_name, err);
        }
        return decide(p, NULL, AF_INET6, a, shown, by_name, err);
    }
    return rp_err_set(err, RP_EPOLICY, "address family %d is not allowed", sa->sa_family);
}

void rp_policy_describe(const struct rp_policy *p, char *out, size_t len)
{
    size_t o = 0;
    out[0] = 0;
    for (int pass = 0; pass < 2; pass++) {
        bool allow = pass == 1;
        int count = 0;
        for (size_t i = 0; i < p->n && o + 64 < len; i++) {
            const struct rp_policy_rule *r = &p->rules[i];
            if (r->allow != allow) {
                continue;
            }
            char rule[300];
            rule_text(r, rule, sizeof(rule));
            o += (size_t)snprintf(out + o, len - o, "%s%s%s", count ? ", " : (o ? "; " : ""),
                                  count ? "" : (allow ? "allow " : "deny "), rule);
            count++;
        }
    }
    if (o + 40 < len) {
        snprintf(out + o, len - o, "; %s", p->has_allow ? "deny all else" : "allow all else");
    }
}
