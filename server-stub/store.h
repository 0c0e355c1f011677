/* store: everything the platform keeps, behind named operations. Rows come back as new JSON
 * objects shaped for the API (camelCase names, JSON columns parsed, booleans as booleans).
 * The only module that speaks SQL; the implementation is store_sqlite.c. Not thread-safe. */
#ifndef PS_STORE_H
#define PS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "rp_err.h"

struct ps_store;

/* Opens (and creates or migrates) the database at path. */
int ps_store_open(const char *path, struct ps_store **out, struct rp_err *err);
void ps_store_close(struct ps_store *st);

/* Transactions around multi-row changes. */
int ps_store_begin(struct ps_store *st);
int ps_store_commit(struct ps_store *st);
void ps_store_rollback(struct ps_store *st);

/* Repeaters. token_hash is the hex SHA-256 of the token. */
int ps_store_repeater_create(struct ps_store *st, const char *id, const char *name,
                             const char *description, const char *token_hash);
json_t *ps_store_repeater_get(struct ps_store *st, const char *id);
json_t *ps_store_repeater_list(struct ps_store *st);
/* The stored token hash (into hash65) and whether the repeater is active. RP_EINVALID when
 * the id is unknown. */
int ps_store_repeater_secret(struct ps_store *st, const char *id, char hash65[65], bool *active);
int ps_store_repeater_set_active(struct ps_store *st, const char *id, bool active);
int ps_store_repeater_delete(struct ps_store *st, const char *id);
/* How many webhooks deliver through the repeater. */
int ps_store_repeater_webhooks(struct ps_store *st, const char *id);
/* Notes a deploy (version, runtime JSON) or a disconnect. */
int ps_store_repeater_deployed(struct ps_store *st, const char *id, const char *version,
                               const json_t *runtime, const char *at);
int ps_store_repeater_seen(struct ps_store *st, const char *id, const char *at);

/* Projects. */
int ps_store_project_create(struct ps_store *st, const char *id, const char *name);
json_t *ps_store_project_get(struct ps_store *st, const char *id);
json_t *ps_store_project_list(struct ps_store *st);
int ps_store_project_delete(struct ps_store *st, const char *id);

/* Webhooks. fields: {name, description, repeaterId, method, url, headers, secret}. */
int ps_store_webhook_create(struct ps_store *st, const char *id, const char *project_id,
                            const json_t *fields);
json_t *ps_store_webhook_get(struct ps_store *st, const char *project_id, const char *id);
json_t *ps_store_webhook_list(struct ps_store *st, const char *project_id, bool only_active);
/* Sets the members present in fields. */
int ps_store_webhook_update(struct ps_store *st, const char *project_id, const char *id,
                            const json_t *fields);
int ps_store_webhook_set_active(struct ps_store *st, const char *project_id, const char *id,
                                bool active);
int ps_store_webhook_delete(struct ps_store *st, const char *project_id, const char *id);
/* A webhook by id alone (any project); NULL when gone. */
json_t *ps_store_webhook_find(struct ps_store *st, const char *id);

/* Scans and their issues. */
int ps_store_scan_create(struct ps_store *st, const char *id, const char *project_id,
                         const char *name, const json_t *config, const char *at);
json_t *ps_store_scan_get(struct ps_store *st, const char *id);
json_t *ps_store_scan_list(struct ps_store *st, const char *project_id);
int ps_store_scan_set_status(struct ps_store *st, const char *id, const char *status,
                             const char *started_at, const char *ended_at);
int ps_store_issue_add(struct ps_store *st, const char *id, const char *scan_id,
                       const json_t *issue, const char *at);
json_t *ps_store_issue_list(struct ps_store *st, const char *scan_id);

/* Deliveries and attempts. */
int ps_store_delivery_create(struct ps_store *st, const char *id, const json_t *webhook,
                             const char *scan_id, const json_t *event, const json_t *payload,
                             int64_t next_ms);
json_t *ps_store_delivery_get(struct ps_store *st, const char *id);
/* Filters may be NULL. */
json_t *ps_store_delivery_list(struct ps_store *st, const char *webhook_id, const char *scan_id,
                               const char *state);
/* Ids of deliveries in state pending whose next attempt is due at or before now_ms. */
json_t *ps_store_delivery_due(struct ps_store *st, int64_t now_ms, int limit);
/* The earliest next attempt of a pending delivery, or -1. */
int64_t ps_store_delivery_next_due(struct ps_store *st);
int ps_store_delivery_set_state(struct ps_store *st, const char *id, const char *state,
                                int64_t next_ms);
/* Pending deliveries whose webhook goes through this repeater become due now. */
int ps_store_delivery_wake_repeater(struct ps_store *st, const char *repeater_id, int64_t now_ms);
/* Pending deliveries of a webhook become cancelled (deactivated or deleted). */
int ps_store_delivery_cancel_webhook(struct ps_store *st, const char *webhook_id);
/* Deliveries left in_flight by a crash become pending and due now. */
int ps_store_delivery_recover(struct ps_store *st, int64_t now_ms);
int ps_store_attempt_add(struct ps_store *st, const char *delivery_id, int number,
                         const json_t *attempt);

#endif
