/* netcheck: runs the reachability checks of a test-network "ping" and writes their report. */
#include "netcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_util.h"

struct netcheck {
    struct rp_job *jobs;
    char **lines;
    size_t n;
    size_t left;
    uint64_t generation;
    int64_t ack_id;
    ag_netcheck_cb cb;
    void *ud;
};

struct netcheck_item {
    struct netcheck *nc;
    size_t index;
};

static void answer(ag_netcheck_cb cb, void *ud, uint64_t gen, int64_t id, const char *key,
                   const char *text)
{
    json_t *ack = json_pack("{s:s}", key, text);
    if (ack) {
        cb(ud, gen, id, ack);
        json_decref(ack);
    }
}

static void finish(struct netcheck *nc)
{
    struct rp_buf out;
    rp_buf_init(&out);
    for (size_t i = 0; i < nc->n; i++) {
        if (nc->lines[i]) {
            rp_buf_append(&out, nc->lines[i], strlen(nc->lines[i]));
        }
        rp_buf_append(&out, "\n", 1);
    }
    answer(nc->cb, nc->ud, nc->generation, nc->ack_id, "output",
           out.data ? (const char *)out.data : "");
    rp_buf_cleanup(&out);
    for (size_t i = 0; i < nc->n; i++) {
        free(nc->lines[i]);
        rp_job_cleanup(&nc->jobs[i]);
    }
    free(nc->lines);
    free(nc->jobs);
    free(nc);
}

static void on_checked(struct rp_exec_call *call, struct rp_record *rec, void *ud)
{
    (void)call;
    struct netcheck_item *item = ud;
    struct netcheck *nc = item->nc;
    char line[1024];
    if (rec->has_response) {
        snprintf(line, sizeof(line), "%s: reachable (HTTP %d, %.1f ms)", rec->url, rec->status,
                 (double)rec->t_total / 1000);
    } else {
        snprintf(line, sizeof(line), "%s: unreachable (%s: %s, %.1f ms)", rec->url,
                 rp_err_name(rec->error.code), rec->error.msg, (double)rec->t_total / 1000);
    }
    nc->lines[item->index] = strdup(line);
    free(item);
    if (--nc->left == 0) {
        finish(nc);
    }
}

void ag_netcheck_start(struct rp_exec *ex, uint64_t generation, int64_t ack_id,
                       const json_t *payload, ag_netcheck_cb cb, void *ud)
{
    const char *type = json_string_value(json_object_get(payload, "type"));
    json_t *input = json_object_get(payload, "input");
    if (!type || strcmp(type, "ping") != 0) {
        answer(cb, ud, generation, ack_id, "error",
               type && strcmp(type, "traceroute") == 0
                   ? "traceroute is not supported by this agent"
                   : "test-network: type must be \"ping\" or \"traceroute\"");
        return;
    }
    if (json_is_string(input)) {
        input = json_pack("[O]", input);
    } else {
        json_incref(input);
    }
    size_t n = json_array_size(input);
    if (!json_is_array(input) || n == 0 || n > AG_NETCHECK_MAX_URLS) {
        answer(cb, ud, generation, ack_id, "error", "test-network: input must be 1 to 32 URLs");
        json_decref(input);
        return;
    }
    struct netcheck *nc = calloc(1, sizeof(*nc));
    if (nc) {
        nc->jobs = calloc(n, sizeof(*nc->jobs));
        nc->lines = calloc(n, sizeof(*nc->lines));
    }
    if (!nc || !nc->jobs || !nc->lines) {
        if (nc) {
            free(nc->jobs);
            free(nc->lines);
        }
        free(nc);
        json_decref(input);
        answer(cb, ud, generation, ack_id, "error", "out of memory");
        return;
    }
    nc->n = n;
    nc->left = n + 1; /* one extra held until every check has started */
    nc->generation = generation;
    nc->ack_id = ack_id;
    nc->cb = cb;
    nc->ud = ud;
    for (size_t i = 0; i < n; i++) {
        json_t *url = json_array_get(input, i);
        json_t *job = json_pack("{s:O, s:s, s:i}", "url", url, "method", "GET", "timeout",
                                AG_NETCHECK_TIMEOUT_MS);
        struct rp_err err = {0};
        struct netcheck_item *item = calloc(1, sizeof(*item));
        int rc =
            job && item ? rp_job_parse(job, &nc->jobs[i], &err) : rp_err_set(&err, RP_ENOMEM, NULL);
        json_decref(job);
        if (rc == 0) {
            nc->jobs[i].max_content_kib = 1;
            item->nc = nc;
            item->index = i;
            struct rp_exec_call_opts co = {.done = on_checked, .ud = item};
            rc = rp_exec_start(ex, &nc->jobs[i], &co, NULL, &err);
        }
        if (rc) {
            free(item);
            char line[1024];
            snprintf(line, sizeof(line), "%s: not checked (%s)",
                     json_is_string(url) ? json_string_value(url) : "(not a string)", err.msg);
            nc->lines[i] = strdup(line);
            nc->left--;
        }
    }
    json_decref(input);
    if (--nc->left == 0) {
        finish(nc);
    }
}
