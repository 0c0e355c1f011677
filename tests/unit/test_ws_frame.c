/* Unit tests of ws_frame: the examples of RFC 6455 section 5.7, the three length forms at
 * their edges, and masking against a byte-at-a-time reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ws_frame.h"

static void test_rfc_examples(void **state)
{
    (void)state;
    unsigned char h[RP_WS_FRAME_HEADER_MAX];
    /* a single-frame unmasked text message "Hello" */
    size_t n = rp_ws_frame_header(h, 5, false, NULL);
    const unsigned char plain[] = {0x81, 0x05};
    assert_int_equal(n, sizeof(plain));
    assert_memory_equal(h, plain, n);

    /* the same message masked with the key 37 fa 21 3d */
    const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    n = rp_ws_frame_header(h, 5, false, key);
    const unsigned char masked_head[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d};
    assert_int_equal(n, sizeof(masked_head));
    assert_memory_equal(h, masked_head, n);
    unsigned char payload[] = "Hello";
    rp_ws_frame_mask(payload, 5, key);
    const unsigned char masked[] = {0x7f, 0x9f, 0x4d, 0x51, 0x58};
    assert_memory_equal(payload, masked, 5);
    rp_ws_frame_mask(payload, 5, key);
    assert_memory_equal(payload, "Hello", 5);

    /* 256 bytes of binary data in a single unmasked frame */
    n = rp_ws_frame_header(h, 256, true, NULL);
    const unsigned char b256[] = {0x82, 0x7e, 0x01, 0x00};
    assert_int_equal(n, sizeof(b256));
    assert_memory_equal(h, b256, n);

    /* 64 KiB of binary data in a single unmasked frame */
    n = rp_ws_frame_header(h, 65536, true, NULL);
    const unsigned char b64k[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    assert_int_equal(n, sizeof(b64k));
    assert_memory_equal(h, b64k, n);
}

static void test_length_edges(void **state)
{
    (void)state;
    unsigned char h[RP_WS_FRAME_HEADER_MAX];
    const unsigned char key[4] = {1, 2, 3, 4};
    struct {
        size_t len;
        size_t want_n;
        unsigned char second;
    } cases[] = {
        {0, 2, 0x00},     {125, 2, 125},      {126, 4, 126},
        {0xffff, 4, 126}, {0x10000, 10, 127}, {(size_t)1 << 32, 10, 127},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = rp_ws_frame_header(h, cases[i].len, true, NULL);
        assert_int_equal(n, cases[i].want_n);
        assert_int_equal(h[0], 0x82);
        assert_int_equal(h[1], cases[i].second);
        /* the length reads back from the extended field */
        uint64_t got = h[1] & 0x7f;
        if (got == 126) {
            got = ((uint64_t)h[2] << 8) | h[3];
        } else if (got == 127) {
            got = 0;
            for (int k = 2; k < 10; k++) {
                got = (got << 8) | h[k];
            }
        }
        assert_true(got == (uint64_t)cases[i].len);
        /* with a mask: four more bytes, the key last, the mask bit set */
        size_t m = rp_ws_frame_header(h, cases[i].len, true, key);
        assert_int_equal(m, cases[i].want_n + 4);
        assert_int_equal(h[1] & 0x80, 0x80);
        assert_memory_equal(h + m - 4, key, 4);
    }
}

static void test_mask_matches_reference(void **state)
{
    (void)state;
    const unsigned char key[4] = {0xa5, 0x01, 0xff, 0x7e};
    /* every length around the four-byte steps, and odd starting contents */
    for (size_t len = 0; len < 67; len++) {
        unsigned char *a = malloc(len + 1);
        unsigned char *b = malloc(len + 1);
        assert_non_null(a);
        assert_non_null(b);
        for (size_t i = 0; i < len; i++) {
            a[i] = b[i] = (unsigned char)(i * 37 + len);
        }
        rp_ws_frame_mask(a, len, key);
        for (size_t i = 0; i < len; i++) {
            b[i] ^= key[i % 4];
        }
        assert_memory_equal(a, b, len);
        free(a);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_length_edges),
        cmocka_unit_test(test_mask_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
