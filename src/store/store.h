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
};

/* Opens the database named by url ("sqlite:PATH") and applies pending
 * migrations inside one transaction. *out is owned by the caller. */
int store_open(const char *url, struct store **out, struct err *e)
    __attribute__((warn_unused_result));
/* Closes every pooled connection; NULLs *st. Callers must have stopped
 * using it (after the HTTP server has stopped). */
void store_close(struct store **st);
/* Name of the backend: "sqlite". */
const char *store_backend(const struct store *st);

/* Answers STORE_OK when the database answers a trivial query. */
int store_ping(struct store *st);

/* Users. user_insert answers STORE_CONFLICT for a taken e-mail. */
int store_user_insert(struct store *st, const struct store_user *u);
int store_user_by_email(struct store *st, const char *email, struct store_user *out);

/* Visits users whose data key was not wrapped by key_id, id > after_id,
 * ordered by id, at most limit of them. The callback returns 0 to go on. */
typedef int (*store_user_fn)(void *ctx, const struct store_user *u);
int store_users_not_under_key(struct store *st, const char *key_id, const char *after_id,
                              unsigned limit, store_user_fn fn, void *ctx);
/* Replaces a user's wrapped key only while it is still (old_key_id); answers
 * STORE_NOT_FOUND when someone else changed it first. */
int store_user_rewrap(struct store *st, const char *user_id, const char *old_key_id,
                      const unsigned char *wrapped, size_t wrapped_len, const char *new_key_id);

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
