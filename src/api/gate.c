/*
 * gate.c — the one place where a route's flags are enforced before its
 * handler runs (after Redis's central command gate): session, CSRF, rate
 * limit, JSON body. A handler only does its own work.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "auth/accounts.h"
#include "core/log.h"
#include "core/timefmt.h"

/* The presented session token: "Authorization: Bearer" first, then the
 * session cookie. Returns 0 and copies it when one is present. */
static int gate_token(struct api_call *c, const char **tok, size_t *len)
{
    const char *authz = c->req->header(c->req, "Authorization");
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        *tok = authz + 7;
        while (**tok == ' ')
            (*tok)++;
        *len = strlen(*tok);
        return 0;
    }
    const char *cookie = c->req->header(c->req, "Cookie");
    if (cookie && http_cookie_get(cookie, strlen(cookie), SESSION_COOKIE, tok, len) == 0)
        return 0;
    return -1;
}

static int gate_authenticate(struct api_call *c)
{
    const char *tok = NULL;
    size_t len = 0;
    struct err e;
    if (gate_token(c, &tok, &len) != 0)
        return api_fail(c, ERR_UNAUTHORIZED, "authentication required");
    if (accounts_session(c->app->store, tok, len, c->now, &c->session, &e) != 0)
        return api_fail_err(c, &e);
    memcpy(c->token, tok, len); /* well-formed: exactly AUTH_TOKEN_CHARS */
    c->token[len] = '\0';
    c->authenticated = true;
    return 0;
}

static int gate_csrf(struct api_call *c)
{
    const char *csrf = c->req->header(c->req, "x-csrf-token");
    if (!auth_csrf_valid(c->token, strlen(c->token), csrf, csrf ? strlen(csrf) : 0))
        return api_fail(c, ERR_FORBIDDEN, "missing or invalid CSRF token (x-csrf-token)");
    return 0;
}

static bool proxy_trusted(const char *list, const char *ip, size_t ip_len)
{
    size_t n = strlen(list);
    for (size_t i = 0; i < n;) {
        size_t len = strcspn(list + i, ",");
        if (len == ip_len && memcmp(list + i, ip, ip_len) == 0)
            return true;
        i += len + 1;
    }
    return false;
}

void api_client_address(const struct api_call *c, char *out, size_t outsz)
{
    const char *peer = c->req->client_ip;
    const char *xff = c->req->header(c->req, "X-Forwarded-For");
    snprintf(out, outsz, "%s", peer);
    if (xff == NULL || !proxy_trusted(c->app->trusted_proxies, peer, strlen(peer)))
        return;
    /* Walk from the right: each hop was appended by the proxy before it. */
    size_t end = strlen(xff);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && (xff[a] == ' ' || xff[a] == '\t'))
            a++;
        while (b > a && (xff[b - 1] == ' ' || xff[b - 1] == '\t'))
            b--;
        if (b > a && b - a < outsz) {
            snprintf(out, outsz, "%.*s", (int)(b - a), xff + a);
            if (!proxy_trusted(c->app->trusted_proxies, xff + a, b - a))
                return;
        }
        end = start ? start - 1 : 0;
    }
}

static int gate_rate_limit(struct api_call *c)
{
    char subject[STORE_ID_LEN + 80];
    enum rl_class cls = (enum rl_class)c->route->rate_class;
    if (cls == RL_NONE)
        return 0;
    if (c->authenticated && cls != RL_AUTH)
        snprintf(subject, sizeof(subject), "user:%s", c->session.user.id);
    else {
        char ip[64];
        api_client_address(c, ip, sizeof(ip));
        log_sanitize(subject + 3, sizeof(subject) - 3, ip, strlen(ip));
        memcpy(subject, "ip:", 3);
    }
    unsigned retry = 0;
    int rc = rl_hit(c->app->store, &c->app->rate_limits, cls, subject, c->now, &retry);
    if (rc == 0)
        return 0;
    if (rc == 1) {
        http_response_header(c->resp, "Retry-After", "%u", retry);
        return api_fail(c, ERR_RATE_LIMITED, "too many requests; retry in %u seconds", retry);
    }
    struct err e;
    accounts_store_err(rc, &e);
    return api_fail_err(c, &e);
}

static int gate_json(struct api_call *c)
{
    struct err e;
    if (api_json_object_parse(c->req->header(c->req, "Content-Type"), c->req->body,
                              c->req->body_len, &c->body, &e) != 0)
        return api_fail_err(c, &e);
    return 0;
}

void api_dispatch(void *app, const struct route *route, struct http_request *req,
                  struct http_response *resp)
{
    struct api_call c = {.app = app, .route = route, .req = req, .resp = resp};
    c.now = time_now();
    int ok = 0;
    if (route->flags & ROUTE_AUTH)
        ok = gate_authenticate(&c);
    if (ok == 0 && (route->flags & ROUTE_CSRF))
        ok = gate_csrf(&c);
    if (ok == 0)
        ok = gate_rate_limit(&c);
    if (ok == 0 && (route->flags & ROUTE_JSON))
        ok = gate_json(&c);
    if (ok == 0)
        route->handler(&c);
    if (resp->status == 0 && !c.deferred) {
        log_error("req=%s handler gave no reply", req->request_id);
        api_fail(&c, ERR_INTERNAL, "internal error");
    }
    json_decref(c.body);
    memset(c.token, 0, sizeof(c.token));
}
