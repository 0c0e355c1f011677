/* Unit tests of rp_exec_describe: the line names libcurl and its libraries, and a short buffer
 * gets a terminated prefix of the line, never more than it holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec.h"

static void test_whole_line(void **state)
{
    (void)state;
    char line[512];
    rp_exec_describe(line, sizeof(line));
    assert_int_equal(strncmp(line, "libcurl 7.", 10), 0);
    assert_non_null(strstr(line, " (OpenSSL/3."));
    assert_non_null(strstr(line, "zlib/"));
    assert_non_null(strstr(line, "; protocols "));
    assert_non_null(strstr(line, " https"));
    assert_int_equal(line[strlen(line) - 1], ')');
}

static void test_short_buffers(void **state)
{
    (void)state;
    char whole[512];
    rp_exec_describe(whole, sizeof(whole));
    size_t n = strlen(whole);
    for (size_t len = 1; len <= n + 1; len++) {
        char buf[520];
        memset(buf, 'X', sizeof(buf));
        rp_exec_describe(buf, len);
        assert_int_equal(strlen(buf), len - 1);
        assert_memory_equal(buf, whole, len - 1);
        assert_int_equal(buf[len], 'X'); /* nothing written past len */
    }
    char untouched = 'X';
    rp_exec_describe(&untouched, 0);
    assert_int_equal(untouched, 'X');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_line),
        cmocka_unit_test(test_short_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
