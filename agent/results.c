/* results: an open-addressing table of recent job ids and their answers. */
#include "results.h"

#include <stdlib.h>
#include <string.h>

#include "rp_err.h"

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

int ag_results_init(struct ag_results *r)
{
    memset(r, 0, sizeof(*r));
    r->cap = AG_RESULTS_MAX * 2;
    r->slots = calloc(r->cap, sizeof(*r->slots));
    r->order = calloc(AG_RESULTS_MAX, sizeof(*r->order));
    if (!r->slots || !r->order) {
        ag_results_cleanup(r);
        return RP_ENOMEM;
    }
    return 0;
}

void ag_results_cleanup(struct ag_results *r)
{
    for (size_t i = 0; r->slots && i < r->cap; i++) {
        json_decref(r->slots[i].ack);
    }
    free(r->slots);
    free(r->order);
    memset(r, 0, sizeof(*r));
}

static struct ag_result *find(struct ag_results *r, const char *id)
{
    size_t i = hash(id) % r->cap;
    for (size_t k = 0; k < r->cap; k++, i = (i + 1) % r->cap) {
        struct ag_result *s = &r->slots[i];
        if (!s->job_id[0]) {
            return NULL;
        }
        if (strcmp(s->job_id, id) == 0) {
            return s;
        }
    }
    return NULL;
}

/* Removes slot i and re-inserts the cluster after it (backward-shift is simpler to get wrong
 * than this). */
static void remove_at(struct ag_results *r, size_t i)
{
    json_decref(r->slots[i].ack);
    memset(&r->slots[i], 0, sizeof(r->slots[i]));
    r->n--;
    for (size_t j = (i + 1) % r->cap; r->slots[j].job_id[0]; j = (j + 1) % r->cap) {
        struct ag_result moved = r->slots[j];
        memset(&r->slots[j], 0, sizeof(r->slots[j]));
        size_t k = hash(moved.job_id) % r->cap;
        while (r->slots[k].job_id[0]) {
            k = (k + 1) % r->cap;
        }
        r->slots[k] = moved;
    }
}

/* Forgets the oldest finished, sent entry to make room. Entries still running or unsent are
 * moved to the back of the order as they are passed over. */
static void evict(struct ag_results *r)
{
    for (size_t k = 0; k < r->n; k++) {
        char *id = r->order[r->order_head];
        struct ag_result *s = find(r, id);
        if (s && s->done && !s->unsent) {
            r->order_head = (r->order_head + 1) % AG_RESULTS_MAX;
            remove_at(r, (size_t)(s - r->slots));
            return;
        }
        size_t back = (r->order_head + r->n) % AG_RESULTS_MAX;
        if (back != r->order_head) {
            memcpy(r->order[back], id, sizeof(r->order[back]));
        }
        r->order_head = (r->order_head + 1) % AG_RESULTS_MAX;
    }
}

static struct ag_result *insert(struct ag_results *r, const char *id)
{
    if (r->n >= AG_RESULTS_MAX) {
        evict(r);
        if (r->n >= AG_RESULTS_MAX) {
            return NULL;
        }
    }
    size_t i = hash(id) % r->cap;
    while (r->slots[i].job_id[0]) {
        i = (i + 1) % r->cap;
    }
    struct ag_result *s = &r->slots[i];
    strncpy(s->job_id, id, sizeof(s->job_id) - 1);
    memcpy(r->order[(r->order_head + r->n) % AG_RESULTS_MAX], s->job_id, sizeof(s->job_id));
    r->n++;
    return s;
}

enum ag_results_seen ag_results_arrive(struct ag_results *r, const char *job_id,
                                       uint64_t generation, int64_t ack_id, json_t **ack)
{
    struct ag_result *s = find(r, job_id);
    if (s && s->done) {
        s->unsent = false; /* the platform asked again: this answer reaches it now */
        *ack = s->ack;
        return AG_RESULT_DONE;
    }
    if (!s) {
        s = insert(r, job_id);
        if (!s) {
            return AG_RESULT_NEW; /* full of running jobs: run it without memory */
        }
        s->waiters[0] = (struct ag_waiter){generation, ack_id};
        s->n_waiters = 1;
        return AG_RESULT_NEW;
    }
    if (s->n_waiters < AG_RESULTS_MAX_WAITERS) {
        s->waiters[s->n_waiters++] = (struct ag_waiter){generation, ack_id};
    } else {
        s->waiters[AG_RESULTS_MAX_WAITERS - 1] = (struct ag_waiter){generation, ack_id};
    }
    return AG_RESULT_RUNNING;
}

size_t ag_results_finish(struct ag_results *r, const char *job_id, const json_t *ack,
                         struct ag_waiter *waiters, size_t max)
{
    struct ag_result *s = find(r, job_id);
    if (!s) {
        return 0;
    }
    json_decref(s->ack);
    s->ack = json_deep_copy(ack);
    s->done = true;
    size_t n = s->n_waiters < max ? s->n_waiters : max;
    memcpy(waiters, s->waiters, n * sizeof(*waiters));
    s->n_waiters = 0;
    return n;
}

void ag_results_mark_unsent(struct ag_results *r, const char *job_id)
{
    struct ag_result *s = find(r, job_id);
    if (s && s->done) {
        s->unsent = true;
    }
}

void ag_results_drain_unsent(struct ag_results *r,
                             void (*fn)(void *ud, const char *job_id, const json_t *ack), void *ud)
{
    for (size_t i = 0; i < r->cap; i++) {
        struct ag_result *s = &r->slots[i];
        if (s->job_id[0] && s->done && s->unsent) {
            s->unsent = false;
            fn(ud, s->job_id, s->ack);
        }
    }
}

size_t ag_results_count(const struct ag_results *r)
{
    return r->n;
}
