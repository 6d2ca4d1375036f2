/*
 * api.h — what every handler sees: the application context, the call
 * (request, response, session, parsed body) and reply helpers. The gate
 * (gate.c) has already applied the route's flags when a handler runs: a
 * handler for an AUTH route may rely on call->session, for a JSON route on
 * call->body being an object.
 */
#ifndef PASSAGENT_API_H
#define PASSAGENT_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/ratelimit.h"
#include "auth/token.h"
#include "core/workers.h"
#include "oauth/flow.h"
#include "http/router.h"
#include "imap/client.h"
#include "store/store.h"
#include "vault/keyring.h"

/* Long-lived state shared by all requests (read-only after start). */
struct app {
    struct store *store;
    struct vault_keyring *keys;
    struct rl_config rate_limits;
    bool secure_cookies; /* public URL is https */
    const char *trusted_proxies; /* comma-separated IPs; "" for none */
    const struct oauth_ctx *oauth;
    struct workers *workers; /* offloaded handlers (api_offload) */
    const struct imapc_settings *imap; /* IMAP policy, timeouts, CA file */
    const char *web_dir; /* absolute folder of the dashboard files; "" for none */
};

struct api_call {
    struct app *app;
    const struct route *route;
    struct http_request *req;
    struct http_response *resp;
    int64_t now;
    json_t *body; /* ROUTE_JSON: the parsed object; owned by the gate */
    bool authenticated;
    struct store_session session;
    char token[AUTH_TOKEN_CHARS + 1]; /* the presented session token */
    bool deferred; /* the reply comes from api_offload's job */
};

/* Runs fn(call, arg) on the worker pool instead of this HTTP thread, for
 * work that waits on the network. The job gets its own copy of the call
 * (session included) and replies through it as a handler would; header and
 * query lookups and the body are NOT available there, so copy what the job
 * needs into arg first. arg (arg_size bytes, malloc'd) is consumed: wiped
 * and freed after fn, or now on failure. Returns 0, or -1 after replying
 * 503 itself. */
typedef void (*api_job_fn)(struct api_call *c, void *arg);
int api_offload(struct api_call *c, api_job_fn fn, void *arg, size_t arg_size);

#define SESSION_COOKIE "passagent_session"

/* The route table (routes.c) and the dispatcher the server calls (gate.c). */
extern const struct route api_routes[];
extern const size_t api_route_count;
void api_dispatch(void *app, const struct route *route, struct http_request *req,
                  struct http_response *resp);

/* The client's address: the peer, or for a request from a trusted proxy the
 * nearest X-Forwarded-For hop that is not itself a trusted proxy. */
void api_client_address(const struct api_call *c, char *out, size_t outsz);

/* Replies. api_fail* return -1 for `return api_fail(...)`. */
void api_reply(struct api_call *c, unsigned status, json_t *obj);
int api_fail(struct api_call *c, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int api_fail_err(struct api_call *c, const struct err *e);

/* Parses a request body as one JSON object (duplicate keys, invalid UTF-8
 * and NUL escapes refused). content_type may be NULL (refused, as is
 * anything but application/json, with ERR_UNSUPPORTED_MEDIA). Messages give the position of a
 * syntax error, never the text near it: that text may be a password.
 * On success *out is a new reference the caller releases. */
int api_json_object_parse(const char *content_type, const char *body, size_t len, json_t **out,
                          struct err *e) __attribute__((warn_unused_result));

/* Reads a required string field of the JSON body: rejects a missing field,
 * a wrong type, NUL bytes and values over max_len bytes with 400 naming the
 * field. */
int api_body_string(struct api_call *c, const char *field, size_t max_len, const char **out,
                    size_t *len) __attribute__((warn_unused_result));

/* Optional fields: absent or null leaves *out = def. Wrong type or out of
 * range is a 400 naming the field. */
int api_body_string_opt(struct api_call *c, const char *field, size_t max_len, const char **out,
                        size_t *len) __attribute__((warn_unused_result)); /* NULL when absent */
int api_body_int(struct api_call *c, const char *field, long long min, long long max,
                 long long def, long long *out) __attribute__((warn_unused_result));
int api_body_bool(struct api_call *c, const char *field, bool def, bool *out)
    __attribute__((warn_unused_result));

/* Unwraps the signed-in user's data key into dk (VAULT_KEY_BYTES) for
 * vault_seal/vault_open. Replies 500 itself on failure. The caller wipes dk
 * with sodium_memzero when done. */
int api_user_data_key(struct api_call *c, unsigned char dk[VAULT_KEY_BYTES])
    __attribute__((warn_unused_result));

/* {"id","email","createdAt"} of a user. */
json_t *api_user_json(const struct store_user *u);
/* ISO 8601 UTC string value of a Unix time. */
json_t *api_time_json(int64_t unix_seconds);

/* Handlers, one file per resource. */
void api_health(struct api_call *c);
void api_auth_register(struct api_call *c);
void api_auth_login(struct api_call *c);
void api_auth_logout(struct api_call *c);
void api_auth_session(struct api_call *c);
void api_auth_csrf(struct api_call *c);
void api_integrations_list(struct api_call *c);
void api_passwords_import(struct api_call *c);
void api_passwords_list(struct api_call *c);
void api_passwords_reveal(struct api_call *c);
void api_passwords_delete(struct api_call *c);
void api_oauth_auth(struct api_call *c);
void api_oauth_callback(struct api_call *c);
void api_oauth_refresh(struct api_call *c);
void api_oauth_disconnect(struct api_call *c);
void api_oauth_providers(struct api_call *c);
void api_imap_connect(struct api_call *c);
void api_imap_disconnect(struct api_call *c);
void api_static_page(struct api_call *c);
void api_static_asset(struct api_call *c);
void api_static_dashboard(struct api_call *c);

/* Whether name is a file name the static handler may open: 1 to 64
 * characters of [A-Za-z0-9_-] and dots, not starting with a dot, no "..",
 * and a served extension. Exposed for the unit test. */
bool api_static_name_ok(const char *name);

#endif
