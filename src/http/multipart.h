/*
 * multipart.h — a bounded multipart/form-data reader (RFC 7578, RFC 2046
 * section 5.1) over a body that is already buffered whole. libmicrohttpd's
 * post processor may only be used in server.c, and Debian has no small
 * multipart library, so this reader does only what an upload form needs:
 * named parts with their bytes; at most LIMIT_MULTIPART_PARTS parts, part
 * header blocks of at most LIMIT_MULTIPART_HEADER bytes.
 */
#ifndef PASSAGENT_MULTIPART_H
#define PASSAGENT_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/limits.h"

#define MULTIPART_NAME_MAX 64

struct multipart_part {
    char name[MULTIPART_NAME_MAX + 1];
    bool has_filename;
    const char *data; /* points into the body */
    size_t len;
};

struct multipart_form {
    struct multipart_part parts[LIMIT_MULTIPART_PARTS];
    size_t n;
};

/* Whether content_type is multipart/form-data. */
bool multipart_is_form(const char *content_type);

/* Splits body by the boundary of content_type. Malformed input: 400 naming
 * what is wrong (never quoting the body). */
int multipart_parse(const char *content_type, const char *body, size_t len,
                    struct multipart_form *out, struct err *e)
    __attribute__((warn_unused_result));

/* The part called name, or NULL. */
const struct multipart_part *multipart_get(const struct multipart_form *f, const char *name);

#endif
