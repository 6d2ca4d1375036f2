/*
 * router.h — declarative routes: each one names its method, path pattern,
 * handler, access flags, rate-limit class and body limit. Matching lives
 * here; the gate that applies the flags lives in api/gate.c.
 */
#ifndef PASSAGENT_ROUTER_H
#define PASSAGENT_ROUTER_H

#include <stddef.h>

#include "http/http.h"

enum route_flag {
    ROUTE_AUTH = 1u << 0,        /* needs a session */
    ROUTE_CSRF = 1u << 1,        /* needs x-csrf-token of that session */
    ROUTE_CSRF_EXEMPT = 1u << 2, /* mutating without CSRF; say why at the route */
    ROUTE_JSON = 1u << 3,        /* body must be a JSON object */
};

struct api_call;
typedef void (*route_handler_fn)(struct api_call *call);

struct route {
    enum http_method method;
    const char *pattern; /* "/api/integrations/{provider}/auth" */
    route_handler_fn handler;
    unsigned flags;
    int rate_class;    /* enum rl_class */
    size_t body_limit; /* bytes; 0 = LIMIT_BODY_SMALL */
};

enum route_match_rc { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

/* Finds the route for method and path. On ROUTE_FOUND *out and params are
 * set; on ROUTE_NO_METHOD allow receives the allowed methods ("GET, POST"). */
enum route_match_rc router_match(const struct route *routes, size_t nroutes,
                                 enum http_method method, const char *path,
                                 const struct route **out, struct http_params *params,
                                 char *allow, size_t allow_size);

/* Whether path matches pattern, capturing {name} segments into params. */
int router_pattern_match(const char *pattern, const char *path, struct http_params *params);

const char *http_method_name(enum http_method m);

#endif
