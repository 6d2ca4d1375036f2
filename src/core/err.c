/* err.c — error records and the kind -> HTTP status/code table. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    unsigned status;
    const char *code;
} err_table[ERR_KIND_COUNT] = {
    [ERR_NONE] = {200, "OK"},
    [ERR_VALIDATION] = {400, "VALIDATION_ERROR"},
    [ERR_UNAUTHORIZED] = {401, "UNAUTHORIZED"},
    [ERR_FORBIDDEN] = {403, "FORBIDDEN"},
    [ERR_NOT_FOUND] = {404, "NOT_FOUND"},
    [ERR_METHOD] = {405, "METHOD_NOT_ALLOWED"},
    [ERR_CONFLICT] = {409, "CONFLICT"},
    [ERR_TOO_LARGE] = {413, "PAYLOAD_TOO_LARGE"},
    [ERR_UNSUPPORTED_MEDIA] = {415, "UNSUPPORTED_MEDIA_TYPE"},
    [ERR_UNPROCESSABLE] = {422, "UNPROCESSABLE"},
    [ERR_RATE_LIMITED] = {429, "RATE_LIMITED"},
    [ERR_INTERNAL] = {500, "INTERNAL_ERROR"},
    [ERR_BAD_GATEWAY] = {502, "BAD_GATEWAY"},
    [ERR_UNAVAILABLE] = {503, "SERVICE_UNAVAILABLE"},
    [ERR_GATEWAY_TIMEOUT] = {504, "GATEWAY_TIMEOUT"},
};

static int err_vset(struct err *e, enum err_kind kind, const char *code, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));

static int err_vset(struct err *e, enum err_kind kind, const char *code, const char *fmt,
                    va_list ap)
{
    if (e == NULL)
        return -1;
    e->kind = kind;
    e->code = code;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    return -1;
}

int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, kind, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

int err_set_code(struct err *e, enum err_kind kind, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, kind, code, fmt, ap);
    va_end(ap);
    return -1;
}

unsigned err_kind_status(enum err_kind kind)
{
    return (kind < ERR_KIND_COUNT) ? err_table[kind].status : 500;
}

const char *err_kind_code(enum err_kind kind)
{
    return (kind < ERR_KIND_COUNT) ? err_table[kind].code : "INTERNAL_ERROR";
}

const char *err_code(const struct err *e)
{
    return e->code ? e->code : err_kind_code(e->kind);
}
