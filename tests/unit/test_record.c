/* Unit tests of the record: capture cap, hashing, text or base64 bodies, the Bright form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mpjson.h"
#include "record.h"
#include "sio.h"

static void make(struct rp_record *r, struct rp_job *job, size_t cap)
{
    json_t *p = json_pack("{s:s, s:s}", "url", "http://127.0.0.1:1/x", "method", "post");
    struct rp_err err;
    assert_int_equal(rp_job_parse(p, job, &err), 0);
    json_decref(p);
    assert_int_equal(rp_record_init(r, job, cap, true), 0);
    r->has_response = true;
    r->status = 200;
}

static void add(struct rp_record *r, const char *n, const char *v)
{
    assert_int_equal(
        rp_record_add_header(&r->resp_headers, &r->n_resp_headers, n, strlen(n), v, strlen(v)), 0);
}

static void test_cap_and_hash(void **state)
{
    (void)state;
    struct rp_record r;
    struct rp_job job;
    make(&r, &job, 4);
    add(&r, "Content-Type", "text/plain");
    assert_int_equal(rp_record_body(&r, "hello", 5), 0);
    assert_int_equal(rp_record_body(&r, " world", 6), 0);
    rp_record_finish(&r);
    assert_true(r.truncated);
    assert_int_equal(r.body.len, 4);
    assert_int_equal(r.body_total, 11);
    /* sha256("hello world") */
    assert_string_equal(r.body_sha256,
                        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    json_t *j = rp_record_to_json(&r);
    json_t *resp = json_object_get(j, "response");
    assert_string_equal(json_string_value(json_object_get(resp, "body")), "hell");
    assert_int_equal(json_integer_value(json_object_get(resp, "bodyLength")), 11);
    assert_true(json_is_true(json_object_get(resp, "truncated")));
    json_decref(j);
    rp_record_cleanup(&r);
    rp_job_cleanup(&job);
}

static void test_binary_and_utf8_cut(void **state)
{
    (void)state;
    struct rp_record r;
    struct rp_job job;
    make(&r, &job, 3);
    add(&r, "Content-Type", "text/plain; charset=utf-8");
    assert_int_equal(rp_record_body(&r, "a\xc3\xa9", 3), 0); /* "aé" */
    assert_int_equal(rp_record_body(&r, "b", 1), 0);
    rp_record_finish(&r);
    json_t *j = rp_record_to_json(&r);
    /* the cap fell after a whole character: text */
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "response"), "body")),
                        "a\xc3\xa9");
    json_decref(j);
    rp_record_cleanup(&r);
    rp_job_cleanup(&job);

    make(&r, &job, 100);
    add(&r, "Content-Type", "application/octet-stream");
    assert_int_equal(rp_record_body(&r, "\x00\xff\x10", 3), 0);
    rp_record_finish(&r);
    j = rp_record_to_bright(&r);
    assert_string_equal(json_string_value(json_object_get(j, "body")), "AP8Q");
    assert_string_equal(json_string_value(json_object_get(j, "encoding")), "base64");
    json_decref(j);
    rp_record_cleanup(&r);
    rp_job_cleanup(&job);
}

static void test_bright_headers(void **state)
{
    (void)state;
    struct rp_record r;
    struct rp_job job;
    make(&r, &job, 100);
    add(&r, "Set-Cookie", "a=1");
    add(&r, "X-One", "1");
    add(&r, "set-cookie", "b=2");
    add(&r, "SET-COOKIE", "c=3");
    rp_record_finish(&r);
    json_t *j = rp_record_to_bright(&r);
    json_t *h = json_object_get(j, "headers");
    json_t *cookies = json_object_get(h, "set-cookie");
    assert_true(json_is_array(cookies));
    assert_int_equal(json_array_size(cookies), 3);
    assert_string_equal(json_string_value(json_array_get(cookies, 2)), "c=3");
    assert_string_equal(json_string_value(json_object_get(h, "x-one")), "1");
    assert_int_equal(json_integer_value(json_object_get(j, "statusCode")), 200);
    assert_null(json_object_get(j, "errorCode"));
    json_decref(j);
    rp_record_cleanup(&r);
    rp_job_cleanup(&job);
}

static void test_error_ack(void **state)
{
    (void)state;
    json_t *a = rp_record_error_ack(RP_EINVALID_JOB, "url: no host", true);
    assert_string_equal(json_string_value(json_object_get(a, "errorCode")), "invalid_job");
    assert_null(json_object_get(a, "statusCode"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(a, "record"), "error"), "type")),
                        "invalid_job");
    json_decref(a);
}

/* The plain ack packed straight from a record holds the expected value (JSON text), and its
 * ACK packet is, byte for byte, what rp_sio_encode_ack makes of that value. */
static void check_packed_ack(struct rp_record *r, const char *what, const char *expect)
{
    struct rp_buf got;
    struct rp_buf want;
    struct rp_err err = {0};
    rp_buf_init(&got);
    rp_buf_init(&want);
    assert_int_equal(rp_sio_encode_ack_packed("/workstations", 41, rp_record_bright_pack, r, &got),
                     0);
    json_t *packet = NULL;
    if (rp_mpjson_decode(got.data, got.len, &packet, &err)) {
        fail_msg("%s: the packed ack does not decode: %s", what, err.msg);
    }
    json_t *ack = json_array_get(json_object_get(packet, "data"), 0);
    json_t *expected = json_loads(expect, 0, NULL);
    assert_non_null(expected);
    if (!json_equal(ack, expected)) {
        char *x = json_dumps(ack, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("%s: packed %s, want %s", what, x, expect);
    }
    json_t *bright = rp_record_to_bright(r);
    assert_true(json_equal(bright, expected));
    json_t *args = json_pack("[o]", bright);
    assert_int_equal(rp_sio_encode_ack("/workstations", 41, args, &want, &err), 0);
    if (want.len != got.len || memcmp(want.data, got.data, want.len) != 0) {
        fail_msg("%s: the packed ACK packet is not the encoded one", what);
    }
    json_decref(args);
    json_decref(expected);
    json_decref(packet);
    rp_buf_cleanup(&want);
    rp_buf_cleanup(&got);
}

/* Finishes the record, checks its packed ack, frees it. */
static void check_and_free(struct rp_record *r, struct rp_job *job, const char *what,
                           const char *expect)
{
    rp_record_finish(r);
    check_packed_ack(r, what, expect);
    rp_record_cleanup(r);
    rp_job_cleanup(job);
}

static void test_packed_ack(void **state)
{
    (void)state;
    struct rp_job job;
    struct rp_record r;

    make(&r, &job, 100);
    add(&r, "Content-Type", "text/plain; charset=utf-8");
    add(&r, "Set-Cookie", "a=1");
    add(&r, "X-One", "1");
    add(&r, "set-cookie", "b=2");
    add(&r, "X-Two", "");
    add(&r, "SET-COOKIE", "c=3");
    add(&r, "x-bad-value", "\xff\xfe");
    add(&r,
        "X-B\xe9"
        "d-Name",
        "dropped by jansson");
    add(&r, "X-\xc3\xa9t\xc3\xa9", "utf-8 name");
    assert_int_equal(rp_record_body(&r, "h\xc3\xa9llo \xe2\x9c\x93", 10), 0);
    r.t_first_byte = 2500;
    check_and_free(&r, &job, "text body, repeated and odd headers, ttfb",
                   "{\"protocol\":\"http\",\"statusCode\":200,\"body\":\"h\\u00e9llo \\u2713\","
                   "\"ttfb\":2,\"headers\":{\"content-type\":\"text/plain; charset=utf-8\","
                   "\"set-cookie\":[\"a=1\",\"b=2\",\"c=3\"],\"x-one\":\"1\",\"x-two\":\"\","
                   "\"x-bad-value\":\"\",\"x-\\u00e9t\\u00e9\":\"utf-8 name\"}}");

    make(&r, &job, 100);
    add(&r, "Content-Type", "application/octet-stream");
    assert_int_equal(rp_record_body(&r, "\x00\xff\x10\x80", 4), 0);
    check_and_free(
        &r, &job, "binary body",
        "{\"protocol\":\"http\",\"statusCode\":200,\"body\":\"AP8QgA==\","
        "\"encoding\":\"base64\",\"headers\":{\"content-type\":\"application/octet-stream\"}}");

    make(&r, &job, 2); /* the cap cuts "é" in two: a text type keeps the whole characters */
    add(&r, "Content-Type", "text/html");
    assert_int_equal(rp_record_body(&r, "a\xc3\xa9", 3), 0);
    assert_int_equal(rp_record_body(&r, "\xc3\xa9", 2), 0);
    check_and_free(&r, &job, "text cut by the cap",
                   "{\"protocol\":\"http\",\"statusCode\":200,\"body\":\"a\","
                   "\"headers\":{\"content-type\":\"text/html\"}}");

    make(&r, &job, 100);
    assert_int_equal(rp_record_body(&r, "nul\0inside", 11), 0);
    check_and_free(&r, &job, "UTF-8 with a NUL",
                   "{\"protocol\":\"http\",\"statusCode\":200,\"body\":\"bnVsAGluc2lkZQA=\","
                   "\"encoding\":\"base64\",\"headers\":{}}");

    make(&r, &job, 100);
    r.status = 204;
    check_and_free(&r, &job, "no body, no headers",
                   "{\"protocol\":\"http\",\"statusCode\":204,\"body\":\"\",\"headers\":{}}");

    make(&r, &job, 100);
    r.has_response = false;
    rp_err_set(&r.error, RP_ECONNECT, "connect to 127.0.0.1 port 1 failed: Connection refused");
    check_and_free(&r, &job, "no response, an error",
                   "{\"protocol\":\"http\",\"errorCode\":\"connect\","
                   "\"message\":\"connect to 127.0.0.1 port 1 failed: Connection refused\"}");

    make(&r, &job, 100);
    add(&r, "Content-Length", "999999999");
    assert_int_equal(rp_record_body(&r, "partial", 7), 0);
    r.t_first_byte = 0;
    rp_err_set(&r.error, RP_ETOO_LARGE, "response body exceeds the download limit");
    check_and_free(&r, &job, "a response and an error",
                   "{\"protocol\":\"http\",\"statusCode\":200,\"body\":\"partial\",\"ttfb\":0,"
                   "\"headers\":{\"content-length\":\"999999999\"},\"errorCode\":\"too_large\","
                   "\"message\":\"response body exceeds the download limit\"}");

    make(&r, &job, 100);
    r.has_response = false;
    rp_err_set(&r.error, RP_EPROTOCOL, "bad \xff reply");
    check_and_free(&r, &job, "an error message that is not UTF-8",
                   "{\"protocol\":\"http\",\"errorCode\":\"protocol\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_and_hash),   cmocka_unit_test(test_binary_and_utf8_cut),
        cmocka_unit_test(test_bright_headers), cmocka_unit_test(test_error_ack),
        cmocka_unit_test(test_packed_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
