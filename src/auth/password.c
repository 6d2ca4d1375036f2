/* password.c — Argon2id hashing behind a counting semaphore. */
#include "auth/password.h"

#include <semaphore.h>
#include <stdatomic.h>
#include <sodium.h>
#include <string.h>

#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

static sem_t pw_slots;
static atomic_uint pw_queued; /* running or waiting */
static unsigned pw_queue_max;
static char pw_dummy_hash[AUTH_HASH_MAX];

int auth_password_init(unsigned max_in_flight, unsigned max_waiting)
{
    if (sodium_init() < 0 || max_in_flight == 0)
        return -1;
    pw_queue_max = max_in_flight + max_waiting;
    if (sem_init(&pw_slots, 0, max_in_flight) != 0)
        return -1;
    /* A real hash of a random password, same parameters as real accounts. */
    unsigned char rnd[32];
    randombytes_buf(rnd, sizeof(rnd));
    int rc = crypto_pwhash_str(pw_dummy_hash, (const char *)rnd, sizeof(rnd), PW_OPS, PW_MEM);
    sodium_memzero(rnd, sizeof(rnd));
    return rc;
}

/* Takes a hashing slot, waiting if needed; refuses when the queue is full
 * so that a login flood cannot hold every HTTP worker thread. */
static int slot_take(void)
{
    if (atomic_fetch_add(&pw_queued, 1) >= pw_queue_max) {
        atomic_fetch_sub(&pw_queued, 1);
        return AUTH_PASSWORD_BUSY;
    }
    while (sem_wait(&pw_slots) != 0)
        ; /* EINTR: try again */
    return 0;
}

static void slot_give(void)
{
    sem_post(&pw_slots);
    atomic_fetch_sub(&pw_queued, 1);
}

int auth_password_hash(const char *pw, size_t len, char out[AUTH_HASH_MAX])
{
    if (slot_take() != 0)
        return AUTH_PASSWORD_BUSY;
    int rc = crypto_pwhash_str(out, pw, len, PW_OPS, PW_MEM);
    slot_give();
    return rc == 0 ? 0 : -1;
}

int auth_password_verify(const char *hash, const char *pw, size_t len)
{
    if (slot_take() != 0)
        return AUTH_PASSWORD_BUSY;
    int rc = crypto_pwhash_str_verify(hash ? hash : pw_dummy_hash, pw, len);
    slot_give();
    return (hash != NULL && rc == 0) ? 0 : -1;
}
