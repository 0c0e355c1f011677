/* store_sqlite: the platform's data in SQLite (WAL, foreign keys, schema versioned with
 * PRAGMA user_version). Owns the schema and every SQL statement; rows are turned into JSON by
 * one generic reader (column aliases give the API's names; columns named *_json hold JSON). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rp_log.h"
#include "rp_util.h"
#include "store.h"

#define SUB "store"
#define SCHEMA_VERSION 1

struct ps_store {
    sqlite3 *db;
};

static const char *const schema_v1 =
    "CREATE TABLE repeaters ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT,"
    " token_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,"
    " created_at TEXT NOT NULL, version TEXT, runtime_json TEXT,"
    " connected_at TEXT, last_seen_at TEXT);"
    "CREATE TABLE projects ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE webhooks ("
    " id TEXT PRIMARY KEY,"
    " project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, description TEXT,"
    " repeater_id TEXT REFERENCES repeaters(id) ON DELETE SET NULL,"
    " method TEXT NOT NULL, url TEXT NOT NULL, headers_json TEXT, secret TEXT,"
    " active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE scans ("
    " id TEXT PRIMARY KEY,"
    " project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, status TEXT NOT NULL, config_json TEXT,"
    " created_at TEXT NOT NULL, started_at TEXT, ended_at TEXT);"
    "CREATE TABLE issues ("
    " id TEXT PRIMARY KEY, scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,"
    " data_json TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE deliveries ("
    " id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, scan_id TEXT,"
    " webhook_json TEXT NOT NULL, event_json TEXT NOT NULL, payload_json TEXT NOT NULL,"
    " state TEXT NOT NULL, next_at INTEGER NOT NULL, created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL);"
    "CREATE INDEX deliveries_due ON deliveries(state, next_at);"
    "CREATE INDEX deliveries_webhook ON deliveries(webhook_id);"
    "CREATE TABLE attempts ("
    " delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,"
    " number INTEGER NOT NULL, attempt_json TEXT NOT NULL,"
    " PRIMARY KEY (delivery_id, number));";

static void now_iso(char out[32])
{
    rp_time_iso(rp_wall_ms(), out);
}

/* Binds arguments by a format: s text (NULL binds NULL), j JSON value (NULL binds NULL),
 * i int64, b bool. */
static int bind_args(sqlite3_stmt *stmt, const char *fmt, va_list ap)
{
    int idx = 1;
    for (const char *f = fmt; f && *f; f++, idx++) {
        int rc = SQLITE_OK;
        switch (*f) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(stmt, idx);
            break;
        }
        case 'j': {
            const json_t *j = va_arg(ap, const json_t *);
            char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
            rc = text ? sqlite3_bind_text(stmt, idx, text, -1, free) : sqlite3_bind_null(stmt, idx);
            break;
        }
        case 'i':
            rc = sqlite3_bind_int64(stmt, idx, va_arg(ap, int64_t));
            break;
        case 'b':
            rc = sqlite3_bind_int(stmt, idx, va_arg(ap, int) ? 1 : 0);
            break;
        default:
            return SQLITE_MISUSE;
        }
        if (rc != SQLITE_OK) {
            return rc;
        }
    }
    return SQLITE_OK;
}

static json_t *column_json(sqlite3_stmt *stmt, int i, const char **name_out, char *buf,
                           size_t buflen)
{
    const char *name = sqlite3_column_name(stmt, i);
    size_t n = strlen(name);
    int type = sqlite3_column_type(stmt, i);
    *name_out = name;
    if (n > 5 && strcmp(name + n - 5, "_json") == 0) {
        snprintf(buf, buflen, "%.*s", (int)(n - 5), name);
        *name_out = buf;
        if (type == SQLITE_NULL) {
            return json_null();
        }
        json_t *v = json_loads((const char *)sqlite3_column_text(stmt, i),
                               JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        return v ? v : json_null();
    }
    if (strcmp(name, "active") == 0) {
        return json_boolean(sqlite3_column_int(stmt, i));
    }
    switch (type) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(stmt, i));
    case SQLITE_NULL:
        return json_null();
    default:
        return json_stringn((const char *)sqlite3_column_text(stmt, i),
                            (size_t)sqlite3_column_bytes(stmt, i));
    }
}

/* Runs a query; returns a new array of row objects, or NULL on an error (logged). */
static json_t *q_rows(struct ps_store *st, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        rp_log_error(SUB, "prepare failed: %s", sqlite3_errmsg(st->db));
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_args(stmt, fmt, ap);
    va_end(ap);
    json_t *rows = json_array();
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        json_t *row = json_object();
        int n = sqlite3_column_count(stmt);
        for (int i = 0; i < n; i++) {
            const char *name;
            char buf[64];
            json_t *v = column_json(stmt, i, &name, buf, sizeof(buf));
            json_object_set_new(row, name, v ? v : json_null());
        }
        json_array_append_new(rows, row);
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) {
        rp_log_error(SUB, "query failed: %s", sqlite3_errmsg(st->db));
        json_decref(rows);
        rows = NULL;
    }
    sqlite3_finalize(stmt);
    return rows;
}

/* The first row of a query as a new object, or NULL. */
static json_t *q_row(struct ps_store *st, const char *sql, const char *fmt, const char *a,
                     const char *b)
{
    json_t *rows = fmt[0] == 0   ? q_rows(st, sql, "")
                   : fmt[1] == 0 ? q_rows(st, sql, fmt, a)
                                 : q_rows(st, sql, fmt, a, b);
    json_t *row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return row;
}

/* Runs a statement; returns the number of changed rows, or a negative code. */
static int q_exec(struct ps_store *st, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        rp_log_error(SUB, "prepare failed: %s", sqlite3_errmsg(st->db));
        return RP_EINTERNAL;
    }
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_args(stmt, fmt, ap);
    va_end(ap);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        rp_log_error(SUB, "statement failed: %s", sqlite3_errmsg(st->db));
        return RP_EINTERNAL;
    }
    return sqlite3_changes(st->db);
}

static int changed(int n)
{
    return n < 0 ? n : n == 0 ? RP_EINVALID : 0;
}

int ps_store_open(const char *path, struct ps_store **out, struct rp_err *err)
{
    struct ps_store *st = calloc(1, sizeof(*st));
    if (!st) {
        return rp_err_set(err, RP_ENOMEM, NULL);
    }
    if (sqlite3_open(path, &st->db) != SQLITE_OK) {
        rp_err_set(err, RP_ECONFIG, "database %s: %s", path,
                   st->db ? sqlite3_errmsg(st->db) : "cannot open");
        ps_store_close(st);
        return RP_ECONFIG;
    }
    sqlite3_busy_timeout(st->db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(st->db,
                          "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                          " PRAGMA synchronous=NORMAL;",
                          NULL, NULL, &msg);
    json_t *ver = rc == SQLITE_OK ? q_row(st, "PRAGMA user_version", "", NULL, NULL) : NULL;
    int version = (int)json_integer_value(json_object_get(ver, "user_version"));
    json_decref(ver);
    if (rc == SQLITE_OK && version == 0) {
        rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, &msg);
        if (rc == SQLITE_OK) {
            rc = sqlite3_exec(st->db, schema_v1, NULL, NULL, &msg);
        }
        if (rc == SQLITE_OK) {
            rc = sqlite3_exec(st->db, "PRAGMA user_version = 1; COMMIT", NULL, NULL, &msg);
        } else {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        }
    } else if (rc == SQLITE_OK && version > SCHEMA_VERSION) {
        rp_err_set(err, RP_ECONFIG, "database %s has schema %d, newer than this program's %d", path,
                   version, SCHEMA_VERSION);
        ps_store_close(st);
        return RP_ECONFIG;
    }
    if (rc != SQLITE_OK) {
        rp_err_set(err, RP_ECONFIG, "database %s: %s", path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        ps_store_close(st);
        return RP_ECONFIG;
    }
    *out = st;
    return 0;
}

void ps_store_close(struct ps_store *st)
{
    if (!st) {
        return;
    }
    sqlite3_close(st->db);
    free(st);
}

int ps_store_begin(struct ps_store *st)
{
    return sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0
                                                                                  : RP_EINTERNAL;
}

int ps_store_commit(struct ps_store *st)
{
    return sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : RP_EINTERNAL;
}

void ps_store_rollback(struct ps_store *st)
{
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- repeaters ---- */

#define REPEATER_COLS                                                                              \
    "id, name, description, CASE active WHEN 1 THEN 1 ELSE 0 END AS active, created_at AS "        \
    "createdAt, version, runtime_json, connected_at AS connectedAt, last_seen_at AS lastSeenAt"

int ps_store_repeater_create(struct ps_store *st, const char *id, const char *name,
                             const char *description, const char *token_hash)
{
    char now[32];
    now_iso(now);
    return changed(q_exec(st,
                          "INSERT INTO repeaters (id, name, description, token_hash, created_at)"
                          " VALUES (?, ?, ?, ?, ?)",
                          "sssss", id, name, description, token_hash, now));
}

json_t *ps_store_repeater_get(struct ps_store *st, const char *id)
{
    return q_row(st, "SELECT " REPEATER_COLS " FROM repeaters WHERE id = ?", "s", id, NULL);
}

json_t *ps_store_repeater_list(struct ps_store *st)
{
    return q_rows(st, "SELECT " REPEATER_COLS " FROM repeaters ORDER BY created_at, id", "");
}

int ps_store_repeater_secret(struct ps_store *st, const char *id, char hash65[65], bool *active)
{
    json_t *row =
        q_row(st, "SELECT token_hash AS hash, active FROM repeaters WHERE id = ?", "s", id, NULL);
    if (!row) {
        return RP_EINVALID;
    }
    snprintf(hash65, 65, "%s", json_string_value(json_object_get(row, "hash")));
    *active = json_is_true(json_object_get(row, "active"));
    json_decref(row);
    return 0;
}

int ps_store_repeater_set_active(struct ps_store *st, const char *id, bool active)
{
    return changed(q_exec(st, "UPDATE repeaters SET active = ? WHERE id = ?", "bs", active, id));
}

int ps_store_repeater_delete(struct ps_store *st, const char *id)
{
    return changed(q_exec(st, "DELETE FROM repeaters WHERE id = ?", "s", id));
}

int ps_store_repeater_webhooks(struct ps_store *st, const char *id)
{
    json_t *row =
        q_row(st, "SELECT COUNT(*) AS n FROM webhooks WHERE repeater_id = ?", "s", id, NULL);
    int n = (int)json_integer_value(json_object_get(row, "n"));
    json_decref(row);
    return n;
}

int ps_store_repeater_deployed(struct ps_store *st, const char *id, const char *version,
                               const json_t *runtime, const char *at)
{
    return changed(q_exec(st,
                          "UPDATE repeaters SET version = ?, runtime_json = ?, connected_at = ?,"
                          " last_seen_at = ? WHERE id = ?",
                          "sjsss", version, runtime, at, at, id));
}

int ps_store_repeater_seen(struct ps_store *st, const char *id, const char *at)
{
    return changed(q_exec(st, "UPDATE repeaters SET last_seen_at = ? WHERE id = ?", "ss", at, id));
}

/* ---- projects ---- */

int ps_store_project_create(struct ps_store *st, const char *id, const char *name)
{
    char now[32];
    now_iso(now);
    return changed(q_exec(st, "INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)", "sss",
                          id, name, now));
}

json_t *ps_store_project_get(struct ps_store *st, const char *id)
{
    return q_row(st, "SELECT id, name, created_at AS createdAt FROM projects WHERE id = ?", "s", id,
                 NULL);
}

json_t *ps_store_project_list(struct ps_store *st)
{
    return q_rows(st,
                  "SELECT id, name, created_at AS createdAt FROM projects"
                  " ORDER BY created_at, id",
                  "");
}

int ps_store_project_delete(struct ps_store *st, const char *id)
{
    return changed(q_exec(st, "DELETE FROM projects WHERE id = ?", "s", id));
}

/* ---- webhooks ---- */

#define WEBHOOK_COLS                                                                               \
    "id, project_id AS projectId, name, description, repeater_id AS repeaterId, method, url,"      \
    " headers_json, CASE WHEN secret IS NULL THEN 0 ELSE 1 END AS hasSecret, secret,"              \
    " CASE active WHEN 1 THEN 1 ELSE 0 END AS active, created_at AS createdAt,"                    \
    " updated_at AS updatedAt"

static json_t *webhook_shape(json_t *row)
{
    if (row) {
        json_object_set_new(row, "hasSecret",
                            json_boolean(json_integer_value(json_object_get(row, "hasSecret"))));
    }
    return row;
}

int ps_store_webhook_create(struct ps_store *st, const char *id, const char *project_id,
                            const json_t *f)
{
    char now[32];
    now_iso(now);
    json_t *headers = json_object_get(f, "headers");
    return changed(q_exec(
        st,
        "INSERT INTO webhooks (id, project_id, name, description, repeater_id, method, url,"
        " headers_json, secret, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        "sssssssjsss", id, project_id, json_string_value(json_object_get(f, "name")),
        json_string_value(json_object_get(f, "description")),
        json_string_value(json_object_get(f, "repeaterId")),
        json_string_value(json_object_get(f, "method")),
        json_string_value(json_object_get(f, "url")), json_is_object(headers) ? headers : NULL,
        json_string_value(json_object_get(f, "secret")), now, now));
}

json_t *ps_store_webhook_get(struct ps_store *st, const char *project_id, const char *id)
{
    return webhook_shape(
        q_row(st, "SELECT " WEBHOOK_COLS " FROM webhooks WHERE project_id = ? AND id = ?", "ss",
              project_id, id));
}

json_t *ps_store_webhook_find(struct ps_store *st, const char *id)
{
    return webhook_shape(
        q_row(st, "SELECT " WEBHOOK_COLS " FROM webhooks WHERE id = ?", "s", id, NULL));
}

json_t *ps_store_webhook_list(struct ps_store *st, const char *project_id, bool only_active)
{
    json_t *rows = q_rows(st,
                          "SELECT " WEBHOOK_COLS " FROM webhooks WHERE project_id = ?"
                          " AND (active = 1 OR ? = 0) ORDER BY created_at, id",
                          "sb", project_id, only_active);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        webhook_shape(row);
    }
    return rows;
}

int ps_store_webhook_update(struct ps_store *st, const char *project_id, const char *id,
                            const json_t *f)
{
    static const char *const cols[][2] = {
        {"name", "name"},
        {"description", "description"},
        {"repeaterId", "repeater_id"},
        {"method", "method"},
        {"url", "url"},
        {"secret", "secret"},
    };
    char now[32];
    now_iso(now);
    int n = changed(q_exec(st, "UPDATE webhooks SET updated_at = ? WHERE project_id = ? AND id = ?",
                           "sss", now, project_id, id));
    for (size_t i = 0; n == 0 && i < sizeof(cols) / sizeof(cols[0]); i++) {
        json_t *v = json_object_get(f, cols[i][0]);
        if (!v) {
            continue;
        }
        char sql[128];
        snprintf(sql, sizeof(sql), "UPDATE webhooks SET %s = ? WHERE id = ?", cols[i][1]);
        n = changed(q_exec(st, sql, "ss", json_string_value(v), id));
    }
    json_t *headers = json_object_get(f, "headers");
    if (n == 0 && headers) {
        n = changed(q_exec(st, "UPDATE webhooks SET headers_json = ? WHERE id = ?", "js",
                           json_is_object(headers) ? headers : NULL, id));
    }
    return n;
}

int ps_store_webhook_set_active(struct ps_store *st, const char *project_id, const char *id,
                                bool active)
{
    char now[32];
    now_iso(now);
    return changed(q_exec(st,
                          "UPDATE webhooks SET active = ?, updated_at = ?"
                          " WHERE project_id = ? AND id = ?",
                          "bsss", active, now, project_id, id));
}

int ps_store_webhook_delete(struct ps_store *st, const char *project_id, const char *id)
{
    return changed(
        q_exec(st, "DELETE FROM webhooks WHERE project_id = ? AND id = ?", "ss", project_id, id));
}

/* ---- scans ---- */

#define SCAN_COLS                                                                                  \
    "id, project_id AS projectId, name, status, config_json, created_at AS createdAt,"             \
    " started_at AS startedAt, ended_at AS endedAt"

int ps_store_scan_create(struct ps_store *st, const char *id, const char *project_id,
                         const char *name, const json_t *config, const char *at)
{
    return changed(q_exec(st,
                          "INSERT INTO scans (id, project_id, name, status, config_json,"
                          " created_at) VALUES (?, ?, ?, 'queued', ?, ?)",
                          "sssjs", id, project_id, name, config, at));
}

json_t *ps_store_scan_get(struct ps_store *st, const char *id)
{
    return q_row(st, "SELECT " SCAN_COLS " FROM scans WHERE id = ?", "s", id, NULL);
}

json_t *ps_store_scan_list(struct ps_store *st, const char *project_id)
{
    return q_rows(st,
                  "SELECT " SCAN_COLS " FROM scans WHERE (? IS NULL OR project_id = ?)"
                  " ORDER BY created_at, id",
                  "ss", project_id, project_id);
}

int ps_store_scan_set_status(struct ps_store *st, const char *id, const char *status,
                             const char *started_at, const char *ended_at)
{
    return changed(q_exec(st,
                          "UPDATE scans SET status = ?, started_at = COALESCE(?, started_at),"
                          " ended_at = ? WHERE id = ?",
                          "ssss", status, started_at, ended_at, id));
}

int ps_store_issue_add(struct ps_store *st, const char *id, const char *scan_id,
                       const json_t *issue, const char *at)
{
    return changed(q_exec(st,
                          "INSERT INTO issues (id, scan_id, data_json, created_at)"
                          " VALUES (?, ?, ?, ?)",
                          "ssjs", id, scan_id, issue, at));
}

json_t *ps_store_issue_list(struct ps_store *st, const char *scan_id)
{
    json_t *rows = q_rows(st,
                          "SELECT id, data_json, created_at AS foundAt FROM issues"
                          " WHERE scan_id = ? ORDER BY created_at, id",
                          "s", scan_id);
    json_t *out = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *issue = json_deep_copy(json_object_get(row, "data"));
        json_object_set(issue, "id", json_object_get(row, "id"));
        json_object_set(issue, "foundAt", json_object_get(row, "foundAt"));
        json_array_append_new(out, issue);
    }
    json_decref(rows);
    return out;
}

/* ---- deliveries ---- */

#define DELIVERY_COLS                                                                              \
    "id, state, webhook_id AS webhookId, scan_id AS scanId, webhook_json, event_json,"             \
    " payload_json, next_at AS nextAttemptAtMs, created_at AS createdAt, updated_at AS updatedAt"

int ps_store_delivery_create(struct ps_store *st, const char *id, const json_t *webhook,
                             const char *scan_id, const json_t *event, const json_t *payload,
                             int64_t next_ms)
{
    char now[32];
    now_iso(now);
    return changed(q_exec(st,
                          "INSERT INTO deliveries (id, webhook_id, scan_id, webhook_json,"
                          " event_json, payload_json, state, next_at, created_at, updated_at)"
                          " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
                          "sssjjjiss", id, json_string_value(json_object_get(webhook, "id")),
                          scan_id, webhook, event, payload, next_ms, now, now));
}

json_t *ps_store_delivery_get(struct ps_store *st, const char *id)
{
    json_t *d = q_row(st, "SELECT " DELIVERY_COLS " FROM deliveries WHERE id = ?", "s", id, NULL);
    if (!d) {
        return NULL;
    }
    json_t *rows = q_rows(st,
                          "SELECT attempt_json FROM attempts WHERE delivery_id = ?"
                          " ORDER BY number",
                          "s", id);
    json_t *attempts = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_array_append(attempts, json_object_get(row, "attempt"));
    }
    json_decref(rows);
    json_object_set_new(d, "attempts", attempts);
    return d;
}

json_t *ps_store_delivery_list(struct ps_store *st, const char *webhook_id, const char *scan_id,
                               const char *state)
{
    return q_rows(st,
                  "SELECT d.id, d.state, d.webhook_id AS webhookId, d.scan_id AS scanId,"
                  " d.event_json, d.created_at AS createdAt, d.updated_at AS updatedAt,"
                  " (SELECT COUNT(*) FROM attempts a WHERE a.delivery_id = d.id) AS attempts"
                  " FROM deliveries d WHERE (? IS NULL OR d.webhook_id = ?)"
                  " AND (? IS NULL OR d.scan_id = ?) AND (? IS NULL OR d.state = ?)"
                  " ORDER BY d.created_at, d.id",
                  "ssssss", webhook_id, webhook_id, scan_id, scan_id, state, state);
}

json_t *ps_store_delivery_due(struct ps_store *st, int64_t now_ms, int limit)
{
    return q_rows(st,
                  "SELECT id FROM deliveries WHERE state = 'pending' AND next_at <= ?"
                  " ORDER BY next_at, id LIMIT ?",
                  "ii", now_ms, (int64_t)limit);
}

int64_t ps_store_delivery_next_due(struct ps_store *st)
{
    json_t *row = q_row(st, "SELECT MIN(next_at) AS next FROM deliveries WHERE state = 'pending'",
                        "", NULL, NULL);
    json_t *v = json_object_get(row, "next");
    int64_t next = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(row);
    return next;
}

int ps_store_delivery_set_state(struct ps_store *st, const char *id, const char *state,
                                int64_t next_ms)
{
    char now[32];
    now_iso(now);
    return changed(q_exec(st,
                          "UPDATE deliveries SET state = ?, next_at = ?, updated_at = ?"
                          " WHERE id = ?",
                          "siss", state, next_ms, now, id));
}

int ps_store_delivery_wake_repeater(struct ps_store *st, const char *repeater_id, int64_t now_ms)
{
    int n = q_exec(st,
                   "UPDATE deliveries SET next_at = ? WHERE state = 'pending' AND webhook_id IN"
                   " (SELECT id FROM webhooks WHERE repeater_id = ?)",
                   "is", now_ms, repeater_id);
    return n < 0 ? n : 0;
}

int ps_store_delivery_cancel_webhook(struct ps_store *st, const char *webhook_id)
{
    char now[32];
    now_iso(now);
    int n = q_exec(st,
                   "UPDATE deliveries SET state = 'cancelled', updated_at = ?"
                   " WHERE state = 'pending' AND webhook_id = ?",
                   "ss", now, webhook_id);
    return n < 0 ? n : 0;
}

int ps_store_delivery_recover(struct ps_store *st, int64_t now_ms)
{
    int n = q_exec(st,
                   "UPDATE deliveries SET state = 'pending', next_at = ?"
                   " WHERE state = 'in_flight'",
                   "i", now_ms);
    return n;
}

int ps_store_attempt_add(struct ps_store *st, const char *delivery_id, int number,
                         const json_t *attempt)
{
    return changed(q_exec(st,
                          "INSERT INTO attempts (delivery_id, number, attempt_json)"
                          " VALUES (?, ?, ?)",
                          "sij", delivery_id, (int64_t)number, attempt));
}
