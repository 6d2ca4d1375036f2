/*
 * account.h — a user's IMAP mailbox at rest. The settings (host, port,
 * username, TLS mode, pinned key) and the password are sealed separately
 * with the user's data key, each bound to its table, column, row and user
 * (vault/seal.h), and stored by store_imap_replace.
 */
#ifndef PASSAGENT_IMAP_ACCOUNT_H
#define PASSAGENT_IMAP_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "imap/client.h"
#include "store/store.h"
#include "vault/keyring.h"

/* An opened mailbox. password is a wiping vault secret: release the whole
 * thing with imap_mailbox_clear. */
struct imap_mailbox {
    char host[IMAPC_HOST_MAX + 1];
    unsigned port;
    char username[LIMIT_IMAP_USERNAME_MAX + 1];
    bool tls;
    char pin[IMAPC_PIN_MAX + 1]; /* "" when none */
    char *password;
    size_t password_len;
};

/* The address shown for a mailbox: the username when it is an e-mail
 * address, else username@host (cut to STORE_EMAIL_MAX). */
void imap_mailbox_email(const char *username, const char *host, char out[STORE_EMAIL_MAX + 1]);

/* Seals a and stores it as the user's mailbox (replacing any other). */
int imap_mailbox_save(struct store *st, const unsigned char dk[VAULT_KEY_BYTES],
                      const char *user_id, const struct imapc_account *a, int64_t now,
                      struct err *e) __attribute__((warn_unused_result));

/* Opens a stored row with the user's data key. Returns 0 or -1 (tampered,
 * moved or undecodable). */
int imap_mailbox_open(const unsigned char dk[VAULT_KEY_BYTES], const struct store_imap_account *row,
                      struct imap_mailbox *out) __attribute__((warn_unused_result));

/* The account view of an opened mailbox (borrows from m). */
struct imapc_account imap_mailbox_account(const struct imap_mailbox *m);

/* Wipes and releases an opened mailbox. */
void imap_mailbox_clear(struct imap_mailbox *m);

#endif
