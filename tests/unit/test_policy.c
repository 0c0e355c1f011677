/* Unit tests of the egress policy: parsing, defaults, deny over allow, names and addresses. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

static int addr4(const struct rp_policy *p, const char *a, bool by_name)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, a, &sin.sin_addr);
    struct rp_err err = {0};
    return rp_policy_check_addr(p, (struct sockaddr *)&sin, by_name, &err);
}

static int addr6(const struct rp_policy *p, const char *a)
{
    struct sockaddr_in6 sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin6_family = AF_INET6;
    inet_pton(AF_INET6, a, &sin.sin6_addr);
    struct rp_err err = {0};
    return rp_policy_check_addr(p, (struct sockaddr *)&sin, false, &err);
}

static int host(const struct rp_policy *p, const char *h, bool *by_name)
{
    struct rp_err err = {0};
    bool dummy;
    return rp_policy_check_host(p, h, by_name ? by_name : &dummy, &err);
}

static void test_defaults(void **state)
{
    (void)state;
    struct rp_policy p;
    rp_policy_init(&p);
    assert_int_equal(addr4(&p, "169.254.169.254", false), RP_EPOLICY);
    assert_int_equal(addr4(&p, "10.1.2.3", false), 0);
    assert_int_equal(addr6(&p, "fe80::1"), RP_EPOLICY);
    assert_int_equal(addr6(&p, "::ffff:169.254.169.254"), RP_EPOLICY); /* mapped IPv4 */
    assert_int_equal(addr6(&p, "2001:db8::1"), 0);
    assert_int_equal(host(&p, "metadata.google.internal", NULL), RP_EPOLICY);
    assert_int_equal(host(&p, "METADATA.GOOGLE.INTERNAL", NULL), RP_EPOLICY);
    assert_int_equal(host(&p, "example.com", NULL), 0);
    assert_int_equal(host(&p, "169.254.1.1", NULL), RP_EPOLICY);
}

static void test_rules(void **state)
{
    (void)state;
    struct rp_policy p;
    struct rp_err err = {0};
    rp_policy_init(&p);
    assert_int_equal(rp_policy_add(&p, true, "10.0.0.0/8", &err), 0);
    assert_int_equal(rp_policy_add(&p, false, "10.9.0.0/16", &err), 0);
    assert_int_equal(rp_policy_add(&p, true, "*.corp.example", &err), 0);
    assert_int_equal(rp_policy_add(&p, false, "secret.corp.example", &err), 0);
    assert_int_equal(addr4(&p, "10.1.2.3", false), 0);
    assert_int_equal(addr4(&p, "10.9.1.1", false), RP_EPOLICY);    /* deny wins */
    assert_int_equal(addr4(&p, "192.168.1.1", false), RP_EPOLICY); /* not allowed */
    bool by_name = false;
    assert_int_equal(host(&p, "hooks.corp.example", &by_name), 0);
    assert_true(by_name);
    assert_int_equal(addr4(&p, "192.168.1.1", true), 0);       /* its addresses follow the name */
    assert_int_equal(addr4(&p, "10.9.1.1", true), RP_EPOLICY); /* but a deny still wins */
    assert_int_equal(host(&p, "corp.example", &by_name), 0);
    assert_true(by_name);
    assert_int_equal(host(&p, "secret.corp.example", NULL), RP_EPOLICY);
    assert_int_equal(host(&p, "other.example", &by_name), 0);
    assert_false(by_name);
    char text[1024];
    rp_policy_describe(&p, text, sizeof(text));
    assert_non_null(strstr(text, "deny 169.254.0.0/16"));
    assert_non_null(strstr(text, "allow 10.0.0.0/8, *.corp.example"));
    assert_non_null(strstr(text, "deny all else"));
}

static void test_bad_entries(void **state)
{
    (void)state;
    struct rp_policy p;
    struct rp_err err = {0};
    rp_policy_init(&p);
    const char *bad[] = {"10.0.0.0/33", "::1/129", "1.2.3.4/x", "bad name", "a/b", "", NULL};
    for (size_t i = 0; bad[i]; i++) {
        if (rp_policy_add(&p, false, bad[i], &err) != RP_ECONFIG) {
            fail_msg("\"%s\" should be refused", bad[i]);
        }
    }
    assert_int_equal(rp_policy_add(&p, false, "0.0.0.0/0", &err), 0);
    assert_int_equal(addr4(&p, "8.8.8.8", false), RP_EPOLICY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_bad_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
