/* api: the platform's REST API (JSON, `Authorization: api-key KEY`): repeaters, projects,
 * webhooks, scans and issues, deliveries. Routing, validation and response shapes; storage
 * goes through store.h, live state through hub.h, deliveries through dispatch.h. Every error
 * is {error: {code, message, field?}} with a fitting status, and changes nothing. */
#ifndef PS_API_H
#define PS_API_H

#include <stddef.h>

#include <jansson.h>

#include "dispatch.h"
#include "hub.h"
#include "store.h"

struct ps_api {
    struct ps_store *store;
    struct ps_hub *hub;
    struct ps_dispatch *dispatch;
    char api_key_hash[65]; /* hex SHA-256 of the API key */
};

struct ps_api_request {
    const char *method;
    const char *path;    /* without the query */
    const json_t *query; /* object of decoded query arguments (borrowed) */
    const char *authorization;
    const unsigned char *body;
    size_t body_len;
    bool body_too_large;
};

struct ps_api_response {
    int status;
    json_t *body; /* new reference, NULL for 204 */
};

void ps_api_handle(struct ps_api *api, const struct ps_api_request *req,
                   struct ps_api_response *resp);

/* For GET /api/v1/repeaters/{id}/trace (a Server-Sent Events stream served by the glue):
 * returns 1 and the id when the request is one and is allowed, -1 with the error in resp when
 * it is one and is not, 0 when it is another request. */
int ps_api_trace_request(struct ps_api *api, const struct ps_api_request *req, char *id,
                         size_t id_len, struct ps_api_response *resp);

/* The status a repeater shows: deactivated, connected or disconnected. */
const char *ps_api_repeater_status(struct ps_api *api, const json_t *repeater);

#endif
