/* health_api.c — GET /healthz: the database answers. */
#include "api/api.h"

void api_health(struct api_call *c)
{
    if (store_ping(c->app->store) != STORE_OK) {
        struct err e;
        err_set_code(&e, ERR_UNAVAILABLE, "DATABASE_UNAVAILABLE", "the database does not answer");
        api_fail_err(c, &e);
        return;
    }
    api_reply(c, 200, json_pack("{s:s}", "status", "ok"));
}
