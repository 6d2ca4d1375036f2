/*
 * flow.c — authorize and callback (RFC 6749 4.1, RFC 7636 S256, OpenID
 * Connect Core 3.1, RFC 9700 2.1 and 4.7). The state is 256 random bits,
 * stored only as a BLAKE2b hash, single use (taken by one DELETE ...
 * RETURNING), bound to the user, the provider and, for browser sessions, a
 * cookie; the PKCE verifier is sealed with the user's data key.
 */
#include "oauth/flow.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ids.h"
#include "core/log.h"
#include "oauth/flow_internal.h"
#include "oauth/httpc.h"
#include "oauth/token.h"
#include "vault/seal.h"

int oauth_provider_get(const struct oauth_ctx *o, const char *name,
                       const struct oauth_provider **out, struct err *e)
{
    const struct oauth_provider *p = oauth_provider_find(o->cfg, name);
    if (p == NULL)
        return err_set(e, ERR_NOT_FOUND,
                       "unknown provider; supported providers: " OAUTH_PROVIDERS_TEXT);
    if (!p->configured)
        return err_set_code(e, ERR_UNAVAILABLE, "PROVIDER_NOT_CONFIGURED",
                            "provider %s has no client credentials configured", p->def->name);
    *out = p;
    return 0;
}

void oauth_random_text(char *out, size_t chars)
{
    unsigned char raw[48];
    size_t n = chars * 3 / 4; /* 43 chars <- 32 bytes */
    randombytes_buf(raw, n);
    sodium_bin2base64(out, chars + 1, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void oauth_hash_text(const char *text, unsigned char out[STORE_TOKEN_HASH_BYTES])
{
    crypto_generichash(out, STORE_TOKEN_HASH_BYTES, (const unsigned char *)text, strlen(text),
                       NULL, 0);
}

void oauth_redirect_uri(const struct oauth_ctx *o, const char *provider, char *out,
                        size_t outsz)
{
    snprintf(out, outsz, "%s/api/integrations/%s/callback", o->public_url, provider);
}

static void state_row_id(const unsigned char hash[STORE_TOKEN_HASH_BYTES],
                         char hex[STORE_TOKEN_HASH_BYTES * 2 + 1])
{
    sodium_bin2hex(hex, STORE_TOKEN_HASH_BYTES * 2 + 1, hash, STORE_TOKEN_HASH_BYTES);
}

/* The authorize URL with its query (every value escaped). */
static int build_auth_url(const struct oauth_ctx *o, const struct oauth_provider *p,
                          const char *state, const char *challenge, const char *nonce,
                          char **out, struct err *e)
{
    char redirect[OAUTH_PUBLIC_URL_MAX + 64];
    oauth_redirect_uri(o, p->def->name, redirect, sizeof(redirect));
    struct buf q;
    buf_init(&q, LIMIT_OAUTH_URL_MAX * 2);
    int rc = oauth_form_add(&q, "response_type", "code") ||
             oauth_form_add(&q, "client_id", p->client_id) ||
             oauth_form_add(&q, "redirect_uri", redirect) ||
             oauth_form_add(&q, "scope", p->def->scopes) || oauth_form_add(&q, "state", state) ||
             oauth_form_add(&q, "code_challenge", challenge) ||
             oauth_form_add(&q, "code_challenge_method", "S256");
    if (rc == 0 && p->def->kind == OAUTH_OIDC)
        rc = oauth_form_add(&q, "nonce", nonce);
    if (rc == 0 && p->def->extra[0])
        rc = buf_append(&q, "&", 1) || buf_append(&q, p->def->extra, strlen(p->def->extra));
    size_t need = strlen(p->auth_url) + 1 + q.len + 1;
    char *url = rc == 0 ? malloc(need) : NULL;
    if (url == NULL) {
        buf_free(&q, false);
        return err_set(e, ERR_INTERNAL, "internal error");
    }
    snprintf(url, need, "%s%c%s", p->auth_url, strchr(p->auth_url, '?') ? '&' : '?', q.data);
    buf_free(&q, false);
    *out = url;
    return 0;
}

int oauth_authorize(const struct oauth_ctx *o, const struct oauth_provider *p,
                    const char *user_id, const unsigned char dk[VAULT_KEY_BYTES],
                    bool bind_browser, int64_t now, char **auth_url,
                    char browser[OAUTH_BROWSER_CHARS + 1], struct err *e)
{
    char state[OAUTH_STATE_CHARS + 1], verifier[OAUTH_STATE_CHARS + 1];
    char challenge[OAUTH_STATE_CHARS + 1], hex[STORE_TOKEN_HASH_BYTES * 2 + 1];
    unsigned char digest[crypto_hash_sha256_BYTES];
    struct store_oauth_state s = {0};
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    int rc = -1;

    oauth_random_text(state, OAUTH_STATE_CHARS);
    oauth_random_text(verifier, OAUTH_STATE_CHARS);
    oauth_random_text(s.nonce, 22); /* 128 bits */
    crypto_hash_sha256(digest, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(challenge, sizeof(challenge), digest, sizeof(digest),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    oauth_hash_text(state, s.state_hash);
    state_row_id(s.state_hash, hex);
    snprintf(s.user_id, sizeof(s.user_id), "%s", user_id);
    snprintf(s.provider, sizeof(s.provider), "%s", p->def->name);
    s.expires_at = now + LIMIT_OAUTH_STATE_TTL_S;
    if (bind_browser) {
        oauth_random_text(browser, OAUTH_BROWSER_CHARS);
        oauth_hash_text(browser, s.browser_hash);
        s.has_browser = 1;
    }
    struct vault_ad ad = {"oauth_states", "verifier", hex, user_id};
    if (vault_seal(dk, &ad, verifier, strlen(verifier), &sealed, &sealed_len) != 0 ||
        sealed_len > sizeof(s.verifier)) {
        err_set(e, ERR_INTERNAL, "internal error");
        goto out;
    }
    memcpy(s.verifier, sealed, sealed_len);
    s.verifier_len = sealed_len;
    if (store_oauth_state_insert(o->store, &s) != STORE_OK) {
        err_set_code(e, ERR_UNAVAILABLE, "DATABASE_UNAVAILABLE", "the database does not answer");
        goto out;
    }
    rc = build_auth_url(o, p, state, challenge, s.nonce, auth_url, e);
out:
    free(sealed);
    sodium_memzero(state, sizeof(state));
    sodium_memzero(verifier, sizeof(verifier));
    sodium_memzero(&s, sizeof(s));
    return rc;
}

/* Takes the state and checks everything it is bound to. The row is gone
 * afterwards whatever the outcome. */
static const char *state_take(const struct oauth_ctx *o, const struct oauth_callback_in *in,
                              int64_t now, struct store_oauth_state *s)
{
    unsigned char hash[STORE_TOKEN_HASH_BYTES], bh[STORE_TOKEN_HASH_BYTES];
    if (in->state == NULL || strlen(in->state) != OAUTH_STATE_CHARS)
        return "invalid_state";
    oauth_hash_text(in->state, hash);
    int rc = store_oauth_state_take(o->store, hash, s);
    if (rc == STORE_NOT_FOUND)
        return "invalid_state"; /* unknown, or replayed */
    if (rc != STORE_OK)
        return "server_error";
    if (s->expires_at <= now || strcmp(s->provider, in->provider) != 0)
        return "invalid_state";
    if (s->has_browser) {
        if (in->browser == NULL)
            return "invalid_state";
        oauth_hash_text(in->browser, bh);
        if (sodium_memcmp(bh, s->browser_hash, sizeof(bh)) != 0)
            return "invalid_state";
    }
    if (in->session_user_id && strcmp(in->session_user_id, s->user_id) != 0)
        return "invalid_state";
    return NULL;
}

/* The verifier, opened with the state's user's data key (dk filled). */
static const char *verifier_open(const struct oauth_ctx *o, const struct store_oauth_state *s,
                                 unsigned char dk[VAULT_KEY_BYTES], char **verifier,
                                 size_t *vlen)
{
    struct store_user u;
    char hex[STORE_TOKEN_HASH_BYTES * 2 + 1];
    if (store_user_by_id(o->store, s->user_id, &u) != STORE_OK ||
        vault_user_key_unwrap(o->keys, u.id, u.data_key, u.data_key_len, u.data_key_id, dk) != 0)
        return "server_error";
    state_row_id(s->state_hash, hex);
    struct vault_ad ad = {"oauth_states", "verifier", hex, s->user_id};
    if (vault_open(dk, &ad, s->verifier, s->verifier_len, verifier, vlen) != 0)
        return "server_error";
    return NULL;
}

/* Maps the provider's error parameter to our short code (its text is not
 * echoed: it is untrusted). */
static const char *provider_error_code(const char *error)
{
    return strcmp(error, "access_denied") == 0 ? "access_denied" : "provider_error";
}

const char *oauth_callback(const struct oauth_ctx *o, const struct oauth_callback_in *in,
                           int64_t now)
{
    struct store_oauth_state s;
    unsigned char dk[VAULT_KEY_BYTES];
    char *verifier = NULL;
    size_t vlen = 0;
    const struct oauth_provider *p = oauth_provider_find(o->cfg, in->provider);
    const char *fail = state_take(o, in, now, &s);
    if (fail == NULL && in->error)
        fail = provider_error_code(in->error);
    if (fail == NULL && (in->code == NULL || in->code[0] == '\0' || strlen(in->code) > 2048))
        fail = "invalid_request";
    if (fail == NULL && (p == NULL || !p->configured))
        fail = "not_configured";
    if (fail == NULL)
        fail = verifier_open(o, &s, dk, &verifier, &vlen);
    if (fail == NULL)
        fail = oauth_exchange_and_store(o, p, s.user_id, dk, in->code, verifier, s.nonce, now);
    if (fail)
        log_warn("oauth: %s callback failed: %s", p ? p->def->name : "unknown", fail);
    else
        log_info("oauth: %s connected for user %s", p->def->name, s.user_id);
    vault_secret_free(&verifier, vlen);
    sodium_memzero(dk, sizeof(dk));
    sodium_memzero(&s, sizeof(s));
    return fail;
}
