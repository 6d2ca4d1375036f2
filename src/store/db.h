/*
 * db.h — the small driver interface the store is written against (internal
 * to src/store/). A driver runs statements by id with typed parameters and
 * hands rows to a callback; it never sees domain types. Only driver files
 * include a database library's header.
 */
#ifndef PASSAGENT_DB_H
#define PASSAGENT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"
#include "store/sql.h"

enum db_vtype { DBV_NULL, DBV_INT, DBV_TEXT, DBV_BLOB };

/* A parameter or a column value. Text and blob values are borrowed: a
 * column's bytes are valid only during the row callback. */
struct db_val {
    enum db_vtype type;
    int64_t i;
    const void *p;
    size_t n;
};

#define DB_INT(x) ((struct db_val){.type = DBV_INT, .i = (int64_t)(x)})
#define DB_TEXT(s) ((struct db_val){.type = DBV_TEXT, .p = (s), .n = strlen(s)})
#define DB_BLOB(b, len) ((struct db_val){.type = DBV_BLOB, .p = (b), .n = (len)})

/* Called once per result row; return 0 to continue, non-zero to stop. */
typedef int (*db_row_fn)(void *ctx, const struct db_val *cols, size_t ncols);

struct db_conn;

struct db_driver {
    const char *name;
    enum sql_dialect dialect;
    /* target is the URL minus its scheme. */
    int (*connect)(const char *target, struct db_conn **out, struct err *e);
    void (*disconnect)(struct db_conn **c);
    /* false once the connection failed: the pool drops it instead of
     * reusing it. */
    bool (*healthy)(const struct db_conn *c);
    /* Runs statement id; *changes (may be NULL) gets the rows changed.
     * Returns a store_rc. */
    int (*exec)(struct db_conn *c, enum sql_id id, const struct db_val *params, size_t nparams,
                db_row_fn fn, void *ctx, int64_t *changes);
    /* Runs a multi-statement script (migrations). */
    int (*script)(struct db_conn *c, const char *sql);
    int (*begin)(struct db_conn *c);
    int (*commit)(struct db_conn *c);
    void (*rollback)(struct db_conn *c);
};

extern const struct db_driver db_driver_sqlite;
extern const struct db_driver db_driver_postgres;

#endif
