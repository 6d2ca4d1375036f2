/*
 * password.h — account password hashing with Argon2id (libsodium's
 * crypto_pwhash_str, interactive limits: 64 MiB, 2 passes). At most
 * `max_in_flight` hashes run at once, so a flood of logins queues instead
 * of exhausting memory.
 */
#ifndef PASSAGENT_PASSWORD_H
#define PASSAGENT_PASSWORD_H

#include <stddef.h>

#define AUTH_HASH_MAX 128 /* crypto_pwhash_STRBYTES */

/* Call once at start, before any hash. Returns -1 if libsodium cannot start. */
int auth_password_init(unsigned max_in_flight) __attribute__((warn_unused_result));

/* Hashes pw[0..len) into out (NUL-terminated). */
int auth_password_hash(const char *pw, size_t len, char out[AUTH_HASH_MAX])
    __attribute__((warn_unused_result));

/* 0 when pw matches hash, -1 otherwise. A NULL hash verifies against a fixed
 * dummy hash and always fails: unknown accounts cost the same time. */
int auth_password_verify(const char *hash, const char *pw, size_t len)
    __attribute__((warn_unused_result));

#endif
