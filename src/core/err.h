/*
 * err.h — the public error vocabulary. Internal code reports one of these
 * kinds plus a message that is safe to show a client; only api/ and http/
 * turn it into an HTTP status and the PRODUCT.md error shape.
 */
#ifndef PASSAGENT_ERR_H
#define PASSAGENT_ERR_H

#include <stddef.h>

enum err_kind {
    ERR_NONE = 0,
    ERR_VALIDATION,        /* 400 VALIDATION_ERROR */
    ERR_UNAUTHORIZED,      /* 401 UNAUTHORIZED */
    ERR_FORBIDDEN,         /* 403 FORBIDDEN */
    ERR_NOT_FOUND,         /* 404 NOT_FOUND */
    ERR_METHOD,            /* 405 METHOD_NOT_ALLOWED */
    ERR_CONFLICT,          /* 409 CONFLICT */
    ERR_TOO_LARGE,         /* 413 PAYLOAD_TOO_LARGE */
    ERR_UNSUPPORTED_MEDIA, /* 415 UNSUPPORTED_MEDIA_TYPE */
    ERR_UNPROCESSABLE,     /* 422 UNPROCESSABLE */
    ERR_RATE_LIMITED,      /* 429 RATE_LIMITED */
    ERR_INTERNAL,          /* 500 INTERNAL_ERROR */
    ERR_BAD_GATEWAY,       /* 502 BAD_GATEWAY: a server we called failed */
    ERR_UNAVAILABLE,       /* 503 SERVICE_UNAVAILABLE */
    ERR_GATEWAY_TIMEOUT,   /* 504 GATEWAY_TIMEOUT: a server we called was silent */
    ERR_KIND_COUNT
};

#define ERR_MSG_MAX 256

/* An error a function hands back to its caller: kind, public message, and an
 * optional more specific code (static string) overriding the kind's default. */
struct err {
    enum err_kind kind;
    const char *code; /* NULL: use err_kind_code(kind) */
    char msg[ERR_MSG_MAX];
};

/* Records an error; msg is printf-style and must never contain a secret.
 * Returns -1 so callers can `return err_set(...)`. */
int err_set(struct err *e, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with a specific public code such as "PROVIDER_NOT_CONFIGURED". */
int err_set_code(struct err *e, enum err_kind kind, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* HTTP status and default public code of a kind. */
unsigned err_kind_status(enum err_kind kind);
const char *err_kind_code(enum err_kind kind);
/* The public code of an error: e->code or the kind's default. */
const char *err_code(const struct err *e);

#endif
