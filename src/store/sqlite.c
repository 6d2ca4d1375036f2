/*
 * sqlite.c — the SQLite driver: WAL, foreign keys, busy timeout, statements
 * prepared once per connection and reused. The only file that includes
 * sqlite3.h.
 *
 * Writers in one process queue on a mutex before taking SQLite's write lock,
 * so they wait in FIFO-ish order instead of sleeping in the busy handler;
 * other processes on the same file still coordinate through busy_timeout.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "core/limits.h"
#include "core/log.h"
#include "store/db.h"
#include "store/store.h"

struct db_conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[SQL_COUNT];
    int in_tx; /* holds sqlite_write_lock while set */
};

static pthread_mutex_t sqlite_write_lock = PTHREAD_MUTEX_INITIALIZER;

static int sqlite_rc_to_store(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_CONSTRAINT:
        return STORE_CONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_UNAVAILABLE;
    default:
        return STORE_ERROR;
    }
}

static int sqlite_connect(const char *path, struct db_conn **out, struct err *e)
{
    struct db_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return err_set(e, ERR_INTERNAL, "out of memory");
    int rc = sqlite3_open_v2(path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        err_set(e, ERR_UNAVAILABLE, "cannot open database %s: %s", path,
                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        free(c);
        return -1;
    }
    sqlite3_busy_timeout(c->db, LIMIT_DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(c->db, 1);
    char *msg = NULL;
    rc = sqlite3_exec(c->db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        err_set(e, ERR_UNAVAILABLE, "cannot configure database %s: %s", path,
                msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(c->db);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

static void sqlite_disconnect(struct db_conn **cp)
{
    struct db_conn *c = *cp;
    if (c == NULL)
        return;
    for (size_t i = 0; i < SQL_COUNT; i++)
        sqlite3_finalize(c->stmts[i]);
    if (sqlite3_close(c->db) != SQLITE_OK)
        log_warn("sqlite close: %s", sqlite3_errmsg(c->db));
    free(c);
    *cp = NULL;
}

static bool sqlite_healthy(const struct db_conn *c)
{
    (void)c;
    return true; /* a file: nothing to lose between requests */
}

static sqlite3_stmt *sqlite_stmt(struct db_conn *c, enum sql_id id)
{
    if (c->stmts[id] == NULL) {
        const char *text = sql_text(id, SQL_SQLITE);
        if (sqlite3_prepare_v3(c->db, text, -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[id],
                               NULL) != SQLITE_OK) {
            log_error("sqlite prepare of statement %d failed: %s", (int)id, sqlite3_errmsg(c->db));
            return NULL;
        }
    }
    return c->stmts[id];
}

static int sqlite_bind(sqlite3_stmt *s, const struct db_val *params, size_t nparams)
{
    for (size_t i = 0; i < nparams; i++) {
        int idx = (int)i + 1, rc;
        switch (params[i].type) {
        case DBV_INT:
            rc = sqlite3_bind_int64(s, idx, params[i].i);
            break;
        case DBV_TEXT:
            rc = sqlite3_bind_text(s, idx, params[i].p, (int)params[i].n, SQLITE_STATIC);
            break;
        case DBV_BLOB:
            rc = sqlite3_bind_blob(s, idx, params[i].p, (int)params[i].n, SQLITE_STATIC);
            break;
        default:
            rc = sqlite3_bind_null(s, idx);
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

#define SQLITE_MAX_COLS 16

static int sqlite_row(sqlite3_stmt *s, db_row_fn fn, void *ctx)
{
    struct db_val cols[SQLITE_MAX_COLS];
    int n = sqlite3_column_count(s);
    if (n > SQLITE_MAX_COLS)
        n = SQLITE_MAX_COLS;
    for (int i = 0; i < n; i++) {
        switch (sqlite3_column_type(s, i)) {
        case SQLITE_INTEGER:
            cols[i] = DB_INT(sqlite3_column_int64(s, i));
            break;
        case SQLITE_TEXT:
            cols[i].type = DBV_TEXT;
            cols[i].p = sqlite3_column_text(s, i);
            cols[i].n = (size_t)sqlite3_column_bytes(s, i);
            break;
        case SQLITE_BLOB:
            cols[i].type = DBV_BLOB;
            cols[i].p = sqlite3_column_blob(s, i);
            cols[i].n = (size_t)sqlite3_column_bytes(s, i);
            break;
        default:
            cols[i] = (struct db_val){.type = DBV_NULL};
        }
    }
    return fn ? fn(ctx, cols, (size_t)n) : 0;
}

static int sqlite_exec(struct db_conn *c, enum sql_id id, const struct db_val *params,
                       size_t nparams, db_row_fn fn, void *ctx, int64_t *changes)
{
    sqlite3_stmt *s = sqlite_stmt(c, id);
    if (s == NULL)
        return STORE_ERROR;
    int writes = !sqlite3_stmt_readonly(s) && !c->in_tx;
    if (writes)
        pthread_mutex_lock(&sqlite_write_lock);
    int rc = sqlite_bind(s, params, nparams);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && sqlite_row(s, fn, ctx) != 0) {
            rc = SQLITE_DONE; /* the caller has what it wanted */
            break;
        }
    }
    if (rc == SQLITE_DONE && changes)
        *changes = sqlite3_changes64(c->db);
    int out = sqlite_rc_to_store(rc);
    if (out == STORE_ERROR)
        log_error("sqlite statement %d: %s", (int)id, sqlite3_errmsg(c->db));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (writes)
        pthread_mutex_unlock(&sqlite_write_lock);
    return out;
}

static int sqlite_script(struct db_conn *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        log_error("sqlite script: %s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return sqlite_rc_to_store(rc);
}

/* Transactions here always intend to write: take the write lock up front
 * (IMMEDIATE) so two read-then-write transactions cannot deadlock. */
static int sqlite_begin(struct db_conn *c)
{
    pthread_mutex_lock(&sqlite_write_lock);
    int rc = sqlite_script(c, "BEGIN IMMEDIATE");
    if (rc != STORE_OK) {
        pthread_mutex_unlock(&sqlite_write_lock);
        return rc;
    }
    c->in_tx = 1;
    return STORE_OK;
}

static int sqlite_commit(struct db_conn *c)
{
    int rc = sqlite_script(c, "COMMIT");
    if (rc != STORE_OK)
        sqlite_script(c, "ROLLBACK");
    c->in_tx = 0;
    pthread_mutex_unlock(&sqlite_write_lock);
    return rc;
}

static void sqlite_rollback(struct db_conn *c)
{
    sqlite_script(c, "ROLLBACK");
    c->in_tx = 0;
    pthread_mutex_unlock(&sqlite_write_lock);
}

const struct db_driver db_driver_sqlite = {
    .name = "sqlite",
    .dialect = SQL_SQLITE,
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .healthy = sqlite_healthy,
    .exec = sqlite_exec,
    .script = sqlite_script,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
};
