/* rss-floor: the memory floor under the agent's idle RSS, for scripts/bench.sh. It makes the
 * agent's own link (the lws client context with TLS and the platform CA lookup, not connected)
 * and executor (curl's multi handle on the libuv loop), then prints its RSS as one JSON line
 * and exits: the libraries the agent links, initialised as the agent does, and nothing else.
 * What the agent holds above this is the agent's own. Not installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "exec.h"
#include "link.h"

static void on_up(void *ud)
{
    (void)ud;
}

static void on_frame(void *ud, const unsigned char *data, size_t len, bool binary)
{
    (void)ud;
    (void)data;
    (void)len;
    (void)binary;
}

static void on_down(void *ud, const char *reason)
{
    (void)ud;
    (void)reason;
}

int main(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct rp_err err = {0};
    struct rp_exec_opts eo = {.default_timeout_ms = 30000,
                              .default_capture = RP_JOB_DEFAULT_CONTENT_KIB * 1024};
    struct rp_exec *ex = rp_exec_new(&loop, &eo, &err);
    struct ag_link_cfg lc = {
        .host = "127.0.0.1", .port = 9, .path = "/", .tls = true, .max_message = 1 << 20};
    struct ag_link_cbs cbs = {.up = on_up, .frame = on_frame, .down = on_down};
    struct ag_link *link = ex ? ag_link_new(&loop, &lc, &cbs, NULL, &err) : NULL;

    printf("{\"rssKb\":%ld,\"anonKb\":%ld,\"fileKb\":%ld,\"ok\":%s}\n",
           rp_proc_status_kb("self", "VmRSS"), rp_proc_status_kb("self", "RssAnon"),
           rp_proc_status_kb("self", "RssFile"), link ? "true" : "false");
    if (!link) {
        fprintf(stderr, "rss-floor: %s\n", err.msg);
    }

    /* the agent's teardown order (main.c): both destroyed, then the loop runs the closes */
    if (link) {
        ag_link_destroy(link);
    }
    rp_exec_free(ex);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (link && ag_link_destroy_again(link)) {
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    ag_link_free(link);
    uv_loop_close(&loop);
    return link ? 0 : 1;
}
