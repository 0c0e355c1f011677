/* Unit tests of the agent's memory of recent jobs (results.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "results.h"

static void test_arrive_finish(void **state)
{
    (void)state;
    struct ag_results r;
    assert_int_equal(ag_results_init(&r), 0);
    json_t *ack = NULL;
    assert_int_equal(ag_results_arrive(&r, "d1:1", 1, 10, &ack), AG_RESULT_NEW);
    assert_int_equal(ag_results_arrive(&r, "d1:1", 1, 11, &ack), AG_RESULT_RUNNING);
    assert_int_equal(ag_results_arrive(&r, "d1:1", 2, 3, &ack), AG_RESULT_RUNNING);
    json_t *answer = json_pack("{s:i}", "statusCode", 200);
    struct ag_waiter w[AG_RESULTS_MAX_WAITERS];
    assert_int_equal(ag_results_finish(&r, "d1:1", answer, w, AG_RESULTS_MAX_WAITERS), 3);
    assert_int_equal(w[0].ack_id, 10);
    assert_int_equal(w[2].generation, 2);
    assert_int_equal(ag_results_arrive(&r, "d1:1", 3, 1, &ack), AG_RESULT_DONE);
    assert_true(json_equal(ack, answer));
    json_decref(answer);
    ag_results_cleanup(&r);
}

static int drained;
static void count(void *ud, const char *job_id, const json_t *ack)
{
    (void)ud;
    (void)ack;
    assert_string_equal(job_id, "lost:1");
    drained++;
}

static void test_unsent(void **state)
{
    (void)state;
    struct ag_results r;
    assert_int_equal(ag_results_init(&r), 0);
    json_t *ack = NULL;
    json_t *answer = json_pack("{s:i}", "statusCode", 201);
    struct ag_waiter w[AG_RESULTS_MAX_WAITERS];
    ag_results_arrive(&r, "lost:1", 1, 1, &ack);
    ag_results_finish(&r, "lost:1", answer, w, AG_RESULTS_MAX_WAITERS);
    ag_results_mark_unsent(&r, "lost:1");
    drained = 0;
    ag_results_drain_unsent(&r, count, NULL);
    ag_results_drain_unsent(&r, count, NULL);
    assert_int_equal(drained, 1); /* sent once */
    json_decref(answer);
    ag_results_cleanup(&r);
}

static void test_bounded(void **state)
{
    (void)state;
    struct ag_results r;
    assert_int_equal(ag_results_init(&r), 0);
    json_t *answer = json_pack("{s:i}", "statusCode", 200);
    struct ag_waiter w[AG_RESULTS_MAX_WAITERS];
    char id[32];
    for (int i = 0; i < AG_RESULTS_MAX + 500; i++) {
        json_t *ack = NULL;
        snprintf(id, sizeof(id), "job:%d", i);
        assert_int_equal(ag_results_arrive(&r, id, 1, i, &ack), AG_RESULT_NEW);
        ag_results_finish(&r, id, answer, w, AG_RESULTS_MAX_WAITERS);
    }
    assert_true(ag_results_count(&r) <= AG_RESULTS_MAX);
    json_t *ack = NULL;
    assert_int_equal(ag_results_arrive(&r, "job:0", 1, 1, &ack), AG_RESULT_NEW); /* forgotten */
    snprintf(id, sizeof(id), "job:%d", AG_RESULTS_MAX + 499);
    assert_int_equal(ag_results_arrive(&r, id, 1, 1, &ack), AG_RESULT_DONE); /* remembered */
    json_decref(answer);
    ag_results_cleanup(&r);
}

/* The oldest finished entry goes first; running and unsent entries are passed over however old
 * they are, and the table keeps working through many rounds of eviction. */
static void test_eviction_order(void **state)
{
    (void)state;
    struct ag_results r;
    assert_int_equal(ag_results_init(&r), 0);
    json_t *answer = json_pack("{s:i}", "statusCode", 200);
    struct ag_waiter w[AG_RESULTS_MAX_WAITERS];
    json_t *ack = NULL;
    char id[32];
    assert_int_equal(ag_results_arrive(&r, "running", 1, 1, &ack), AG_RESULT_NEW);
    assert_int_equal(ag_results_arrive(&r, "unsent", 1, 2, &ack), AG_RESULT_NEW);
    ag_results_finish(&r, "unsent", answer, w, AG_RESULTS_MAX_WAITERS);
    ag_results_mark_unsent(&r, "unsent");
    for (int i = 0; i < 5 * AG_RESULTS_MAX; i++) {
        snprintf(id, sizeof(id), "job:%d", i);
        assert_int_equal(ag_results_arrive(&r, id, 1, i, &ack), AG_RESULT_NEW);
        ag_results_finish(&r, id, answer, w, AG_RESULTS_MAX_WAITERS);
        assert_true(ag_results_count(&r) <= AG_RESULTS_MAX);
    }
    /* still known: the running job gains a waiter, the unsent answer is returned */
    assert_int_equal(ag_results_arrive(&r, "running", 2, 3, &ack), AG_RESULT_RUNNING);
    assert_int_equal(ag_results_arrive(&r, "unsent", 2, 4, &ack), AG_RESULT_DONE);
    assert_non_null(ack);
    /* the newest MAX-2 finished jobs are remembered, the one before them is not */
    snprintf(id, sizeof(id), "job:%d", 5 * AG_RESULTS_MAX - (AG_RESULTS_MAX - 2));
    assert_int_equal(ag_results_arrive(&r, id, 1, 1, &ack), AG_RESULT_DONE);
    snprintf(id, sizeof(id), "job:%d", 5 * AG_RESULTS_MAX - (AG_RESULTS_MAX - 1));
    assert_int_equal(ag_results_arrive(&r, id, 1, 1, &ack), AG_RESULT_NEW);
    json_decref(answer);
    ag_results_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrive_finish),
        cmocka_unit_test(test_unsent),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_eviction_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
