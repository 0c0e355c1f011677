/* server: the platform's listening socket (libwebsockets on the loop): the REST API over HTTP
 * and the repeater endpoint over WebSocket at /api/ws/v1/. Glue: requests go to api.c,
 * WebSocket frames to hub.c. */
#ifndef PS_SERVER_H
#define PS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "api.h"
#include "hub.h"

struct ps_server_cfg {
    const char *host;
    int port; /* 0: any free port */
    const char *tls_cert;
    const char *tls_key;
    size_t max_body;    /* REST request bodies */
    size_t max_message; /* WebSocket messages */
    int ping_interval_ms;
    int ping_timeout_ms;
};

struct ps_server;

struct ps_server *ps_server_new(uv_loop_t *loop, const struct ps_server_cfg *cfg,
                                struct ps_api *api, struct rp_err *err);
/* The port actually listened on. */
int ps_server_port(const struct ps_server *s);
/* The hub ops that write to this server's WebSockets. */
const struct ps_hub_ops *ps_server_hub_ops(void);
void ps_server_set_hub(struct ps_server *s, struct ps_hub *hub);
/* Hub callbacks: a live trace line for the watchers of a repeater; whether it has any. */
void ps_server_trace_line(const char *repeater_id, const json_t *line);
bool ps_server_trace_watched(const char *repeater_id);
/* Destroys the lws context (run the loop, then ps_server_destroy_again, then free). */
void ps_server_destroy(struct ps_server *s);
bool ps_server_destroy_again(struct ps_server *s);
void ps_server_free(struct ps_server *s);

#endif
