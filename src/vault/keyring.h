/*
 * keyring.h — the master key ring and per-user data keys.
 *
 * The master key (primary) wraps a random 256-bit data key per user with
 * XChaCha20-Poly1305; the associated data binds each wrapped key to its user
 * and to the id of the master key that wrapped it. Earlier master keys may
 * stay in the ring (previous keys) so that rows not yet re-wrapped by
 * `passagent rotate-master-key` still open: rotation needs no read downtime.
 *
 * Sources: PASSAGENT_MASTER_KEY (+ PASSAGENT_MASTER_KEY_PREVIOUS, comma
 * separated) or a key file holding one key per line, primary first. A key is
 * 64 hex digits or standard base64 of 32 bytes. A file-backed ring re-reads
 * its file when it meets an unknown key id, so running servers pick up a
 * rotation made by another process.
 */
#ifndef PASSAGENT_KEYRING_H
#define PASSAGENT_KEYRING_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define VAULT_KEY_BYTES 32
#define VAULT_KEY_ID_CHARS 16 /* hex of an 8-byte fingerprint */
#define VAULT_WRAPPED_BYTES (1 + 24 + VAULT_KEY_BYTES + 16)
#define VAULT_MAX_KEYS 8

struct vault_keyring;

struct vault_keyring_source {
    const char *key_text;      /* PASSAGENT_MASTER_KEY, or NULL */
    const char *previous_text; /* PASSAGENT_MASTER_KEY_PREVIOUS, or NULL */
    const char *key_file;      /* used when key_text is NULL */
    bool create_file;          /* create key_file (0600) when missing */
};

/* Loads the ring. On success *out is owned by the caller
 * (vault_keyring_destroy). Errors name the variable or file at fault and
 * never print key material. */
int vault_keyring_create(const struct vault_keyring_source *src, struct vault_keyring **out,
                         struct err *e) __attribute__((warn_unused_result));
void vault_keyring_destroy(struct vault_keyring **kr);

/* Id of the primary key (VAULT_KEY_ID_CHARS + NUL). Borrowed. */
const char *vault_keyring_primary_id(const struct vault_keyring *kr);

/* Makes a fresh user data key: dk receives the key (VAULT_KEY_BYTES, caller
 * wipes), wrapped the sealed form to store, key_id the primary's id. */
int vault_user_key_new(struct vault_keyring *kr, const char *user_id,
                       unsigned char dk[VAULT_KEY_BYTES],
                       unsigned char wrapped[VAULT_WRAPPED_BYTES],
                       char key_id[VAULT_KEY_ID_CHARS + 1]) __attribute__((warn_unused_result));

/* Opens a stored user key. Returns 0, or -1 when the key id is unknown or
 * the wrapped bytes were not made for this user (tampered or moved). */
int vault_user_key_unwrap(struct vault_keyring *kr, const char *user_id, const void *wrapped,
                          size_t wrapped_len, const char *key_id,
                          unsigned char dk[VAULT_KEY_BYTES]) __attribute__((warn_unused_result));

/* Re-wraps a stored user key under the primary key. */
int vault_user_key_rewrap(struct vault_keyring *kr, const char *user_id, const void *wrapped,
                          size_t wrapped_len, const char *key_id,
                          unsigned char out[VAULT_WRAPPED_BYTES],
                          char out_key_id[VAULT_KEY_ID_CHARS + 1])
    __attribute__((warn_unused_result));

/* For a file-backed ring: makes a new primary key and rewrites the file as
 * [new, old keys...] atomically with mode 0600. */
int vault_keyring_rotate_file(struct vault_keyring *kr, struct err *e)
    __attribute__((warn_unused_result));
/* For a file-backed ring: rewrites the file with the primary key only. */
int vault_keyring_drop_previous(struct vault_keyring *kr, struct err *e)
    __attribute__((warn_unused_result));
bool vault_keyring_is_file(const struct vault_keyring *kr);
/* Copies the ids of every key but the primary into ids; returns how many. */
size_t vault_keyring_previous_ids(struct vault_keyring *kr,
                                  char ids[VAULT_MAX_KEYS][VAULT_KEY_ID_CHARS + 1]);
/* Whether a key with this id is in the ring (after noticing a changed file). */
bool vault_keyring_has(struct vault_keyring *kr, const char *key_id);

#endif
