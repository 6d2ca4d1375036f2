/* workers.c — on-demand thread pool with a bounded FIFO queue. */
#include "core/workers.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/log.h"

struct job {
    workers_job_fn fn;
    void *arg;
    struct job *next;
};

struct workers {
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct job *head, *tail;
    size_t queued, max_queue;
    unsigned nthreads, idle, max_threads;
    bool stopping;
    pthread_t *threads;
};

static void *worker_run(void *arg)
{
    struct workers *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->head == NULL && !w->stopping) {
            w->idle++;
            pthread_cond_wait(&w->work, &w->lock);
            w->idle--;
        }
        struct job *j = w->head;
        if (j == NULL) /* stopping and drained */
            break;
        w->head = j->next;
        if (w->head == NULL)
            w->tail = NULL;
        w->queued--;
        pthread_mutex_unlock(&w->lock);
        j->fn(j->arg);
        free(j);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct workers *workers_create(unsigned max_threads, size_t max_queue)
{
    struct workers *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->threads = calloc(max_threads ? max_threads : 1, sizeof(*w->threads));
    if (w->threads == NULL) {
        free(w);
        return NULL;
    }
    w->max_threads = max_threads ? max_threads : 1;
    w->max_queue = max_queue;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    return w;
}

int workers_submit(struct workers *w, workers_job_fn fn, void *arg)
{
    struct job *j = malloc(sizeof(*j));
    if (j == NULL)
        return -1;
    *j = (struct job){fn, arg, NULL};
    pthread_mutex_lock(&w->lock);
    if (w->stopping || w->queued >= w->max_queue) {
        pthread_mutex_unlock(&w->lock);
        free(j);
        return -1;
    }
    /* A new thread when every running one is busy with an earlier job. */
    if (w->idle <= w->queued && w->nthreads < w->max_threads) {
        if (pthread_create(&w->threads[w->nthreads], NULL, worker_run, w) == 0)
            w->nthreads++;
        else if (w->nthreads == 0) {
            pthread_mutex_unlock(&w->lock);
            free(j);
            log_error("workers: cannot start a thread");
            return -1;
        }
    }
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->queued++;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void workers_destroy(struct workers **wp)
{
    struct workers *w = *wp;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->work);
    unsigned n = w->nthreads;
    pthread_mutex_unlock(&w->lock);
    for (unsigned i = 0; i < n; i++)
        pthread_join(w->threads[i], NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->work);
    free(w->threads);
    free(w);
    *wp = NULL;
}
