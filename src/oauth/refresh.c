/*
 * refresh.c — token refresh (RFC 6749 section 6) and disconnect with
 * revocation (RFC 7009; Google's endpoint; GitHub's grant deletion).
 *
 * Single flight: a refresh first claims a lease on the integration row with
 * one conditional UPDATE (free, or expired at now). Only the holder talks
 * to the provider; it stores the new tokens and frees the lease in one
 * UPDATE guarded by its lease id. Everyone else polls the row until the
 * lease is gone and then uses what the holder stored: a rotated refresh
 * token is never used twice, across threads and processes alike.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ids.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "oauth/flow_internal.h"
#include "oauth/httpc.h"
#include "vault/seal.h"

static int store_fail(int rc, struct err *e)
{
    if (rc == STORE_NOT_FOUND)
        return err_set(e, ERR_NOT_FOUND, "this provider is not connected");
    return err_set_code(e, ERR_UNAVAILABLE, "DATABASE_UNAVAILABLE", "the database does not answer");
}

static int reauth(struct err *e)
{
    return err_set_code(e, ERR_UNPROCESSABLE, "REAUTHORIZATION_REQUIRED",
                        "the provider no longer accepts this grant; connect the provider again");
}

/* Opens one sealed token of row into *out (vault_secret_free). */
static int open_token(const struct store_oauth *row, const unsigned char dk[VAULT_KEY_BYTES],
                      const char *column, const unsigned char *ct, size_t ct_len, char **out,
                      size_t *len)
{
    struct vault_ad ad = {"integrations", column, row->id, row->user_id};
    return vault_open(dk, &ad, ct, ct_len, out, len);
}

static int row_key(const struct oauth_ctx *o, const struct store_oauth *row,
                   unsigned char dk[VAULT_KEY_BYTES])
{
    return vault_user_key_unwrap(o->keys, row->user_id, row->data_key, row->data_key_len,
                                 row->data_key_id, dk);
}

/* Whether a refused refresh means the grant is dead (RFC 6749 5.2; GitHub
 * says bad_refresh_token). */
static bool grant_dead(const char *error)
{
    return error && (strcmp(error, "invalid_grant") == 0 ||
                     strcmp(error, "bad_refresh_token") == 0);
}

/* The provider leg, while holding the lease. */
static int refresh_call(const struct oauth_ctx *o, const struct oauth_provider *p,
                        const struct store_oauth *row, const char *lease, int64_t *expires_at,
                        struct err *e)
{
    unsigned char dk[VAULT_KEY_BYTES], *acc = NULL, *ref = NULL;
    size_t acc_len = 0, ref_len = 0, rt_len = 0;
    char *rt = NULL;
    struct oauth_token_reply r = {0};
    struct buf form;
    long status = 0;
    int rc = -1;
    int64_t now = time_now();
    buf_init(&form, LIMIT_OAUTH_TOKEN_MAX * 4);
    if (row_key(o, row, dk) != 0 ||
        open_token(row, dk, "refresh_token", row->refresh, row->refresh_len, &rt, &rt_len) != 0) {
        log_error("oauth: %s refresh token of user %s does not open", p->def->name, row->user_id);
        err_set(e, ERR_INTERNAL, "internal error");
        goto out;
    }
    if (oauth_form_add(&form, "grant_type", "refresh_token") ||
        oauth_form_add(&form, "refresh_token", rt)) {
        err_set(e, ERR_INTERNAL, "internal error");
        goto out;
    }
    if (oauth_token_post(o, p, &form, &r, &status, e) != 0)
        goto out;
    if (grant_dead(r.error)) {
        log_warn("oauth: %s grant of user %s is dead; marked expired", p->def->name, row->user_id);
        store_oauth_lease_end(o->store, row->user_id, p->def->name, lease, "expired", now);
        rc = reauth(e);
        lease = NULL;
        goto out;
    }
    if (r.error || status < 200 || status > 299) {
        char safe[64];
        log_sanitize(safe, sizeof(safe), r.error ? r.error : "-", r.error ? strlen(r.error) : 1);
        log_warn("oauth: %s refresh refused: HTTP %ld error %s", p->def->name, status, safe);
        err_set_code(e, ERR_BAD_GATEWAY, "PROVIDER_ERROR", "the provider refused the refresh");
        goto out;
    }
    if (oauth_seal_token(dk, row->id, row->user_id, "access_token", r.access_token, &acc,
                         &acc_len) != 0 ||
        (r.refresh_token && oauth_seal_token(dk, row->id, row->user_id, "refresh_token",
                                             r.refresh_token, &ref, &ref_len) != 0)) {
        err_set(e, ERR_INTERNAL, "internal error");
        goto out;
    }
    *expires_at = r.expires_in >= 0 ? now + r.expires_in : 0;
    int src = store_oauth_tokens_update(o->store, row->user_id, p->def->name, lease, acc, acc_len,
                                        ref, ref_len, *expires_at, r.scope, now);
    if (src != STORE_OK) {
        /* Lost the lease (it expired) or the row went away: the provider
         * may have rotated; nothing more we can do safely. */
        log_error("oauth: %s refresh for user %s could not be stored", p->def->name,
                  row->user_id);
        err_set_code(e, ERR_BAD_GATEWAY, "PROVIDER_ERROR", "the refreshed token was not stored");
        goto out;
    }
    lease = NULL;
    rc = 0;
out:
    if (lease) /* failure with the lease still ours: status unchanged */
        store_oauth_lease_end(o->store, row->user_id, p->def->name, lease, NULL, now);
    vault_secret_free(&rt, rt_len);
    sodium_memzero(dk, sizeof(dk));
    buf_free(&form, true);
    oauth_token_reply_free(&r);
    free(acc);
    free(ref);
    return rc;
}

/* Checks the row before refreshing: connected, refreshable, not dead. */
static int refreshable(const struct store_oauth *row, struct err *e)
{
    if (strcmp(row->status, "expired") == 0)
        return reauth(e);
    if (row->refresh_len == 0)
        return err_set_code(e, ERR_UNPROCESSABLE, "REFRESH_NOT_SUPPORTED",
                            "this provider issued no refresh token; its token does not expire "
                            "or must be renewed by connecting again");
    return 0;
}

int oauth_refresh(const struct oauth_ctx *o, const char *user_id, const char *provider,
                  bool only_if_due, int64_t *expires_at, struct err *e)
{
    const struct oauth_provider *p;
    struct store_oauth row;
    char lease[ID_UUID_CHARS + 1];
    int64_t start = time_now();
    int64_t deadline_ms = time_mono_ms() + (int64_t)(o->cfg->timeout_s + 5) * 2000;
    if (oauth_provider_get(o, provider, &p, e) != 0)
        return -1;
    bool waited = false; /* saw another refresh holding the lease */
    id_uuid4(lease);
    for (;;) {
        int rc = store_oauth_get(o->store, user_id, provider, &row);
        if (rc != STORE_OK)
            return store_fail(rc, e);
        int64_t now = time_now();
        bool leased = row.lease_until > now;
        waited |= leased;
        if (!leased && waited && row.refreshed_at >= start && strcmp(row.status, "active") == 0) {
            *expires_at = row.expires_at; /* someone refreshed while we waited */
            return 0;
        }
        if (!leased && only_if_due && row.expires_at > now + o->cfg->refresh_margin_s) {
            *expires_at = row.expires_at;
            return 0;
        }
        if (refreshable(&row, e) != 0)
            return -1;
        if (!leased) {
            rc = store_oauth_lease_claim(o->store, user_id, provider, lease, now,
                                         now + LIMIT_OAUTH_LEASE_S);
            if (rc == STORE_OK)
                return refresh_call(o, p, &row, lease, expires_at, e);
            if (rc != STORE_CONFLICT)
                return store_fail(rc, e);
            waited = true;
        }
        if (time_mono_ms() > deadline_ms)
            return err_set_code(e, ERR_BAD_GATEWAY, "PROVIDER_ERROR",
                                "another refresh of this integration is still running");
        usleep(LIMIT_OAUTH_LEASE_POLL_MS * 1000);
    }
}

/* ---- disconnect ---- */

static void revoke_at_provider(const struct oauth_provider *p, const char *token,
                               const char *hint)
{
    struct oauth_http_resp resp;
    struct err e;
    struct buf body;
    char url[LIMIT_OAUTH_URL_MAX + OAUTH_CLIENT_MAX];
    buf_init(&body, LIMIT_OAUTH_TOKEN_MAX * 2);
    struct oauth_http_req rq = {.url = p->revoke_url, .timeout_s = LIMIT_OAUTH_REVOKE_TIMEOUT_S,
                                .accept = "application/json"};
    int bad = 0;
    if (p->revoke == OAUTH_REVOKE_GITHUB) {
        /* DELETE /applications/{client_id}/grant, Basic auth, JSON body. */
        const char *mark = strstr(p->revoke_url, "{client_id}");
        if (mark)
            snprintf(url, sizeof(url), "%.*s%s%s", (int)(mark - p->revoke_url), p->revoke_url,
                     p->client_id, mark + strlen("{client_id}"));
        else
            snprintf(url, sizeof(url), "%s", p->revoke_url);
        json_t *j = json_pack("{s:s}", "access_token", token);
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        bad = text == NULL || buf_append(&body, text, strlen(text)) != 0;
        if (text)
            sodium_memzero(text, strlen(text));
        free(text);
        json_decref(j);
        rq.method = "DELETE";
        rq.url = url;
        rq.content_type = "application/json";
        rq.basic_user = p->client_id;
        rq.basic_pass = p->client_secret;
    } else {
        bad = oauth_form_add(&body, "token", token) ||
              oauth_form_add(&body, "token_type_hint", hint) ||
              oauth_form_add(&body, "client_id", p->client_id) ||
              oauth_form_add(&body, "client_secret", p->client_secret);
        rq.method = "POST";
        rq.content_type = "application/x-www-form-urlencoded";
    }
    rq.body = body.data;
    rq.body_len = body.len;
    if (!bad && oauth_http(&rq, &resp, &e) == 0)
        log_info("oauth: %s revocation answered HTTP %ld", p->def->name, resp.status);
    else if (!bad)
        log_warn("oauth: %s revocation failed: %s; deleting locally", p->def->name, e.msg);
    if (!bad)
        oauth_http_resp_free(&resp);
    buf_free(&body, true);
}

int oauth_disconnect(const struct oauth_ctx *o, const char *user_id, const char *provider,
                     struct err *e)
{
    const struct oauth_provider *p = oauth_provider_find(o->cfg, provider);
    struct store_oauth row;
    if (p == NULL)
        return err_set(e, ERR_NOT_FOUND,
                       "unknown provider; supported providers: " OAUTH_PROVIDERS_TEXT);
    int rc = store_oauth_get(o->store, user_id, provider, &row);
    if (rc == STORE_NOT_FOUND)
        return 0;
    if (rc != STORE_OK)
        return store_fail(rc, e);
    unsigned char dk[VAULT_KEY_BYTES];
    if (p->configured && p->revoke != OAUTH_REVOKE_NONE && row_key(o, &row, dk) == 0) {
        char *tok = NULL;
        size_t len = 0;
        /* Revoking the refresh token ends the whole grant where there is
         * one (RFC 7009 2.1); GitHub deletes the grant of the access token. */
        bool use_refresh = row.refresh_len > 0 && p->revoke == OAUTH_REVOKE_RFC7009;
        if (use_refresh ? open_token(&row, dk, "refresh_token", row.refresh, row.refresh_len,
                                     &tok, &len) == 0
                        : open_token(&row, dk, "access_token", row.access, row.access_len, &tok,
                                     &len) == 0)
            revoke_at_provider(p, tok, use_refresh ? "refresh_token" : "access_token");
        vault_secret_free(&tok, len);
        sodium_memzero(dk, sizeof(dk));
    }
    rc = store_oauth_delete(o->store, user_id, provider);
    sodium_memzero(&row, sizeof(row));
    return rc == STORE_OK ? 0 : store_fail(rc, e);
}
