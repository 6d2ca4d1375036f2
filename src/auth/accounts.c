/* accounts.c — account and session rules on top of the store. */
#include "auth/accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "core/ids.h"
#include "core/limits.h"

int accounts_store_err(int store_rc, struct err *e)
{
    if (store_rc == STORE_UNAVAILABLE)
        return err_set_code(e, ERR_UNAVAILABLE, "DATABASE_UNAVAILABLE",
                            "the database is unavailable; try again shortly");
    return err_set(e, ERR_INTERNAL, "internal error");
}

int accounts_email_normalize(const char *in, size_t len, char out[STORE_EMAIL_MAX + 1],
                             struct err *e)
{
    size_t at = len, ats = 0;
    if (len < 3 || len > LIMIT_EMAIL_LEN)
        return err_set(e, ERR_VALIDATION, "field 'email' must be an e-mail address");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        /* Printable ASCII without spaces, quotes or angle brackets: what a
         * person types; exotic quoted local parts are not accepted. */
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == ',' ||
            c == ';' || c == '\\')
            return err_set(e, ERR_VALIDATION, "field 'email' must be an e-mail address");
        if (c == '@') {
            at = i;
            ats++;
        }
        out[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    out[len] = '\0';
    const char *domain = out + at + 1;
    if (ats != 1 || at == 0 || at + 1 >= len || strchr(domain, '.') == NULL ||
        domain[0] == '.' || out[len - 1] == '.')
        return err_set(e, ERR_VALIDATION, "field 'email' must be an e-mail address");
    return 0;
}

int accounts_password_policy(const char *pw, size_t len, struct err *e)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)pw[i] & 0xc0) != 0x80) /* count UTF-8 lead bytes */
            chars++;
    if (chars < LIMIT_PASSWORD_MIN_CHARS)
        return err_set(e, ERR_VALIDATION, "field 'password' must have at least %u characters",
                       LIMIT_PASSWORD_MIN_CHARS);
    if (len > LIMIT_PASSWORD_MAX_BYTES)
        return err_set(e, ERR_VALIDATION, "field 'password' must be at most %u bytes",
                       LIMIT_PASSWORD_MAX_BYTES);
    return 0;
}

static int session_open(struct store *st, const struct store_user *u, int64_t now,
                        struct account_session *out, struct err *e)
{
    unsigned char hash[AUTH_TOKEN_HASH_BYTES];
    out->user = *u;
    auth_token_new(out->token, hash);
    out->expires_at = now + LIMIT_SESSION_TTL_S;
    int rc = store_session_insert(st, hash, u->id, now, out->expires_at);
    if (rc != STORE_OK) {
        sodium_memzero(out->token, sizeof(out->token));
        return accounts_store_err(rc, e);
    }
    return 0;
}

int accounts_register(struct store *st, struct vault_keyring *kr, const char *email,
                      const char *pw, size_t pw_len, int64_t now, struct account_session *out,
                      struct err *e)
{
    struct store_user u;
    memset(&u, 0, sizeof(u));
    if (accounts_password_policy(pw, pw_len, e) != 0)
        return -1;
    id_uuid4(u.id);
    snprintf(u.email, sizeof(u.email), "%s", email);
    u.created_at = now;
    if (auth_password_hash(pw, pw_len, u.password_hash) != 0)
        return err_set(e, ERR_INTERNAL, "internal error");
    unsigned char dk[VAULT_KEY_BYTES];
    char key_id[VAULT_KEY_ID_CHARS + 1];
    int rc = vault_user_key_new(kr, u.id, dk, u.data_key, key_id);
    sodium_memzero(dk, sizeof(dk)); /* used later, unwrapped on demand */
    if (rc != 0)
        return err_set(e, ERR_INTERNAL, "internal error");
    u.data_key_len = VAULT_WRAPPED_BYTES;
    snprintf(u.data_key_id, sizeof(u.data_key_id), "%s", key_id);
    rc = store_user_insert(st, &u);
    if (rc == STORE_CONFLICT)
        return err_set(e, ERR_CONFLICT, "an account with this e-mail already exists");
    if (rc != STORE_OK)
        return accounts_store_err(rc, e);
    return session_open(st, &u, now, out, e);
}

int accounts_login(struct store *st, const char *email, const char *pw, size_t pw_len,
                   int64_t now, struct account_session *out, struct err *e)
{
    struct store_user u = {0}; /* initialised: cppcheck CTU check */
    int rc = store_user_by_email(st, email, &u);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return accounts_store_err(rc, e);
    /* Unknown accounts verify against a dummy hash: same cost, same answer. */
    int ok = auth_password_verify(rc == STORE_OK ? u.password_hash : NULL, pw, pw_len);
    if (ok != 0)
        return err_set(e, ERR_UNAUTHORIZED, "invalid e-mail or password");
    return session_open(st, &u, now, out, e);
}

int accounts_session(struct store *st, const char *token, size_t len, int64_t now,
                     struct store_session *out, struct err *e)
{
    unsigned char hash[AUTH_TOKEN_HASH_BYTES];
    if (auth_token_hash(token, len, hash) != 0)
        return err_set(e, ERR_UNAUTHORIZED, "authentication required");
    int rc = store_session_lookup(st, hash, now, out);
    if (rc == STORE_NOT_FOUND)
        return err_set(e, ERR_UNAUTHORIZED, "authentication required");
    return rc == STORE_OK ? 0 : accounts_store_err(rc, e);
}

int accounts_logout(struct store *st, const char *token, size_t len, struct err *e)
{
    unsigned char hash[AUTH_TOKEN_HASH_BYTES];
    if (auth_token_hash(token, len, hash) != 0)
        return err_set(e, ERR_UNAUTHORIZED, "authentication required");
    int rc = store_session_delete(st, hash);
    return rc == STORE_OK ? 0 : accounts_store_err(rc, e);
}
