/*
 * httpc.c — libcurl easy interface with the hygiene of httpc.h. Only this
 * file of the OAuth module includes curl.h. Nothing from a request or a
 * reply body is ever logged: bodies carry codes, tokens and secrets.
 */
#include "oauth/httpc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"
#include "core/log.h"

int oauth_http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    struct oauth_http_resp *r = ctx;
    size_t len = size * n;
    /* Returning less than len aborts the transfer (CURLE_WRITE_ERROR). */
    return buf_append(&r->body, p, len) == 0 ? len : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct oauth_http_resp *r = ctx;
    size_t len = size * n;
    static const char ct[] = "content-type:";
    if (len > sizeof(ct) - 1 && strncasecmp(p, ct, sizeof(ct) - 1) == 0) {
        const char *v = p + sizeof(ct) - 1;
        size_t vl = len - (sizeof(ct) - 1);
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl >= sizeof(r->content_type))
            vl = sizeof(r->content_type) - 1;
        memcpy(r->content_type, v, vl);
        r->content_type[vl] = '\0';
    }
    return len;
}

static int transport_error(CURLcode cc, const struct oauth_http_req *rq, struct err *e)
{
    const char *what = "provider unreachable";
    if (cc == CURLE_OPERATION_TIMEDOUT)
        what = "provider did not answer in time";
    else if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED)
        what = "provider reply too large";
    else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
             cc == CURLE_SSL_CACERT_BADFILE)
        what = "TLS with the provider failed";
    log_warn("oauth: %s %s: %s (%s)", rq->method, "provider request", what,
             curl_easy_strerror(cc));
    return err_set_code(e, ERR_BAD_GATEWAY, "PROVIDER_ERROR", "%s", what);
}

static void set_options(CURL *h, const struct oauth_http_req *rq, struct oauth_http_resp *out,
                        struct curl_slist *hdrs)
{
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, LIMIT_OAUTH_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)rq->timeout_s * 1000L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)LIMIT_OAUTH_REPLY_MAX);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "passagent");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (strcmp(rq->method, "POST") == 0 || rq->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)rq->body_len);
    }
    if (strcmp(rq->method, "POST") != 0 && strcmp(rq->method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    if (rq->basic_user && rq->basic_pass) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, rq->basic_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, rq->basic_pass);
    }
}

/* Adds "Name: value" to the list; values here are ours or tokens (never
 * logged). Returns NULL on failure after freeing the list. */
static struct curl_slist *header_add(struct curl_slist *l, const char *name, const char *value)
{
    char line[LIMIT_OAUTH_TOKEN_MAX + 64];
    if (snprintf(line, sizeof(line), "%s: %s", name, value) >= (int)sizeof(line)) {
        curl_slist_free_all(l);
        return NULL;
    }
    struct curl_slist *n = curl_slist_append(l, line);
    memset(line, 0, sizeof(line));
    if (n == NULL)
        curl_slist_free_all(l);
    return n;
}

static struct curl_slist *build_headers(const struct oauth_http_req *rq)
{
    struct curl_slist *l = header_add(NULL, "Expect", "");
    if (l && rq->accept)
        l = header_add(l, "Accept", rq->accept);
    if (l && rq->content_type)
        l = header_add(l, "Content-Type", rq->content_type);
    if (l && rq->bearer) {
        char v[LIMIT_OAUTH_TOKEN_MAX + 16];
        snprintf(v, sizeof(v), "Bearer %s", rq->bearer);
        l = header_add(l, "Authorization", v);
        memset(v, 0, sizeof(v));
    }
    return l;
}

int oauth_http(const struct oauth_http_req *rq, struct oauth_http_resp *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    buf_init(&out->body, LIMIT_OAUTH_REPLY_MAX);
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = build_headers(rq);
    if (h == NULL || hdrs == NULL) {
        curl_easy_cleanup(h);
        curl_slist_free_all(hdrs);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    set_options(h, rq, out, hdrs);
    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    if (cc != CURLE_OK)
        return transport_error(cc, rq, e);
    if (out->body.data == NULL && buf_append(&out->body, "", 0) != 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    return 0;
}

void oauth_http_resp_free(struct oauth_http_resp *r) { buf_free(&r->body, true); }

int oauth_form_add(struct buf *b, const char *key, const char *value)
{
    char *k = curl_easy_escape(NULL, key, 0);
    char *v = curl_easy_escape(NULL, value, 0);
    int rc = -1;
    if (k && v)
        rc = (b->len && buf_append(b, "&", 1)) || buf_append(b, k, strlen(k)) ||
                     buf_append(b, "=", 1) || buf_append(b, v, strlen(v))
                 ? -1
                 : 0;
    if (v)
        memset(v, 0, strlen(v));
    curl_free(k);
    curl_free(v);
    return rc;
}

int oauth_is_json_type(const char *ct)
{
    static const char json[] = "application/json";
    if (strncasecmp(ct, json, sizeof(json) - 1) != 0)
        return 0;
    char next = ct[sizeof(json) - 1];
    return next == '\0' || next == ';' || next == ' ';
}
