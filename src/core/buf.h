/*
 * buf.h — a growable byte buffer with a hard ceiling (after curl's dynbuf).
 * Every buffer that holds network data is created with the most it may hold;
 * appending past that fails instead of growing.
 */
#ifndef PASSAGENT_BUF_H
#define PASSAGENT_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated for convenience; may also hold NULs */
    size_t len;
    size_t cap;
    size_t max; /* ceiling on len */
};

/* Starts an empty buffer that may grow to max bytes. Allocates nothing yet. */
void buf_init(struct buf *b, size_t max);
/* Appends n bytes. Returns 0, or -1 when the ceiling would be passed or
 * memory ran out (the buffer is unchanged then). */
int buf_append(struct buf *b, const void *p, size_t n) __attribute__((warn_unused_result));
/* Frees the storage, wiping it first when wipe is true (secrets). */
void buf_free(struct buf *b, bool wipe);

#endif
