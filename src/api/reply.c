/* reply.c — reply helpers and small JSON builders shared by handlers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "core/log.h"
#include "core/timefmt.h"

void api_reply(struct api_call *c, unsigned status, json_t *obj)
{
    if (obj == NULL) { /* jansson out of memory */
        api_fail(c, ERR_INTERNAL, "internal error");
        return;
    }
    http_response_json(c->resp, status, obj);
}

int api_fail(struct api_call *c, enum err_kind kind, const char *fmt, ...)
{
    struct err e = {.kind = kind};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
    va_end(ap);
    http_response_error(c->resp, &e);
    return -1;
}

int api_fail_err(struct api_call *c, const struct err *e)
{
    http_response_error(c->resp, e);
    return -1;
}

int api_body_string(struct api_call *c, const char *field, size_t max_len, const char **out,
                    size_t *len)
{
    json_t *v = json_object_get(c->body, field);
    if (v == NULL || json_is_null(v))
        return api_fail(c, ERR_VALIDATION, "field '%s' is required", field);
    if (!json_is_string(v))
        return api_fail(c, ERR_VALIDATION, "field '%s' must be a string", field);
    *out = json_string_value(v);
    *len = json_string_length(v);
    if (memchr(*out, '\0', *len) != NULL)
        return api_fail(c, ERR_VALIDATION, "field '%s' must not contain NUL", field);
    if (*len > max_len)
        return api_fail(c, ERR_VALIDATION, "field '%s' must be at most %zu bytes", field, max_len);
    return 0;
}

/* "application/json", optionally followed by spaces or ";parameters". */
static bool media_type_is_json(const char *ct)
{
    static const char json[] = "application/json";
    if (strncasecmp(ct, json, sizeof(json) - 1) != 0)
        return false;
    char next = ct[sizeof(json) - 1];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

int api_json_object_parse(const char *content_type, const char *body, size_t len, json_t **out,
                          struct err *e)
{
    json_error_t jerr;
    *out = NULL;
    /* Required, not just checked when present: a cross-site page can send a
     * body without a Content-Type and without a CORS preflight. */
    if (content_type == NULL || !media_type_is_json(content_type))
        return err_set(e, ERR_UNSUPPORTED_MEDIA, "Content-Type must be application/json");
    if (len == 0)
        return err_set(e, ERR_VALIDATION, "request body must be a JSON object");
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        return err_set(e, ERR_VALIDATION, "malformed JSON at line %d, column %d", jerr.line,
                       jerr.column);
    if (!json_is_object(v)) {
        json_decref(v);
        return err_set(e, ERR_VALIDATION, "request body must be a JSON object");
    }
    *out = v;
    return 0;
}

int api_body_string_opt(struct api_call *c, const char *field, size_t max_len, const char **out,
                        size_t *len)
{
    json_t *v = json_object_get(c->body, field);
    *out = NULL;
    *len = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    return api_body_string(c, field, max_len, out, len);
}

int api_body_int(struct api_call *c, const char *field, long long min, long long max,
                 long long def, long long *out)
{
    json_t *v = json_object_get(c->body, field);
    *out = def;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return api_fail(c, ERR_VALIDATION, "field '%s' must be an integer", field);
    long long x = json_integer_value(v);
    if (x < min || x > max)
        return api_fail(c, ERR_VALIDATION, "field '%s' must be from %lld to %lld", field, min, max);
    *out = x;
    return 0;
}

int api_body_bool(struct api_call *c, const char *field, bool def, bool *out)
{
    json_t *v = json_object_get(c->body, field);
    *out = def;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return api_fail(c, ERR_VALIDATION, "field '%s' must be true or false", field);
    *out = json_is_true(v);
    return 0;
}

int api_user_data_key(struct api_call *c, unsigned char dk[VAULT_KEY_BYTES])
{
    const struct store_user *u = &c->session.user;
    if (vault_user_key_unwrap(c->app->keys, u->id, u->data_key, u->data_key_len, u->data_key_id,
                              dk) != 0) {
        log_error("req=%s user %s: data key does not open (master key %s)", c->req->request_id,
                  u->id, u->data_key_id);
        return api_fail(c, ERR_INTERNAL, "internal error");
    }
    return 0;
}

json_t *api_time_json(int64_t unix_seconds)
{
    char iso[TIMEFMT_ISO_LEN];
    time_iso8601(unix_seconds, iso);
    return json_string(iso);
}

json_t *api_user_json(const struct store_user *u)
{
    return json_pack("{s:s, s:s, s:o}", "id", u->id, "email", u->email, "createdAt",
                     api_time_json(u->created_at));
}
