/*
 * exchange.c — the token endpoint (RFC 6749 4.1.3, RFC 7636 4.5) and how
 * the account's e-mail is learnt: ID token (OpenID Connect Core 3.1.3.7),
 * else userinfo (Core 5.3), or GitHub's user-emails API.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/log.h"
#include "oauth/flow_internal.h"
#include "oauth/httpc.h"
#include "vault/seal.h"

int oauth_token_post(const struct oauth_ctx *o, const struct oauth_provider *p,
                     struct buf *form, struct oauth_token_reply *r, long *status,
                     struct err *e)
{
    struct oauth_http_resp resp;
    memset(r, 0, sizeof(*r));
    if (oauth_form_add(form, "client_id", p->client_id) ||
        oauth_form_add(form, "client_secret", p->client_secret))
        return err_set(e, ERR_INTERNAL, "internal error");
    struct oauth_http_req rq = {
        .method = "POST",
        .url = p->token_url,
        .body = form->data,
        .body_len = form->len,
        .content_type = "application/x-www-form-urlencoded",
        .accept = "application/json",
        .timeout_s = o->cfg->timeout_s,
    };
    int rc = oauth_http(&rq, &resp, e);
    if (rc == 0) {
        *status = resp.status;
        rc = oauth_token_reply_parse(resp.content_type, resp.body.data, resp.body.len, r, e);
        if (rc != 0)
            log_warn("oauth: %s token endpoint: %s (HTTP %ld)", p->def->name, e->msg,
                     resp.status);
    }
    oauth_http_resp_free(&resp);
    return rc;
}

int oauth_seal_token(const unsigned char dk[VAULT_KEY_BYTES], const char *row_id,
                     const char *user_id, const char *column, const char *token,
                     unsigned char **out, size_t *out_len)
{
    struct vault_ad ad = {"integrations", column, row_id, user_id};
    return vault_seal(dk, &ad, token, strlen(token), out, out_len);
}

/* GET url with the access token; the reply body goes to fn. */
static const char *get_with_token(const struct oauth_ctx *o, const char *url, const char *token,
                                  const char *accept, struct oauth_http_resp *resp)
{
    struct err e;
    struct oauth_http_req rq = {
        .method = "GET", .url = url, .bearer = token, .accept = accept,
        .timeout_s = o->cfg->timeout_s,
    };
    if (oauth_http(&rq, resp, &e) != 0)
        return "email_unavailable";
    if (resp->status != 200) {
        log_warn("oauth: e-mail lookup answered HTTP %ld", resp->status);
        return "email_unavailable";
    }
    return NULL;
}

static const char *learn_email(const struct oauth_ctx *o, const struct oauth_provider *p,
                               const struct oauth_token_reply *r, const char *nonce, int64_t now,
                               char email[STORE_EMAIL_MAX + 1])
{
    struct oauth_http_resp resp = {0};
    struct err e;
    const char *fail = NULL;
    if (p->def->kind == OAUTH_GITHUB) {
        fail = get_with_token(o, p->emails_url, r->access_token, "application/vnd.github+json",
                              &resp);
        if (fail == NULL && oauth_github_email(resp.body.data, resp.body.len, email, &e) != 0)
            fail = "email_unavailable";
        oauth_http_resp_free(&resp);
        return fail ? fail : email[0] ? NULL : "email_unavailable";
    }
    struct oauth_identity id;
    struct oauth_id_expect x = {p->issuer, p->client_id, nonce, now};
    if (r->id_token == NULL) {
        log_warn("oauth: %s sent no ID token", p->def->name);
        return "exchange_failed";
    }
    if (oauth_id_token_check(r->id_token, &x, &id, &e) != 0) {
        log_warn("oauth: %s ID token refused: %s", p->def->name, e.msg);
        return "exchange_failed";
    }
    if (id.email[0]) {
        memcpy(email, id.email, sizeof(id.email));
        return NULL;
    }
    if (!p->userinfo_url[0])
        return "email_unavailable";
    fail = get_with_token(o, p->userinfo_url, r->access_token, "application/json", &resp);
    if (fail == NULL &&
        oauth_userinfo_email(resp.body.data, resp.body.len, id.sub, email, &e) != 0) {
        log_warn("oauth: %s userinfo refused: %s", p->def->name, e.msg);
        fail = "email_unavailable";
    }
    oauth_http_resp_free(&resp);
    return fail ? fail : email[0] ? NULL : "email_unavailable";
}

static const char *store_tokens(const struct oauth_ctx *o, const struct oauth_provider *p,
                                const char *user_id, const unsigned char dk[VAULT_KEY_BYTES],
                                const struct oauth_token_reply *r, const char *email, int64_t now)
{
    char id[ID_UUID_CHARS + 1];
    unsigned char *acc = NULL, *ref = NULL;
    size_t acc_len = 0, ref_len = 0;
    const char *fail = "server_error";
    id_uuid4(id);
    if (oauth_seal_token(dk, id, user_id, "access_token", r->access_token, &acc, &acc_len) != 0 ||
        (r->refresh_token &&
         oauth_seal_token(dk, id, user_id, "refresh_token", r->refresh_token, &ref, &ref_len) != 0))
        goto out;
    int64_t exp = r->expires_in >= 0 ? now + r->expires_in : 0;
    if (store_oauth_upsert(o->store, id, user_id, p->def->name, email, now, acc, acc_len, ref,
                           ref_len, exp, r->scope ? r->scope : p->def->scopes) == STORE_OK)
        fail = NULL;
out:
    free(acc);
    free(ref);
    return fail;
}

const char *oauth_exchange_and_store(const struct oauth_ctx *o, const struct oauth_provider *p,
                                     const char *user_id, const unsigned char dk[VAULT_KEY_BYTES],
                                     const char *code, const char *verifier, const char *nonce,
                                     int64_t now)
{
    char redirect[OAUTH_PUBLIC_URL_MAX + 64], email[STORE_EMAIL_MAX + 1] = "";
    struct buf form;
    struct oauth_token_reply r = {0};
    struct err e;
    long status = 0;
    const char *fail = NULL;
    oauth_redirect_uri(o, p->def->name, redirect, sizeof(redirect));
    buf_init(&form, LIMIT_OAUTH_URL_MAX * 4);
    if (oauth_form_add(&form, "grant_type", "authorization_code") ||
        oauth_form_add(&form, "code", code) || oauth_form_add(&form, "redirect_uri", redirect) ||
        oauth_form_add(&form, "code_verifier", verifier))
        fail = "server_error";
    else if (oauth_token_post(o, p, &form, &r, &status, &e) != 0)
        fail = "exchange_failed";
    else if (r.error || status < 200 || status > 299) {
        char safe[64];
        log_sanitize(safe, sizeof(safe), r.error ? r.error : "-", r.error ? strlen(r.error) : 1);
        log_warn("oauth: %s code exchange refused: HTTP %ld error %s", p->def->name, status, safe);
        fail = "exchange_failed";
    }
    buf_free(&form, true);
    if (fail == NULL)
        fail = learn_email(o, p, &r, nonce, now, email);
    if (fail == NULL)
        fail = store_tokens(o, p, user_id, dk, &r, email, now);
    oauth_token_reply_free(&r);
    return fail;
}
