/*
 * server.h — the HTTP server (libmicrohttpd, epoll, internal thread pool).
 * It reads requests with bounded bodies, finds the route, and hands the
 * request to one dispatch function; it logs one line per request.
 */
#ifndef PASSAGENT_SERVER_H
#define PASSAGENT_SERVER_H

#include <sys/socket.h>

#include "core/err.h"
#include "http/router.h"

typedef void (*http_dispatch_fn)(void *ctx, const struct route *route, struct http_request *req,
                                 struct http_response *resp);

struct http_server_config {
    const struct sockaddr *addr; /* where to listen */
    socklen_t addr_len;
    unsigned threads;
    unsigned max_connections_per_ip; /* 0: no per-address cap */
    const struct route *routes; /* borrowed; must outlive the server */
    size_t nroutes;
    http_dispatch_fn dispatch;
    void *dispatch_ctx;
};

struct http_server;

/* Binds and starts serving. *out is owned by the caller (http_server_stop). */
int http_server_start(const struct http_server_config *cfg, struct http_server **out,
                      struct err *e) __attribute__((warn_unused_result));

/* Stops accepting, lets in-flight requests finish (at most grace_s
 * seconds), then stops every thread and frees the server; NULLs *srv. */
void http_server_stop(struct http_server **srv, unsigned grace_s);

#endif
