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

/* Call once at start, before any hash: at most max_in_flight hashes run at
 * once and at most max_waiting more wait for a turn. Returns -1 if
 * libsodium cannot start. */
int auth_password_init(unsigned max_in_flight, unsigned max_waiting)
    __attribute__((warn_unused_result));

#define AUTH_PASSWORD_BUSY (-2) /* the queue is full: answer 503, retry soon */

/* Hashes pw[0..len) into out (NUL-terminated). AUTH_PASSWORD_BUSY when
 * too many hashes are queued already. */
int auth_password_hash(const char *pw, size_t len, char out[AUTH_HASH_MAX])
    __attribute__((warn_unused_result));

/* 0 when pw matches hash, -1 otherwise, AUTH_PASSWORD_BUSY when queued out. A NULL hash verifies against a fixed
 * dummy hash and always fails: unknown accounts cost the same time. */
int auth_password_verify(const char *hash, const char *pw, size_t len)
    __attribute__((warn_unused_result));

#endif
