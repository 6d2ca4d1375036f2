/*
 * http.h — requests, responses and routes as the rest of passagent sees
 * them. Handlers never touch the HTTP library: they read a struct
 * http_request and fill a struct http_response. Only server.c includes
 * microhttpd.h, so handlers can be tested without a socket.
 */
#ifndef PASSAGENT_HTTP_H
#define PASSAGENT_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define HTTP_REQUEST_ID_CHARS 16
#define HTTP_MAX_PARAMS 2
#define HTTP_PARAM_MAX 64
#define HTTP_MAX_HEADERS 8
#define HTTP_HEADER_VALUE_MAX 512

enum http_method { HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE, HTTP_OTHER };

/* Values captured from "{name}" segments of a route pattern. */
struct http_params {
    size_t count;
    struct {
        char name[HTTP_PARAM_MAX + 1];
        char value[HTTP_PARAM_MAX + 1];
    } items[HTTP_MAX_PARAMS];
};

struct http_request;
typedef const char *(*http_lookup_fn)(const struct http_request *req, const char *name);

struct http_request {
    enum http_method method;
    const char *method_name;
    const char *path; /* decoded, without the query string */
    const char *body; /* NUL-terminated copy; body_len excludes the NUL */
    size_t body_len;
    char client_ip[64];
    char request_id[HTTP_REQUEST_ID_CHARS + 1];
    struct http_params params;
    http_lookup_fn header; /* case-insensitive; NULL when absent */
    http_lookup_fn query;  /* decoded query argument; NULL when absent */
    void *impl;            /* the server's connection, for the lookups */
    void *server_ctx;      /* the server's per-request state (deferral) */
};

struct http_response {
    unsigned status;
    json_t *json; /* owned; serialised as the body with application/json */
    char *raw;    /* owned (malloc); sent as is with raw_type when json is NULL */
    size_t raw_len;
    const char *raw_type; /* static string, e.g. from http_content_type */
    size_t nheaders;
    struct {
        const char *name; /* static string */
        char value[HTTP_HEADER_VALUE_MAX];
    } headers[HTTP_MAX_HEADERS];
};

/* Adds a header to the response (dropped with a log line if full). */
void http_response_header(struct http_response *resp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets status and a JSON body (steals obj). */
void http_response_json(struct http_response *resp, unsigned status, json_t *obj);
/* Sets status and a raw body of the given static content type (steals
 * body, which must come from malloc; any JSON body is dropped). */
void http_response_raw(struct http_response *resp, unsigned status, const char *content_type,
                       char *body, size_t len);
/* The Content-Type for a file name by its extension (html, css, js, svg,
 * png, ico, json, txt, webmanifest), or NULL for any other: such files are
 * not served. */
const char *http_content_type(const char *name);
/* Sets the PRODUCT.md error shape from an err. */
void http_response_error(struct http_response *resp, const struct err *e);
/* Frees what the response owns. */
void http_response_clear(struct http_response *resp);

/* The value of a captured path parameter, or NULL. */
const char *http_param(const struct http_request *req, const char *name);

/* Finds cookie `name` in a Cookie header value; *val and *val_len point into
 * header. Returns 0 when found. Malformed pairs are skipped. */
int http_cookie_get(const char *header, size_t header_len, const char *name, const char **val,
                    size_t *val_len);

enum http_method http_method_parse(const char *name);

/* Deferred replies: a handler whose work waits on the network hands it to
 * another thread instead of blocking an HTTP thread. http_request_defer
 * (called by the handler, on the HTTP thread, before it hands the work
 * over) parks the connection and returns a handle; the handler then leaves
 * its response empty. Whoever finishes the work calls http_deferred_finish
 * exactly once, from any thread: the response is sent and its json
 * ownership moves to the server. After http_request_defer the request's
 * header/query lookups and body must no longer be used. Returns NULL when
 * the request cannot be deferred (answer synchronously then). */
struct http_deferred;
struct http_deferred *http_request_defer(struct http_request *req)
    __attribute__((warn_unused_result));
void http_deferred_finish(struct http_deferred *d, struct http_response *resp);

#endif
