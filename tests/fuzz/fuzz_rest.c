/* Fuzz target: REST requests against the platform's API over an in-memory database. The first
 * byte picks a method and route; the rest is the body. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "rp_log.h"
#include "rp_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ps_api api;
static char project[64] = "none";

static void setup(void)
{
    struct rp_err err = {0};
    rp_log_setup(RP_LOG_SILENT, RP_LOG_TEXT, NULL);
    if (ps_store_open(":memory:", &api.store, &err)) {
        return;
    }
    struct rp_sha256 *sha = rp_sha256_new();
    rp_sha256_update(sha, "k", 1);
    rp_sha256_final_hex(sha, api.api_key_hash);
    rp_random_id(project, 16);
    ps_store_project_create(api.store, project, "fuzz");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!api.store) {
        setup();
    }
    if (size < 1 || !api.store) {
        return 0;
    }
    static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE"};
    char paths[6][160];
    snprintf(paths[0], sizeof(paths[0]), "/api/v1/projects");
    snprintf(paths[1], sizeof(paths[1]), "/api/v1/projects/%s/webhooks", project);
    snprintf(paths[2], sizeof(paths[2]), "/api/v1/repeaters");
    snprintf(paths[3], sizeof(paths[3]), "/api/v1/scans");
    snprintf(paths[4], sizeof(paths[4]), "/api/v1/deliveries");
    snprintf(paths[5], sizeof(paths[5]), "/api/v1/projects/%s", project);
    json_t *query = json_object();
    struct ps_api_request req = {
        .method = methods[data[0] & 3],
        .path = paths[(data[0] >> 2) % 6],
        .query = query,
        .authorization = "api-key k",
        .body = data + 1,
        .body_len = size - 1,
    };
    struct ps_api_response resp = {0};
    if (strcmp(req.method, "DELETE") != 0 || (data[0] >> 2) % 6 != 5) {
        ps_api_handle(&api, &req, &resp);
    }
    json_decref(resp.body);
    json_decref(query);
    return 0;
}
