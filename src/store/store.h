/*
 * store.h — the domain storage API. Callers speak in users, sessions,
 * rate-limit windows and integrations; which database answers (SQLite now,
 * PostgreSQL later) is chosen by URL in store_open and is invisible here.
 *
 * Thread safety: every function may be called from any thread at once; each
 * call borrows a pooled connection for its duration. Nothing here keeps
 * correctness-relevant state in process memory, so several processes may
 * share one database.
 *
 * Return values: STORE_OK (0) or one of the negative/positive codes below.
 */
#ifndef PASSAGENT_STORE_H
#define PASSAGENT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum store_rc {
    STORE_OK = 0,
    STORE_NOT_FOUND = 1,    /* no such row */
    STORE_CONFLICT = 2,     /* a unique constraint said no */
    STORE_ERROR = -1,       /* unexpected; logged by the store */
    STORE_UNAVAILABLE = -2, /* database busy or unreachable; retry later */
};

#define STORE_ID_LEN 36 /* UUID text form */
#define STORE_EMAIL_MAX 254
#define STORE_HASH_MAX 128
#define STORE_WRAPPED_MAX 128
#define STORE_KEY_ID_MAX 32
#define STORE_TOKEN_HASH_BYTES 32
#define STORE_PROVIDER_MAX 16
#define STORE_STATUS_MAX 16
#define STORE_SCOPES_MAX 1024
#define STORE_NONCE_MAX 64
#define STORE_SEALED_SMALL_MAX 256
#define STORE_SEALED_TOKEN_MAX (8192 + 64) /* LIMIT_OAUTH_TOKEN_MAX + seal overhead */

struct store;

struct store_user {
    char id[STORE_ID_LEN + 1];
    char email[STORE_EMAIL_MAX + 1];
    char password_hash[STORE_HASH_MAX + 1];
    unsigned char data_key[STORE_WRAPPED_MAX]; /* wrapped by the master key */
    size_t data_key_len;
    char data_key_id[STORE_KEY_ID_MAX + 1];
    int64_t created_at;
};

struct store_session {
    struct store_user user;
    int64_t created_at;
    int64_t expires_at;
};

struct store_integration {
    char provider[STORE_PROVIDER_MAX + 1];
    char email[STORE_EMAIL_MAX + 1];
    char status[STORE_STATUS_MAX + 1];
    int64_t connected_at;
    int64_t expires_at; /* 0: none known (no OAuth token, or it never expires) */
    char scopes[STORE_SCOPES_MAX + 1]; /* granted OAuth scopes; "" when unknown */
};

/* A pending OAuth authorization (state). Only hashes of the state and of
 * the browser-binding cookie are stored; the PKCE verifier is sealed. */
struct store_oauth_state {
    unsigned char state_hash[STORE_TOKEN_HASH_BYTES];
    char user_id[STORE_ID_LEN + 1];
    char provider[STORE_PROVIDER_MAX + 1];
    unsigned char verifier[STORE_SEALED_SMALL_MAX]; /* sealed */
    size_t verifier_len;
    char nonce[STORE_NONCE_MAX + 1];
    unsigned char browser_hash[STORE_TOKEN_HASH_BYTES];
    int has_browser;
    int64_t expires_at;
};

/* An OAuth integration with its sealed tokens and its owner's wrapped data
 * key (so background code can open the tokens). */
struct store_oauth {
    char id[STORE_ID_LEN + 1];
    char user_id[STORE_ID_LEN + 1];
    char provider[STORE_PROVIDER_MAX + 1];
    char email[STORE_EMAIL_MAX + 1];
    char status[STORE_STATUS_MAX + 1];
    unsigned char access[STORE_SEALED_TOKEN_MAX];
    size_t access_len;
    unsigned char refresh[STORE_SEALED_TOKEN_MAX];
    size_t refresh_len; /* 0: no refresh token */
    int64_t expires_at; /* 0: does not expire */
    char scopes[STORE_SCOPES_MAX + 1];
    int64_t connected_at;
    int64_t refreshed_at;
    int64_t lease_until; /* 0: no lease */
    unsigned char data_key[STORE_WRAPPED_MAX];
    size_t data_key_len;
    char data_key_id[STORE_KEY_ID_MAX + 1];
};

/* Opens the database named by url ("sqlite:PATH" or "postgres://...") and
 * applies pending
 * migrations inside one transaction. *out is owned by the caller. */
int store_open(const char *url, struct store **out, struct err *e)
    __attribute__((warn_unused_result));
/* Closes every pooled connection; NULLs *st. Callers must have stopped
 * using it (after the HTTP server has stopped). */
void store_close(struct store **st);
/* Name of the backend: "sqlite" or "postgres". */
const char *store_backend(const struct store *st);

/* Answers STORE_OK when the database answers a trivial query. */
int store_ping(struct store *st);

/* Creates a user and its first session in one transaction: both or
 * neither. STORE_CONFLICT for a taken e-mail; STORE_NOT_FOUND when the data
 * key is wrapped under a retired master key (re-wrap and try again). */
int store_user_create(struct store *st, const struct store_user *u,
                      const unsigned char session_hash[STORE_TOKEN_HASH_BYTES],
                      int64_t created_at, int64_t expires_at);
int store_user_by_email(struct store *st, const char *email, struct store_user *out);
int store_user_by_id(struct store *st, const char *id, struct store_user *out);

/* Visits users whose data key was not wrapped by key_id, id > after_id,
 * ordered by id, at most limit of them. The callback returns 0 to go on. */
typedef int (*store_user_fn)(void *ctx, const struct store_user *u);
int store_users_not_under_key(struct store *st, const char *key_id, const char *after_id,
                              unsigned limit, store_user_fn fn, void *ctx);
/* Replaces a user's wrapped key only while it is still (old_key_id); answers
 * STORE_NOT_FOUND when someone else changed it first. */
int store_user_rewrap(struct store *st, const char *user_id, const char *old_key_id,
                      const unsigned char *wrapped, size_t wrapped_len, const char *new_key_id);

/* Visits each distinct master key id that user data keys are wrapped under
 * (a start-up check that the configured master key fits the database). */
typedef int (*store_key_id_fn)(void *ctx, const char *key_id);
int store_user_key_ids(struct store *st, store_key_id_fn fn, void *ctx);

/* Records a master key as retired: from then on no user row can be
 * written under it. */
int store_master_key_retire(struct store *st, const char *key_id, int64_t now);

/* Sessions, looked up by the hash of their token only. */
int store_session_insert(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
                         const char *user_id, int64_t created_at, int64_t expires_at);
/* STORE_NOT_FOUND also for a session that expired before now. */
int store_session_lookup(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
                         int64_t now, struct store_session *out);
int store_session_delete(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES]);

/* Adds n hits to the fixed window [window_start, window_start+len) of
 * bucket, atomically for every process on the database; *hits receives the
 * count including these n. */
int store_ratelimit_hit(struct store *st, const char *bucket, int64_t window_start,
                        int64_t window_len, int64_t n, int64_t *hits);

/* Drops expired sessions and rate-limit windows. */
int store_purge_expired(struct store *st, int64_t now);

/* The user's integrations in provider order. */
typedef int (*store_integration_fn)(void *ctx, const struct store_integration *in);
int store_integrations_list(struct store *st, const char *user_id, store_integration_fn fn,
                            void *ctx);

/* ---- Vault entries and import idempotency keys ---- */

#define STORE_IDEM_HASH_BYTES 32

/* One vault entry to insert: metadata in clear, secrets already sealed
 * (notes/totp may be NULL). dedupe_key is a keyed hash of the credential. */
struct store_vault_new {
    const char *id, *name, *url, *urls, *website, *username, *tags;
    int favorite, has_totp;
    const unsigned char *password, *notes, *totp;
    size_t password_len, notes_len, totp_len;
    unsigned char dedupe_key[32];
};

/* An entry as listed (no secrets); strings borrowed for the callback. */
struct store_vault_item {
    const char *id, *name, *website, *url, *urls, *username, *tags;
    int favorite, has_totp;
    int64_t created_at, updated_at;
};

/* Builds the reply stored with an idempotency key, from which rows were
 * inserted (1) or found duplicate (0). Returns malloc'd text or NULL. */
typedef char *(*store_reply_fn)(void *ctx, const unsigned char *inserted);

/* Inserts rows[0..n) for user_id in ONE transaction (all or none survive a
 * crash); inserted[i] says whether row i was new (0: same dedupe_key
 * already there). With idem_key set, reply_fn's text is stored under it in
 * the same transaction; STORE_CONFLICT when a live key already exists (the
 * import is rolled back). */
int store_vault_import(struct store *st, const char *user_id, int64_t now,
                       const struct store_vault_new *rows, size_t n, unsigned char *inserted,
                       const char *idem_key, const unsigned char *request_hash,
                       store_reply_fn reply_fn, void *ctx);

typedef int (*store_vault_fn)(void *ctx, const struct store_vault_item *it);
int store_vault_list(struct store *st, const char *user_id, unsigned limit, int64_t offset,
                     store_vault_fn fn, void *ctx);
int store_vault_count(struct store *st, const char *user_id, int64_t *count);

/* Copies the sealed secrets of one of the user's entries (malloc'd; NULL
 * and 0 for an absent notes/totp). STORE_NOT_FOUND for another user's id. */
struct store_vault_secrets {
    unsigned char *password, *notes, *totp;
    size_t password_len, notes_len, totp_len;
};
int store_vault_secrets(struct store *st, const char *id, const char *user_id,
                        struct store_vault_secrets *out);
void store_vault_secrets_free(struct store_vault_secrets *s);
/* STORE_NOT_FOUND when the user has no such entry. */
int store_vault_delete(struct store *st, const char *id, const char *user_id);

/* A live (not expired at now) idempotency key: its request hash and the
 * stored reply (*reply malloc'd). STORE_NOT_FOUND when none. */
int store_import_key_get(struct store *st, const char *user_id, const char *key, int64_t now,
                         unsigned char hash[STORE_IDEM_HASH_BYTES], char **reply);

/* ---- OAuth (see oauth/flow.h for the rules these serve) ---- */

int store_oauth_state_insert(struct store *st, const struct store_oauth_state *s);
/* Deletes the state and hands it back in one statement, so a state is used
 * at most once even across processes. STORE_NOT_FOUND when unknown or
 * already used (expiry is the caller's check). */
int store_oauth_state_take(struct store *st, const unsigned char hash[STORE_TOKEN_HASH_BYTES],
                           struct store_oauth_state *out);

/* Inserts or replaces the (user, provider) integration, active, lease free.
 * refresh may be NULL; expires_at 0 for a token that does not expire. */
int store_oauth_upsert(struct store *st, const char *id, const char *user_id,
                       const char *provider, const char *email, int64_t now,
                       const unsigned char *access, size_t access_len,
                       const unsigned char *refresh, size_t refresh_len, int64_t expires_at,
                       const char *scopes);
int store_oauth_get(struct store *st, const char *user_id, const char *provider,
                    struct store_oauth *out);
/* Takes the refresh lease of (user, provider) until `until` when it is free
 * or expired at now: STORE_OK, or STORE_CONFLICT while another holds it
 * (STORE_NOT_FOUND is not distinguished: re-read the row). */
int store_oauth_lease_claim(struct store *st, const char *user_id, const char *provider,
                            const char *lease_id, int64_t now, int64_t until);
/* Stores refreshed tokens and frees the lease, only while lease_id still
 * holds it (STORE_CONFLICT otherwise). refresh NULL keeps the stored one;
 * scopes NULL keeps the stored scopes. */
int store_oauth_tokens_update(struct store *st, const char *user_id, const char *provider,
                              const char *lease_id, const unsigned char *access,
                              size_t access_len, const unsigned char *refresh,
                              size_t refresh_len, int64_t expires_at, const char *scopes,
                              int64_t now);
/* Frees the lease, setting status when not NULL. */
int store_oauth_lease_end(struct store *st, const char *user_id, const char *provider,
                          const char *lease_id, const char *status, int64_t now);
int store_oauth_delete(struct store *st, const char *user_id, const char *provider);
/* Visits active integrations with a refresh token whose access token
 * expires by `before` and whose lease is free at now, soonest first. */
typedef int (*store_oauth_due_fn)(void *ctx, const char *user_id, const char *provider);
int store_oauth_due(struct store *st, int64_t before, int64_t now, unsigned limit,
                    store_oauth_due_fn fn, void *ctx);

/* ---- IMAP mailboxes (one per user) ---- */

#define STORE_SEALED_SETTINGS_MAX 2048
#define STORE_SEALED_PASSWORD_MAX 1152

struct store_imap_account {
    char integration_id[STORE_ID_LEN + 1];
    char user_id[STORE_ID_LEN + 1];
    unsigned char settings[STORE_SEALED_SETTINGS_MAX]; /* sealed */
    size_t settings_len;
    unsigned char password[STORE_SEALED_PASSWORD_MAX]; /* sealed */
    size_t password_len;
    unsigned char data_key[STORE_WRAPPED_MAX]; /* the user's wrapped data key */
    size_t data_key_len;
    char data_key_id[STORE_KEY_ID_MAX + 1];
    char status[STORE_STATUS_MAX + 1];
};

/* Replaces the user's mailbox in one transaction: the old integrations row
 * (and with it the old sealed settings) goes, a new 'active' one comes. */
int store_imap_replace(struct store *st, const struct store_imap_account *a, const char *email,
                       int64_t now);
/* Deletes the user's mailbox; STORE_OK also when there was none. */
int store_imap_delete(struct store *st, const char *user_id);
/* Visits mailboxes with integration_id > after_id in id order, at most
 * limit. The callback returns 0 to go on. */
typedef int (*store_imap_fn)(void *ctx, const struct store_imap_account *a);
int store_imap_visit(struct store *st, const char *after_id, unsigned limit, store_imap_fn fn,
                     void *ctx);
/* Sets the status of a mailbox's integrations row; STORE_NOT_FOUND when it is gone. */
int store_imap_status_set(struct store *st, const char *integration_id,
                                 const char *status, int64_t now);

#endif
