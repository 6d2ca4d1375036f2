/*
 * store_oauth.c — the OAuth part of the domain storage API (store.h):
 * pending states, sealed tokens and the refresh lease. Split from store.c
 * to keep files small; it shares store.c's pool through store_internal.h.
 */
#include <string.h>

#include "store/db.h"
#include "store/store.h"
#include "store/store_internal.h"

static int blob_opt(const struct db_val *v, unsigned char *out, size_t outsz, size_t *len)
{
    *len = 0;
    if (v->type == DBV_NULL)
        return 0;
    if (v->type != DBV_BLOB || v->n > outsz)
        return -1;
    memcpy(out, v->p, v->n);
    *len = v->n;
    return 0;
}

static int text_col(const struct db_val *v, char *out, size_t outsz, int nullable)
{
    if (nullable && v->type == DBV_NULL) {
        out[0] = '\0';
        return 0;
    }
    if (v->type != DBV_TEXT || v->n >= outsz)
        return -1;
    memcpy(out, v->p, v->n);
    out[v->n] = '\0';
    return 0;
}

static int64_t int_opt(const struct db_val *v) { return v->type == DBV_INT ? v->i : 0; }

int store_oauth_state_insert(struct store *st, const struct store_oauth_state *s)
{
    struct db_val p[] = {DB_BLOB(s->state_hash, STORE_TOKEN_HASH_BYTES),
                         DB_TEXT(s->user_id),
                         DB_TEXT(s->provider),
                         DB_BLOB(s->verifier, s->verifier_len),
                         DB_TEXT(s->nonce),
                         s->has_browser ? DB_BLOB(s->browser_hash, STORE_TOKEN_HASH_BYTES)
                                        : (struct db_val){.type = DBV_NULL},
                         DB_INT(s->expires_at)};
    return store_internal_exec(st, SQL_OAUTH_STATE_INSERT, p, STORE_NPARAMS(p), NULL, NULL,
                               NULL);
}

struct state_row {
    struct store_oauth_state *s;
    int found;
};

/* Columns: user_id, provider, verifier, nonce, browser_hash, expires_at. */
static int row_state(void *ctx, const struct db_val *c, size_t n)
{
    struct state_row *r = ctx;
    struct store_oauth_state *s = r->s;
    size_t bl = 0;
    if (n < 6 || text_col(&c[0], s->user_id, sizeof(s->user_id), 0) ||
        text_col(&c[1], s->provider, sizeof(s->provider), 0) ||
        blob_opt(&c[2], s->verifier, sizeof(s->verifier), &s->verifier_len) ||
        text_col(&c[3], s->nonce, sizeof(s->nonce), 0) ||
        blob_opt(&c[4], s->browser_hash, sizeof(s->browser_hash), &bl) ||
        (bl != 0 && bl != STORE_TOKEN_HASH_BYTES) || c[5].type != DBV_INT) {
        r->found = -1;
        return 0;
    }
    s->has_browser = bl != 0;
    s->expires_at = c[5].i;
    r->found = 1;
    return 0; /* let the DELETE finish */
}

int store_oauth_state_take(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
                           struct store_oauth_state *out)
{
    struct db_val p[] = {DB_BLOB(hash, STORE_TOKEN_HASH_BYTES)};
    struct state_row r = {out, 0};
    memcpy(out->state_hash, hash, STORE_TOKEN_HASH_BYTES);
    int rc = store_internal_exec(st, SQL_OAUTH_STATE_TAKE, p, STORE_NPARAMS(p), row_state, &r,
                                 NULL);
    if (rc != STORE_OK)
        return rc;
    return r.found == 1 ? STORE_OK : r.found == 0 ? STORE_NOT_FOUND : STORE_ERROR;
}

static struct db_val blob_or_null(const unsigned char *b, size_t n)
{
    return b ? DB_BLOB(b, n) : (struct db_val){.type = DBV_NULL};
}

static struct db_val text_or_null(const char *t)
{
    return t ? DB_TEXT(t) : (struct db_val){.type = DBV_NULL};
}

int store_oauth_upsert(struct store *st, const char *id, const char *user_id,
                       const char *provider, const char *email, int64_t now,
                       const unsigned char *access, size_t access_len,
                       const unsigned char *refresh, size_t refresh_len, int64_t expires_at,
                       const char *scopes)
{
    struct db_val p[] = {DB_TEXT(id),
                         DB_TEXT(user_id),
                         DB_TEXT(provider),
                         DB_TEXT(email),
                         DB_INT(now),
                         DB_BLOB(access, access_len),
                         blob_or_null(refresh, refresh_len),
                         expires_at ? DB_INT(expires_at) : (struct db_val){.type = DBV_NULL},
                         text_or_null(scopes)};
    return store_internal_exec(st, SQL_OAUTH_UPSERT, p, STORE_NPARAMS(p), NULL, NULL, NULL);
}

struct oauth_row {
    struct store_oauth *o;
    int found;
};

/* Columns: see SQL_OAUTH_GET. */
static int row_oauth(void *ctx, const struct db_val *c, size_t n)
{
    struct oauth_row *r = ctx;
    struct store_oauth *o = r->o;
    if (n < 14 || text_col(&c[0], o->id, sizeof(o->id), 0) ||
        text_col(&c[1], o->provider, sizeof(o->provider), 0) ||
        text_col(&c[2], o->email, sizeof(o->email), 0) ||
        text_col(&c[3], o->status, sizeof(o->status), 0) ||
        blob_opt(&c[4], o->access, sizeof(o->access), &o->access_len) ||
        blob_opt(&c[5], o->refresh, sizeof(o->refresh), &o->refresh_len) ||
        text_col(&c[7], o->scopes, sizeof(o->scopes), 1) || c[8].type != DBV_INT ||
        blob_opt(&c[11], o->data_key, sizeof(o->data_key), &o->data_key_len) ||
        text_col(&c[12], o->data_key_id, sizeof(o->data_key_id), 0) ||
        text_col(&c[13], o->user_id, sizeof(o->user_id), 0)) {
        r->found = -1;
        return 1;
    }
    o->expires_at = int_opt(&c[6]);
    o->connected_at = c[8].i;
    o->refreshed_at = int_opt(&c[9]);
    o->lease_until = int_opt(&c[10]);
    r->found = 1;
    return 1;
}

int store_oauth_get(struct store *st, const char *user_id, const char *provider,
                    struct store_oauth *out)
{
    struct db_val p[] = {DB_TEXT(user_id), DB_TEXT(provider)};
    struct oauth_row r = {out, 0};
    int rc = store_internal_exec(st, SQL_OAUTH_GET, p, STORE_NPARAMS(p), row_oauth, &r, NULL);
    if (rc != STORE_OK)
        return rc;
    return r.found == 1 ? STORE_OK : r.found == 0 ? STORE_NOT_FOUND : STORE_ERROR;
}

int store_oauth_lease_claim(struct store *st, const char *user_id, const char *provider,
                            const char *lease_id, int64_t now, int64_t until)
{
    struct db_val p[] = {DB_TEXT(user_id), DB_TEXT(provider), DB_TEXT(lease_id), DB_INT(now),
                         DB_INT(until)};
    int64_t changed = 0;
    int rc = store_internal_exec(st, SQL_OAUTH_LEASE_CLAIM, p, STORE_NPARAMS(p), NULL, NULL,
                                 &changed);
    return (rc == STORE_OK && changed == 0) ? STORE_CONFLICT : rc;
}

int store_oauth_tokens_update(struct store *st, const char *user_id, const char *provider,
                              const char *lease_id, const unsigned char *access,
                              size_t access_len, const unsigned char *refresh,
                              size_t refresh_len, int64_t expires_at, const char *scopes,
                              int64_t now)
{
    struct db_val p[] = {DB_TEXT(user_id),
                         DB_TEXT(provider),
                         DB_TEXT(lease_id),
                         DB_BLOB(access, access_len),
                         blob_or_null(refresh, refresh_len),
                         expires_at ? DB_INT(expires_at) : (struct db_val){.type = DBV_NULL},
                         text_or_null(scopes),
                         DB_INT(now)};
    int64_t changed = 0;
    int rc = store_internal_exec(st, SQL_OAUTH_TOKENS_UPDATE, p, STORE_NPARAMS(p), NULL, NULL,
                                 &changed);
    return (rc == STORE_OK && changed == 0) ? STORE_CONFLICT : rc;
}

int store_oauth_lease_end(struct store *st, const char *user_id, const char *provider,
                          const char *lease_id, const char *status, int64_t now)
{
    struct db_val p[] = {DB_TEXT(user_id), DB_TEXT(provider), DB_TEXT(lease_id),
                         text_or_null(status), DB_INT(now)};
    return store_internal_exec(st, SQL_OAUTH_LEASE_END, p, STORE_NPARAMS(p), NULL, NULL, NULL);
}

int store_oauth_delete(struct store *st, const char *user_id, const char *provider)
{
    struct db_val p[] = {DB_TEXT(user_id), DB_TEXT(provider)};
    return store_internal_exec(st, SQL_OAUTH_DELETE, p, STORE_NPARAMS(p), NULL, NULL, NULL);
}

struct due_visit {
    store_oauth_due_fn fn;
    void *ctx;
    int bad;
};

static int row_due(void *ctx, const struct db_val *c, size_t n)
{
    struct due_visit *v = ctx;
    char user_id[STORE_ID_LEN + 1], provider[STORE_PROVIDER_MAX + 1];
    if (n < 2 || text_col(&c[0], user_id, sizeof(user_id), 0) ||
        text_col(&c[1], provider, sizeof(provider), 0)) {
        v->bad = 1;
        return 1;
    }
    return v->fn(v->ctx, user_id, provider);
}

int store_oauth_due(struct store *st, int64_t before, int64_t now, unsigned limit,
                    store_oauth_due_fn fn, void *ctx)
{
    struct db_val p[] = {DB_INT(before), DB_INT(now), DB_INT(limit)};
    struct due_visit v = {fn, ctx, 0};
    int rc = store_internal_exec(st, SQL_OAUTH_DUE, p, STORE_NPARAMS(p), row_due, &v, NULL);
    return (rc == STORE_OK && v.bad) ? STORE_ERROR : rc;
}
