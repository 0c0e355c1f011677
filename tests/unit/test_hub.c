/* Unit tests of the platform side of the protocol (hub.c) with fake connections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hub.h"
#include "mpjson.h"
#include "rp_log.h"
#include "rp_util.h"
#include "testutil.h"

struct fake_conn {
    json_t *sent; /* text frames as strings, binary frames decoded */
    int closed;
    int pongs;
};

static int deployed_count;
static int gone_count;

static int f_send(void *ud, const unsigned char *data, size_t len, bool binary)
{
    struct fake_conn *c = ud;
    if (!binary) {
        json_array_append_new(c->sent, json_stringn((const char *)data, len));
        return 0;
    }
    json_t *v = NULL;
    struct rp_err err;
    assert_int_equal(rp_mpjson_decode(data, len, &v, &err), 0);
    json_array_append_new(c->sent, v);
    return 0;
}

static void f_close(void *ud, const char *reason)
{
    (void)reason;
    ((struct fake_conn *)ud)->closed++;
}

static void f_pong(void *ud)
{
    ((struct fake_conn *)ud)->pongs++;
}

static const char *f_auth(void *ud, const char *id, const char *token)
{
    (void)ud;
    if (strcmp(id, "deactivated1") == 0) {
        return "repeater_deactivated";
    }
    return strcmp(id, "repeater001") == 0 && strcmp(token, "good") == 0 ? NULL
                                                                        : "repeater_unauthorized";
}

static void f_deployed(void *ud, const char *id, const char *version, const json_t *rt)
{
    (void)ud;
    (void)id;
    (void)rt;
    assert_string_equal(version, "1.2.3");
    deployed_count++;
}

static void f_gone(void *ud, const char *id)
{
    (void)ud;
    (void)id;
    gone_count++;
}

static const struct ps_hub_ops ops = {f_send, f_close, f_pong, f_auth, f_deployed,
                                      f_gone, NULL,    NULL,   NULL};

static void feed(struct ps_conn *c, const char *json)
{
    struct rp_buf buf;
    tu_msgpack_of(json, &buf);
    ps_hub_conn_frame(c, buf.data, buf.len, true);
    rp_buf_cleanup(&buf);
}

static json_t *last(struct fake_conn *f)
{
    return json_array_get(f->sent, json_array_size(f->sent) - 1);
}

static struct ps_hub *new_hub(void)
{
    struct ps_hub_cfg cfg = {.ping_interval_ms = 1000,
                             .ping_timeout_ms = 500,
                             .max_payload = 1000000,
                             .limits_max_body = 4096,
                             .sessions_per_repeater = 1};
    rp_log_setup(RP_LOG_SILENT, RP_LOG_TEXT, NULL);
    return ps_hub_new(&cfg, &ops, NULL);
}

static const char *connect_error_code(struct fake_conn *f)
{
    json_t *p = last(f);
    assert_int_equal(json_integer_value(json_object_get(p, "type")), 4);
    return json_string_value(
        json_object_get(json_object_get(json_object_get(p, "data"), "data"), "code"));
}

static void test_auth_codes(void **state)
{
    (void)state;
    struct ps_hub *hub = new_hub();
    struct fake_conn f1 = {.sent = json_array()};
    struct ps_conn *c1 = ps_hub_conn_open(hub, &f1);
    const char *open = json_string_value(json_array_get(f1.sent, 0));
    assert_int_equal(open[0], '0');
    assert_non_null(strstr(open, "\"pingInterval\":1000"));

    feed(c1, "{\"type\":0,\"nsp\":\"/workstations\",\"data\":{\"token\":\"bad\",\"domain\":"
             "\"repeater001\"}}");
    assert_string_equal(connect_error_code(&f1), "repeater_unauthorized");
    assert_int_equal(f1.closed, 1);
    ps_hub_conn_closed(c1);

    struct fake_conn f2 = {.sent = json_array()};
    struct ps_conn *c2 = ps_hub_conn_open(hub, &f2);
    feed(c2, "{\"type\":0,\"nsp\":\"/workstations\",\"data\":{\"token\":\"x\",\"domain\":"
             "\"deactivated1\"}}");
    assert_string_equal(connect_error_code(&f2), "repeater_deactivated");
    ps_hub_conn_closed(c2);

    struct fake_conn f3 = {.sent = json_array()};
    struct ps_conn *c3 = ps_hub_conn_open(hub, &f3);
    feed(c3, "{\"type\":0,\"nsp\":\"/workstations\",\"data\":{\"token\":\"good\",\"domain\":"
             "\"repeater001\"}}");
    assert_int_equal(json_integer_value(json_object_get(last(&f3), "type")), 0);
    assert_int_equal(f3.closed, 0);

    struct fake_conn f4 = {.sent = json_array()};
    struct ps_conn *c4 = ps_hub_conn_open(hub, &f4);
    feed(c4, "{\"type\":0,\"nsp\":\"/workstations\",\"data\":{\"token\":\"good\",\"domain\":"
             "\"repeater001\"}}");
    assert_string_equal(connect_error_code(&f4), "repeater_already_started");
    ps_hub_conn_closed(c4);
    ps_hub_conn_closed(c3);
    ps_hub_free(hub);
    json_decref(f1.sent);
    json_decref(f2.sent);
    json_decref(f3.sent);
    json_decref(f4.sent);
}

struct result {
    int calls;
    int code;
    int status;
};

static void on_result(void *ud, json_t *ack, int code, const char *msg)
{
    (void)msg;
    struct result *r = ud;
    r->calls++;
    r->code = code;
    r->status = ack ? (int)json_integer_value(json_object_get(ack, "statusCode")) : 0;
}

static void test_deploy_request_ack(void **state)
{
    (void)state;
    struct ps_hub *hub = new_hub();
    struct fake_conn f = {.sent = json_array()};
    struct ps_conn *c = ps_hub_conn_open(hub, &f);
    json_t *job = json_pack("{s:s}", "url", "http://127.0.0.1/");
    struct result r1 = {0};
    assert_int_equal(ps_hub_request(hub, "repeater001", job, on_result, &r1, NULL), RP_ECONNECT);
    feed(c, "{\"type\":0,\"nsp\":\"/workstations\",\"data\":{\"token\":\"good\",\"domain\":"
            "\"repeater001\"}}");
    feed(c, "{\"type\":2,\"nsp\":\"/workstations\",\"data\":[\"deploy\",{\"repeaterId\":"
            "\"repeater001\"},{\"version\":\"1.2.3\"}]}");
    assert_int_equal(deployed_count, 1);
    assert_true(ps_hub_repeater_online(hub, "repeater001"));
    /* deployed with the record extension, then limits */
    json_t *deployed = json_array_get(f.sent, json_array_size(f.sent) - 2);
    json_t *args = json_object_get(deployed, "data");
    assert_string_equal(json_string_value(json_array_get(args, 0)), "deployed");
    assert_true(json_is_true(
        json_object_get(json_object_get(json_array_get(args, 1), "extensions"), "record")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(last(&f), "data"), 0)),
                        "limits");

    assert_int_equal(ps_hub_request(hub, "repeater001", job, on_result, &r1, NULL), 0);
    json_t *ev = last(&f);
    int64_t id = json_integer_value(json_object_get(ev, "id"));
    char ack[256];
    snprintf(ack, sizeof(ack),
             "{\"type\":3,\"nsp\":\"/workstations\",\"id\":%lld,\"data\":[{\"statusCode\":201}]}",
             (long long)id);
    feed(c, "{\"type\":3,\"nsp\":\"/workstations\",\"id\":999,\"data\":[{}]}"); /* unknown */
    assert_int_equal(r1.calls, 0);
    feed(c, ack);
    assert_int_equal(r1.calls, 1);
    assert_int_equal(r1.status, 201);
    feed(c, ack); /* duplicate: ignored */
    assert_int_equal(r1.calls, 1);

    struct result r2 = {0};
    assert_int_equal(ps_hub_request(hub, "repeater001", job, on_result, &r2, NULL), 0);
    ps_hub_conn_frame(c, (const unsigned char *)"3", 1, false);
    assert_int_equal(f.pongs, 1);
    ps_hub_conn_closed(c);
    assert_int_equal(r2.calls, 1);
    assert_int_equal(r2.code, RP_ECONNECT);
    assert_int_equal(gone_count, 1);
    assert_false(ps_hub_repeater_online(hub, "repeater001"));
    json_decref(job);
    json_decref(f.sent);
    ps_hub_free(hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_codes),
        cmocka_unit_test(test_deploy_request_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
