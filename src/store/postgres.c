/*
 * postgres.c — the PostgreSQL driver (libpq). The only file that includes
 * libpq-fe.h. Statements are prepared once per connection by name and run
 * with text parameters (bytea as binary); rows come back in text format and
 * are converted by column type. A connection that fails is reported broken
 * so the pool drops it and the next request reconnects: the service
 * recovers by itself when the database comes back.
 */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/db.h"
#include "store/store.h"

/* Type OIDs from pg_type.h (stable across versions). */
#define PG_BOOLOID 16
#define PG_BYTEAOID 17
#define PG_INT8OID 20
#define PG_INT2OID 21
#define PG_INT4OID 23

#define PG_MAX_PARAMS 16
#define PG_MAX_COLS 16
#define PG_CONNECT_TIMEOUT "3"

struct db_conn {
    PGconn *pg;
    bool prepared[SQL_COUNT];
    bool broken;
};

/* Server notices (e.g. "relation already exists, skipping") go to our log
 * at debug level instead of libpq's raw line on stderr. */
static void pg_notice(void *arg, const char *message)
{
    (void)arg;
    log_debug("postgres: %.*s", (int)strcspn(message, "\n"), message);
}

static int pg_connect(const char *url, struct db_conn **out, struct err *e)
{
    struct db_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return err_set(e, ERR_INTERNAL, "out of memory");
    /* expand_dbname: the URL supplies everything; we add a connect timeout
     * so an unreachable database fails fast instead of hanging requests. */
    const char *const keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *const vals[] = {url, PG_CONNECT_TIMEOUT, "passagent", NULL};
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        /* libpq's message may name host and user, never the password. */
        const char *why = c->pg ? PQerrorMessage(c->pg) : "out of memory";
        err_set(e, ERR_UNAVAILABLE, "cannot connect to PostgreSQL: %.*s",
                (int)strcspn(why, "\n"), why);
        PQfinish(c->pg);
        free(c);
        return -1;
    }
    PQsetNoticeProcessor(c->pg, pg_notice, NULL);
    *out = c;
    return 0;
}

static void pg_disconnect(struct db_conn **cp)
{
    struct db_conn *c = *cp;
    if (c == NULL)
        return;
    PQfinish(c->pg);
    free(c);
    *cp = NULL;
}

static bool pg_healthy(const struct db_conn *c)
{
    return !c->broken && PQstatus(c->pg) == CONNECTION_OK;
}

/* Maps a failed result to a store_rc and marks the connection broken when
 * the failure was the connection's. */
static int pg_fail(struct db_conn *c, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "23505") == 0)
        return STORE_CONFLICT; /* unique_violation */
    if (PQstatus(c->pg) != CONNECTION_OK || (state && strncmp(state, "08", 2) == 0) ||
        (state && strcmp(state, "57P01") == 0)) {
        c->broken = true;
        log_warn("postgres: connection lost during %s", what);
        return STORE_UNAVAILABLE;
    }
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                  strcmp(state, "55P03") == 0))
        return STORE_UNAVAILABLE; /* serialization failure, deadlock, lock timeout */
    log_error("postgres %s failed (SQLSTATE %s): %s", what, state ? state : "?",
              res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
    return STORE_ERROR;
}

static int pg_prepare(struct db_conn *c, enum sql_id id)
{
    if (c->prepared[id])
        return STORE_OK;
    char name[16];
    snprintf(name, sizeof(name), "s%d", (int)id);
    PGresult *res = PQprepare(c->pg, name, sql_text(id, SQL_POSTGRES), 0, NULL);
    int rc = (PQresultStatus(res) == PGRES_COMMAND_OK) ? STORE_OK : pg_fail(c, res, "prepare");
    PQclear(res);
    if (rc == STORE_OK)
        c->prepared[id] = true;
    return rc;
}

/* Converts one text-format column to a db_val; bytea is unescaped into
 * *owned (freed by the caller after the row callback). */
static void pg_column(const PGresult *res, int row, int col, struct db_val *v,
                      unsigned char **owned)
{
    *owned = NULL;
    if (PQgetisnull(res, row, col)) {
        *v = (struct db_val){.type = DBV_NULL};
        return;
    }
    const char *text = PQgetvalue(res, row, col);
    switch (PQftype(res, col)) {
    case PG_INT8OID:
    case PG_INT4OID:
    case PG_INT2OID:
        *v = DB_INT(strtoll(text, NULL, 10));
        break;
    case PG_BOOLOID:
        *v = DB_INT(text[0] == 't');
        break;
    case PG_BYTEAOID: {
        size_t n = 0;
        *owned = PQunescapeBytea((const unsigned char *)text, &n);
        *v = (struct db_val){.type = DBV_BLOB, .p = *owned ? (const void *)*owned : "", .n = n};
        break;
    }
    default:
        *v = (struct db_val){.type = DBV_TEXT, .p = text, .n = (size_t)PQgetlength(res, row, col)};
    }
}

static int pg_rows(const PGresult *res, db_row_fn fn, void *ctx)
{
    int nrows = PQntuples(res), ncols = PQnfields(res);
    if (ncols > PG_MAX_COLS)
        ncols = PG_MAX_COLS;
    for (int r = 0; r < nrows && fn; r++) {
        struct db_val cols[PG_MAX_COLS];
        unsigned char *owned[PG_MAX_COLS];
        for (int k = 0; k < ncols; k++)
            pg_column(res, r, k, &cols[k], &owned[k]);
        int stop = fn(ctx, cols, (size_t)ncols);
        for (int k = 0; k < ncols; k++)
            PQfreemem(owned[k]);
        if (stop)
            break;
    }
    return STORE_OK;
}

static int pg_exec(struct db_conn *c, enum sql_id id, const struct db_val *params, size_t nparams,
                   db_row_fn fn, void *ctx, int64_t *changes)
{
    if (nparams > PG_MAX_PARAMS)
        return STORE_ERROR;
    int rc = pg_prepare(c, id);
    if (rc != STORE_OK)
        return rc;
    const char *values[PG_MAX_PARAMS];
    int lengths[PG_MAX_PARAMS], formats[PG_MAX_PARAMS];
    char ints[PG_MAX_PARAMS][24];
    for (size_t i = 0; i < nparams; i++) {
        lengths[i] = 0;
        formats[i] = 0;
        switch (params[i].type) {
        case DBV_INT:
            snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)params[i].i);
            values[i] = ints[i];
            break;
        case DBV_TEXT: /* bound values are NUL-terminated C strings here */
            values[i] = params[i].p;
            break;
        case DBV_BLOB:
            values[i] = params[i].p;
            lengths[i] = (int)params[i].n;
            formats[i] = 1;
            break;
        default:
            values[i] = NULL;
        }
    }
    char name[16];
    snprintf(name, sizeof(name), "s%d", (int)id);
    PGresult *res = PQexecPrepared(c->pg, name, (int)nparams, values, lengths, formats, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        rc = pg_rows(res, fn, ctx);
        if (changes) {
            const char *n = PQcmdTuples(res);
            *changes = (n && *n) ? strtoll(n, NULL, 10) : 0;
        }
    } else {
        rc = pg_fail(c, res, "statement");
    }
    PQclear(res);
    return rc;
}

static int pg_simple(struct db_conn *c, const char *sql, const char *what)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? STORE_OK : pg_fail(c, res, what);
    PQclear(res);
    return rc;
}

static int pg_script(struct db_conn *c, const char *sql) { return pg_simple(c, sql, "script"); }
static int pg_begin(struct db_conn *c) { return pg_simple(c, "BEGIN", "begin"); }
static int pg_commit(struct db_conn *c) { return pg_simple(c, "COMMIT", "commit"); }
static void pg_rollback(struct db_conn *c) { (void)pg_simple(c, "ROLLBACK", "rollback"); }

const struct db_driver db_driver_postgres = {
    .name = "postgres",
    .dialect = SQL_POSTGRES,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .healthy = pg_healthy,
    .exec = pg_exec,
    .script = pg_script,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
};
