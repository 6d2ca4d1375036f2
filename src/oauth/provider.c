/*
 * provider.c — the provider table (facts from shared/recipes/providers.md)
 * and its per-provider environment overrides.
 */
#include "oauth/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct oauth_provider_def defs[OAUTH_PROVIDER_COUNT] = {
    {
        .name = "gmail",
        .env = "GMAIL",
        .kind = OAUTH_OIDC,
        .auth_url = "https://accounts.google.com/o/oauth2/v2/auth",
        .token_url = "https://oauth2.googleapis.com/token",
        .revoke_url = "https://oauth2.googleapis.com/revoke",
        .userinfo_url = "https://openidconnect.googleapis.com/v1/userinfo",
        .emails_url = "",
        .issuer = "https://accounts.google.com",
        .scopes = "openid email https://www.googleapis.com/auth/gmail.readonly "
                  "https://www.googleapis.com/auth/gmail.modify",
        .extra = "access_type=offline&prompt=consent",
        .revoke = OAUTH_REVOKE_RFC7009,
    },
    {
        .name = "outlook",
        .env = "OUTLOOK",
        .kind = OAUTH_OIDC,
        .auth_url = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        .token_url = "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        .revoke_url = "", /* the only one signs the user out everywhere: never */
        .userinfo_url = "https://graph.microsoft.com/oidc/userinfo",
        .emails_url = "",
        .issuer = "https://login.microsoftonline.com/{tenantid}/v2.0",
        .scopes = "openid email offline_access https://outlook.office.com/IMAP.AccessAsUser.All",
        .extra = "",
        .revoke = OAUTH_REVOKE_NONE,
    },
    {
        .name = "github",
        .env = "GITHUB",
        .kind = OAUTH_GITHUB,
        .auth_url = "https://github.com/login/oauth/authorize",
        .token_url = "https://github.com/login/oauth/access_token",
        .revoke_url = "https://api.github.com/applications/{client_id}/grant",
        .userinfo_url = "",
        .emails_url = "https://api.github.com/user/emails",
        .issuer = "",
        .scopes = "read:user user:email",
        .extra = "",
        .revoke = OAUTH_REVOKE_GITHUB,
    },
    {
        .name = "google",
        .env = "GOOGLE",
        .kind = OAUTH_OIDC,
        .auth_url = "https://accounts.google.com/o/oauth2/v2/auth",
        .token_url = "https://oauth2.googleapis.com/token",
        .revoke_url = "https://oauth2.googleapis.com/revoke",
        .userinfo_url = "https://openidconnect.googleapis.com/v1/userinfo",
        .emails_url = "",
        .issuer = "https://accounts.google.com",
        .scopes = "openid email profile",
        .extra = "access_type=offline&prompt=consent",
        .revoke = OAUTH_REVOKE_RFC7009,
    },
};

/* http:// is allowed only to this machine (test peers, a local IdP). */
static bool url_acceptable(const char *u)
{
    if (strncmp(u, "https://", 8) == 0)
        return u[8] != '\0';
    static const char *const local[] = {"http://127.", "http://localhost:", "http://localhost/",
                                        "http://[::1]"};
    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
        if (strncmp(u, local[i], strlen(local[i])) == 0)
            return true;
    return false;
}

/* Copies PASSAGENT_<env>_<suffix> (or def when unset) into out. */
static int setting(const struct oauth_provider_def *d, const char *suffix, const char *def,
                   bool is_url, char *out, size_t outsz, struct err *e)
{
    char name[64];
    snprintf(name, sizeof(name), "PASSAGENT_%s_%s", d->env, suffix);
    const char *v = getenv(name);
    if (v == NULL)
        v = def;
    if (strlen(v) >= outsz)
        return err_set(e, ERR_INTERNAL, "%s: value too long (at most %zu bytes)", name,
                       outsz - 1);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return err_set(e, ERR_INTERNAL, "%s: must not contain spaces or control characters",
                           name);
    if (is_url && *v && !url_acceptable(v))
        return err_set(e, ERR_INTERNAL,
                       "%s: expected an https:// URL (http:// only to a loopback host)", name);
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

static int provider_load(const struct oauth_provider_def *d, struct oauth_provider *p,
                         struct err *e)
{
    memset(p, 0, sizeof(*p));
    p->def = d;
    if (setting(d, "CLIENT_ID", "", false, p->client_id, sizeof(p->client_id), e) ||
        setting(d, "CLIENT_SECRET", "", false, p->client_secret, sizeof(p->client_secret), e) ||
        setting(d, "AUTH_URL", d->auth_url, true, p->auth_url, sizeof(p->auth_url), e) ||
        setting(d, "TOKEN_URL", d->token_url, true, p->token_url, sizeof(p->token_url), e) ||
        setting(d, "REVOKE_URL", d->revoke_url, true, p->revoke_url, sizeof(p->revoke_url), e) ||
        setting(d, "USERINFO_URL", d->userinfo_url, true, p->userinfo_url,
                sizeof(p->userinfo_url), e) ||
        setting(d, "EMAILS_URL", d->emails_url, true, p->emails_url, sizeof(p->emails_url), e) ||
        setting(d, "ISSUER", d->issuer, false, p->issuer, sizeof(p->issuer), e))
        return -1;
    p->configured = p->client_id[0] && p->client_secret[0] && p->auth_url[0] && p->token_url[0];
    p->revoke = d->revoke;
    /* A provider without per-app revocation gets RFC 7009 when an operator
     * names an endpoint. */
    if (p->revoke == OAUTH_REVOKE_NONE && p->revoke_url[0])
        p->revoke = OAUTH_REVOKE_RFC7009;
    if (!p->revoke_url[0])
        p->revoke = OAUTH_REVOKE_NONE;
    if (d->kind == OAUTH_OIDC && p->configured && !p->issuer[0])
        return err_set(e, ERR_INTERNAL, "PASSAGENT_%s_ISSUER: required for an OpenID provider",
                       d->env);
    return 0;
}

int oauth_providers_load(struct oauth_settings *s, struct err *e)
{
    for (size_t i = 0; i < OAUTH_PROVIDER_COUNT; i++)
        if (provider_load(&defs[i], &s->providers[i], e) != 0)
            return -1;
    return 0;
}

const struct oauth_provider *oauth_provider_find(const struct oauth_settings *s,
                                                 const char *name)
{
    for (size_t i = 0; name && i < OAUTH_PROVIDER_COUNT; i++)
        if (strcmp(s->providers[i].def->name, name) == 0)
            return &s->providers[i];
    return NULL;
}

void oauth_providers_usage(void)
{
    printf("\nOAuth providers (NAME = GMAIL, GOOGLE, OUTLOOK, GITHUB; a provider without\n"
           "client id and secret answers 503 PROVIDER_NOT_CONFIGURED):\n"
           "  PASSAGENT_NAME_CLIENT_ID, PASSAGENT_NAME_CLIENT_SECRET   client credentials\n"
           "  PASSAGENT_NAME_AUTH_URL, _TOKEN_URL, _REVOKE_URL, _USERINFO_URL, _EMAILS_URL,\n"
           "  _ISSUER   endpoints (default: the real provider's; https, or http to loopback)\n");
}
