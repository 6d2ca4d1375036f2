/*
 * httpc.h — the outbound HTTP client of the OAuth module (libcurl): one easy
 * handle per request, connect and total timeouts, a ceiling on the reply
 * size, TLS verification on, redirects never followed, http/https only.
 */
#ifndef PASSAGENT_OAUTH_HTTPC_H
#define PASSAGENT_OAUTH_HTTPC_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct oauth_http_req {
    const char *method;       /* "GET", "POST", "DELETE" */
    const char *url;          /* borrowed */
    const char *body;         /* NULL: none */
    size_t body_len;
    const char *content_type; /* of body */
    const char *bearer;       /* Authorization: Bearer, or NULL */
    const char *basic_user;   /* Basic auth when both set */
    const char *basic_pass;
    const char *accept;       /* Accept header, or NULL */
    unsigned timeout_s;
};

struct oauth_http_resp {
    long status;
    char content_type[128];
    struct buf body; /* NUL-terminated; wiped by oauth_http_resp_free */
};

/* Initialises libcurl once per process (call from main before threads). */
int oauth_http_global_init(void);

/* Performs the request. Transport failures (unreachable, timeout, reply too
 * large, TLS) are ERR_BAD_GATEWAY with code PROVIDER_ERROR and a message
 * naming the kind of failure; any HTTP status is a success here. *out must
 * be released with oauth_http_resp_free either way. */
int oauth_http(const struct oauth_http_req *rq, struct oauth_http_resp *out, struct err *e)
    __attribute__((warn_unused_result));
void oauth_http_resp_free(struct oauth_http_resp *r);

/* Appends "key=value" (form-urlencoded, '&' between pairs) to b. */
int oauth_form_add(struct buf *b, const char *key, const char *value)
    __attribute__((warn_unused_result));

/* True when a media type is application/json (parameters ignored). */
int oauth_is_json_type(const char *ct);

#endif
