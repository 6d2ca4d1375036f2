/*
 * server.c — libmicrohttpd glue; the only file that includes microhttpd.h.
 *
 * Request life: the first callback (headers read) matches the route and
 * rejects an announced Content-Length over the route's limit with 413 before
 * any body is read. Body chunks go into a bounded buffer; past the limit they
 * are dropped and the request ends in 413. The response is queued only on
 * the last callback: queueing earlier makes libmicrohttpd close keep-alive
 * connections (see shared/recipes/http-baseline.md).
 *
 * Deferred replies: a handler may suspend its connection
 * (MHD_suspend_connection, from inside the last callback) and finish on
 * another thread; http_deferred_finish stores the response and resumes the
 * connection, and libmicrohttpd calls us once more, where the stored
 * response is queued. A suspended connection holds no HTTP thread.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/timefmt.h"

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_server_config cfg;
    int listen_fd;
    atomic_uint in_flight; /* requests between first callback and completion */
    atomic_ullong next_id;
    unsigned id_prefix;
};

/* Per-request state, owned by libmicrohttpd's con_cls slot. It is created
 * by the URI log callback, which alone sees the raw request target. */
struct request_ctx {
    int begun;
    int bad_target; /* the raw target holds an encoded NUL */
    int64_t started_ms;
    const struct route *route;
    enum route_match_rc match;
    struct http_params params;
    char allow[64];
    struct buf body;
    size_t limit;
    size_t dropped; /* body bytes discarded after the limit */
    int too_large;
    unsigned status; /* what was sent, for the log line */
    char request_id[HTTP_REQUEST_ID_CHARS + 1];
    char log_method[8];
    char log_path[128]; /* sanitised; the query string is never kept */
    struct MHD_Connection *conn;
    int deferred;                /* suspended; the reply comes from another thread */
    atomic_int deferred_ready;   /* deferred_resp is filled */
    struct http_response deferred_resp;
};

static const char *lookup_header(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->impl, MHD_HEADER_KIND, name);
}

static const char *lookup_query(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->impl, MHD_GET_ARGUMENT_KIND, name);
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t outsz)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, outsz, "unknown");
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outsz);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outsz);
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct request_ctx *rc,
                             struct http_response *resp)
{
    char *text = resp->json ? json_dumps(resp->json, JSON_COMPACT) : NULL;
    size_t len = text ? strlen(text) : 0;
    const char *type = text ? "application/json; charset=utf-8" : NULL;
    if (resp->json && text == NULL) {
        log_error("req=%s cannot serialise the response", rc->request_id);
        return MHD_NO;
    }
    if (text == NULL && resp->raw != NULL) { /* a file: the response takes it */
        text = resp->raw;
        len = resp->raw_len;
        type = resp->raw_type;
        resp->raw = NULL;
    }
    struct MHD_Response *r =
        text ? MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        free(text);
        return MHD_NO;
    }
    if (type)
        MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "X-Request-Id", rc->request_id);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
    rc->status = resp->status ? resp->status : 500;
    enum MHD_Result ok = MHD_queue_response(conn, rc->status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result queue_error(struct MHD_Connection *conn, struct request_ctx *rc,
                                   enum err_kind kind, const char *msg)
{
    struct http_response resp = {0};
    struct err e;
    err_set(&e, kind, "%s", msg);
    http_response_error(&resp, &e);
    if (kind == ERR_METHOD && rc->allow[0])
        http_response_header(&resp, "Allow", "%s", rc->allow);
    enum MHD_Result ok = queue(conn, rc, &resp);
    http_response_clear(&resp);
    return ok;
}

/* First callback: allocate the context, match the route, check the size. */
static enum MHD_Result request_begin(struct http_server *srv, struct MHD_Connection *conn,
                                     const char *url, const char *method,
                                     struct request_ctx *rc)
{
    rc->begun = 1;
    rc->conn = conn;
    rc->started_ms = time_mono_ms();
    snprintf(rc->request_id, sizeof(rc->request_id), "%08x%08llx", srv->id_prefix,
             (unsigned long long)(atomic_fetch_add(&srv->next_id, 1) & 0xffffffffULL));
    log_sanitize(rc->log_method, sizeof(rc->log_method), method, strlen(method));
    log_sanitize(rc->log_path, sizeof(rc->log_path), url, strlen(url));
    enum http_method m = http_method_parse(method);
    /* libmicrohttpd decodes the path: "%00" would silently cut it short. */
    if (rc->bad_target) {
        rc->match = ROUTE_NO_PATH;
        return queue_error(conn, rc, ERR_VALIDATION, "the request target contains a NUL byte");
    }
    rc->match = strlen(url) > LIMIT_URL_LEN
                    ? ROUTE_NO_PATH
                    : router_match(srv->cfg.routes, srv->cfg.nroutes, m, url, &rc->route,
                                   &rc->params, rc->allow, sizeof(rc->allow));
    rc->limit = (rc->match == ROUTE_FOUND)
                    ? (rc->route->body_limit ? rc->route->body_limit : LIMIT_BODY_SMALL)
                    : 0;
    buf_init(&rc->body, rc->limit);
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl != NULL && rc->match == ROUTE_FOUND) {
        char *end = NULL;
        errno = 0;
        unsigned long long announced = strtoull(cl, &end, 10);
        if (errno != 0 || end == cl || *end != '\0' || announced > rc->limit) {
            /* Answer now, read nothing: libmicrohttpd closes the connection. */
            rc->too_large = 1;
            return queue_error(conn, rc, ERR_TOO_LARGE, "request body is too large");
        }
    }
    return MHD_YES;
}

/* Middle callbacks: keep the body while it fits. libmicrohttpd 0.9.75 cannot
 * queue a reply while a body is still arriving, so past the limit the bytes
 * are dropped unread (never buffered) and the last callback answers 413; a
 * client that keeps sending past the drain allowance is disconnected. */
static enum MHD_Result request_body(struct request_ctx *rc, const char *data, size_t *size)
{
    if (!rc->too_large && rc->match == ROUTE_FOUND && buf_append(&rc->body, data, *size) == 0) {
        *size = 0;
        return MHD_YES;
    }
    if (rc->match == ROUTE_FOUND && !rc->too_large) {
        rc->too_large = 1;
        buf_free(&rc->body, true);
    }
    rc->dropped += *size;
    *size = 0;
    return rc->dropped > LIMIT_BODY_DRAIN ? MHD_NO : MHD_YES;
}

static enum MHD_Result request_end(struct http_server *srv, struct MHD_Connection *conn,
                                   const char *url, const char *method, struct request_ctx *rc)
{
    if (rc->match == ROUTE_NO_PATH)
        return queue_error(conn, rc, ERR_NOT_FOUND, "no such endpoint");
    if (rc->match == ROUTE_NO_METHOD)
        return queue_error(conn, rc, ERR_METHOD, "method not allowed for this endpoint");
    if (rc->too_large)
        return queue_error(conn, rc, ERR_TOO_LARGE, "request body is too large");

    struct http_request req = {
        .method = rc->route->method,
        .method_name = method,
        .path = url,
        .body = rc->body.data ? rc->body.data : "",
        .body_len = rc->body.len,
        .params = rc->params,
        .header = lookup_header,
        .query = lookup_query,
        .impl = conn,
        .server_ctx = rc,
    };
    memcpy(req.request_id, rc->request_id, sizeof(req.request_id));
    client_ip(conn, req.client_ip, sizeof(req.client_ip));
    struct http_response resp = {0};
    srv->cfg.dispatch(srv->cfg.dispatch_ctx, rc->route, &req, &resp);
    buf_free(&rc->body, true); /* bodies may hold passwords */
    if (rc->deferred) { /* suspended: the reply comes later */
        http_response_clear(&resp);
        return MHD_YES;
    }
    enum MHD_Result ok = queue(conn, rc, &resp);
    http_response_clear(&resp);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct request_ctx *rc = *con_cls;
    if (rc == NULL) /* the URI callback could not allocate */
        return MHD_NO;
    if (!rc->begun)
        return request_begin(srv, conn, url, method, rc);
    if (rc->deferred) { /* resumed: send what the worker left */
        *upload_data_size = 0;
        if (!atomic_load(&rc->deferred_ready))
            return MHD_YES;
        rc->deferred = 0;
        enum MHD_Result ok = queue(conn, rc, &rc->deferred_resp);
        http_response_clear(&rc->deferred_resp);
        return ok;
    }
    if (rc->status != 0) /* already answered (early 413) */ {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size != 0)
        return request_body(rc, upload_data, upload_data_size);
    return request_end(srv, conn, url, method, rc);
}

/* First word on a request, before anything is decoded: allocate its state
 * and look at the raw target for an encoded NUL. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)conn;
    struct http_server *srv = cls;
    struct request_ctx *rc = calloc(1, sizeof(*rc));
    if (rc == NULL)
        return NULL;
    atomic_fetch_add(&srv->in_flight, 1);
    rc->bad_target = strcasestr(uri, "%00") != NULL;
    return rc;
}

/* Last word on a request: free it and write its one log line. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct http_server *srv = cls;
    struct request_ctx *rc = *con_cls;
    if (rc == NULL)
        return;
    int64_t ms = rc->begun ? time_mono_ms() - rc->started_ms : 0;
    if (rc->status)
        log_info("req=%s %s %s %u %lldms", rc->request_id, rc->log_method, rc->log_path,
                 rc->status, (long long)ms);
    else
        log_info("req=%s %s %s aborted(%d) %lldms", rc->request_id, rc->log_method,
                 rc->log_path, (int)toe, (long long)ms);
    buf_free(&rc->body, true);
    http_response_clear(&rc->deferred_resp);
    free(rc);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

struct http_deferred *http_request_defer(struct http_request *req)
{
    struct request_ctx *rc = req->server_ctx;
    if (rc == NULL || rc->deferred)
        return NULL;
    /* Inside the access callback: the daemon thread serving this
     * connection cannot resume it before we return, so no race with a
     * worker that finishes at once. */
    MHD_suspend_connection(rc->conn);
    rc->deferred = 1;
    return (struct http_deferred *)rc;
}

void http_deferred_finish(struct http_deferred *d, struct http_response *resp)
{
    struct request_ctx *rc = (struct request_ctx *)d;
    rc->deferred_resp = *resp; /* takes the json reference and raw body */
    resp->json = NULL;
    resp->raw = NULL;
    atomic_store(&rc->deferred_ready, 1);
    MHD_resume_connection(rc->conn);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    log_warn("http: %s", line);
}

/* Binds the listening socket ourselves so that a bad address or a port in
 * use stops start-up with one clear line. */
static int listen_socket(const struct http_server_config *cfg, struct err *e)
{
    int fd = socket(cfg->addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, ERR_INTERNAL, "PASSAGENT_LISTEN: socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, cfg->addr, cfg->addr_len) != 0 || listen(fd, 512) != 0) {
        int saved = errno;
        close(fd);
        return err_set(e, ERR_INTERNAL, "PASSAGENT_LISTEN: cannot listen: %s", strerror(saved));
    }
    return fd;
}

int http_server_start(const struct http_server_config *cfg, struct http_server **out,
                      struct err *e)
{
    struct http_server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return err_set(e, ERR_INTERNAL, "out of memory");
    srv->cfg = *cfg;
    srv->id_prefix = (unsigned)getpid() * 2654435761u ^ (unsigned)time_mono_ms();
    srv->listen_fd = listen_socket(cfg, e);
    if (srv->listen_fd < 0) {
        free(srv);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_USE_TURBO |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (cfg->addr->sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)LIMIT_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)LIMIT_CONNECTION_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections_per_ip, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        close(srv->listen_fd);
        free(srv);
        return err_set(e, ERR_INTERNAL, "cannot start the HTTP server");
    }
    *out = srv;
    return 0;
}

void http_server_stop(struct http_server **srvp, unsigned grace_s)
{
    struct http_server *srv = *srvp;
    if (srv == NULL)
        return;
    /* Stop accepting; connections already open keep being served. */
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    int64_t deadline = time_mono_ms() + (int64_t)grace_s * 1000;
    while (atomic_load(&srv->in_flight) > 0 && time_mono_ms() < deadline)
        usleep(10 * 1000);
    unsigned left = atomic_load(&srv->in_flight);
    if (left)
        log_warn("shutdown: %u requests still running after %us; closing them", left, grace_s);
    MHD_stop_daemon(srv->daemon);
    free(srv);
    *srvp = NULL;
}
