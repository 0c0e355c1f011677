/* Unit tests of the session state machine with fake ops: handshake, pings, dispatch, typed
 * rejections, fatal codes, and the backoff schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "link.h"
#include "mpjson.h"
#include "rp_log.h"
#include "session.h"
#include "sio.h"
#include "testutil.h"

struct fake {
    json_t *sent; /* array: text frames as strings, binary frames decoded */
    int watchdog_ms;
    int drops;
    char fatal_code[64];
    int ready;
    int jobs;
    int64_t last_job_id;
    char last_url[64];
    char last_job_key[16]; /* the payload's jobId */
    int netchecks;
};

static int f_send(void *ud, const unsigned char *data, size_t len, bool binary)
{
    struct fake *f = ud;
    if (!binary) {
        json_array_append_new(f->sent, json_stringn((const char *)data, len));
        return 0;
    }
    json_t *v = NULL;
    struct rp_err err;
    assert_int_equal(rp_mpjson_decode(data, len, &v, &err), 0);
    json_array_append_new(f->sent, v);
    return 0;
}

static void f_watchdog(void *ud, int ms)
{
    ((struct fake *)ud)->watchdog_ms = ms;
}

static void f_drop(void *ud, const char *reason)
{
    (void)reason;
    ((struct fake *)ud)->drops++;
}

static void f_fatal(void *ud, const char *code, const char *message, const char *remediation)
{
    (void)message;
    (void)remediation;
    snprintf(((struct fake *)ud)->fatal_code, 64, "%s", code);
}

static void f_ready(void *ud)
{
    ((struct fake *)ud)->ready++;
}

static void f_job(void *ud, int64_t id, const struct rp_job_payload *payload)
{
    struct fake *f = ud;
    f->jobs++;
    f->last_job_id = id;
    struct rp_job job;
    struct rp_err err = {0};
    f->last_url[0] = 0;
    if (rp_job_parse_payload(payload, &job, &err) == 0) {
        snprintf(f->last_url, sizeof(f->last_url), "%s", job.url);
        rp_job_cleanup(&job);
    }
    if (!rp_job_payload_id(payload, f->last_job_key, sizeof(f->last_job_key))) {
        f->last_job_key[0] = 0;
    }
}

static void f_netcheck(void *ud, int64_t id, json_t *payload)
{
    (void)id;
    (void)payload;
    ((struct fake *)ud)->netchecks++;
}

static const struct ag_session_ops fake_ops = {f_send,  f_watchdog, f_drop,    f_fatal,
                                               f_ready, f_job,      f_netcheck};

static void feed_text(struct ag_session *s, const char *text)
{
    ag_session_frame(s, (const unsigned char *)text, strlen(text), false);
}

static void feed_packet(struct ag_session *s, const char *json)
{
    struct rp_buf buf;
    tu_msgpack_of(json, &buf);
    ag_session_frame(s, buf.data, buf.len, true);
    rp_buf_cleanup(&buf);
}

static json_t *last_sent(struct fake *f)
{
    return json_array_get(f->sent, json_array_size(f->sent) - 1);
}

static void handshake(struct ag_session *s, struct fake *f)
{
    ag_session_link_up(s);
    feed_text(s, "0{\"sid\":\"x\",\"upgrades\":[],\"pingInterval\":300,\"pingTimeout\":200,"
                 "\"maxPayload\":1000000}");
    assert_int_equal(f->watchdog_ms, 500);
    json_t *connect = last_sent(f);
    assert_int_equal(json_integer_value(json_object_get(connect, "type")), 0);
    assert_string_equal(json_string_value(json_object_get(connect, "nsp")), "/workstations");
    json_t *auth = json_object_get(connect, "data");
    assert_string_equal(json_string_value(json_object_get(auth, "token")), "tok");
    assert_string_equal(json_string_value(json_object_get(auth, "domain")), "abcdefghij");
    feed_packet(s, "{\"type\":0,\"nsp\":\"/workstations\",\"data\":{\"sid\":\"s1\"}}");
    json_t *deploy = last_sent(f);
    json_t *data = json_object_get(deploy, "data");
    assert_string_equal(json_string_value(json_array_get(data, 0)), "deploy");
    assert_string_equal(json_string_value(json_object_get(json_array_get(data, 1), "repeaterId")),
                        "abcdefghij");
    assert_string_equal(json_string_value(json_object_get(json_array_get(data, 2), "version")),
                        "9.9");
    assert_int_equal(s->state, AG_SESSION_DEPLOYING);
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"data\":[\"deployed\",{\"repeaterId\":"
                   "\"abcdefghij\",\"extensions\":{\"record\":true}}]}");
    assert_int_equal(s->state, AG_SESSION_READY);
    assert_int_equal(f->ready, 1);
    assert_true(s->ext_record);
}

static int setup(void **state)
{
    struct fake *f = calloc(1, sizeof(*f));
    f->sent = json_array();
    struct ag_session *s = calloc(1, sizeof(*s));
    json_t *rt = json_pack("{s:s}", "version", "9.9");
    assert_int_equal(ag_session_init(s, &fake_ops, f, "tok", "abcdefghij", rt), 0);
    json_decref(rt);
    state[0] = s;
    rp_log_setup(RP_LOG_SILENT, RP_LOG_TEXT, NULL);
    return 0;
}

static int teardown(void **state)
{
    struct ag_session *s = state[0];
    struct fake *f = s->ud;
    json_decref(f->sent);
    free(f);
    ag_session_cleanup(s);
    free(s);
    return 0;
}

static void test_handshake_and_ping(void **state)
{
    struct ag_session *s = state[0];
    struct fake *f = s->ud;
    handshake(s, f);
    f->watchdog_ms = 0;
    feed_text(s, "2");
    assert_string_equal(json_string_value(last_sent(f)), "3");
    assert_int_equal(f->watchdog_ms, 500);
}

static void test_request_and_ack(void **state)
{
    struct ag_session *s = state[0];
    struct fake *f = s->ud;
    handshake(s, f);
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"id\":77,\"data\":[\"request\","
                   "{\"url\":\"http://127.0.0.1/\"}]}");
    assert_int_equal(f->jobs, 1);
    assert_int_equal(f->last_job_id, 77);
    assert_string_equal(f->last_url, "http://127.0.0.1/");
    /* read in place (the usual packet) and through jansson (an extra argument, an extra key
     * in the packet): the same job */
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"id\":78,\"data\":[\"request\","
                   "{\"url\":\"http://127.0.0.2/a\",\"jobId\":\"j-1\"}]}");
    assert_int_equal(f->last_job_id, 78);
    assert_string_equal(f->last_url, "http://127.0.0.2/a");
    assert_string_equal(f->last_job_key, "j-1");
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"id\":79,\"data\":[\"request\","
                   "{\"url\":\"http://127.0.0.3/b\",\"jobId\":\"j-2\"},1]}");
    assert_int_equal(f->last_job_id, 79);
    assert_string_equal(f->last_url, "http://127.0.0.3/b");
    assert_string_equal(f->last_job_key, "j-2");
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"id\":80,\"extra\":true,"
                   "\"data\":[\"request\",{\"url\":\"http://127.0.0.4/c\"}]}");
    assert_int_equal(f->last_job_id, 80);
    assert_string_equal(f->last_url, "http://127.0.0.4/c");
    assert_int_equal(f->jobs, 4);
    json_t *arg = json_pack("{s:i}", "statusCode", 204);
    assert_int_equal(ag_session_ack(s, s->generation, 77, arg), 0);
    json_t *ack = last_sent(f);
    assert_int_equal(json_integer_value(json_object_get(ack, "type")), 3);
    assert_int_equal(json_integer_value(json_object_get(ack, "id")), 77);
    /* an ack for an older link is refused */
    assert_int_equal(ag_session_ack(s, s->generation - 1, 77, arg), RP_ESHUTTING_DOWN);
    json_decref(arg);
}

static void test_rejections_keep_link(void **state)
{
    struct ag_session *s = state[0];
    struct fake *f = s->ud;
    handshake(s, f);
    size_t before = json_array_size(f->sent);
    feed_text(s, "9");
    feed_text(s, "4hello");
    ag_session_frame(s, (const unsigned char *)"\xc1", 1, true);
    feed_packet(s, "{\"type\":2,\"nsp\":\"/other\",\"data\":[\"request\",{}],\"id\":1}");
    feed_packet(s, "{\"type\":3,\"nsp\":\"/workstations\",\"data\":[],\"id\":5}");
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"data\":[\"request\",{}]}");
    assert_int_equal(s->frames_rejected, 6);
    assert_int_equal(json_array_size(f->sent), before); /* none of them had an id to ack */
    /* an unknown event with an id is answered with a typed error */
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"data\":[\"nope\"],\"id\":9}");
    json_t *ack = last_sent(f);
    assert_int_equal(json_integer_value(json_object_get(ack, "id")), 9);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ack, "data"), 0), "errorCode")),
                        "unknown_event");
    /* a malformed event with an id gets bad_packet */
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"data\":[5],\"id\":10}");
    ack = last_sent(f);
    assert_int_equal(json_integer_value(json_object_get(ack, "id")), 10);
    assert_int_equal(f->drops, 0);
    assert_int_equal(f->jobs, 0);
}

static void test_fatal_codes(void **state)
{
    struct ag_session *s = state[0];
    struct fake *f = s->ud;
    handshake(s, f);
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"data\":[\"error\",{\"message\":\"m\","
                   "\"code\":\"unknown_error\"}]}");
    assert_string_equal(f->fatal_code, "");
    feed_packet(s, "{\"type\":2,\"nsp\":\"/workstations\",\"data\":[\"error\",{\"message\":\"m\","
                   "\"code\":\"repeater_deactivated\",\"remediation\":\"r\"}]}");
    assert_string_equal(f->fatal_code, "repeater_deactivated");
}

static void test_connect_error(void **state)
{
    struct ag_session *s = state[0];
    struct fake *f = s->ud;
    ag_session_link_up(s);
    feed_text(s, "0{\"sid\":\"x\",\"upgrades\":[],\"pingInterval\":300,\"pingTimeout\":200}");
    feed_packet(s, "{\"type\":4,\"nsp\":\"/workstations\",\"data\":{\"message\":\"no\",\"data\":"
                   "{\"code\":\"repeater_unauthorized\",\"remediation\":\"check the token\"}}}");
    assert_string_equal(f->fatal_code, "repeater_unauthorized");
}

static void test_backoff(void **state)
{
    (void)state;
    assert_true(ag_backoff_delay_ms(0, 0) >= 250);
    assert_true(ag_backoff_delay_ms(0, 0xffffffff) <= 1000);
    for (unsigned a = 0; a < 40; a++) {
        for (uint32_t r = 0; r < 5000; r += 777) {
            unsigned d = ag_backoff_delay_ms(a, r);
            assert_true(d <= 10000);
            assert_true(d >= 250);
        }
    }
    assert_true(ag_backoff_delay_ms(10, 0) >= 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_and_ping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_and_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejections_keep_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fatal_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_error, setup, teardown),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
