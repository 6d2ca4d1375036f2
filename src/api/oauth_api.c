/*
 * oauth_api.c — GET /api/integrations/{provider}/auth and /callback, POST
 * .../refresh and .../disconnect. The flows live in oauth/; the callback,
 * refresh and disconnect talk to the provider, so they run offloaded.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/accounts.h"
#include "core/log.h"

#define BIND_COOKIE_PREFIX "passagent_oauth_"

/* The provider of the path, or a reply (404/503) and NULL. */
static const struct oauth_provider *path_provider(struct api_call *c, bool need_configured)
{
    const struct oauth_provider *p = NULL;
    struct err e;
    const char *name = http_param(c->req, "provider");
    if (oauth_provider_get(c->app->oauth, name, &p, &e) == 0)
        return p;
    if (!need_configured && e.code && strcmp(e.code, "PROVIDER_NOT_CONFIGURED") == 0)
        return oauth_provider_find(c->app->oauth->cfg, name);
    api_fail_err(c, &e);
    return NULL;
}

void api_oauth_auth(struct api_call *c)
{
    const struct oauth_provider *p = path_provider(c, true);
    unsigned char dk[VAULT_KEY_BYTES];
    char browser[OAUTH_BROWSER_CHARS + 1] = "", *url = NULL;
    const char *cookie = c->req->header(c->req, "Cookie");
    const char *v;
    size_t vl;
    struct err e;
    if (p == NULL || api_user_data_key(c, dk) != 0)
        return;
    /* A browser session (cookie, no bearer) binds the state to this browser. */
    bool browser_session = c->req->header(c->req, "Authorization") == NULL && cookie &&
                           http_cookie_get(cookie, strlen(cookie), SESSION_COOKIE, &v, &vl) == 0;
    int rc = oauth_authorize(c->app->oauth, p, c->session.user.id, dk, browser_session, c->now,
                             &url, browser, &e);
    sodium_memzero(dk, sizeof(dk));
    if (rc != 0) {
        api_fail_err(c, &e);
        return;
    }
    if (browser_session)
        http_response_header(c->resp, "Set-Cookie",
                             BIND_COOKIE_PREFIX "%s=%s; Path=/api/integrations/%s/callback; "
                             "HttpOnly; SameSite=Lax; Max-Age=%u%s",
                             p->def->name, browser, p->def->name, LIMIT_OAUTH_STATE_TTL_S,
                             c->app->secure_cookies ? "; Secure" : "");
    sodium_memzero(browser, sizeof(browser));
    api_reply(c, 200, json_pack("{s:s}", "authUrl", url));
    free(url);
}

/* What the callback job needs, copied off the request. */
struct callback_arg {
    char provider[STORE_PROVIDER_MAX + 1];
    char code[2049], state[OAUTH_STATE_CHARS + 1], error[65], browser[OAUTH_BROWSER_CHARS + 1];
    char session_user[STORE_ID_LEN + 1];
    bool has_code, has_state, has_error, has_browser, has_session;
};

/* Copies a value that fits; longer ones are left out (and then fail). */
static bool copy_bounded(char *out, size_t outsz, const char *v, size_t len)
{
    if (v == NULL || len >= outsz)
        return false;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

static void callback_read(struct api_call *c, struct callback_arg *a)
{
    const char *code = c->req->query(c->req, "code"), *state = c->req->query(c->req, "state");
    const char *error = c->req->query(c->req, "error"), *v;
    const char *cookie = c->req->header(c->req, "Cookie");
    char name[64];
    size_t vl;
    struct store_session s;
    struct err e;
    a->has_code = code && copy_bounded(a->code, sizeof(a->code), code, strlen(code));
    a->has_state = state && copy_bounded(a->state, sizeof(a->state), state, strlen(state));
    a->has_error = error && (copy_bounded(a->error, sizeof(a->error), error, strlen(error)) ||
                             copy_bounded(a->error, sizeof(a->error), "other", 5));
    snprintf(name, sizeof(name), BIND_COOKIE_PREFIX "%s", a->provider);
    if (cookie && http_cookie_get(cookie, strlen(cookie), name, &v, &vl) == 0)
        a->has_browser = copy_bounded(a->browser, sizeof(a->browser), v, vl);
    if (cookie && http_cookie_get(cookie, strlen(cookie), SESSION_COOKIE, &v, &vl) == 0 &&
        accounts_session(c->app->store, v, vl, c->now, &s, &e) == 0) {
        a->has_session = copy_bounded(a->session_user, sizeof(a->session_user), s.user.id,
                                      strlen(s.user.id));
        sodium_memzero(&s, sizeof(s));
    }
}

static void callback_job(struct api_call *c, void *arg)
{
    struct callback_arg *a = arg;
    struct oauth_callback_in in = {
        .provider = a->provider,
        .code = a->has_code ? a->code : NULL,
        .state = a->has_state ? a->state : NULL,
        .error = a->has_error ? a->error : NULL,
        .browser = a->has_browser ? a->browser : NULL,
        .session_user_id = a->has_session ? a->session_user : NULL,
    };
    const char *fail = oauth_callback(c->app->oauth, &in, c->now);
    const char *base = c->app->oauth->public_url;
    if (fail)
        http_response_header(c->resp, "Location",
                             "%s/dashboard/integrations?error=%s&provider=%s", base, fail,
                             a->provider);
    else
        http_response_header(c->resp, "Location", "%s/dashboard/integrations?connected=%s", base,
                             a->provider);
    /* The binding cookie has done its job. */
    http_response_header(c->resp, "Set-Cookie",
                         BIND_COOKIE_PREFIX "%s=; Path=/api/integrations/%s/callback; HttpOnly; "
                         "SameSite=Lax; Max-Age=0%s",
                         a->provider, a->provider, c->app->secure_cookies ? "; Secure" : "");
    c->resp->status = 302;
}

void api_oauth_callback(struct api_call *c)
{
    const char *name = http_param(c->req, "provider");
    if (oauth_provider_find(c->app->oauth->cfg, name) == NULL) {
        api_fail(c, ERR_NOT_FOUND, "unknown provider; supported providers: " OAUTH_PROVIDERS_TEXT);
        return;
    }
    struct callback_arg *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        api_fail(c, ERR_INTERNAL, "internal error");
        return;
    }
    snprintf(a->provider, sizeof(a->provider), "%s", name);
    callback_read(c, a);
    (void)api_offload(c, callback_job, a, sizeof(*a));
}

struct provider_arg {
    char provider[STORE_PROVIDER_MAX + 1];
};

static void refresh_job(struct api_call *c, void *arg)
{
    struct provider_arg *a = arg;
    int64_t exp = 0;
    struct err e;
    if (oauth_refresh(c->app->oauth, c->session.user.id, a->provider, false, &exp, &e) != 0) {
        api_fail_err(c, &e);
        return;
    }
    api_reply(c, 200, json_pack("{s:b, s:o}", "success", 1, "expiresAt",
                                exp ? api_time_json(exp) : json_null()));
}

static void disconnect_job(struct api_call *c, void *arg)
{
    struct provider_arg *a = arg;
    struct err e;
    if (oauth_disconnect(c->app->oauth, c->session.user.id, a->provider, &e) != 0) {
        api_fail_err(c, &e);
        return;
    }
    api_reply(c, 200, json_pack("{s:b}", "success", 1));
}

static void offload_provider(struct api_call *c, bool need_configured, api_job_fn fn)
{
    const struct oauth_provider *p = path_provider(c, need_configured);
    if (p == NULL)
        return;
    struct provider_arg *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        api_fail(c, ERR_INTERNAL, "internal error");
        return;
    }
    snprintf(a->provider, sizeof(a->provider), "%s", p->def->name);
    (void)api_offload(c, fn, a, sizeof(*a));
}

void api_oauth_refresh(struct api_call *c) { offload_provider(c, true, refresh_job); }

/* Disconnect works without credentials too: it then deletes locally. */
void api_oauth_disconnect(struct api_call *c) { offload_provider(c, false, disconnect_job); }

/* GET /api/integrations/providers: which providers have client
 * credentials, so the dashboard can show "not configured" without
 * starting an authorization. Names only; never an id or secret. */
void api_oauth_providers(struct api_call *c)
{
    json_t *list = json_array();
    const struct oauth_settings *s = c->app->oauth->cfg;
    for (size_t i = 0; list && i < OAUTH_PROVIDER_COUNT; i++)
        if (json_array_append_new(list, json_pack("{s:s, s:b}", "provider",
                                                  s->providers[i].def->name, "configured",
                                                  s->providers[i].configured)) != 0) {
            json_decref(list);
            list = NULL;
        }
    api_reply(c, 200, list ? json_pack("{s:o}", "providers", list) : NULL);
}
