/* password.c — Argon2id hashing behind a counting semaphore. */
#include "auth/password.h"

#include <semaphore.h>
#include <sodium.h>
#include <string.h>

#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

static sem_t pw_slots;
static char pw_dummy_hash[AUTH_HASH_MAX];

int auth_password_init(unsigned max_in_flight)
{
    if (sodium_init() < 0 || max_in_flight == 0)
        return -1;
    if (sem_init(&pw_slots, 0, max_in_flight) != 0)
        return -1;
    /* A real hash of a random password, same parameters as real accounts. */
    unsigned char rnd[32];
    randombytes_buf(rnd, sizeof(rnd));
    int rc = crypto_pwhash_str(pw_dummy_hash, (const char *)rnd, sizeof(rnd), PW_OPS, PW_MEM);
    sodium_memzero(rnd, sizeof(rnd));
    return rc;
}

static void slot_take(void)
{
    while (sem_wait(&pw_slots) != 0)
        ; /* EINTR: try again */
}

int auth_password_hash(const char *pw, size_t len, char out[AUTH_HASH_MAX])
{
    slot_take();
    int rc = crypto_pwhash_str(out, pw, len, PW_OPS, PW_MEM);
    sem_post(&pw_slots);
    return rc == 0 ? 0 : -1;
}

int auth_password_verify(const char *hash, const char *pw, size_t len)
{
    slot_take();
    int rc = crypto_pwhash_str_verify(hash ? hash : pw_dummy_hash, pw, len);
    sem_post(&pw_slots);
    return (hash != NULL && rc == 0) ? 0 : -1;
}
