/*
 * offload.c — api_offload: a handler's slow part runs on the worker pool
 * while its connection is parked (http_request_defer), so HTTP threads keep
 * serving everyone else while a provider takes seconds to answer.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/log.h"

struct api_job {
    struct api_call call;
    struct http_request req;
    struct http_response resp;
    struct http_deferred *deferred;
    api_job_fn fn;
    void *arg;
    size_t arg_size;
};

static const char *no_lookup(const struct http_request *req, const char *name)
{
    (void)req;
    (void)name;
    return NULL;
}

static void job_free(struct api_job *j)
{
    if (j->arg) {
        sodium_memzero(j->arg, j->arg_size);
        free(j->arg);
    }
    sodium_memzero(&j->call, sizeof(j->call));
    free(j);
}

static void job_run(void *arg)
{
    struct api_job *j = arg;
    j->fn(&j->call, j->arg);
    if (j->resp.status == 0) {
        log_error("req=%s offloaded handler gave no reply", j->req.request_id);
        api_fail(&j->call, ERR_INTERNAL, "internal error");
    }
    http_deferred_finish(j->deferred, &j->resp);
    job_free(j);
}

int api_offload(struct api_call *c, api_job_fn fn, void *arg, size_t arg_size)
{
    struct api_job *j = calloc(1, sizeof(*j));
    if (j == NULL) {
        sodium_memzero(arg, arg_size);
        free(arg);
        return api_fail(c, ERR_UNAVAILABLE, "server busy; retry later");
    }
    j->call = *c;
    j->req = *c->req;
    j->req.header = no_lookup;
    j->req.query = no_lookup;
    j->req.body = "";
    j->req.body_len = 0;
    j->call.req = &j->req;
    j->call.resp = &j->resp;
    j->call.body = NULL;
    j->fn = fn;
    j->arg = arg;
    j->arg_size = arg_size;
    j->deferred = http_request_defer(c->req);
    if (j->deferred == NULL) { /* cannot park: do it here */
        fn(c, arg);
        j->call.req = NULL;
        job_free(j);
        return 0;
    }
    c->deferred = true;
    if (workers_submit(c->app->workers, job_run, j) != 0) {
        log_warn("req=%s worker pool full; refused", c->req->request_id);
        api_fail(&j->call, ERR_UNAVAILABLE, "server busy; retry later");
        http_deferred_finish(j->deferred, &j->resp);
        job_free(j);
        return -1;
    }
    return 0;
}
