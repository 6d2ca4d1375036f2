/* rotate.c — master key rotation in batches, one row at a time (no long
 * transaction, so readers never wait on it). */
#include "vault/rotate.h"

#include <string.h>
#include <time.h>

#include "core/log.h"

#define ROTATE_BATCH 100

struct rotate_batch {
    struct store_user users[ROTATE_BATCH];
    size_t count;
};

static int collect(void *ctx, const struct store_user *u)
{
    struct rotate_batch *b = ctx;
    b->users[b->count++] = *u;
    return 0;
}

/* One pass over every user not yet under the primary key. */
static int rotate_pass(struct store *st, struct vault_keyring *kr, struct rotate_report *out,
                       size_t *seen, struct err *e)
{
    const char *primary = vault_keyring_primary_id(kr);
    char after[STORE_ID_LEN + 1] = "";
    static struct rotate_batch batch; /* large; the command is single-threaded */
    *seen = 0;
    for (;;) {
        batch.count = 0;
        int rc = store_users_not_under_key(st, primary, after, ROTATE_BATCH, collect, &batch);
        if (rc != STORE_OK)
            return err_set(e, ERR_UNAVAILABLE, "database error while listing user keys");
        if (batch.count == 0)
            return 0;
        for (size_t i = 0; i < batch.count; i++) {
            struct store_user *u = &batch.users[i];
            unsigned char wrapped[VAULT_WRAPPED_BYTES];
            char key_id[VAULT_KEY_ID_CHARS + 1];
            if (vault_user_key_rewrap(kr, u->id, u->data_key, u->data_key_len, u->data_key_id,
                                      wrapped, key_id) != 0) {
                log_error("user %s: data key opens under no known master key (id %s)", u->id,
                          u->data_key_id);
                out->failed++;
                continue;
            }
            (*seen)++;
            rc = store_user_rewrap(st, u->id, u->data_key_id, wrapped, sizeof(wrapped), key_id);
            if (rc == STORE_OK)
                out->rewrapped++;
            else if (rc != STORE_NOT_FOUND) /* NOT_FOUND: changed meanwhile, next pass */
                return err_set(e, ERR_UNAVAILABLE, "database error while re-wrapping keys");
        }
        memcpy(after, batch.users[batch.count - 1].id, sizeof(after));
    }
}

int vault_rotate(struct store *st, struct vault_keyring *kr, bool new_key,
                 struct rotate_report *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (new_key && vault_keyring_rotate_file(kr, e) != 0)
        return -1;
    size_t seen = 0;
    if (rotate_pass(st, kr, out, &seen, e) != 0)
        return -1;
    if (out->failed)
        return 0; /* unreadable keys: keep every previous master key */
    /* Fence: from now on no user row can be written under a previous key
     * (registrations in flight re-wrap under the primary and retry). Rows
     * written before the fence are caught by the pass after it. */
    char ids[VAULT_MAX_KEYS][VAULT_KEY_ID_CHARS + 1];
    size_t nids = vault_keyring_previous_ids(kr, ids);
    for (size_t i = 0; i < nids; i++)
        if (store_master_key_retire(st, ids[i], time(NULL)) != STORE_OK)
            return err_set(e, ERR_UNAVAILABLE, "database error while retiring the old key");
    if (rotate_pass(st, kr, out, &seen, e) != 0)
        return -1;
    if (out->failed)
        return 0;
    return vault_keyring_drop_previous(kr, e);
}
