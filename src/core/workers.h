/*
 * workers.h — a pool of threads for work that waits on the network (OAuth
 * token exchanges, refreshes, revocations), so HTTP threads never block on
 * a slow provider. Threads are created on demand up to a ceiling and stay
 * for reuse; jobs beyond the ceiling queue (bounded) in arrival order.
 */
#ifndef PASSAGENT_WORKERS_H
#define PASSAGENT_WORKERS_H

#include <stddef.h>

typedef void (*workers_job_fn)(void *arg);

struct workers;

/* Creates a pool of at most max_threads threads (none started yet).
 * Returns NULL when out of memory. Caller owns it (workers_destroy). */
struct workers *workers_create(unsigned max_threads, size_t max_queue);

/* Queues fn(arg). Returns 0, or -1 when the pool is stopping, the queue is
 * full or no thread could be started; the caller still owns arg then. */
int workers_submit(struct workers *w, workers_job_fn fn, void *arg)
    __attribute__((warn_unused_result));

/* Runs every queued job to completion, joins the threads and frees the
 * pool; NULLs *w. */
void workers_destroy(struct workers **w);

#endif
