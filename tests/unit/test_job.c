/* Unit tests of job validation, driven by tests/data/job/cases.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "job.h"
#include "mpjson.h"
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
        /* the same payload as msgpack, read in place, gives the same answer */
        struct rp_buf mp;
        rp_buf_init(&mp);
        struct rp_err merr = {0};
        msgpack_object obj;
        struct rp_job_payload in_place;
        assert_int_equal(rp_mpjson_encode(json_object_get(c, "job"), &mp, &merr), 0);
        assert_int_equal(rp_mpjson_unpack(mp.data, mp.len, &obj, &merr), 0);
        if (rp_job_payload_msgpack(&in_place, &obj)) {
            struct rp_job again;
            int rc2 = rp_job_parse_payload(&in_place, &again, &merr);
            if (rc2 != rc || strcmp(merr.msg, err.msg) != 0) {
                fail_msg("%s: in place %s (%s), through jansson %s (%s)", name, rp_err_name(rc2),
                         merr.msg, rp_err_name(rc), err.msg);
            }
            if (rc2 == 0) {
                assert_string_equal(again.url, job.url);
                assert_int_equal(again.n_headers, job.n_headers);
                rp_job_cleanup(&again);
            }
        }
        rp_mpjson_unpack_end();
        rp_buf_cleanup(&mp);
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

/* Strings with NUL are compared by their whole length. */
static void test_nul_in_strings(void **state)
{
    (void)state;
    struct {
        const char *key;
        const char *value;
        size_t len;
        int want;
    } cases[] = {
        {"protocol", "http\0x", 6, RP_EINVALID_JOB},
        {"protocol", "ws\0", 3, RP_EINVALID_JOB},
        {"encoding", "base64\0", 7, RP_EINVALID_JOB},
        {"method", "GET\0", 4, RP_EINVALID_JOB},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *p = json_pack("{s:s}", "url", "http://127.0.0.1/");
        json_object_set_new(p, cases[i].key, json_stringn(cases[i].value, cases[i].len));
        struct rp_job job;
        struct rp_err err = {0};
        assert_int_equal(rp_job_parse(p, &job, &err), cases[i].want);
        json_decref(p);
    }
    char id[16];
    struct rp_job_payload payload;
    json_t *p =
        json_pack("{s:s, s:s%}", "url", "http://127.0.0.1/", "jobId", "abc\0def", (size_t)7);
    rp_job_payload_json(&payload, p);
    assert_false(rp_job_payload_id(&payload, id, sizeof(id)));
    json_decref(p);
}

/* Payloads the in-place reading leaves to jansson: a repeated key in the payload or its
 * headers, an ext value, a NUL in a key, a wide payload; and a wide map elsewhere, which it
 * takes (and reads in linear time). */
static void test_msgpack_reading(void **state)
{
    (void)state;
    struct {
        const unsigned char *bytes;
        size_t len;
        bool in_place;
    } cases[] = {
#define B(lit) (const unsigned char *)(lit), sizeof(lit) - 1
        /* {url: "http://h/", url: "http://g/"} */
        {B("\x82\xa3url\xa9http://h/\xa3url\xa9http://g/"), false},
        /* {url: "http://h/", headers: {a: "1", a: "2"}} */
        {B("\x82\xa3url\xa9http://h/\xa7headers\x82\xa1"
           "a\xa1"
           "1\xa1"
           "a\xa1"
           "2"),
         false},
        /* {url: "http://h/", timeout: undefined} */
        {B("\x82\xa3url\xa9http://h/\xa7timeout\xd4\x00\x00"), false},
        /* {url: "http://h/", "a\0": 1} */
        {B("\x82\xa3url\xa9http://h/\xa2"
           "a\x00\x01"),
         false},
        /* {url: "http://h/", headers: {a: "1", b: "2"}} */
        {B("\x82\xa3url\xa9http://h/\xa7headers\x82\xa1"
           "a\xa1"
           "1\xa1"
           "b\xa1"
           "2"),
         true},
#undef B
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        msgpack_object o;
        struct rp_err err = {0};
        struct rp_job_payload p;
        assert_int_equal(rp_mpjson_unpack(cases[i].bytes, cases[i].len, &o, &err), 0);
        if (rp_job_payload_msgpack(&p, &o) != cases[i].in_place) {
            fail_msg("case %zu: in place %d, want %d", i, !cases[i].in_place, cases[i].in_place);
        }
        rp_mpjson_unpack_end();
    }
    /* 65 fields: jansson's; a map of 200,000 keys inside an ignored field: in place */
    json_t *wide = json_pack("{s:s}", "url", "http://127.0.0.1/");
    json_t *inner = json_object();
    for (int i = 0; i < 200000; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", i);
        json_object_set_new(i < 64 ? wide : inner, k, json_true());
    }
    json_t *narrow = json_pack("{s:s, s:o}", "url", "http://127.0.0.1/", "x", inner);
    struct {
        json_t *v;
        bool in_place;
    } shapes[] = {{wide, false}, {narrow, true}};
    for (size_t i = 0; i < 2; i++) {
        struct rp_buf b;
        rp_buf_init(&b);
        struct rp_err err = {0};
        msgpack_object o;
        struct rp_job_payload p;
        assert_int_equal(rp_mpjson_encode(shapes[i].v, &b, &err), 0);
        assert_int_equal(rp_mpjson_unpack(b.data, b.len, &o, &err), 0);
        assert_int_equal(rp_job_payload_msgpack(&p, &o), shapes[i].in_place);
        rp_mpjson_unpack_end();
        rp_buf_cleanup(&b);
        json_decref(shapes[i].v);
    }
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
        cmocka_unit_test(test_cases),           cmocka_unit_test(test_nul_in_strings),
        cmocka_unit_test(test_msgpack_reading), cmocka_unit_test(test_header_line),
        cmocka_unit_test(test_base64),          cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
