/* Unit tests of the secret-header rules and the HAR mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "har.h"
#include "redact.h"

static bool secret(const struct rp_redact *r, const char *name)
{
    return rp_redact_header(r, name, strlen(name));
}

static void test_rules(void **state)
{
    (void)state;
    struct rp_redact r;
    rp_redact_init(&r);
    const char *yes[] = {"Authorization",  "proxy-authorization",
                         "COOKIE",         "Set-Cookie",
                         "X-Api-Key",      "X-Auth-Token",
                         "client_secret",  "Sec-WebSocket-Key",
                         "x-access-token", NULL};
    const char *no[] = {"Content-Type", "Host",   "Keep-Alive", "webhook-signature",
                        "X-Cook",       "Accept", NULL};
    for (size_t i = 0; yes[i]; i++) {
        if (!secret(&r, yes[i])) {
            fail_msg("%s should be redacted", yes[i]);
        }
    }
    for (size_t i = 0; no[i]; i++) {
        if (secret(&r, no[i])) {
            fail_msg("%s should not be redacted", no[i]);
        }
    }
    assert_int_equal(rp_redact_add(&r, "X-Tenant"), 0);
    assert_true(secret(&r, "x-tenant"));
    r.enabled = false;
    assert_false(secret(&r, "Authorization"));
    assert_false(rp_redact_header(NULL, "Authorization", 13));
    rp_redact_cleanup(&r);
}

static void test_value(void **state)
{
    (void)state;
    char out[96];
    rp_redact_value("hunter2", 7, out, sizeof(out));
    assert_string_equal(out, "[redacted: 7 bytes, sha256:f52fbd32]");
    assert_null(strstr(out, "hunter2"));
}

static void test_har(void **state)
{
    (void)state;
    json_t *d = json_loads(
        "{\"id\":\"msg_1\",\"attempts\":[{\"number\":1,\"via\":\"direct\",\"startedAt\":"
        "\"2026-01-01T00:00:00.000Z\",\"request\":{\"method\":\"POST\",\"url\":\"http://h/p?a=1&b"
        "\",\"headers\":[[\"Content-Type\",\"application/json\"]],\"body\":\"{}\",\"bodyLength\":"
        "2},\"response\":{\"statusCode\":200,\"statusText\":\"OK\",\"httpVersion\":\"HTTP/1.1\","
        "\"headers\":[[\"Content-Type\",\"text/plain\"]],\"body\":\"ok\",\"bodyLength\":2},"
        "\"remote\":{\"ip\":\"127.0.0.1\",\"port\":80},\"timings\":{\"dns\":1,\"connect\":2,"
        "\"tls\":null,\"firstByte\":10,\"total\":12}},{\"number\":2,\"via\":\"repeater\","
        "\"request\":{\"method\":\"POST\",\"url\":\"http://h/p\",\"headers\":[]},\"response\":"
        "null,\"timings\":{},\"error\":{\"type\":\"repeater_offline\",\"message\":\"x\"}}]}",
        0, NULL);
    assert_non_null(d);
    json_t *har = ps_har_from_delivery(d);
    json_t *log = json_object_get(har, "log");
    assert_string_equal(json_string_value(json_object_get(log, "version")), "1.2");
    json_t *entries = json_object_get(log, "entries");
    assert_int_equal(json_array_size(entries), 2);
    json_t *e = json_array_get(entries, 0);
    json_t *t = json_object_get(e, "timings");
    assert_true(json_real_value(json_object_get(t, "wait")) == 7.0);
    assert_true(json_real_value(json_object_get(t, "receive")) == 2.0);
    assert_true(json_real_value(json_object_get(e, "time")) == 12.0);
    assert_string_equal(json_string_value(json_object_get(e, "serverIPAddress")), "127.0.0.1");
    json_t *qs = json_object_get(json_object_get(e, "request"), "queryString");
    assert_int_equal(json_array_size(qs), 2);
    json_t *e2 = json_array_get(entries, 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(e2, "response"), "status")),
                     0);
    assert_non_null(strstr(json_string_value(json_object_get(e2, "comment")), "repeater_offline"));
    json_decref(har);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_har),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
