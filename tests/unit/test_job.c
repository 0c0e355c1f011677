/* Unit tests of job validation, driven by tests/data/job/cases.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "job.h"
#include "rp_util.h"
#include "testutil.h"

static void check_ok(const char *name, const struct rp_job *job, const json_t *want)
{
    const char *s;
    if ((s = json_string_value(json_object_get(want, "method")))) {
        assert_string_equal(job->method, s);
    }
    if ((s = json_string_value(json_object_get(want, "scheme")))) {
        assert_string_equal(job->scheme, s);
    }
    if ((s = json_string_value(json_object_get(want, "host")))) {
        assert_string_equal(job->host, s);
    }
    json_t *v;
    if ((v = json_object_get(want, "port"))) {
        assert_int_equal(job->port, json_integer_value(v));
    }
    if ((v = json_object_get(want, "timeout"))) {
        assert_int_equal(job->timeout_ms, json_integer_value(v));
    }
    if ((v = json_object_get(want, "max_content_kib"))) {
        assert_int_equal(job->max_content_kib, json_integer_value(v));
    }
    if ((v = json_object_get(want, "decompress"))) {
        assert_int_equal(job->decompress, json_is_true(v));
    }
    if ((s = json_string_value(json_object_get(want, "body_hex")))) {
        char hex[256];
        assert_true(job->body_len * 2 < sizeof(hex));
        rp_hex(job->body, job->body_len, hex);
        assert_string_equal(hex, s);
    }
    if ((v = json_object_get(want, "headers"))) {
        if (json_array_size(v) != job->n_headers) {
            fail_msg("%s: %zu headers, want %zu", name, job->n_headers, json_array_size(v));
        }
        for (size_t i = 0; i < job->n_headers; i++) {
            json_t *pair = json_array_get(v, i);
            assert_string_equal(job->headers[i].name, json_string_value(json_array_get(pair, 0)));
            assert_string_equal(job->headers[i].value, json_string_value(json_array_get(pair, 1)));
        }
    }
}

static void test_cases(void **state)
{
    (void)state;
    json_t *cases = tu_load_json("job/cases.json");
    assert_true(json_array_size(cases) >= 30);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        struct rp_job job;
        struct rp_err err = {0};
        int rc = rp_job_parse(json_object_get(c, "job"), &job, &err);
        const char *want_err = json_string_value(json_object_get(c, "error"));
        if (want_err) {
            if (rc == 0 || strcmp(rp_err_name(rc), want_err) != 0) {
                fail_msg("%s: got %s (%s), want %s", name, rp_err_name(rc), err.msg, want_err);
            }
            assert_true(err.msg[0] != 0);
            continue;
        }
        if (rc) {
            fail_msg("%s: unexpected error %s: %s", name, rp_err_name(rc), err.msg);
        }
        check_ok(name, &job, json_object_get(c, "ok"));
        rp_job_cleanup(&job);
    }
    json_decref(cases);
}

static void test_header_line(void **state)
{
    (void)state;
    char *n = NULL;
    char *v = NULL;
    struct rp_err err = {0};
    assert_int_equal(rp_header_parse_line("X-Tenant:  acme  ", &n, &v, &err), 0);
    assert_string_equal(n, "X-Tenant");
    assert_string_equal(v, "acme");
    free(n);
    free(v);
    assert_int_equal(rp_header_parse_line("no colon", &n, &v, &err), RP_EINVALID);
    assert_int_equal(rp_header_parse_line("Bad Name: x", &n, &v, &err), RP_EINVALID);
    assert_int_equal(rp_header_parse_line("X: a\rb", &n, &v, &err), RP_EINVALID);
}

static void test_base64(void **state)
{
    (void)state;
    const unsigned char bytes[] = {0, 1, 2, 0xfe, 0xff};
    for (size_t n = 0; n <= sizeof(bytes); n++) {
        char *enc = rp_base64_encode(bytes, n);
        unsigned char *dec = NULL;
        size_t len = 0;
        assert_int_equal(rp_base64_decode(enc, strlen(enc), &dec, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(dec, bytes, n);
        free(enc);
        free(dec);
    }
    unsigned char *dec = NULL;
    size_t len = 0;
    const char *bad[] = {"A", "A===", "AB=C", "AB\n=", "QQ=a", "QR==", NULL};
    for (size_t i = 0; bad[i]; i++) {
        if (rp_base64_decode(bad[i], strlen(bad[i]), &dec, &len) != RP_EINVALID) {
            fail_msg("\"%s\" should be refused", bad[i]);
        }
    }
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(rp_utf8_valid((const unsigned char *)"h\xc3\xa9", 3));
    assert_int_equal(rp_utf8_valid_prefix((const unsigned char *)"h\xc3", 2), 1);
    assert_false(rp_utf8_valid((const unsigned char *)"\xc0\x80", 2));     /* overlong */
    assert_false(rp_utf8_valid((const unsigned char *)"\xed\xa0\x80", 3)); /* surrogate */
    assert_true(rp_utf8_valid((const unsigned char *)"\xf0\x9f\x98\x80", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_header_line),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
