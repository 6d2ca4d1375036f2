/* response.c — building responses and parsing cookies (no HTTP library). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "http/http.h"

void http_response_header(struct http_response *resp, const char *name, const char *fmt, ...)
{
    if (resp->nheaders >= HTTP_MAX_HEADERS) {
        log_error("response header %s dropped: too many headers", name);
        return;
    }
    resp->headers[resp->nheaders].name = name;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp->headers[resp->nheaders].value, HTTP_HEADER_VALUE_MAX, fmt, ap);
    va_end(ap);
    resp->nheaders++;
}

void http_response_json(struct http_response *resp, unsigned status, json_t *obj)
{
    json_decref(resp->json);
    free(resp->raw);
    resp->raw = NULL;
    resp->raw_len = 0;
    resp->status = status;
    resp->json = obj;
}

void http_response_raw(struct http_response *resp, unsigned status, const char *content_type,
                       char *body, size_t len)
{
    json_decref(resp->json);
    resp->json = NULL;
    free(resp->raw);
    resp->status = status;
    resp->raw = body;
    resp->raw_len = len;
    resp->raw_type = content_type;
}

void http_response_error(struct http_response *resp, const struct err *e)
{
    unsigned status = err_kind_status(e->kind);
    http_response_json(resp, status,
                       json_pack("{s:s, s:s, s:i}", "error", e->msg[0] ? e->msg : "error", "code",
                                 err_code(e), "status", (int)status));
}

void http_response_clear(struct http_response *resp)
{
    json_decref(resp->json);
    resp->json = NULL;
    free(resp->raw);
    resp->raw = NULL;
    resp->raw_len = 0;
    resp->nheaders = 0;
}

/* RFC 6265 cookie-string: pairs separated by ';' and optional spaces. */
int http_cookie_get(const char *header, size_t header_len, const char *name, const char **val,
                    size_t *val_len)
{
    size_t nl = strlen(name);
    const char *p = header, *end = header + header_len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
            p++;
        const char *pair = p;
        while (p < end && *p != ';')
            p++;
        const char *eq = memchr(pair, '=', (size_t)(p - pair));
        if (eq == NULL)
            continue;
        const char *kend = eq;
        while (kend > pair && (kend[-1] == ' ' || kend[-1] == '\t'))
            kend--;
        if ((size_t)(kend - pair) != nl || memcmp(pair, name, nl) != 0)
            continue;
        const char *v = eq + 1, *vend = p;
        while (v < vend && (*v == ' ' || *v == '\t'))
            v++;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
            v++;
            vend--;
        }
        *val = v;
        *val_len = (size_t)(vend - v);
        return 0;
    }
    return -1;
}
