/*
 * refresher.c — the background refresh task: every interval, refresh the
 * tokens that expire within the margin, without anyone asking. It goes
 * through oauth_refresh, so it shares the lease with manual refreshes and
 * with other instances.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/timefmt.h"
#include "oauth/flow.h"

struct due_item {
    char user_id[STORE_ID_LEN + 1];
    char provider[STORE_PROVIDER_MAX + 1];
};

struct oauth_refresher {
    const struct oauth_ctx *o;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
};

struct due_list {
    struct due_item items[LIMIT_OAUTH_REFRESH_BATCH];
    size_t n;
};

static int collect(void *ctx, const char *user_id, const char *provider)
{
    struct due_list *l = ctx;
    if (l->n >= LIMIT_OAUTH_REFRESH_BATCH)
        return 1;
    memcpy(l->items[l->n].user_id, user_id, strlen(user_id) + 1);
    memcpy(l->items[l->n].provider, provider, strlen(provider) + 1);
    l->n++;
    return 0;
}

static void refresh_pass(const struct oauth_ctx *o)
{
    struct due_list l = {.n = 0};
    int64_t now = time_now();
    if (store_oauth_due(o->store, now + o->cfg->refresh_margin_s, now, LIMIT_OAUTH_REFRESH_BATCH,
                        collect, &l) != STORE_OK) {
        log_warn("oauth refresher: cannot list tokens due");
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        struct err e;
        int64_t exp = 0;
        const struct oauth_provider *p = oauth_provider_find(o->cfg, l.items[i].provider);
        if (p == NULL || !p->configured)
            continue;
        if (oauth_refresh(o, l.items[i].user_id, l.items[i].provider, true, &exp, &e) == 0)
            log_info("oauth refresher: %s token of user %s refreshed", l.items[i].provider,
                     l.items[i].user_id);
        else
            log_warn("oauth refresher: %s token of user %s: %s", l.items[i].provider,
                     l.items[i].user_id, e.msg);
    }
}

static void *refresher_run(void *arg)
{
    struct oauth_refresher *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += r->o->cfg->refresh_interval_s;
        pthread_cond_timedwait(&r->wake, &r->lock, &until);
        if (r->stop)
            break;
        pthread_mutex_unlock(&r->lock);
        refresh_pass(r->o);
        pthread_mutex_lock(&r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int oauth_refresher_start(const struct oauth_ctx *o, struct oauth_refresher **out)
{
    struct oauth_refresher *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -1;
    r->o = o;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    if (pthread_create(&r->thread, NULL, refresher_run, r) != 0) {
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->wake);
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void oauth_refresher_stop(struct oauth_refresher **rp)
{
    struct oauth_refresher *r = *rp;
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->wake);
    free(r);
    *rp = NULL;
}
