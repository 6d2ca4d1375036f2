/*
 * store.c — the domain storage API on top of a db_driver: a connection
 * pool, migrations at start, and one small function per domain operation.
 * No SQL text here (see sql.c); no database library headers here.
 */
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "store/db.h"

struct store {
    const struct db_driver *drv;
    char *target;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct db_conn *idle[LIMIT_DB_POOL];
    size_t nidle;
    size_t nopen;
};

/* ---- pool ---- */

static int pool_acquire(struct store *st, struct db_conn **out)
{
    pthread_mutex_lock(&st->lock);
    while (st->nidle == 0 && st->nopen >= LIMIT_DB_POOL)
        pthread_cond_wait(&st->freed, &st->lock);
    if (st->nidle > 0) {
        *out = st->idle[--st->nidle];
        pthread_mutex_unlock(&st->lock);
        return STORE_OK;
    }
    st->nopen++; /* reserve the slot, connect outside the lock */
    pthread_mutex_unlock(&st->lock);
    struct err e;
    if (st->drv->connect(st->target, out, &e) != 0) {
        log_error("database connect failed: %s", e.msg);
        pthread_mutex_lock(&st->lock);
        st->nopen--;
        pthread_cond_signal(&st->freed);
        pthread_mutex_unlock(&st->lock);
        return STORE_UNAVAILABLE;
    }
    return STORE_OK;
}

static void pool_release(struct store *st, struct db_conn *c)
{
    pthread_mutex_lock(&st->lock);
    st->idle[st->nidle++] = c;
    pthread_cond_signal(&st->freed);
    pthread_mutex_unlock(&st->lock);
}

/* Runs one statement on a pooled connection. */
static int store_exec(struct store *st, enum sql_id id, const struct db_val *params,
                      size_t nparams, db_row_fn fn, void *ctx, int64_t *changes)
{
    struct db_conn *c;
    int rc = pool_acquire(st, &c);
    if (rc != STORE_OK)
        return rc;
    rc = st->drv->exec(c, id, params, nparams, fn, ctx, changes);
    pool_release(st, c);
    return rc;
}

#define NPARAMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- row decoding ---- */

/* Copies a text column into a fixed buffer; longer values are an error
 * (they cannot have been written by us). */
static int col_text(const struct db_val *v, char *out, size_t outsz)
{
    if (v->type != DBV_TEXT || v->n >= outsz)
        return -1;
    memcpy(out, v->p, v->n);
    out[v->n] = '\0';
    return 0;
}

static int col_blob(const struct db_val *v, unsigned char *out, size_t outsz, size_t *len)
{
    if (v->type != DBV_BLOB || v->n > outsz)
        return -1;
    memcpy(out, v->p, v->n);
    *len = v->n;
    return 0;
}

static int row_int64(void *ctx, const struct db_val *cols, size_t ncols)
{
    if (ncols >= 1 && cols[0].type == DBV_INT)
        *(int64_t *)ctx = cols[0].i;
    return 0;
}

/* Columns: id, email, password_hash, data_key, data_key_id, created_at. */
static int decode_user(const struct db_val *cols, size_t ncols, struct store_user *u)
{
    if (ncols < 6 || col_text(&cols[0], u->id, sizeof(u->id)) ||
        col_text(&cols[1], u->email, sizeof(u->email)) ||
        col_text(&cols[2], u->password_hash, sizeof(u->password_hash)) ||
        col_blob(&cols[3], u->data_key, sizeof(u->data_key), &u->data_key_len) ||
        col_text(&cols[4], u->data_key_id, sizeof(u->data_key_id)) || cols[5].type != DBV_INT)
        return -1;
    u->created_at = cols[5].i;
    return 0;
}

struct user_row {
    struct store_user *u;
    int found; /* 1 found, -1 undecodable */
};

static int row_user(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct user_row *r = ctx;
    r->found = decode_user(cols, ncols, r->u) == 0 ? 1 : -1;
    return 1;
}

static int found_rc(int rc, int found)
{
    if (rc != STORE_OK)
        return rc;
    return found == 1 ? STORE_OK : found == 0 ? STORE_NOT_FOUND : STORE_ERROR;
}

/* ---- lifecycle ---- */

static int store_migrate(struct store *st, struct err *e)
{
    struct db_conn *c;
    if (pool_acquire(st, &c) != STORE_OK)
        return err_set(e, ERR_UNAVAILABLE, "cannot connect to the database");
    const struct db_driver *d = st->drv;
    int64_t current = 0;
    int rc = d->begin(c);
    if (rc == STORE_OK)
        rc = d->exec(c, SQL_MIGRATION_TABLE, NULL, 0, NULL, NULL, NULL);
    if (rc == STORE_OK)
        rc = d->exec(c, SQL_MIGRATION_CURRENT, NULL, 0, row_int64, &current, NULL);
    for (size_t i = 0; rc == STORE_OK && i < sql_migration_count; i++) {
        const struct sql_migration *m = &sql_migrations[i];
        if (m->version <= current)
            continue;
        rc = d->script(c, m->text[d->dialect]);
        struct db_val p[] = {DB_INT(m->version), DB_INT(time_now())};
        if (rc == STORE_OK)
            rc = d->exec(c, SQL_MIGRATION_RECORD, p, NPARAMS(p), NULL, NULL, NULL);
        if (rc == STORE_OK)
            log_info("database migrated to version %d", m->version);
    }
    if (rc == STORE_OK)
        rc = d->commit(c);
    else
        d->rollback(c);
    pool_release(st, c);
    return rc == STORE_OK ? 0 : err_set(e, ERR_UNAVAILABLE, "database migration failed");
}

int store_open(const char *url, struct store **out, struct err *e)
{
    const struct db_driver *drv = NULL;
    const char *target = NULL;
    if (strncmp(url, "sqlite:", 7) == 0) {
        drv = &db_driver_sqlite;
        target = url + 7;
    }
    if (drv == NULL || target == NULL || *target == '\0')
        return err_set(e, ERR_INTERNAL, "PASSAGENT_DB must look like sqlite:PATH");
    struct store *st = calloc(1, sizeof(*st));
    if (st == NULL || (st->target = strdup(target)) == NULL) {
        free(st);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    st->drv = drv;
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->freed, NULL);
    if (store_migrate(st, e) != 0) {
        store_close(&st);
        return -1;
    }
    *out = st;
    return 0;
}

void store_close(struct store **stp)
{
    struct store *st = *stp;
    if (st == NULL)
        return;
    for (size_t i = 0; i < st->nidle; i++)
        st->drv->disconnect(&st->idle[i]);
    pthread_mutex_destroy(&st->lock);
    pthread_cond_destroy(&st->freed);
    free(st->target);
    free(st);
    *stp = NULL;
}

const char *store_backend(const struct store *st) { return st->drv->name; }

int store_ping(struct store *st)
{
    int64_t one = 0;
    int rc = store_exec(st, SQL_PING, NULL, 0, row_int64, &one, NULL);
    return (rc == STORE_OK && one == 1) ? STORE_OK : (rc == STORE_OK ? STORE_ERROR : rc);
}

/* ---- users ---- */

int store_user_insert(struct store *st, const struct store_user *u)
{
    struct db_val p[] = {DB_TEXT(u->id),
                         DB_TEXT(u->email),
                         DB_TEXT(u->password_hash),
                         DB_BLOB(u->data_key, u->data_key_len),
                         DB_TEXT(u->data_key_id),
                         DB_INT(u->created_at)};
    return store_exec(st, SQL_USER_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_user_by_email(struct store *st, const char *email, struct store_user *out)
{
    struct db_val p[] = {DB_TEXT(email)};
    struct user_row r = {out, 0};
    int rc = store_exec(st, SQL_USER_BY_EMAIL, p, NPARAMS(p), row_user, &r, NULL);
    return found_rc(rc, r.found);
}

struct users_visit {
    store_user_fn fn;
    void *ctx;
    int bad;
};

static int row_user_visit(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct users_visit *v = ctx;
    struct store_user u;
    if (decode_user(cols, ncols, &u) != 0) {
        v->bad = 1;
        return 1;
    }
    return v->fn(v->ctx, &u);
}

int store_users_not_under_key(struct store *st, const char *key_id, const char *after_id,
                              unsigned limit, store_user_fn fn, void *ctx)
{
    struct db_val p[] = {DB_TEXT(key_id), DB_TEXT(after_id), DB_INT(limit)};
    struct users_visit v = {fn, ctx, 0};
    int rc = store_exec(st, SQL_USERS_NOT_UNDER_KEY, p, NPARAMS(p), row_user_visit, &v, NULL);
    return (rc == STORE_OK && v.bad) ? STORE_ERROR : rc;
}

int store_user_rewrap(struct store *st, const char *user_id, const char *old_key_id,
                      const unsigned char *wrapped, size_t wrapped_len, const char *new_key_id)
{
    struct db_val p[] = {DB_TEXT(user_id), DB_TEXT(old_key_id), DB_BLOB(wrapped, wrapped_len),
                         DB_TEXT(new_key_id)};
    int64_t changed = 0;
    int rc = store_exec(st, SQL_USER_REWRAP, p, NPARAMS(p), NULL, NULL, &changed);
    return (rc == STORE_OK && changed == 0) ? STORE_NOT_FOUND : rc;
}

/* ---- sessions ---- */

int store_session_insert(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
                         const char *user_id, int64_t created_at, int64_t expires_at)
{
    struct db_val p[] = {DB_BLOB(hash, STORE_TOKEN_HASH_BYTES), DB_TEXT(user_id),
                         DB_INT(created_at), DB_INT(expires_at)};
    return store_exec(st, SQL_SESSION_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
}

struct session_row {
    struct store_session *s;
    int found;
};

static int row_session(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct session_row *r = ctx;
    if (ncols < 8 || decode_user(cols, ncols, &r->s->user) != 0 || cols[6].type != DBV_INT ||
        cols[7].type != DBV_INT) {
        r->found = -1;
        return 1;
    }
    r->s->created_at = cols[6].i;
    r->s->expires_at = cols[7].i;
    r->found = 1;
    return 1;
}

int store_session_lookup(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
                         int64_t now, struct store_session *out)
{
    struct db_val p[] = {DB_BLOB(hash, STORE_TOKEN_HASH_BYTES), DB_INT(now)};
    struct session_row r = {out, 0};
    int rc = store_exec(st, SQL_SESSION_LOOKUP, p, NPARAMS(p), row_session, &r, NULL);
    return found_rc(rc, r.found);
}

int store_session_delete(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES])
{
    struct db_val p[] = {DB_BLOB(hash, STORE_TOKEN_HASH_BYTES)};
    return store_exec(st, SQL_SESSION_DELETE, p, NPARAMS(p), NULL, NULL, NULL);
}

/* ---- rate limits and housekeeping ---- */

int store_ratelimit_hit(struct store *st, const char *bucket, int64_t window_start,
                        int64_t window_len, int64_t n, int64_t *hits)
{
    struct db_val p[] = {DB_TEXT(bucket), DB_INT(window_start), DB_INT(window_start + window_len),
                         DB_INT(n)};
    *hits = 0;
    int rc = store_exec(st, SQL_RATELIMIT_HIT, p, NPARAMS(p), row_int64, hits, NULL);
    return (rc == STORE_OK && *hits == 0) ? STORE_ERROR : rc;
}

int store_purge_expired(struct store *st, int64_t now)
{
    struct db_val p[] = {DB_INT(now)};
    int rc = store_exec(st, SQL_SESSION_PURGE, p, NPARAMS(p), NULL, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_exec(st, SQL_RATELIMIT_PURGE, p, NPARAMS(p), NULL, NULL, NULL);
    return rc;
}

/* ---- integrations ---- */

struct integrations_visit {
    store_integration_fn fn;
    void *ctx;
    int bad;
};

static int row_integration(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct integrations_visit *v = ctx;
    struct store_integration in;
    if (ncols < 4 || col_text(&cols[0], in.provider, sizeof(in.provider)) ||
        col_text(&cols[1], in.email, sizeof(in.email)) ||
        col_text(&cols[2], in.status, sizeof(in.status)) || cols[3].type != DBV_INT) {
        v->bad = 1;
        return 1;
    }
    in.connected_at = cols[3].i;
    return v->fn(v->ctx, &in);
}

int store_integrations_list(struct store *st, const char *user_id, store_integration_fn fn,
                            void *ctx)
{
    struct db_val p[] = {DB_TEXT(user_id)};
    struct integrations_visit v = {fn, ctx, 0};
    int rc = store_exec(st, SQL_INTEGRATIONS_LIST, p, NPARAMS(p), row_integration, &v, NULL);
    return (rc == STORE_OK && v.bad) ? STORE_ERROR : rc;
}

/* ---- IMAP mailboxes ---- */

int store_imap_replace(struct store *st, const struct store_imap_account *a, const char *email,
                       int64_t now)
{
    struct db_conn *c;
    int rc = pool_acquire(st, &c);
    if (rc != STORE_OK)
        return rc;
    const struct db_driver *d = st->drv;
    struct db_val del[] = {DB_TEXT(a->user_id)};
    struct db_val in[] = {DB_TEXT(a->integration_id), DB_TEXT(a->user_id), DB_TEXT(email),
                          DB_INT(now)};
    struct db_val acc[] = {DB_TEXT(a->integration_id), DB_TEXT(a->user_id),
                           DB_BLOB(a->settings, a->settings_len),
                           DB_BLOB(a->password, a->password_len)};
    rc = d->begin(c);
    if (rc == STORE_OK)
        rc = d->exec(c, SQL_IMAP_DELETE, del, NPARAMS(del), NULL, NULL, NULL);
    if (rc == STORE_OK)
        rc = d->exec(c, SQL_IMAP_INTEGRATION_INSERT, in, NPARAMS(in), NULL, NULL, NULL);
    if (rc == STORE_OK)
        rc = d->exec(c, SQL_IMAP_ACCOUNT_INSERT, acc, NPARAMS(acc), NULL, NULL, NULL);
    if (rc == STORE_OK)
        rc = d->commit(c);
    else
        d->rollback(c);
    pool_release(st, c);
    return rc;
}

int store_imap_delete(struct store *st, const char *user_id)
{
    struct db_val p[] = {DB_TEXT(user_id)};
    return store_exec(st, SQL_IMAP_DELETE, p, NPARAMS(p), NULL, NULL, NULL);
}

struct imap_visit {
    store_imap_fn fn;
    void *ctx;
    int bad;
};

static int row_imap(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct imap_visit *v = ctx;
    struct store_imap_account a;
    if (ncols < 7 || col_text(&cols[0], a.integration_id, sizeof(a.integration_id)) ||
        col_text(&cols[1], a.user_id, sizeof(a.user_id)) ||
        col_blob(&cols[2], a.settings, sizeof(a.settings), &a.settings_len) ||
        col_blob(&cols[3], a.password, sizeof(a.password), &a.password_len) ||
        col_blob(&cols[4], a.data_key, sizeof(a.data_key), &a.data_key_len) ||
        col_text(&cols[5], a.data_key_id, sizeof(a.data_key_id)) ||
        col_text(&cols[6], a.status, sizeof(a.status))) {
        v->bad = 1;
        return 1;
    }
    return v->fn(v->ctx, &a);
}

int store_imap_visit(struct store *st, const char *after_id, unsigned limit, store_imap_fn fn,
                     void *ctx)
{
    struct db_val p[] = {DB_TEXT(after_id), DB_INT(limit)};
    struct imap_visit v = {fn, ctx, 0};
    int rc = store_exec(st, SQL_IMAP_ACCOUNTS_PAGE, p, NPARAMS(p), row_imap, &v, NULL);
    return (rc == STORE_OK && v.bad) ? STORE_ERROR : rc;
}

int store_imap_status_set(struct store *st, const char *integration_id,
                                 const char *status, int64_t now)
{
    struct db_val p[] = {DB_TEXT(integration_id), DB_TEXT(status), DB_INT(now)};
    int64_t changed = 0;
    int rc = store_exec(st, SQL_IMAP_STATUS_SET, p, NPARAMS(p), NULL, NULL, &changed);
    return (rc == STORE_OK && changed == 0) ? STORE_NOT_FOUND : rc;
}
