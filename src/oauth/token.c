/*
 * token.c — parsing of provider replies (RFC 6749 5.1/5.2, OpenID Connect
 * Core 2 and 3.1.3.7). Every failure is PROVIDER_ERROR with a message that
 * names the problem, never the bytes that caused it.
 */
#include "oauth/token.h"

#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "oauth/httpc.h"

static int bad(struct err *e, const char *what)
{
    return err_set_code(e, ERR_BAD_GATEWAY, "PROVIDER_ERROR", "%s", what);
}

/* Decodes one form-urlencoded component: '+' is a space, then %XX. The
 * '+' must go first, or an encoded "%2B" would turn into a space. */
static char *form_decode(const char *p, size_t n, int *out_len)
{
    char *raw = malloc(n + 1);
    if (raw == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        raw[i] = p[i] == '+' ? ' ' : p[i];
    raw[n] = '\0'; /* curl reads a length of 0 as "up to the NUL" */
    char *v = curl_easy_unescape(NULL, raw, (int)n, out_len);
    sodium_memzero(raw, n);
    free(raw);
    return v;
}

/* form-urlencoded pairs into a JSON object of strings (last one wins). */
static json_t *form_to_json(const char *body, size_t len)
{
    json_t *o = json_object();
    const char *p = body, *end = body + len;
    while (o && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pe - p));
        if (eq && eq > p) {
            int kl = 0, vl = 0;
            char *k = form_decode(p, (size_t)(eq - p), &kl);
            char *v = form_decode(eq + 1, (size_t)(pe - eq - 1), &vl);
            int ok = k && v && memchr(k, 0, (size_t)kl) == NULL &&
                     json_object_set_new(o, k, json_stringn(v, (size_t)vl)) == 0;
            if (v)
                sodium_memzero(v, (size_t)vl);
            curl_free(k);
            curl_free(v);
            if (!ok) {
                json_decref(o);
                return NULL;
            }
        }
        p = pe + 1;
    }
    return o;
}

static const char *str_field(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* expires_in: a non-negative integer, or a string of digits (seen from
 * Microsoft). */
static int expires_field(json_t *o, int64_t *out)
{
    json_t *v = json_object_get(o, "expires_in");
    *out = -1;
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || *end || n < 0)
        return -1;
    *out = n;
    return 0;
}

int oauth_token_reply_parse(const char *content_type, const char *body, size_t len,
                            struct oauth_token_reply *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    out->expires_in = -1;
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
        i++;
    int as_json = (content_type && oauth_is_json_type(content_type)) || (i < len && body[i] == '{');
    if (as_json) {
        json_error_t je;
        out->json = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
        if (out->json && !json_is_object(out->json)) {
            json_decref(out->json);
            out->json = NULL;
        }
    } else {
        out->json = form_to_json(body, len);
    }
    if (out->json == NULL)
        return bad(e, "provider sent an unreadable token reply");
    out->error = str_field(out->json, "error");
    if (out->error)
        return 0;
    out->access_token = str_field(out->json, "access_token");
    out->refresh_token = str_field(out->json, "refresh_token");
    out->id_token = str_field(out->json, "id_token");
    out->scope = str_field(out->json, "scope");
    if (out->refresh_token && out->refresh_token[0] == '\0')
        out->refresh_token = NULL;
    if (out->access_token == NULL || out->access_token[0] == '\0')
        return bad(e, "provider sent no access token");
    if (strlen(out->access_token) > LIMIT_OAUTH_TOKEN_MAX ||
        (out->refresh_token && strlen(out->refresh_token) > LIMIT_OAUTH_TOKEN_MAX) ||
        (out->scope && strlen(out->scope) > STORE_SCOPES_MAX))
        return bad(e, "provider sent an oversized token");
    if (expires_field(out->json, &out->expires_in) != 0)
        return bad(e, "provider sent an invalid expires_in");
    return 0;
}

void oauth_token_reply_free(struct oauth_token_reply *r)
{
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

/* Decodes the base64url JWT segment [p, p+n) as a JSON object. */
static json_t *jwt_segment(const char *p, size_t n)
{
    size_t cap = n, out_len = 0;
    unsigned char *raw = malloc(cap + 1);
    if (raw == NULL)
        return NULL;
    json_t *o = NULL;
    if (sodium_base642bin(raw, cap, p, n, NULL, &out_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0) {
        json_error_t je;
        o = json_loadb((const char *)raw, out_len, JSON_REJECT_DUPLICATES, &je);
        if (o && !json_is_object(o)) {
            json_decref(o);
            o = NULL;
        }
    }
    free(raw);
    return o;
}

/* The issuer expected, with {tenantid} replaced by the tid claim. */
static int issuer_matches(const char *want, json_t *claims)
{
    const char *iss = str_field(claims, "iss");
    const char *mark = strstr(want, "{tenantid}");
    if (iss == NULL)
        return 0;
    if (mark == NULL)
        return strcmp(iss, want) == 0;
    const char *tid = str_field(claims, "tid");
    size_t pre = (size_t)(mark - want), tl = tid ? strlen(tid) : 0;
    const char *post = mark + strlen("{tenantid}");
    return tid && tl > 0 && strncmp(iss, want, pre) == 0 && strncmp(iss + pre, tid, tl) == 0 &&
           strcmp(iss + pre + tl, post) == 0;
}

static int audience_ok(json_t *claims, const char *client_id)
{
    json_t *aud = json_object_get(claims, "aud");
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), client_id) == 0;
    if (!json_is_array(aud) || json_array_size(aud) == 0)
        return 0;
    int found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v) found |= json_is_string(v) &&
                                          strcmp(json_string_value(v), client_id) == 0;
    const char *azp = str_field(claims, "azp");
    if (json_array_size(aud) > 1 && (azp == NULL || strcmp(azp, client_id) != 0))
        return 0;
    return found;
}

static int copy_email(json_t *o, char email[STORE_EMAIL_MAX + 1])
{
    const char *m = str_field(o, "email");
    json_t *verified = json_object_get(o, "email_verified");
    email[0] = '\0';
    if (m == NULL || json_is_false(verified))
        return 0;
    /* Some providers send email_verified as the string "false". */
    if (json_is_string(verified) && strcmp(json_string_value(verified), "false") == 0)
        return 0;
    size_t n = strlen(m);
    if (n == 0 || n > STORE_EMAIL_MAX || strchr(m, '@') == NULL)
        return 0;
    memcpy(email, m, n + 1);
    return 0;
}

static int claims_check(json_t *claims, const struct oauth_id_expect *x, struct err *e)
{
    json_t *exp = json_object_get(claims, "exp"), *iat = json_object_get(claims, "iat");
    const char *nonce = str_field(claims, "nonce");
    if (!issuer_matches(x->issuer, claims))
        return bad(e, "ID token issuer mismatch");
    if (!audience_ok(claims, x->client_id))
        return bad(e, "ID token audience mismatch");
    if (!json_is_integer(exp) || json_integer_value(exp) + LIMIT_OAUTH_CLOCK_SKEW_S < x->now)
        return bad(e, "ID token expired");
    if (iat && (!json_is_integer(iat) || json_integer_value(iat) > x->now + LIMIT_OAUTH_CLOCK_SKEW_S))
        return bad(e, "ID token issued in the future");
    if (nonce == NULL || strlen(nonce) != strlen(x->nonce) ||
        sodium_memcmp(nonce, x->nonce, strlen(nonce)) != 0)
        return bad(e, "ID token nonce mismatch");
    return 0;
}

int oauth_id_token_check(const char *jwt, const struct oauth_id_expect *x,
                         struct oauth_identity *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    const char *d1 = strchr(jwt, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '.') != NULL)
        return bad(e, "ID token is not a signed JWT");
    json_t *hdr = jwt_segment(jwt, (size_t)(d1 - jwt));
    json_t *claims = jwt_segment(d1 + 1, (size_t)(d2 - d1 - 1));
    const char *alg = hdr ? str_field(hdr, "alg") : NULL;
    int rc = 0;
    if (hdr == NULL || claims == NULL)
        rc = bad(e, "ID token is unreadable");
    else if (alg == NULL || strcmp(alg, "none") == 0 || d2[1] == '\0')
        rc = bad(e, "ID token is unsigned");
    else
        rc = claims_check(claims, x, e);
    const char *sub = claims ? str_field(claims, "sub") : NULL;
    if (rc == 0 && (sub == NULL || sub[0] == '\0' || strlen(sub) >= sizeof(out->sub)))
        rc = bad(e, "ID token has no subject");
    if (rc == 0) {
        memcpy(out->sub, sub, strlen(sub) + 1);
        copy_email(claims, out->email);
    }
    json_decref(hdr);
    json_decref(claims);
    return rc;
}

int oauth_userinfo_email(const char *body, size_t len, const char *expect_sub,
                         char email[STORE_EMAIL_MAX + 1], struct err *e)
{
    json_error_t je;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    int rc = 0;
    const char *sub = json_is_object(o) ? str_field(o, "sub") : NULL;
    if (sub == NULL)
        rc = bad(e, "provider sent an unreadable userinfo reply");
    else if (strcmp(sub, expect_sub) != 0)
        rc = bad(e, "userinfo subject differs from the ID token");
    else
        copy_email(o, email);
    json_decref(o);
    return rc;
}

int oauth_github_email(const char *body, size_t len, char email[STORE_EMAIL_MAX + 1],
                       struct err *e)
{
    json_error_t je;
    json_t *a = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    email[0] = '\0';
    if (!json_is_array(a)) {
        json_decref(a);
        return bad(e, "provider sent an unreadable e-mail list");
    }
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        const char *m = str_field(v, "email");
        if (m && json_is_true(json_object_get(v, "primary")) &&
            json_is_true(json_object_get(v, "verified")) && strlen(m) <= STORE_EMAIL_MAX &&
            strchr(m, '@')) {
            memcpy(email, m, strlen(m) + 1);
            break;
        }
    }
    json_decref(a);
    return 0;
}
