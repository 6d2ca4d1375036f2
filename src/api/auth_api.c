/* auth_api.c — the account endpoints under /api/auth: register, login, logout, session, csrf-token. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/accounts.h"
#include "core/limits.h"

static void set_session_cookie(struct api_call *c, const char *token, int64_t max_age)
{
    http_response_header(c->resp, "Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
                         SESSION_COOKIE, token, (long long)max_age,
                         c->app->secure_cookies ? "; Secure" : "");
}

static void reply_session(struct api_call *c, unsigned status, struct account_session *s)
{
    set_session_cookie(c, s->token, s->expires_at - c->now);
    api_reply(c, status,
              json_pack("{s:o, s:s, s:o}", "user", api_user_json(&s->user), "token", s->token,
                        "expiresAt", api_time_json(s->expires_at)));
    sodium_memzero(s->token, sizeof(s->token));
}

/* A busy or unavailable answer tells the client when to come back. */
static void fail_account(struct api_call *c, const struct err *e)
{
    if (e->kind == ERR_UNAVAILABLE)
        http_response_header(c->resp, "Retry-After", "1");
    api_fail_err(c, e);
}

/* Reads and checks {"email","password"}. */
static int read_credentials(struct api_call *c, char email[STORE_EMAIL_MAX + 1],
                            const char **pw, size_t *pw_len)
{
    const char *raw;
    size_t raw_len;
    struct err e;
    if (api_body_string(c, "email", LIMIT_EMAIL_LEN, &raw, &raw_len) != 0 ||
        api_body_string(c, "password", LIMIT_BODY_SMALL, pw, pw_len) != 0)
        return -1;
    if (accounts_email_normalize(raw, raw_len, email, &e) != 0)
        return api_fail_err(c, &e);
    return 0;
}

void api_auth_register(struct api_call *c)
{
    char email[STORE_EMAIL_MAX + 1];
    const char *pw;
    size_t pw_len;
    struct account_session s;
    struct err e;
    if (read_credentials(c, email, &pw, &pw_len) != 0)
        return;
    if (accounts_register(c->app->store, c->app->keys, email, pw, pw_len, c->now, &s, &e) != 0) {
        fail_account(c, &e);
        return;
    }
    reply_session(c, 201, &s);
}

void api_auth_login(struct api_call *c)
{
    char email[STORE_EMAIL_MAX + 1];
    const char *pw;
    size_t pw_len;
    struct account_session s;
    struct err e;
    if (read_credentials(c, email, &pw, &pw_len) != 0)
        return;
    /* Also limit per account, so spreading guesses over addresses does not
     * multiply them. The e-mail is hashed: the table holds no addresses. */
    unsigned char h[16];
    char subject[48] = "email:";
    crypto_generichash(h, sizeof(h), (const unsigned char *)email, strlen(email), NULL, 0);
    sodium_bin2hex(subject + 6, sizeof(subject) - 6, h, sizeof(h));
    unsigned retry = 0;
    int rl = rl_hit(c->app->store, &c->app->rate_limits, RL_AUTH, subject, c->now, &retry);
    if (rl == 1) {
        http_response_header(c->resp, "Retry-After", "%u", retry);
        api_fail(c, ERR_RATE_LIMITED, "too many login attempts; retry in %u seconds", retry);
        return;
    }
    if (rl < 0) {
        accounts_store_err(rl, &e);
        api_fail_err(c, &e);
        return;
    }
    if (accounts_login(c->app->store, email, pw, pw_len, c->now, &s, &e) != 0) {
        fail_account(c, &e);
        return;
    }
    reply_session(c, 200, &s);
}

void api_auth_logout(struct api_call *c)
{
    struct err e;
    if (accounts_logout(c->app->store, c->token, strlen(c->token), &e) != 0) {
        api_fail_err(c, &e);
        return;
    }
    set_session_cookie(c, "", 0);
    api_reply(c, 200, json_pack("{s:b}", "success", 1));
}

void api_auth_session(struct api_call *c)
{
    api_reply(c, 200,
              json_pack("{s:o, s:o}", "user", api_user_json(&c->session.user), "expiresAt",
                        api_time_json(c->session.expires_at)));
}

void api_auth_csrf(struct api_call *c)
{
    char csrf[AUTH_CSRF_CHARS + 1];
    auth_csrf_token(c->token, strlen(c->token), csrf);
    api_reply(c, 200, json_pack("{s:s}", "csrfToken", csrf));
}
