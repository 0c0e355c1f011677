/* results: the agent's memory of recent jobs, by the platform's stable job id (the `dedupe`
 * extension). A job seen again while it runs waits for the same result; a job seen again after
 * it finished is answered from memory; a result whose acks all belonged to a lost connection
 * waits to be sent as a `result` event after the next deploy. Bounded: the oldest finished
 * entries are forgotten first. Pure logic. */
#ifndef AG_RESULTS_H
#define AG_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define AG_RESULTS_MAX 4096
#define AG_RESULTS_MAX_WAITERS 8

struct ag_waiter {
    uint64_t generation;
    int64_t ack_id;
};

#define AG_RESULT_ID_MAX 96

struct ag_result {
    char job_id[AG_RESULT_ID_MAX];
    bool done;
    bool unsent; /* finished, but no ack reached the platform */
    json_t *ack; /* when done (owned) */
    struct ag_waiter waiters[AG_RESULTS_MAX_WAITERS];
    size_t n_waiters;
};

struct ag_results {
    struct ag_result *slots; /* open addressing */
    size_t cap;
    size_t n;
    /* The ids in the table, oldest first: a ring of n entries from order_head. Eviction pops
     * the front, so it costs O(1) while the oldest entries are finished. */
    char (*order)[AG_RESULT_ID_MAX];
    size_t order_head;
};

int ag_results_init(struct ag_results *r);
void ag_results_cleanup(struct ag_results *r);

enum ag_results_seen { AG_RESULT_NEW, AG_RESULT_RUNNING, AG_RESULT_DONE };

/* A job arrived with this id on (generation, ack_id). NEW: it is now recorded as running (run
 * it); RUNNING: the waiter was added (do nothing more); DONE: *ack is the remembered answer
 * (borrowed; ack it now). */
enum ag_results_seen ag_results_arrive(struct ag_results *r, const char *job_id,
                                       uint64_t generation, int64_t ack_id, json_t **ack);
/* The job finished with ack (borrowed, copied). Fills waiters (up to max) with who to ack and
 * returns how many. */
size_t ag_results_finish(struct ag_results *r, const char *job_id, const json_t *ack,
                         struct ag_waiter *waiters, size_t max);
/* Marks a finished job whose result reached no one. */
void ag_results_mark_unsent(struct ag_results *r, const char *job_id);
/* Calls fn for every unsent result and clears the mark. */
void ag_results_drain_unsent(struct ag_results *r,
                             void (*fn)(void *ud, const char *job_id, const json_t *ack), void *ud);
size_t ag_results_count(const struct ag_results *r);

#endif
