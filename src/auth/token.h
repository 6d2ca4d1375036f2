/*
 * token.h — session tokens and their CSRF tokens.
 *
 * A session token is 256 random bits as unpadded base64url (43 chars); the
 * database keeps only its BLAKE2b-256 hash. The CSRF token of a session is
 * BLAKE2b keyed with the session token itself: stable for the session,
 * different per session, checkable by any instance without shared state, and
 * useless to anyone who does not already hold the session.
 */
#ifndef PASSAGENT_TOKEN_H
#define PASSAGENT_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_CHARS 43
#define AUTH_TOKEN_HASH_BYTES 32
#define AUTH_CSRF_CHARS 43

/* New token text (NUL-terminated) and its hash. */
void auth_token_new(char token[AUTH_TOKEN_CHARS + 1], unsigned char hash[AUTH_TOKEN_HASH_BYTES]);

/* Hash of a presented token. Returns -1 when it is not a well-formed token,
 * so garbage never reaches the database. */
int auth_token_hash(const char *token, size_t len, unsigned char hash[AUTH_TOKEN_HASH_BYTES])
    __attribute__((warn_unused_result));

/* The CSRF token belonging to a (well-formed) session token. */
void auth_csrf_token(const char *token, size_t len, char out[AUTH_CSRF_CHARS + 1]);

/* Constant-time check of a presented CSRF token against the session's. */
bool auth_csrf_valid(const char *token, size_t len, const char *csrf, size_t csrf_len)
    __attribute__((warn_unused_result));

#endif
