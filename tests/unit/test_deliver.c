/* Unit tests of the delivery rules: signatures, retry schedule, Retry-After, outcomes and the
 * payload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "deliver.h"

static void test_signature_vector(void **state)
{
    (void)state;
    /* the example of the Standard Webhooks specification */
    const char *body = "{\"test\": 2432232314}";
    char sig[128];
    assert_int_equal(ps_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                             "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             (const unsigned char *)body, strlen(body), sig, sizeof(sig)),
                     0);
    assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static void test_secret_valid(void **state)
{
    (void)state;
    assert_true(ps_secret_valid("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    assert_false(ps_secret_valid("whsec_@@@"));
    assert_false(ps_secret_valid("whsec_AAAA"));
    assert_false(ps_secret_valid("short"));
}

static void test_retry(void **state)
{
    (void)state;
    struct ps_retry_schedule s;
    struct rp_err err = {0};
    assert_int_equal(ps_retry_parse("5s,2m,1h,250ms,3", &s, &err), 0);
    assert_int_equal(s.n, 5);
    assert_true(s.steps_ms[0] == 5000 && s.steps_ms[1] == 120000 && s.steps_ms[2] == 3600000);
    assert_true(s.steps_ms[3] == 250 && s.steps_ms[4] == 3000);
    for (uint32_t r = 0; r < 100000; r += 997) {
        int64_t d = ps_retry_delay(&s, 1, -1, r);
        assert_true(d >= 4000 && d <= 6000);
    }
    assert_true(ps_retry_delay(&s, 1, 60000, 0) == 60000); /* Retry-After wins when later */
    assert_true(ps_retry_delay(&s, 6, -1, 0) == -1);       /* exhausted */
    assert_int_equal(ps_retry_parse("5x", &s, &err), RP_ECONFIG);
    assert_int_equal(ps_retry_parse("", &s, &err), RP_ECONFIG);
    assert_int_equal(ps_retry_parse("-1s", &s, &err), RP_ECONFIG);
}

static void test_retry_after(void **state)
{
    (void)state;
    assert_true(ps_retry_after_ms("120", 0) == 120000);
    assert_true(ps_retry_after_ms(NULL, 0) == -1);
    assert_true(ps_retry_after_ms("soon", 0) == -1);
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    assert_true(ps_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000 - 5000) == 5000);
}

static void test_outcome(void **state)
{
    (void)state;
    assert_int_equal(ps_outcome_of(200), PS_OUTCOME_DELIVERED);
    assert_int_equal(ps_outcome_of(204), PS_OUTCOME_DELIVERED);
    assert_int_equal(ps_outcome_of(410), PS_OUTCOME_GONE);
    assert_int_equal(ps_outcome_of(500), PS_OUTCOME_RETRY);
    assert_int_equal(ps_outcome_of(429), PS_OUTCOME_RETRY);
    assert_int_equal(ps_outcome_of(302), PS_OUTCOME_RETRY);
    assert_int_equal(ps_outcome_of(0), PS_OUTCOME_RETRY);
}

static void test_payload(void **state)
{
    (void)state;
    json_t *project = json_pack("{s:s, s:s}", "id", "p1", "name", "Proj");
    json_t *scan = json_pack("{s:s, s:s, s:s, s:{s:s}, s:s, s:n}", "id", "s1", "name", "Scan",
                             "status", "done", "config", "target", "x", "startedAt",
                             "2026-01-01T00:00:00.000Z", "endedAt");
    json_t *issues =
        json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]", "name", "a", "severity", "high", "name",
                  "b", "severity", "high", "name", "c", "severity", "low");
    json_t *p =
        ps_payload_build("msg_1", "2026-01-01T00:00:01.000Z", project, scan, "running", issues);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "type")), "scan.status_changed");
    json_t *s = json_object_get(p, "scan");
    assert_string_equal(json_string_value(json_object_get(s, "previousStatus")), "running");
    assert_string_equal(json_string_value(json_object_get(json_object_get(s, "config"), "target")),
                        "x");
    json_t *iss = json_object_get(s, "issues");
    assert_int_equal(json_integer_value(json_object_get(iss, "total")), 3);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(iss, "bySeverity"), "high")), 2);
    assert_int_equal(json_array_size(json_object_get(iss, "items")), 3);
    json_decref(p);
    json_decref(project);
    json_decref(scan);
    json_decref(issues);
}

static void test_statuses(void **state)
{
    (void)state;
    assert_true(ps_scan_status_valid("running"));
    assert_true(ps_scan_status_valid("scheduled"));
    assert_false(ps_scan_status_valid("Running"));
    assert_false(ps_scan_status_valid(NULL));
    assert_true(ps_scan_status_is_final("disrupted"));
    assert_false(ps_scan_status_is_final("pending"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vector),
        cmocka_unit_test(test_secret_valid),
        cmocka_unit_test(test_retry),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_outcome),
        cmocka_unit_test(test_payload),
        cmocka_unit_test(test_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
