/*
 * provider.h — the OAuth providers passagent knows (gmail, google, outlook,
 * github) as data, and their run-time settings: the real endpoints are the
 * defaults, and every endpoint plus the client id and secret can be set per
 * provider by PASSAGENT_<NAME>_* variables (tests point them at local peers).
 */
#ifndef PASSAGENT_OAUTH_PROVIDER_H
#define PASSAGENT_OAUTH_PROVIDER_H

#include <stdbool.h>

#include "core/err.h"
#include "core/limits.h"

enum oauth_kind {
    OAUTH_OIDC,   /* OpenID Connect: ID token, nonce, userinfo */
    OAUTH_GITHUB, /* OAuth 2.0 only: e-mail from the user-emails API */
};

enum oauth_revoke_style {
    OAUTH_REVOKE_NONE,    /* delete locally only (no per-app revocation) */
    OAUTH_REVOKE_RFC7009, /* POST token=..&token_type_hint=.. (Google's too) */
    OAUTH_REVOKE_GITHUB,  /* DELETE {client_id}/grant, Basic auth, JSON body */
};

/* The fixed facts of one provider. */
struct oauth_provider_def {
    const char *name; /* path segment: "gmail" */
    const char *env;  /* variable infix: "GMAIL" */
    enum oauth_kind kind;
    const char *auth_url, *token_url, *revoke_url, *userinfo_url, *emails_url, *issuer;
    const char *scopes; /* space separated, as sent */
    const char *extra;  /* extra authorize parameters, already encoded */
    enum oauth_revoke_style revoke;
};

#define OAUTH_PROVIDER_COUNT 4
#define OAUTH_PROVIDERS_TEXT "gmail, outlook, github, google"
#define OAUTH_CLIENT_MAX 512

/* One provider as configured. Empty strings mean "not set". */
struct oauth_provider {
    const struct oauth_provider_def *def;
    bool configured; /* client id and secret present */
    enum oauth_revoke_style revoke;
    char client_id[OAUTH_CLIENT_MAX];
    char client_secret[OAUTH_CLIENT_MAX];
    char auth_url[LIMIT_OAUTH_URL_MAX];
    char token_url[LIMIT_OAUTH_URL_MAX];
    char revoke_url[LIMIT_OAUTH_URL_MAX];
    char userinfo_url[LIMIT_OAUTH_URL_MAX];
    char emails_url[LIMIT_OAUTH_URL_MAX];
    char issuer[LIMIT_OAUTH_URL_MAX];
};

struct oauth_settings {
    struct oauth_provider providers[OAUTH_PROVIDER_COUNT];
    unsigned timeout_s;          /* whole outbound request */
    unsigned refresh_interval_s; /* background refresh pass */
    unsigned refresh_margin_s;   /* refresh tokens expiring within this */
    unsigned workers;            /* threads for outbound calls */
};

/* Fills the providers of s from defaults and PASSAGENT_<NAME>_* variables.
 * A URL must be https://, or http:// to a loopback host (local peers).
 * Errors name the variable at fault and never print a secret. */
int oauth_providers_load(struct oauth_settings *s, struct err *e)
    __attribute__((warn_unused_result));

/* The provider called name, or NULL when passagent does not know it. */
const struct oauth_provider *oauth_provider_find(const struct oauth_settings *s,
                                                 const char *name);

/* Prints the per-provider variables for --help. */
void oauth_providers_usage(void);

#endif
