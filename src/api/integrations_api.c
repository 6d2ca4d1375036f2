/* integrations_api.c — GET /api/user-integrations: every kind of integration
 * (OAuth providers, IMAP) from one table, so nothing here is provider-specific.
 * expiresAt and scopes appear when the row has them. */
#include <string.h>

#include "api/api.h"
#include "auth/accounts.h"

static int add_integration(void *ctx, const struct store_integration *in)
{
    json_t *item = json_pack("{s:s, s:s, s:o, s:s}", "provider", in->provider, "email", in->email,
                             "connectedAt", api_time_json(in->connected_at), "status", in->status);
    if (item && in->expires_at)
        json_object_set_new(item, "expiresAt", api_time_json(in->expires_at));
    if (item && in->scopes[0]) {
        json_t *scopes = json_array();
        const char *p = in->scopes;
        while (scopes && *p) {
            size_t n = strcspn(p, " ,"); /* GitHub separates with commas */
            if (n)
                json_array_append_new(scopes, json_stringn(p, n));
            p += n;
            p += strspn(p, " ,");
        }
        json_object_set_new(item, "scopes", scopes ? scopes : json_null());
    }
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
