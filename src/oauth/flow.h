/*
 * flow.h — the OAuth flows of passagent, independent of HTTP:
 * authorize (state + PKCE S256 + nonce, RFC 6749 4.1, RFC 7636, RFC 9700
 * 2.1), callback (state check, code exchange, e-mail, sealed storage),
 * refresh (single-flight through a lease in the database, so it holds
 * across threads and processes), disconnect (revocation, then local delete)
 * and the background refresher.
 *
 * Functions that talk to a provider block for up to the configured timeout;
 * the api layer runs them off the HTTP threads.
 */
#ifndef PASSAGENT_OAUTH_FLOW_H
#define PASSAGENT_OAUTH_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "oauth/provider.h"
#include "store/store.h"
#include "vault/keyring.h"

#define OAUTH_STATE_CHARS 43   /* 256 bits, base64url */
#define OAUTH_BROWSER_CHARS 43 /* browser-binding cookie value */
#define OAUTH_PUBLIC_URL_MAX 512

/* Everything the flows need; read-only after start. */
struct oauth_ctx {
    struct store *store;
    struct vault_keyring *keys;
    const struct oauth_settings *cfg;
    char public_url[OAUTH_PUBLIC_URL_MAX]; /* no trailing slash */
};

/* The provider named name, checked: ERR_NOT_FOUND listing the supported
 * ones when unknown, 503 PROVIDER_NOT_CONFIGURED without credentials. */
int oauth_provider_get(const struct oauth_ctx *o, const char *name,
                       const struct oauth_provider **out, struct err *e)
    __attribute__((warn_unused_result));

/* Starts an authorization for user (dk: the user's data key). When
 * bind_browser is true, *browser receives a fresh cookie value the caller
 * sets on the browser (the state only works with it). *auth_url is
 * malloc'd (caller frees). */
int oauth_authorize(const struct oauth_ctx *o, const struct oauth_provider *p,
                    const char *user_id, const unsigned char dk[VAULT_KEY_BYTES],
                    bool bind_browser, int64_t now, char **auth_url,
                    char browser[OAUTH_BROWSER_CHARS + 1], struct err *e)
    __attribute__((warn_unused_result));

/* What the provider sent back to the callback, borrowed. Any may be NULL. */
struct oauth_callback_in {
    const char *provider; /* from the path */
    const char *code, *state, *error;
    const char *browser;  /* binding cookie value */
    const char *session_user_id; /* a signed-in session on this browser */
};

/* Finishes an authorization. Returns NULL on success, else the short error
 * code for the dashboard redirect ("access_denied", "invalid_state",
 * "exchange_failed", "email_unavailable", "server_error", ...). The state
 * is consumed either way; nothing is stored on failure. */
const char *oauth_callback(const struct oauth_ctx *o, const struct oauth_callback_in *in,
                           int64_t now);

/* Refreshes the tokens of (user, provider). Another refresh of the same
 * integration in flight (any process): wait for it and use its result.
 * only_if_due: skip (success) when the token no longer expires within the
 * margin. *expires_at gets the new expiry (0: none). Errors: NOT_FOUND,
 * 422 REFRESH_NOT_SUPPORTED, 422 REAUTHORIZATION_REQUIRED (marks expired),
 * 502 PROVIDER_ERROR (status unchanged). */
int oauth_refresh(const struct oauth_ctx *o, const char *user_id, const char *provider,
                  bool only_if_due, int64_t *expires_at, struct err *e)
    __attribute__((warn_unused_result));

/* Revokes at the provider where possible (bounded in time, best effort)
 * and deletes the integration. Not connected: success. */
int oauth_disconnect(const struct oauth_ctx *o, const char *user_id, const char *provider,
                     struct err *e) __attribute__((warn_unused_result));

/* The background refresher thread. */
struct oauth_refresher;
int oauth_refresher_start(const struct oauth_ctx *o, struct oauth_refresher **out)
    __attribute__((warn_unused_result));
void oauth_refresher_stop(struct oauth_refresher **r);

#endif
