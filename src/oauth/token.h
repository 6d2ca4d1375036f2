/*
 * token.h — reading what providers answer (RFC 6749 section 5, OpenID
 * Connect Core 3.1.3): token replies in JSON or form encoding, ID token
 * claims, userinfo and GitHub's user-emails list. Pure functions over bytes,
 * no I/O, so they are unit-tested and fuzzed directly.
 */
#ifndef PASSAGENT_OAUTH_TOKEN_H
#define PASSAGENT_OAUTH_TOKEN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* A parsed token endpoint reply. Strings point into `json` (owned). */
struct oauth_token_reply {
    json_t *json;
    const char *error;         /* "invalid_grant" etc., or NULL */
    const char *access_token;  /* NULL when absent */
    const char *refresh_token; /* NULL when absent */
    const char *id_token;      /* NULL when absent */
    const char *scope;         /* NULL when absent */
    int64_t expires_in;        /* -1 when absent */
};

/* Parses a token reply of any HTTP status: JSON when the media type says so
 * or the body starts with '{', form-urlencoded otherwise. A reply carrying
 * `error` (even with HTTP 200) fills ->error and succeeds. A success reply
 * without a usable access token, a bad expires_in (a numeric string is
 * accepted) or tokens over LIMIT_OAUTH_TOKEN_MAX fail with PROVIDER_ERROR.
 * Release with oauth_token_reply_free. */
int oauth_token_reply_parse(const char *content_type, const char *body, size_t len,
                            struct oauth_token_reply *out, struct err *e)
    __attribute__((warn_unused_result));
void oauth_token_reply_free(struct oauth_token_reply *r);

/* What the ID token must say (OpenID Connect Core 3.1.3.7). */
struct oauth_id_expect {
    const char *issuer;    /* may contain "{tenantid}", filled from the tid claim */
    const char *client_id; /* audience */
    const char *nonce;
    int64_t now;
};

struct oauth_identity {
    char sub[256];
    char email[STORE_EMAIL_MAX + 1]; /* "" when the token names none */
};

/* Checks an ID token's claims: iss, aud (and azp with several audiences),
 * exp and iat with LIMIT_OAUTH_CLOCK_SKEW_S, nonce; alg must not be "none".
 * The signature is not checked: the token came straight from the token
 * endpoint over TLS to us, authenticated with our client secret (Core
 * 3.1.3.7 item 6). An e-mail with email_verified false is not taken. */
int oauth_id_token_check(const char *jwt, const struct oauth_id_expect *x,
                         struct oauth_identity *out, struct err *e)
    __attribute__((warn_unused_result));

/* A userinfo reply: its sub must equal expect_sub; fills email. */
int oauth_userinfo_email(const char *body, size_t len, const char *expect_sub,
                         char email[STORE_EMAIL_MAX + 1], struct err *e)
    __attribute__((warn_unused_result));

/* GitHub's GET /user/emails: the address that is primary and verified. */
int oauth_github_email(const char *body, size_t len, char email[STORE_EMAIL_MAX + 1],
                       struct err *e) __attribute__((warn_unused_result));

#endif
