/*
 * routes.c — every endpoint of passagent, as data. The gate applies the
 * flags; tests/unit/test_routes.c fails when a mutating route lacks CSRF
 * without ROUTE_CSRF_EXEMPT.
 */
#include "api/api.h"
#include "core/limits.h"

#define AUTH ROUTE_AUTH
#define CSRF ROUTE_CSRF
#define JSON ROUTE_JSON

const struct route api_routes[] = {
    {HTTP_GET, "/healthz", api_health, 0, RL_NONE, 0},

    /* The dashboard (static_api.c): public files, no session (the pages ask
     * the API who is signed in). Not rate limited: cheap, and a page load
     * fetches several. */
    {HTTP_GET, "/", api_static_page, 0, RL_NONE, 0},
    {HTTP_GET, "/dashboard", api_static_dashboard, 0, RL_NONE, 0},
    {HTTP_GET, "/dashboard/{page}", api_static_page, 0, RL_NONE, 0},
    {HTTP_GET, "/assets/{file}", api_static_asset, 0, RL_NONE, 0},

    /* Register and login are exempt from CSRF: there is no session yet to
     * bind a token to. They demand a JSON content type instead, which a
     * cross-site form cannot send without a CORS preflight. */
    {HTTP_POST, "/api/auth/register", api_auth_register, ROUTE_CSRF_EXEMPT | JSON, RL_AUTH,
     LIMIT_BODY_SMALL},
    {HTTP_POST, "/api/auth/login", api_auth_login, ROUTE_CSRF_EXEMPT | JSON, RL_AUTH,
     LIMIT_BODY_SMALL},
    /* Not rate limited: a user over the general limit must still be able to
     * fetch a CSRF token and log out. Both are cheap. */
    {HTTP_POST, "/api/auth/logout", api_auth_logout, AUTH | CSRF, RL_NONE, LIMIT_BODY_SMALL},
    {HTTP_GET, "/api/auth/session", api_auth_session, AUTH, RL_GENERAL, 0},
    {HTTP_GET, "/api/auth/csrf-token", api_auth_csrf, AUTH, RL_NONE, 0},

    {HTTP_GET, "/api/user-integrations", api_integrations_list, AUTH, RL_GENERAL, 0},

    /* IMAP mailboxes. These literal routes must stay above the
     * /api/integrations/{provider}/... patterns: the first match wins. */
    {HTTP_POST, "/api/integrations/imap/connect", api_imap_connect, AUTH | CSRF | JSON,
     RL_GENERAL, LIMIT_BODY_SMALL},
    /* Disconnect takes no body (the seed documents none), like the
     * provider disconnect: no JSON flag, so a bare POST works. */
    {HTTP_POST, "/api/integrations/imap/disconnect", api_imap_disconnect, AUTH | CSRF,
     RL_GENERAL, LIMIT_BODY_SMALL},

    /* OAuth providers (oauth_api.c). The callback has no session: the
     * state authenticates it (single use, bound to user, provider and, for
     * browser sessions, a cookie). It is a GET, so CSRF does not apply. */
    {HTTP_GET, "/api/integrations/providers", api_oauth_providers, AUTH, RL_GENERAL, 0},
    {HTTP_GET, "/api/integrations/{provider}/auth", api_oauth_auth, AUTH, RL_GENERAL, 0},
    {HTTP_GET, "/api/integrations/{provider}/callback", api_oauth_callback, 0, RL_GENERAL, 0},
    {HTTP_POST, "/api/integrations/{provider}/disconnect", api_oauth_disconnect, AUTH | CSRF,
     RL_GENERAL, LIMIT_BODY_SMALL},
    {HTTP_POST, "/api/integrations/{provider}/refresh", api_oauth_refresh, AUTH | CSRF,
     RL_GENERAL, LIMIT_BODY_SMALL},

    /* Password vault. The import takes JSON or multipart/form-data, so the
     * handler parses the body itself (no JSON flag). */
    {HTTP_POST, "/api/passwords/import", api_passwords_import, AUTH | CSRF, RL_GENERAL,
     LIMIT_BODY_IMPORT},
    {HTTP_GET, "/api/passwords", api_passwords_list, AUTH, RL_GENERAL, 0},
    {HTTP_POST, "/api/passwords/{id}/reveal", api_passwords_reveal, AUTH | CSRF, RL_REVEAL,
     LIMIT_BODY_SMALL},
    {HTTP_DELETE, "/api/passwords/{id}", api_passwords_delete, AUTH | CSRF, RL_GENERAL,
     LIMIT_BODY_SMALL},
};

const size_t api_route_count = sizeof(api_routes) / sizeof(api_routes[0]);
