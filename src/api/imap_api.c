/*
 * imap_api.c — POST /api/integrations/imap/connect and /disconnect.
 * Validation happens here, before any network activity; the login, the
 * SSRF gate and the error vocabulary live in src/imap/.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/accounts.h"
#include "imap/account.h"

/* CR, LF or NUL in an IMAP field could inject commands (recipes: libcurl
 * sends a password with CR/LF raw in the LOGIN command). */
static bool has_crlf_nul(const char *s, size_t len)
{
    return memchr(s, '\r', len) || memchr(s, '\n', len) || memchr(s, '\0', len);
}

static int field_text(struct api_call *c, const char *field, size_t max, bool required,
                      const char **out, size_t *len)
{
    int rc = required ? api_body_string(c, field, max, out, len)
                      : api_body_string_opt(c, field, max, out, len);
    if (rc != 0)
        return -1;
    if (*out && has_crlf_nul(*out, *len))
        return api_fail(c, ERR_VALIDATION, "field '%s' must not contain CR, LF or NUL", field);
    if (required && *len == 0)
        return api_fail(c, ERR_VALIDATION, "field '%s' must not be empty", field);
    return 0;
}

struct connect_req {
    char host[IMAPC_HOST_MAX + 1];
    const char *username;
    const char *password;
    const char *pin;
    long long port;
    bool tls;
};

static int connect_parse(struct api_call *c, struct connect_req *r)
{
    const char *host;
    size_t hl, ul, pl, pinl;
    bool is_ip;
    struct err e;
    if (field_text(c, "host", IMAPC_HOST_MAX + 2, true, &host, &hl) != 0 ||
        field_text(c, "username", LIMIT_IMAP_USERNAME_MAX, true, &r->username, &ul) != 0 ||
        field_text(c, "password", LIMIT_IMAP_PASSWORD_MAX, true, &r->password, &pl) != 0 ||
        field_text(c, "pinnedPublicKey", IMAPC_PIN_MAX, false, &r->pin, &pinl) != 0 ||
        api_body_bool(c, "tls", true, &r->tls) != 0 ||
        api_body_int(c, "port", 1, 65535, r->tls ? 993 : 143, &r->port) != 0)
        return -1;
    if (r->pin && !imapc_pin_valid(r->pin, pinl))
        return api_fail(c, ERR_VALIDATION,
                        "field 'pinnedPublicKey' must be sha256// followed by the base64 "
                        "SHA-256 of the server's public key");
    if (imapc_host_canonical(host, hl, r->host, &is_ip, &e) != 0)
        return api_fail_err(c, &e);
    return 0;
}

/* Connect attempts per user, on top of the general class. */
static int connect_rate_limit(struct api_call *c)
{
    const struct imapc_settings *s = c->app->imap;
    struct rl_config cfg = {0};
    char subject[STORE_ID_LEN + 16];
    unsigned retry = 0;
    cfg.rules[RL_GENERAL] = (struct rl_rule){s->connect_limit, s->connect_window_s};
    snprintf(subject, sizeof(subject), "imap-connect:%s", c->session.user.id);
    int rc = rl_hit(c->app->store, &cfg, RL_GENERAL, subject, c->now, &retry);
    if (rc == 0)
        return 0;
    if (rc == 1) {
        http_response_header(c->resp, "Retry-After", "%u", retry);
        return api_fail(c, ERR_RATE_LIMITED, "too many IMAP connect attempts; retry in %u seconds",
                        retry);
    }
    struct err e;
    accounts_store_err(rc, &e);
    return api_fail_err(c, &e);
}

void api_imap_connect(struct api_call *c)
{
    struct connect_req r = {0};
    struct err e;
    if (connect_parse(c, &r) != 0 || connect_rate_limit(c) != 0)
        return;
    struct imapc_account a = {.host = r.host,
                              .port = (unsigned)r.port,
                              .username = r.username,
                              .password = r.password,
                              .tls = r.tls,
                              .pin = r.pin};
    if (imapc_login(c->app->imap, &a, NULL, &e) != 0) {
        api_fail_err(c, &e);
        return;
    }
    unsigned char dk[VAULT_KEY_BYTES];
    if (api_user_data_key(c, dk) != 0)
        return;
    int rc = imap_mailbox_save(c->app->store, dk, c->session.user.id, &a, c->now, &e);
    sodium_memzero(dk, sizeof(dk));
    if (rc != 0) {
        api_fail_err(c, &e);
        return;
    }
    char email[STORE_EMAIL_MAX + 1];
    imap_mailbox_email(a.username, a.host, email);
    api_reply(c, 200, json_pack("{s:b, s:s}", "success", 1, "email", email));
}

void api_imap_disconnect(struct api_call *c)
{
    int rc = store_imap_delete(c->app->store, c->session.user.id);
    if (rc != STORE_OK) {
        struct err e;
        accounts_store_err(rc, &e);
        api_fail_err(c, &e);
        return;
    }
    api_reply(c, 200, json_pack("{s:b}", "success", 1));
}
