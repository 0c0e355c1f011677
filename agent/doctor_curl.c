/* doctor_curl: the network checks of `repeater doctor`, with blocking libcurl and getaddrinfo
 * calls (the doctor runs before the event loop starts). */
#define _DEFAULT_SOURCE   /* timegm */
#define _XOPEN_SOURCE 700 /* strptime */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "doctor.h"
#include "exec.h"
#include "policy.h"
#include "rp_util.h"

void ag_doctor_line(FILE *out, bool ok, const char *what, const char *detail, const char *fix)
{
    fprintf(out, "%s %s: %s%s%s\n", ok ? "\xe2\x9c\x93" : "\xe2\x9c\x97", what, detail,
            !ok && fix ? " \xe2\x80\x94 " : "", !ok && fix ? fix : "");
    fflush(out);
}

struct probe {
    char date[128];
    char subject[512];
    char expire[128];
    long days_left;
    bool has_cert;
};

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    struct probe *p = ud;
    size_t len = size * n;
    if (len > 5 && strncasecmp(buf, "date:", 5) == 0) {
        size_t l = len - 5;
        const char *v = buf + 5;
        while (l && (*v == ' ')) {
            v++;
            l--;
        }
        while (l && (v[l - 1] == '\r' || v[l - 1] == '\n')) {
            l--;
        }
        snprintf(p->date, sizeof(p->date), "%.*s", (int)l, v);
    }
    return len;
}

static size_t discard(char *b, size_t s, size_t n, void *u)
{
    (void)b;
    (void)u;
    return s * n;
}

static void cert_facts(CURL *c, struct probe *p)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1) {
        return;
    }
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
        if (strncmp(s->data, "Subject:", 8) == 0) {
            snprintf(p->subject, sizeof(p->subject), "%s", s->data + 8);
            p->has_cert = true;
        } else if (strncmp(s->data, "Expire date:", 12) == 0) {
            snprintf(p->expire, sizeof(p->expire), "%s", s->data + 12);
            struct tm tm;
            memset(&tm, 0, sizeof(tm));
            if (strptime(p->expire, "%b %d %H:%M:%S %Y GMT", &tm) ||
                strptime(p->expire, "%Y-%m-%d %H:%M:%S GMT", &tm)) {
                p->days_left = (long)((timegm(&tm) - time(NULL)) / 86400);
            }
        }
    }
}

static CURL *easy(const char *url, const char *proxy, bool insecure, long timeout_ms)
{
    CURL *c = curl_easy_init();
    if (!c) {
        return NULL;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_PROXY, proxy ? proxy : "");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    return c;
}

static int check_dns(const struct ag_options *o, FILE *out)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(o->host, NULL, &hints, &res);
    char detail[512];
    if (rc != 0) {
        snprintf(detail, sizeof(detail), "%s does not resolve (%s)", o->host, gai_strerror(rc));
        ag_doctor_line(out, false, "DNS", detail,
                       "check --hostname/--platform and this host's DNS resolver");
        return 1;
    }
    char addr[INET6_ADDRSTRLEN] = "?";
    if (res->ai_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, addr, sizeof(addr));
    } else if (res->ai_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, addr, sizeof(addr));
    }
    freeaddrinfo(res);
    snprintf(detail, sizeof(detail), "%s resolves to %s", o->host, addr);
    ag_doctor_line(out, true, "DNS", detail, NULL);
    return 0;
}

/* TCP, TLS and the clock in one request to the platform's engine path. */
static int check_platform(const struct ag_options *o, FILE *out)
{
    int failed = 0;
    char url[1024];
    char detail[1024];
    const char *proxy = ag_options_platform_proxy(o);
    bool v6 = strchr(o->host, ':') != NULL;
    snprintf(url, sizeof(url), "%s://%s%s%s:%d/api/ws/v1/?EIO=4&transport=polling",
             o->tls ? "https" : "http", v6 ? "[" : "", o->host, v6 ? "]" : "", o->port);
    if (proxy) {
        const char *hp = strstr(proxy, "://") ? strstr(proxy, "://") + 3 : proxy;
        const char *at = strchr(hp, '@');
        snprintf(detail, sizeof(detail), "platform connection through %s%s",
                 at ? "[credentials]@" : "", at ? at + 1 : hp);
        ag_doctor_line(out, true, "proxy", detail, NULL);
    } else {
        ag_doctor_line(out, true, "proxy", "none (direct connection to the platform)", NULL);
    }
    struct probe p;
    memset(&p, 0, sizeof(p));
    CURL *c = easy(url, proxy, o->insecure, 10000);
    if (!c) {
        return 1;
    }
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &p);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(c);
    cert_facts(c, &p);
    bool tcp_ok =
        rc == CURLE_OK || (rc != CURLE_COULDNT_CONNECT && rc != CURLE_COULDNT_RESOLVE_HOST &&
                           rc != CURLE_COULDNT_RESOLVE_PROXY && rc != CURLE_OPERATION_TIMEDOUT);
    snprintf(detail, sizeof(detail), "%s:%d %s", o->host, o->port,
             tcp_ok ? "accepts connections" : (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
    ag_doctor_line(out, tcp_ok, "TCP", detail,
                   "check the port, firewalls between here and the platform, and the proxy");
    failed += !tcp_ok;
    if (o->tls && tcp_ok) {
        bool tls_ok = rc == CURLE_OK;
        if (tls_ok) {
            snprintf(detail, sizeof(detail), "certificate %s, expires in %ld days%s",
                     p.has_cert ? p.subject : "(not shown)", p.days_left,
                     o->insecure ? " (NOT verified: --insecure)" : ", verified");
            tls_ok = !p.has_cert || p.days_left >= 0;
        } else {
            snprintf(detail, sizeof(detail), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        }
        ag_doctor_line(out, tls_ok, "TLS", detail,
                       "the platform's certificate is not trusted here: install its CA in the "
                       "system store (or use --insecure for a test platform only)");
        failed += !tls_ok;
    }
    if (rc == CURLE_OK && p.date[0]) {
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        if (strptime(p.date, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
            long skew = (long)(time(NULL) - timegm(&tm));
            bool ok = labs(skew) <= 60;
            snprintf(detail, sizeof(detail), "%+ld s against the platform's Date header", skew);
            ag_doctor_line(out, ok, "clock", detail, "synchronise this host's clock (NTP)");
            failed += !ok;
        }
    } else if (rc == CURLE_OK) {
        ag_doctor_line(out, true, "clock", "the platform sent no Date header; not checked", NULL);
    }
    curl_easy_cleanup(c);
    return failed;
}

static int check_urls(const struct ag_options *o, FILE *out)
{
    int failed = 0;
    const char *proxy = ag_options_target_proxy(o);
    const char *no_proxy = ag_options_no_proxy();
    for (size_t i = 0; i < o->n_check_urls; i++) {
        CURL *c = easy(o->check_urls[i], proxy, o->insecure_targets, 5000);
        if (!c) {
            return failed + 1;
        }
        if (proxy && no_proxy) {
            curl_easy_setopt(c, CURLOPT_NOPROXY, no_proxy);
        }
        if (o->cacert) {
            curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
        }
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        char what[1100];
        char detail[1024];
        snprintf(what, sizeof(what), "target %s", o->check_urls[i]);
        if (rc == CURLE_OK) {
            snprintf(detail, sizeof(detail), "reachable (HTTP %ld)", status);
        } else {
            snprintf(detail, sizeof(detail), "unreachable: %s",
                     errbuf[0] ? errbuf : curl_easy_strerror(rc));
        }
        ag_doctor_line(out, rc == CURLE_OK, what, detail,
                       "check the URL, this host's routes and DNS, --proxy-target/NO_PROXY and "
                       "--cacert");
        failed += rc != CURLE_OK;
    }
    return failed;
}

int ag_doctor_network(const struct ag_options *o, FILE *out, int *targets_failed)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char http[256];
    rp_exec_describe(http, sizeof(http));
    fprintf(out, "repeater doctor: platform %s://%s:%d, repeater id %s\n  (repeater %s, %s)\n",
            o->tls ? "wss" : "ws", o->host, o->port, o->id, RP_VERSION, http);
    struct rp_policy policy;
    struct rp_err err = {0};
    rp_policy_init(&policy);
    bool policy_ok = true;
    for (size_t i = 0; policy_ok && i < o->deny.n; i++) {
        policy_ok = rp_policy_add(&policy, false, o->deny.v[i], &err) == 0;
    }
    for (size_t i = 0; policy_ok && i < o->allow.n; i++) {
        policy_ok = rp_policy_add(&policy, true, o->allow.v[i], &err) == 0;
    }
    char text[2048];
    if (policy_ok) {
        rp_policy_describe(&policy, text, sizeof(text));
    }
    ag_doctor_line(out, policy_ok, "egress policy", policy_ok ? text : err.msg,
                   "fix the --allow/--deny entry");
    int failed = check_dns(o, out) + !policy_ok;
    failed += check_platform(o, out);
    *targets_failed = check_urls(o, out);
    return failed;
}
