/* integrations_api.c — GET /api/user-integrations and the provider routes. */
#include <string.h>

#include "api/api.h"
#include "auth/accounts.h"

static const char *const oauth_providers[] = {"gmail", "outlook", "github", "google"};
#define PROVIDERS_TEXT "gmail, outlook, github, google"

static int add_integration(void *ctx, const struct store_integration *in)
{
    json_t *item = json_pack("{s:s, s:s, s:o, s:s}", "provider", in->provider, "email", in->email,
                             "connectedAt", api_time_json(in->connected_at), "status", in->status);
    return item ? json_array_append_new(ctx, item) : -1;
}

void api_integrations_list(struct api_call *c)
{
    json_t *list = json_array();
    if (list == NULL) {
        api_fail(c, ERR_INTERNAL, "internal error");
        return;
    }
    int rc = store_integrations_list(c->app->store, c->session.user.id, add_integration, list);
    if (rc != STORE_OK) {
        struct err e;
        json_decref(list);
        accounts_store_err(rc, &e);
        api_fail_err(c, &e);
        return;
    }
    api_reply(c, 200, json_pack("{s:o}", "integrations", list));
}

void api_oauth_not_configured(struct api_call *c)
{
    const char *provider = http_param(c->req, "provider");
    int known = 0;
    for (size_t i = 0; provider && i < sizeof(oauth_providers) / sizeof(oauth_providers[0]); i++)
        known |= strcmp(provider, oauth_providers[i]) == 0;
    if (!known) {
        api_fail(c, ERR_NOT_FOUND, "unknown provider; supported providers: " PROVIDERS_TEXT);
        return;
    }
    struct err e;
    err_set_code(&e, ERR_UNAVAILABLE, "PROVIDER_NOT_CONFIGURED",
                 "provider %s has no client credentials configured", provider);
    api_fail_err(c, &e);
}
