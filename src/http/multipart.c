/*
 * multipart.c — see multipart.h. The body is scanned for
 * "\r\n--boundary" delimiters (the first one may lack the CRLF); each part
 * is a header block ended by an empty line, then its bytes.
 */
#include "http/multipart.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 70 /* RFC 2046 */

bool multipart_is_form(const char *ct)
{
    static const char mf[] = "multipart/form-data";
    return ct && strncasecmp(ct, mf, sizeof(mf) - 1) == 0 &&
           (ct[sizeof(mf) - 1] == ';' || ct[sizeof(mf) - 1] == ' ' || ct[sizeof(mf) - 1] == 0);
}

/* Value of parameter `name` in a header value ("...; name=value" or
 * name="value"), copied into out. Returns 0 when found. */
static int header_param(const char *h, size_t hl, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl < hl; i++) {
        if ((h[i] != ';' && h[i] != ' ') || strncasecmp(h + i + 1, name, nl) != 0)
            continue;
        size_t j = i + 1 + nl;
        while (j < hl && h[j] == ' ')
            j++;
        if (j >= hl || h[j] != '=')
            continue;
        j++;
        while (j < hl && h[j] == ' ')
            j++;
        bool q = j < hl && h[j] == '"';
        j += q;
        size_t n = 0;
        while (j < hl && (q ? h[j] != '"' : (h[j] != ';' && h[j] != ' ' && h[j] != '\r'))) {
            if (n + 1 >= outsz)
                return -1;
            out[n++] = h[j++];
        }
        out[n] = '\0';
        return 0;
    }
    return -1;
}

static const char *find(const char *hay, size_t hl, const char *needle, size_t nl)
{
    if (nl == 0 || hl < nl)
        return NULL;
    return memmem(hay, hl, needle, nl);
}

/* Parses one part's header block h[0..hl) into p. */
static int part_headers(const char *h, size_t hl, struct multipart_part *p, struct err *e)
{
    const char *line = h, *end = h + hl;
    bool disp = false;
    while (line < end) {
        const char *nl = find(line, (size_t)(end - line), "\r\n", 2);
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(end - line);
        static const char cd[] = "content-disposition:";
        if (ll >= sizeof(cd) - 1 && strncasecmp(line, cd, sizeof(cd) - 1) == 0) {
            disp = true;
            /* header_param looks for " name=" or ";name=", so "filename=" does not match it */
            if (header_param(line, ll, "name", p->name, sizeof(p->name)) != 0)
                return err_set(e, ERR_VALIDATION, "multipart part without a valid name");
            p->has_filename = find(line, ll, "filename=", 9) != NULL;
        }
        line += ll + 2;
    }
    if (!disp)
        return err_set(e, ERR_VALIDATION, "multipart part without Content-Disposition");
    return 0;
}

int multipart_parse(const char *ct, const char *body, size_t len, struct multipart_form *out,
                    struct err *e)
{
    char b[BOUNDARY_MAX + 5] = "\r\n--";
    memset(out, 0, sizeof(*out));
    if (!multipart_is_form(ct) || header_param(ct, strlen(ct), "boundary", b + 4, BOUNDARY_MAX + 1) != 0 ||
        b[4] == '\0')
        return err_set(e, ERR_VALIDATION, "multipart/form-data needs a boundary (1-70 chars)");
    size_t bl = strlen(b);
    /* The first delimiter may start the body without the leading CRLF. */
    const char *p = (len >= bl - 2 && memcmp(body, b + 2, bl - 2) == 0)
                        ? body + bl - 2
                        : find(body, len, b, bl);
    if (p == NULL)
        return err_set(e, ERR_VALIDATION, "multipart body without its boundary");
    if (p != body + bl - 2)
        p += bl;
    const char *end = body + len;
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0; /* closing delimiter */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return err_set(e, ERR_VALIDATION, "malformed multipart delimiter line");
        p += 2;
        size_t room = (size_t)(end - p) < LIMIT_MULTIPART_HEADER + 4 ? (size_t)(end - p)
                                                                      : LIMIT_MULTIPART_HEADER + 4;
        const char *hend = find(p, room, "\r\n\r\n", 4);
        if (hend == NULL)
            return err_set(e, ERR_VALIDATION, "multipart part headers missing or too long");
        if (out->n >= LIMIT_MULTIPART_PARTS)
            return err_set(e, ERR_VALIDATION, "too many multipart parts (at most %u)",
                           LIMIT_MULTIPART_PARTS);
        struct multipart_part *part = &out->parts[out->n];
        if (part_headers(p, (size_t)(hend - p) + 2, part, e) != 0)
            return -1;
        const char *data = hend + 4;
        const char *next = find(data, (size_t)(end - data), b, bl);
        if (next == NULL)
            return err_set(e, ERR_VALIDATION, "multipart body ends inside a part");
        part->data = data;
        part->len = (size_t)(next - data);
        out->n++;
        p = next + bl;
    }
}

const struct multipart_part *multipart_get(const struct multipart_form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->parts[i].name, name) == 0)
            return &f->parts[i];
    return NULL;
}
