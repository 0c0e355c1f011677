/* Unit tests of the agent's options: flags over environment, the Bright host rule, checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"

static int parse(struct ag_options *o, const char **argv, const char **env, struct rp_err *err)
{
    int argc = 0;
    while (argv[argc]) {
        argc++;
    }
    return ag_options_parse(o, argc, (char **)argv, (char **)env, err);
}

static void test_host_rule(void **state)
{
    (void)state;
    struct ag_options o;
    struct rp_err err = {0};
    const char *a1[] = {"repeater",   "--token",    "t",         "--id",
                        "abcdefghij", "--hostname", "localhost", NULL};
    assert_int_equal(parse(&o, a1, NULL, &err), 0);
    assert_false(o.tls);
    assert_int_equal(o.port, 8000);
    ag_options_cleanup(&o);
    const char *a2[] = {"repeater",         "-t", "t", "--id", "abcdefghij", "--hostname",
                        "app.example.test", NULL};
    assert_int_equal(parse(&o, a2, NULL, &err), 0);
    assert_true(o.tls);
    assert_int_equal(o.port, 443);
    assert_string_equal(o.host, "app.example.test");
    ag_options_cleanup(&o);
    const char *a3[] = {"repeater",   "--token=t",           "--id", "abcdefghij",
                        "--platform", "ws://127.0.0.1:9001", NULL};
    assert_int_equal(parse(&o, a3, NULL, &err), 0);
    assert_false(o.tls);
    assert_int_equal(o.port, 9001);
    assert_string_equal(o.path, "/api/ws/v1/?EIO=4&transport=websocket");
    ag_options_cleanup(&o);
}

static void test_env_and_precedence(void **state)
{
    (void)state;
    struct ag_options o;
    struct rp_err err = {0};
    const char *env[] = {"REPEATER_TOKEN=fromenv", "REPEATER_ID=abcdefghij",
                         "REPEATER_MAX_INFLIGHT=7", "REPEATER_HEADER=X-A: 1\nX-B: 2", NULL};
    const char *a1[] = {"repeater", "--max-inflight", "9", NULL};
    assert_int_equal(parse(&o, a1, env, &err), 0);
    assert_string_equal(o.token, "fromenv");
    assert_int_equal(o.max_inflight, 9);
    assert_int_equal(o.n_headers, 2);
    assert_string_equal(o.headers[1].name, "X-B");
    ag_options_cleanup(&o);
    const char *a2[] = {"repeater", "--agent", "zzzzzzzzzz", NULL};
    assert_int_equal(parse(&o, a2, env, &err), 0);
    assert_string_equal(o.id, "zzzzzzzzzz"); /* the alias wins over REPEATER_ID */
    ag_options_cleanup(&o);
}

static void test_errors_name_the_option(void **state)
{
    (void)state;
    struct ag_options o;
    struct rp_err err = {0};
    const char *cases[][8] = {
        {"repeater", "--token", "t", "--id", "BAD!", NULL},
        {"repeater", "--token", "t", "--id", "abcdefghij", "--max-inflight", "0", NULL},
        {"repeater", "--token", "t", "--id", "abcdefghij", "--log-level", "loud", NULL},
        {"repeater", "--token", "t", "--id", "abcdefghij", "--bogus", NULL},
        {"repeater", "--token", "t", "--id", "abcdefghij", "-H", "no colon", NULL},
        {"repeater", "--token", "t", "--id", "abcdefghij", "--platform", "http://x", NULL},
        {"repeater", "--id", "abcdefghij", NULL},
        {"repeater", "--token", "t", "--id", "abcdefghij", "--timeout", NULL},
    };
    const char *names[] = {"--id",     "--max-inflight", "--log-level", "--bogus",
                           "--header", "--platform",     "--token",     "--timeout"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse(&o, cases[i], NULL, &err), RP_ECONFIG);
        if (!strstr(err.msg, names[i])) {
            fail_msg("case %zu: \"%s\" does not name %s", i, err.msg, names[i]);
        }
        ag_options_cleanup(&o);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_config_file(void **state)
{
    (void)state;
    char path[] = "/tmp/repeater-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "# the agent's configuration\n"
                     "token = from-file\n"
                     "id = \"abcdefghij\"\n"
                     "max-inflight = 5\n"
                     "\n"
                     "header = X-A: 1\n"
                     "header = X-B: 2\n"
                     "log-level = verbose\n");
    struct ag_options o;
    struct rp_err err = {0};
    const char *env[] = {"REPEATER_MAX_INFLIGHT=6", NULL};
    const char *a1[] = {"repeater", "--config", path, "--log-level", "warn", NULL};
    assert_int_equal(parse(&o, a1, env, &err), 0);
    assert_string_equal(o.token, "from-file");
    assert_string_equal(o.id, "abcdefghij");
    assert_int_equal(o.max_inflight, 6);        /* environment over file */
    assert_int_equal(o.log_level, RP_LOG_WARN); /* flag over file */
    assert_int_equal(o.n_headers, 2);
    ag_options_cleanup(&o);

    write_file(path, "token = t\nid = abcdefghij\nmax-inflihgt = 5\n");
    const char *a2[] = {"repeater", "--config", path, NULL};
    assert_int_equal(parse(&o, a2, NULL, &err), RP_ECONFIG);
    assert_non_null(strstr(err.msg, ":3: unknown key \"max-inflihgt\""));
    ag_options_cleanup(&o);

    write_file(path, "token = t\nid = abcdefghij\ntimeout = soon\n");
    assert_int_equal(parse(&o, a2, NULL, &err), RP_ECONFIG);
    assert_non_null(strstr(err.msg, ":3: timeout"));
    ag_options_cleanup(&o);

    write_file(path, "token = t\ntoken = u\n");
    assert_int_equal(parse(&o, a2, NULL, &err), RP_ECONFIG);
    assert_non_null(strstr(err.msg, "set twice"));
    ag_options_cleanup(&o);

    write_file(path, "just words\n");
    assert_int_equal(parse(&o, a2, NULL, &err), RP_ECONFIG);
    ag_options_cleanup(&o);
    unlink(path);

    const char *a3[] = {"repeater", "--config", "/nonexistent/repeater.conf", NULL};
    assert_int_equal(parse(&o, a3, NULL, &err), RP_ECONFIG);
    assert_non_null(strstr(err.msg, "--config"));
    ag_options_cleanup(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_rule),
        cmocka_unit_test(test_env_and_precedence),
        cmocka_unit_test(test_errors_name_the_option),
        cmocka_unit_test(test_config_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
