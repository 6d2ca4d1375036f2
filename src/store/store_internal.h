/*
 * store_internal.h — what store*.c files share (internal to src/store/):
 * running one statement on a pooled connection.
 */
#ifndef PASSAGENT_STORE_INTERNAL_H
#define PASSAGENT_STORE_INTERNAL_H

#include "store/db.h"
#include "store/store.h"

#define STORE_NPARAMS(a) (sizeof(a) / sizeof((a)[0]))

int store_internal_exec(struct store *st, enum sql_id id, const struct db_val *params,
                        size_t nparams, db_row_fn fn, void *ctx, int64_t *changes);

#endif
