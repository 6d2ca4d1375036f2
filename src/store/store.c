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
#include <time.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "store/db.h"
#include "store/store_internal.h"

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

/* Borrows a connection, opening one when none is idle and the pool has
 * room; waits otherwise. A failed connect is described in *e when given,
 * else logged. */
static int pool_acquire_e(struct store *st, struct db_conn **out, struct err *e)
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
    struct err local;
    if (st->drv->connect(st->target, out, e ? e : &local) != 0) {
        if (e == NULL)
            log_error("database connect failed: %s", local.msg);
        pthread_mutex_lock(&st->lock);
        st->nopen--;
        pthread_cond_signal(&st->freed);
        pthread_mutex_unlock(&st->lock);
        return STORE_UNAVAILABLE;
    }
    return STORE_OK;
}

static int pool_acquire(struct store *st, struct db_conn **out)
{
    return pool_acquire_e(st, out, NULL);
}

static void pool_release(struct store *st, struct db_conn *c)
{
    if (!st->drv->healthy(c)) { /* lost: drop it, the next acquire reconnects */
        st->drv->disconnect(&c);
        pthread_mutex_lock(&st->lock);
        st->nopen--;
        pthread_cond_signal(&st->freed);
        pthread_mutex_unlock(&st->lock);
        return;
    }
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

int store_internal_exec(struct store *st, enum sql_id id, const struct db_val *params,
                        size_t nparams, db_row_fn fn, void *ctx, int64_t *changes)
{
    return store_exec(st, id, params, nparams, fn, ctx, changes);
}

#define NPARAMS(a) STORE_NPARAMS(a)

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

/* A nullable text column: NULL reads as "". */
static int col_text_opt(const struct db_val *v, char *out, size_t outsz)
{
    if (v->type == DBV_NULL) {
        out[0] = '\0';
        return 0;
    }
    return col_text(v, out, outsz);
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
    if (pool_acquire_e(st, &c, e) != STORE_OK)
        return -1;
    const struct db_driver *d = st->drv;
    int64_t current = 0;
    int rc = d->begin(c);
    if (rc == STORE_OK)
        rc = d->exec(c, SQL_MIGRATION_LOCK, NULL, 0, NULL, NULL, NULL);
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
    } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        drv = &db_driver_postgres;
        target = url; /* libpq takes the whole URI */
    }
    if (drv == NULL || target == NULL || *target == '\0')
        return err_set(e, ERR_INTERNAL,
                       "PASSAGENT_DB must look like sqlite:PATH or postgres://USER@HOST/DB");
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

int store_user_create(struct store *st, const struct store_user *u,
                      const unsigned char session_hash[STORE_TOKEN_HASH_BYTES],
                      int64_t created_at, int64_t expires_at)
{
    struct db_val pu[] = {DB_TEXT(u->id),
                          DB_TEXT(u->email),
                          DB_TEXT(u->password_hash),
                          DB_BLOB(u->data_key, u->data_key_len),
                          DB_TEXT(u->data_key_id),
                          DB_INT(u->created_at)};
    struct db_val ps[] = {DB_BLOB(session_hash, STORE_TOKEN_HASH_BYTES), DB_TEXT(u->id),
                          DB_INT(created_at), DB_INT(expires_at)};
    struct db_conn *c;
    int64_t inserted = 0;
    int rc = pool_acquire(st, &c);
    if (rc != STORE_OK)
        return rc;
    rc = st->drv->begin(c);
    if (rc == STORE_OK)
        rc = st->drv->exec(c, SQL_USER_INSERT, pu, NPARAMS(pu), NULL, NULL, &inserted);
    if (rc == STORE_OK && inserted == 0)
        rc = STORE_NOT_FOUND; /* fenced: the key is retired */
    if (rc == STORE_OK)
        rc = st->drv->exec(c, SQL_SESSION_INSERT, ps, NPARAMS(ps), NULL, NULL, NULL);
    if (rc == STORE_OK)
        rc = st->drv->commit(c);
    else
        st->drv->rollback(c);
    pool_release(st, c);
    return rc;
}

struct key_ids_visit {
    store_key_id_fn fn;
    void *ctx;
};

static int row_key_id(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct key_ids_visit *v = ctx;
    char id[STORE_KEY_ID_MAX + 1];
    if (ncols < 1 || col_text(&cols[0], id, sizeof(id)) != 0)
        return 1;
    return v->fn(v->ctx, id);
}

int store_user_key_ids(struct store *st, store_key_id_fn fn, void *ctx)
{
    struct key_ids_visit v = {fn, ctx};
    return store_exec(st, SQL_USER_KEY_IDS, NULL, 0, row_key_id, &v, NULL);
}

int store_master_key_retire(struct store *st, const char *key_id, int64_t now)
{
    struct db_val p[] = {DB_TEXT(key_id), DB_INT(now)};
    return store_exec(st, SQL_MASTER_KEY_RETIRE, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_user_by_email(struct store *st, const char *email, struct store_user *out)
{
    struct db_val p[] = {DB_TEXT(email)};
    struct user_row r = {out, 0};
    int rc = store_exec(st, SQL_USER_BY_EMAIL, p, NPARAMS(p), row_user, &r, NULL);
    return found_rc(rc, r.found);
}

int store_user_by_id(struct store *st, const char *id, struct store_user *out)
{
    struct db_val p[] = {DB_TEXT(id)};
    struct user_row r = {out, 0};
    int rc = store_exec(st, SQL_USER_BY_ID, p, NPARAMS(p), row_user, &r, NULL);
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
    if (rc == STORE_OK)
        rc = store_exec(st, SQL_IMPORT_KEY_PURGE, p, NPARAMS(p), NULL, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_exec(st, SQL_OAUTH_STATE_PURGE, p, NPARAMS(p), NULL, NULL, NULL);
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
    if (ncols < 6 || col_text(&cols[0], in.provider, sizeof(in.provider)) ||
        col_text(&cols[1], in.email, sizeof(in.email)) ||
        col_text(&cols[2], in.status, sizeof(in.status)) || cols[3].type != DBV_INT ||
        col_text_opt(&cols[5], in.scopes, sizeof(in.scopes))) {
        v->bad = 1;
        return 1;
    }
    in.connected_at = cols[3].i;
    in.expires_at = cols[4].type == DBV_INT ? cols[4].i : 0;
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

/* ---- vault ---- */

static struct db_val opt_blob(const unsigned char *p, size_t n)
{
    return p ? DB_BLOB(p, n) : (struct db_val){.type = DBV_NULL};
}

static int vault_insert_rows(struct store *st, struct db_conn *c, const char *user_id,
                             int64_t now, const struct store_vault_new *rows, size_t n,
                             unsigned char *inserted)
{
    /* Listings sort by (created_at, position): created_at has whole seconds,
     * so imports within one second are told apart by the millisecond they
     * ran in, and rows keep their file order within an import. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (ts.tv_sec == now) ? ts.tv_nsec / 1000000 : (ts.tv_sec > now ? 999 : 0);
    int64_t position_base = ms * (int64_t)(LIMIT_IMPORT_ENTRIES + 1);
    for (size_t i = 0; i < n; i++) {
        const struct store_vault_new *r = &rows[i];
        struct db_val p[] = {DB_TEXT(r->id),       DB_TEXT(user_id),
                             DB_TEXT(r->name),     DB_TEXT(r->url),
                             DB_TEXT(r->urls),     DB_TEXT(r->website),
                             DB_TEXT(r->username), DB_TEXT(r->tags),
                             DB_INT(r->favorite),  DB_INT(r->has_totp),
                             DB_BLOB(r->password, r->password_len),
                             opt_blob(r->notes, r->notes_len),
                             opt_blob(r->totp, r->totp_len),
                             DB_BLOB(r->dedupe_key, sizeof(r->dedupe_key)),
                             DB_INT(position_base + (int64_t)i), DB_INT(now)};
        int64_t changed = 0;
        int rc = st->drv->exec(c, SQL_VAULT_INSERT, p, NPARAMS(p), NULL, NULL, &changed);
        if (rc != STORE_OK)
            return rc;
        inserted[i] = changed > 0;
    }
    return STORE_OK;
}

int store_vault_import(struct store *st, const char *user_id, int64_t now,
                       const struct store_vault_new *rows, size_t n, unsigned char *inserted,
                       const char *idem_key, const unsigned char *request_hash,
                       store_reply_fn reply_fn, void *ctx)
{
    struct db_conn *c;
    int rc = pool_acquire(st, &c);
    if (rc != STORE_OK)
        return rc;
    const struct db_driver *d = st->drv;
    rc = d->begin(c);
    if (rc != STORE_OK) {
        pool_release(st, c);
        return rc;
    }
    rc = vault_insert_rows(st, c, user_id, now, rows, n, inserted);
    if (rc == STORE_OK && idem_key) {
        char *reply = reply_fn(ctx, inserted);
        int64_t changed = 0;
        if (reply == NULL) {
            rc = STORE_ERROR;
        } else {
            struct db_val p[] = {DB_TEXT(user_id),
                                 DB_TEXT(idem_key),
                                 DB_BLOB(request_hash, STORE_IDEM_HASH_BYTES),
                                 DB_TEXT(reply),
                                 DB_INT(now),
                                 DB_INT(now + LIMIT_IMPORT_IDEMPOTENCY_S)};
            rc = d->exec(c, SQL_IMPORT_KEY_PUT, p, NPARAMS(p), NULL, NULL, &changed);
            free(reply);
        }
        if (rc == STORE_OK && changed == 0)
            rc = STORE_CONFLICT;
    }
    if (rc == STORE_OK)
        rc = d->commit(c);
    else
        d->rollback(c);
    pool_release(st, c);
    return rc;
}

struct vault_visit {
    store_vault_fn fn;
    void *ctx;
    int bad;
};

static const char *col_str(const struct db_val *v)
{
    return v->type == DBV_TEXT ? v->p : NULL;
}

static int row_vault_item(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct vault_visit *v = ctx;
    /* Text columns from SQLite are NUL-terminated; the values came from us. */
    if (ncols < 11 || cols[7].type != DBV_INT || cols[8].type != DBV_INT ||
        cols[9].type != DBV_INT || cols[10].type != DBV_INT) {
        v->bad = 1;
        return 1;
    }
    struct store_vault_item it = {
        .id = col_str(&cols[0]),       .name = col_str(&cols[1]),
        .website = col_str(&cols[2]),  .url = col_str(&cols[3]),
        .urls = col_str(&cols[4]),     .username = col_str(&cols[5]),
        .tags = col_str(&cols[6]),     .favorite = (int)cols[7].i,
        .has_totp = (int)cols[8].i,          .created_at = cols[9].i,
        .updated_at = cols[10].i};
    if (!it.id || !it.name || !it.website || !it.url || !it.urls || !it.username || !it.tags) {
        v->bad = 1;
        return 1;
    }
    return v->fn(v->ctx, &it);
}

int store_vault_list(struct store *st, const char *user_id, unsigned limit, int64_t offset,
                     store_vault_fn fn, void *ctx)
{
    struct db_val p[] = {DB_TEXT(user_id), DB_INT(limit), DB_INT(offset)};
    struct vault_visit v = {fn, ctx, 0};
    int rc = store_exec(st, SQL_VAULT_LIST, p, NPARAMS(p), row_vault_item, &v, NULL);
    return (rc == STORE_OK && v.bad) ? STORE_ERROR : rc;
}

int store_vault_count(struct store *st, const char *user_id, int64_t *count)
{
    struct db_val p[] = {DB_TEXT(user_id)};
    *count = 0;
    return store_exec(st, SQL_VAULT_COUNT, p, NPARAMS(p), row_int64, count, NULL);
}

static int dup_blob(const struct db_val *v, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (v->type == DBV_NULL)
        return 0;
    if (v->type != DBV_BLOB || (*out = malloc(v->n ? v->n : 1)) == NULL)
        return -1;
    memcpy(*out, v->p, v->n);
    *len = v->n;
    return 0;
}

struct secrets_row {
    struct store_vault_secrets *s;
    int found;
};

static int row_secrets(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct secrets_row *r = ctx;
    struct store_vault_secrets *s = r->s;
    r->found = (ncols >= 3 && cols[0].type == DBV_BLOB &&
                dup_blob(&cols[0], &s->password, &s->password_len) == 0 &&
                dup_blob(&cols[1], &s->notes, &s->notes_len) == 0 &&
                dup_blob(&cols[2], &s->totp, &s->totp_len) == 0)
                   ? 1
                   : -1;
    return 1;
}

int store_vault_secrets(struct store *st, const char *id, const char *user_id,
                        struct store_vault_secrets *out)
{
    memset(out, 0, sizeof(*out));
    struct db_val p[] = {DB_TEXT(id), DB_TEXT(user_id)};
    struct secrets_row r = {out, 0};
    int rc = store_exec(st, SQL_VAULT_SECRETS, p, NPARAMS(p), row_secrets, &r, NULL);
    rc = found_rc(rc, r.found);
    if (rc != STORE_OK)
        store_vault_secrets_free(out);
    return rc;
}

void store_vault_secrets_free(struct store_vault_secrets *s)
{
    free(s->password);
    free(s->notes);
    free(s->totp);
    memset(s, 0, sizeof(*s));
}

int store_vault_delete(struct store *st, const char *id, const char *user_id)
{
    struct db_val p[] = {DB_TEXT(id), DB_TEXT(user_id)};
    int64_t changed = 0;
    int rc = store_exec(st, SQL_VAULT_DELETE, p, NPARAMS(p), NULL, NULL, &changed);
    return (rc == STORE_OK && changed == 0) ? STORE_NOT_FOUND : rc;
}

struct key_row {
    unsigned char *hash;
    char **reply;
    int found;
};

static int row_import_key(void *ctx, const struct db_val *cols, size_t ncols)
{
    struct key_row *r = ctx;
    if (ncols < 2 || cols[0].type != DBV_BLOB || cols[0].n != STORE_IDEM_HASH_BYTES ||
        cols[1].type != DBV_TEXT || (*r->reply = malloc(cols[1].n + 1)) == NULL) {
        r->found = -1;
        return 1;
    }
    memcpy(r->hash, cols[0].p, STORE_IDEM_HASH_BYTES);
    memcpy(*r->reply, cols[1].p, cols[1].n);
    (*r->reply)[cols[1].n] = '\0';
    r->found = 1;
    return 1;
}

int store_import_key_get(struct store *st, const char *user_id, const char *key, int64_t now,
                         unsigned char hash[STORE_IDEM_HASH_BYTES], char **reply)
{
    struct db_val p[] = {DB_TEXT(user_id), DB_TEXT(key), DB_INT(now)};
    struct key_row r = {hash, reply, 0};
    *reply = NULL;
    int rc = store_exec(st, SQL_IMPORT_KEY_GET, p, NPARAMS(p), row_import_key, &r, NULL);
    return found_rc(rc, r.found);
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
