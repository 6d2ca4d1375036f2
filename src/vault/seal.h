/*
 * seal.h — authenticated encryption of one secret value at rest.
 *
 * XChaCha20-Poly1305-IETF (libsodium) with a random 192-bit nonce. The
 * associated data names the table, column, row id and user id the value
 * belongs to, so a ciphertext copied to another row, column or user fails to
 * open. Layout: version byte (1) | nonce (24) | ciphertext+tag.
 */
#ifndef PASSAGENT_SEAL_H
#define PASSAGENT_SEAL_H

#include <stddef.h>

#include "vault/keyring.h"

#define VAULT_SEAL_OVERHEAD (1 + 24 + 16)

/* Where a sealed value lives; all four are required. */
struct vault_ad {
    const char *table;
    const char *column;
    const char *row_id;
    const char *user_id;
};

/* Seals pt[0..pt_len). *out is malloc'd (caller frees), *out_len its size. */
int vault_seal(const unsigned char dk[VAULT_KEY_BYTES], const struct vault_ad *ad,
               const void *pt, size_t pt_len, unsigned char **out, size_t *out_len)
    __attribute__((warn_unused_result));

/* Opens a sealed value. *out is allocated with sodium_malloc semantics hidden
 * behind vault_secret_free (caller frees with it), NUL-terminated after
 * *out_len bytes. Returns -1 on any tampering or mismatch of ad. */
int vault_open(const unsigned char dk[VAULT_KEY_BYTES], const struct vault_ad *ad,
               const void *ct, size_t ct_len, char **out, size_t *out_len)
    __attribute__((warn_unused_result));

/* Wipes and frees a value returned by vault_open; NULLs the pointer. */
void vault_secret_free(char **secret, size_t len);

#endif
