/*
 * rotate.h — `passagent rotate-master-key`: re-wrap every user data key
 * under the primary master key. With a key file it first makes a new
 * primary (the file keeps the old key as previous until every user is
 * re-wrapped), so running servers keep reading throughout: they reload the
 * file when it changes. After a first pass the previous keys are recorded
 * as retired in the database, which fences off registrations still wrapping
 * under them; a second pass catches rows written before the fence.
 */
#ifndef PASSAGENT_ROTATE_H
#define PASSAGENT_ROTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "store/store.h"
#include "vault/keyring.h"

struct rotate_report {
    size_t rewrapped;
    size_t failed; /* keys no master key in the ring could open */
};

/* new_key: make a new primary first (key files only). */
int vault_rotate(struct store *st, struct vault_keyring *kr, bool new_key,
                 struct rotate_report *out, struct err *e) __attribute__((warn_unused_result));

#endif
