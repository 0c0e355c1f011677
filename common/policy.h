/* policy: the agent's egress policy. Which addresses and host names a job may reach:
 * --deny and --allow entries (CIDR ranges, addresses, host names and *.domain patterns);
 * link-local ranges and cloud metadata hosts are denied by default; with any allow entry,
 * everything else is denied. Checked on the host name of the URL and again on every address
 * actually connected to (after DNS), so names and rebinding cannot get round it. Pure logic. */
#ifndef RP_POLICY_H
#define RP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rp_err.h"

#define RP_POLICY_MAX_RULES 256

struct rp_policy_rule {
    bool allow;
    bool is_net;
    int family; /* AF_INET or AF_INET6 for networks */
    unsigned char net[16];
    int prefix;
    char name[256]; /* lower case; "*.example.com" covers sub-domains */
};

struct rp_policy {
    struct rp_policy_rule rules[RP_POLICY_MAX_RULES];
    size_t n;
    bool has_allow;
};

/* The default rules only. */
void rp_policy_init(struct rp_policy *p);
/* Adds an --allow or --deny entry: "10.0.0.0/8", "192.168.1.5", "fd00::/8", "host.example",
 * "*.example.com". Returns 0 or RP_ECONFIG with the reason. */
int rp_policy_add(struct rp_policy *p, bool allow, const char *entry, struct rp_err *err);
/* Checks a URL host (a name or a literal address). Returns 0 or RP_EPOLICY with the rule;
 * *by_name tells whether an allow rule named the host (its addresses then need no allow rule
 * of their own, deny rules still apply). */
int rp_policy_check_host(const struct rp_policy *p, const char *host, bool *by_name,
                         struct rp_err *err);
/* Checks an address about to be connected to. Returns 0 or RP_EPOLICY with the rule. */
int rp_policy_check_addr(const struct rp_policy *p, const struct sockaddr *sa, bool by_name,
                         struct rp_err *err);
/* Writes a one-line description of the rules ("deny 169.254.0.0/16, ...; allow all else"). */
void rp_policy_describe(const struct rp_policy *p, char *out, size_t len);

#endif
