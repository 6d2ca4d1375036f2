/*
 * accounts.h — registration, login and sessions: the account rules of
 * PRODUCT.md, independent of HTTP. Errors come back as struct err with a
 * message safe for the client.
 */
#ifndef PASSAGENT_ACCOUNTS_H
#define PASSAGENT_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "store/store.h"
#include "vault/keyring.h"

/* A freshly opened session: the token is shown to the client once. */
struct account_session {
    struct store_user user;
    char token[AUTH_TOKEN_CHARS + 1];
    int64_t expires_at;
};

/* Lower-cases and checks an e-mail address into out. */
int accounts_email_normalize(const char *in, size_t len, char out[STORE_EMAIL_MAX + 1],
                             struct err *e) __attribute__((warn_unused_result));

/* Checks the password policy (length in characters and bytes). */
int accounts_password_policy(const char *pw, size_t len, struct err *e)
    __attribute__((warn_unused_result));

/* Creates the account (Argon2id hash, wrapped data key) and a session.
 * ERR_CONFLICT for a taken e-mail. */
int accounts_register(struct store *st, struct vault_keyring *kr, const char *email,
                      const char *pw, size_t pw_len, int64_t now, struct account_session *out,
                      struct err *e) __attribute__((warn_unused_result));

/* Checks the password and opens a session. Unknown e-mail and wrong
 * password give the same ERR_UNAUTHORIZED after the same work. */
int accounts_login(struct store *st, const char *email, const char *pw, size_t pw_len,
                   int64_t now, struct account_session *out, struct err *e)
    __attribute__((warn_unused_result));

/* Finds the live session of a presented token. ERR_UNAUTHORIZED if none. */
int accounts_session(struct store *st, const char *token, size_t len, int64_t now,
                     struct store_session *out, struct err *e) __attribute__((warn_unused_result));

/* Ends the session of a presented token. */
int accounts_logout(struct store *st, const char *token, size_t len, struct err *e)
    __attribute__((warn_unused_result));

/* Maps a store failure to the public error (503 when unavailable). */
int accounts_store_err(int store_rc, struct err *e);

#endif
