/* Unit tests of mpjson, eio and sio against byte vectors made by the real JavaScript encoder
 * (tests/fixtures-gen) and hand-made hostile inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eio.h"
#include "mpjson.h"
#include "sio.h"
#include "testutil.h"

static void check_decode_case(const json_t *c, int round_trip)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    size_t len = 0;
    unsigned char *bytes = tu_unhex(json_string_value(json_object_get(c, "hex")), &len);
    assert_non_null(bytes);
    json_t *got = NULL;
    struct rp_err err = {0};
    int rc = rp_mpjson_decode(bytes, len, &got, &err);
    if (rc) {
        fail_msg("%s: decode failed: %s", name, err.msg);
    }
    json_t *want = tu_expected(json_object_get(c, "packet"));
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
        char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
        fail_msg("%s: got %s want %s", name, g ? g : "?", w ? w : "?");
    }
    if (round_trip) {
        /* what we encode decodes back to the same value */
        struct rp_buf buf;
        rp_buf_init(&buf);
        assert_int_equal(rp_mpjson_encode(got, &buf, &err), 0);
        json_t *again = NULL;
        assert_int_equal(rp_mpjson_decode(buf.data, buf.len, &again, &err), 0);
        if (!json_equal(again, got)) {
            fail_msg("%s: re-encoding changed the value", name);
        }
        json_decref(again);
        rp_buf_cleanup(&buf);
    }
    /* the packet layer accepts every fixture the JS encoder made */
    struct rp_sio_packet p;
    rc = rp_sio_decode(bytes, len, &p, NULL, &err);
    if (rc) {
        fail_msg("%s: sio decode failed: %s", name, err.msg);
    }
    rp_sio_packet_cleanup(&p);
    json_decref(want);
    json_decref(got);
    free(bytes);
}

static void test_js_packets(void **state)
{
    (void)state;
    json_t *cases = tu_load_json("codec/packets.json");
    assert_true(json_array_size(cases) >= 30);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        check_decode_case(c, 1);
    }
    json_decref(cases);
}

static void test_js_decode_only(void **state)
{
    (void)state;
    json_t *cases = tu_load_json("codec/decode_only.json");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        check_decode_case(c, 0);
    }
    json_decref(cases);
}

static void test_js_rejects(void **state)
{
    (void)state;
    json_t *cases = tu_load_json("codec/decode_reject.json");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        size_t len = 0;
        unsigned char *bytes = tu_unhex(json_string_value(json_object_get(c, "hex")), &len);
        struct rp_sio_packet p;
        struct rp_err err = {0};
        int rc = rp_sio_decode(bytes ? bytes : (unsigned char *)"", len, &p, NULL, &err);
        if (rc != RP_EBAD_FRAME && rc != RP_EBAD_PACKET) {
            fail_msg("%s: expected a typed rejection, got %d", name, rc);
        }
        free(bytes);
    }
    json_decref(cases);
}

static void test_undefined_and_exts(void **state)
{
    (void)state;
    struct rp_err err = {0};
    json_t *v = NULL;
    /* {"a": undefined, "b": [undefined]} */
    const unsigned char in[] = {0x82, 0xa1, 'a',  0xd4, 0x00, 0x00,
                                0xa1, 'b',  0x91, 0xd4, 0x00, 0x00};
    assert_int_equal(rp_mpjson_decode(in, sizeof(in), &v, &err), 0);
    assert_null(json_object_get(v, "a"));
    assert_true(json_is_null(json_array_get(json_object_get(v, "b"), 0)));
    json_decref(v);
    /* a bare undefined is null */
    const unsigned char bare[] = {0xd4, 0x00, 0x00};
    assert_int_equal(rp_mpjson_decode(bare, sizeof(bare), &v, &err), 0);
    assert_true(json_is_null(v));
    json_decref(v);
    /* unknown ext type */
    const unsigned char ext[] = {0xd4, 0x05, 0x00};
    assert_int_equal(rp_mpjson_decode(ext, sizeof(ext), &v, &err), RP_EBAD_FRAME);
}

static void test_hostile_msgpack(void **state)
{
    (void)state;
    struct rp_err err = {0};
    json_t *v = NULL;
    /* array32 claiming 4 billion elements in 5 bytes */
    const unsigned char huge[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(rp_mpjson_decode(huge, sizeof(huge), &v, &err), RP_EBAD_FRAME);
    /* str32 claiming more bytes than present */
    const unsigned char str[] = {0xdb, 0x00, 0x10, 0x00, 0x00, 'a'};
    assert_int_equal(rp_mpjson_decode(str, sizeof(str), &v, &err), RP_EBAD_FRAME);
    /* nesting deeper than the cap */
    unsigned char deep[100];
    memset(deep, 0x91, sizeof(deep));
    deep[99] = 0xc0;
    assert_int_equal(rp_mpjson_decode(deep, sizeof(deep), &v, &err), RP_EBAD_FRAME);
    /* map with an integer key */
    const unsigned char intkey[] = {0x81, 0x01, 0x02};
    assert_int_equal(rp_mpjson_decode(intkey, sizeof(intkey), &v, &err), RP_EBAD_FRAME);
    /* the never-used byte 0xc1 */
    const unsigned char c1[] = {0xc1};
    assert_int_equal(rp_mpjson_decode(c1, sizeof(c1), &v, &err), RP_EBAD_FRAME);
    /* NaN */
    const unsigned char nan[] = {0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0};
    assert_int_equal(rp_mpjson_decode(nan, sizeof(nan), &v, &err), RP_EBAD_FRAME);
    /* trailing bytes */
    const unsigned char trail[] = {0xc0, 0xc0};
    assert_int_equal(rp_mpjson_decode(trail, sizeof(trail), &v, &err), RP_EBAD_FRAME);
    assert_non_null(strstr(err.msg, "trailing"));
}

static void test_uint64_and_ints(void **state)
{
    (void)state;
    struct rp_err err = {0};
    json_t *v = NULL;
    const unsigned char big[] = {0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(rp_mpjson_decode(big, sizeof(big), &v, &err), 0);
    assert_true(json_is_real(v));
    json_decref(v);
    const unsigned char neg[] = {0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(rp_mpjson_decode(neg, sizeof(neg), &v, &err), 0);
    assert_true(json_integer_value(v) == INT64_MIN);
    json_decref(v);
}

static void test_sio_shapes(void **state)
{
    (void)state;
    struct {
        const char *json;
        int rc;
    } cases[] = {
        {"{\"type\":2,\"nsp\":\"/w\",\"data\":[\"x\",1],\"id\":3}", 0},
        {"{\"type\":2,\"nsp\":\"/w\",\"data\":[]}", RP_EBAD_PACKET},
        {"{\"type\":2,\"nsp\":\"/w\",\"data\":[1]}", RP_EBAD_PACKET},
        {"{\"type\":2,\"nsp\":\"/w\",\"data\":{}}", RP_EBAD_PACKET},
        {"{\"type\":5,\"nsp\":\"/w\",\"data\":[\"x\"]}", RP_EBAD_PACKET},
        {"{\"type\":-1,\"nsp\":\"/w\"}", RP_EBAD_PACKET},
        {"{\"type\":\"2\",\"nsp\":\"/w\",\"data\":[\"x\"]}", RP_EBAD_PACKET},
        {"{\"nsp\":\"/w\",\"data\":[\"x\"]}", RP_EBAD_PACKET},
        {"{\"type\":2,\"nsp\":5,\"data\":[\"x\"]}", RP_EBAD_PACKET},
        {"{\"type\":2,\"data\":[\"x\"]}", RP_EBAD_PACKET},
        {"{\"type\":2,\"nsp\":\"/w\",\"data\":[\"x\"],\"id\":-4}", RP_EBAD_PACKET},
        {"{\"type\":2,\"nsp\":\"/w\",\"data\":[\"x\"],\"id\":\"4\"}", RP_EBAD_PACKET},
        {"{\"type\":3,\"nsp\":\"/w\",\"data\":{},\"id\":1}", RP_EBAD_PACKET},
        {"{\"type\":3,\"nsp\":\"/w\",\"data\":[],\"id\":1}", 0},
        {"{\"type\":0,\"nsp\":\"/w\",\"data\":[1]}", RP_EBAD_PACKET},
        {"{\"type\":0,\"nsp\":\"/w\"}", 0},
        {"{\"type\":1,\"nsp\":\"/w\",\"data\":3}", RP_EBAD_PACKET},
        {"{\"type\":4,\"nsp\":\"/w\",\"data\":\"no\"}", 0},
        {"{\"type\":4,\"nsp\":\"/w\",\"data\":3}", RP_EBAD_PACKET},
        {"[1,2]", RP_EBAD_PACKET},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = json_loads(cases[i].json, 0, NULL);
        assert_non_null(v);
        struct rp_buf buf;
        struct rp_err err = {0};
        rp_buf_init(&buf);
        assert_int_equal(rp_mpjson_encode(v, &buf, &err), 0);
        struct rp_sio_packet p;
        int64_t id = 0;
        int rc = rp_sio_decode(buf.data, buf.len, &p, &id, &err);
        if (rc != cases[i].rc) {
            fail_msg("case %zu (%s): rc %d want %d (%s)", i, cases[i].json, rc, cases[i].rc,
                     err.msg);
        }
        if (rc == 0) {
            rp_sio_packet_cleanup(&p);
        }
        rp_buf_cleanup(&buf);
        json_decref(v);
    }
}

static void test_sio_encode_ack(void **state)
{
    (void)state;
    json_t *args = json_pack("[{s:i}]", "statusCode", 200);
    struct rp_buf buf;
    struct rp_err err = {0};
    rp_buf_init(&buf);
    assert_int_equal(rp_sio_encode_ack("/workstations", 70000, args, &buf, &err), 0);
    struct rp_sio_packet p;
    assert_int_equal(rp_sio_decode(buf.data, buf.len, &p, NULL, &err), 0);
    assert_int_equal(p.type, RP_SIO_ACK);
    assert_int_equal(p.id, 70000);
    assert_string_equal(p.nsp, "/workstations");
    assert_true(json_equal(p.data, args));
    rp_sio_packet_cleanup(&p);
    rp_buf_cleanup(&buf);
    json_decref(args);
}

static void test_eio(void **state)
{
    (void)state;
    struct rp_eio_packet pkt;
    struct rp_err err = {0};
    assert_int_equal(rp_eio_decode((const unsigned char *)"2", 1, false, &pkt, &err), 0);
    assert_int_equal(pkt.type, RP_EIO_PING);
    assert_int_equal(rp_eio_decode((const unsigned char *)"9x", 2, false, &pkt, &err),
                     RP_EBAD_FRAME);
    assert_int_equal(rp_eio_decode((const unsigned char *)"", 0, false, &pkt, &err), RP_EBAD_FRAME);
    assert_int_equal(rp_eio_decode((const unsigned char *)"\x83", 1, true, &pkt, &err), 0);
    assert_int_equal(pkt.type, RP_EIO_MESSAGE);

    const char *open = "{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":25000,"
                       "\"pingTimeout\":20000,\"maxPayload\":1000000}";
    struct rp_eio_open o;
    assert_int_equal(rp_eio_open_parse((const unsigned char *)open, strlen(open), &o, &err), 0);
    assert_string_equal(o.sid, "abc");
    assert_int_equal(o.ping_interval_ms, 25000);
    assert_int_equal(o.ping_timeout_ms, 20000);
    const char *bad = "{\"sid\":\"abc\",\"pingInterval\":-1,\"pingTimeout\":20000}";
    assert_int_equal(rp_eio_open_parse((const unsigned char *)bad, strlen(bad), &o, &err),
                     RP_EBAD_PACKET);
    assert_int_equal(rp_eio_open_parse((const unsigned char *)"{", 1, &o, &err), RP_EBAD_PACKET);
    char *built = rp_eio_open_build(&o);
    assert_non_null(built);
    assert_int_equal(built[0], '0');
    struct rp_eio_open o2;
    assert_int_equal(
        rp_eio_open_parse((const unsigned char *)built + 1, strlen(built) - 1, &o2, &err), 0);
    assert_int_equal(o2.ping_timeout_ms, 20000);
    free(built);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_js_packets),
        cmocka_unit_test(test_js_decode_only),
        cmocka_unit_test(test_js_rejects),
        cmocka_unit_test(test_undefined_and_exts),
        cmocka_unit_test(test_hostile_msgpack),
        cmocka_unit_test(test_uint64_and_ints),
        cmocka_unit_test(test_sio_shapes),
        cmocka_unit_test(test_sio_encode_ack),
        cmocka_unit_test(test_eio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
