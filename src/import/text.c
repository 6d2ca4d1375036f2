/*
 * text.c — byte-level checks of an uploaded export (RFC 3629 UTF-8,
 * RFC 2781 UTF-16) and HTML entity handling for LastPass files.
 */
#include "import/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ENC "IMPORT_ENCODING"

/* Length of the valid UTF-8 sequence at p (max n bytes), 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t need;
    uint32_t cp;
    if (c < 0x80)
        return c == 0 ? 0 : 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return need;
}

size_t text_utf8_invalid_at(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (k == 0)
            return i;
        i += k;
    }
    return len;
}

static size_t utf8_put(uint32_t cp, unsigned char *o)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* UTF-16 (after the BOM) to UTF-8; every 2 input bytes give at most 3
 * output bytes, a surrogate pair (4 bytes) gives 4. */
static int utf16_to_utf8(const unsigned char *p, size_t len, bool be, char **out,
                         size_t *out_len, struct err *e)
{
    if (len % 2)
        return err_set_code(e, ERR_VALIDATION, ENC, "UTF-16 file has an odd number of bytes");
    if (len / 2 > (SIZE_MAX - 1) / 3)
        return err_set(e, ERR_TOO_LARGE, "file too large");
    unsigned char *o = malloc(len / 2 * 3 + 1);
    if (o == NULL)
        return err_set(e, ERR_INTERNAL, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < len; i += 2) {
        uint32_t u = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
            uint32_t l = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3])
                            : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
            if (l >= 0xDC00 && l <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                i += 2;
            }
        }
        if ((u >= 0xD800 && u <= 0xDFFF) || u == 0) {
            free(o);
            return err_set_code(e, ERR_VALIDATION, ENC,
                                "invalid UTF-16 (%s) at byte offset %zu",
                                u ? "unpaired surrogate" : "NUL character", i + 2);
        }
        n += utf8_put(u, o + n);
    }
    o[n] = '\0';
    *out = (char *)o;
    *out_len = n;
    return 0;
}

int text_normalize(const char *in, size_t len, char **out, size_t *out_len, struct err *e)
{
    const unsigned char *p = (const unsigned char *)in;
    *out = NULL;
    *out_len = 0;
    if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return utf16_to_utf8(p + 2, len - 2, p[0] == 0xFE, out, out_len, e);
    size_t skip = (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ? 3 : 0;
    size_t bad = text_utf8_invalid_at(in + skip, len - skip);
    if (bad != len - skip) {
        if (in[skip + bad] == '\0')
            return err_set_code(e, ERR_VALIDATION, ENC, "NUL byte at byte offset %zu",
                                skip + bad);
        return err_set_code(e, ERR_VALIDATION, ENC,
                            "invalid UTF-8 at byte offset %zu (save the file as UTF-8)",
                            skip + bad);
    }
    char *o = malloc(len - skip + 1);
    if (o == NULL)
        return err_set(e, ERR_INTERNAL, "out of memory");
    memcpy(o, in + skip, len - skip);
    o[len - skip] = '\0';
    *out = o;
    *out_len = len - skip;
    return 0;
}

static const struct {
    const char *name;
    char c;
} entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};

/* Length of the entity at s and its character, 0 when none. */
static size_t entity_at(const char *s, char *c)
{
    for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
        size_t n = strlen(entities[i].name);
        if (strncmp(s, entities[i].name, n) == 0) {
            *c = entities[i].c;
            return n;
        }
    }
    if (s[0] == '&' && s[1] == '#') {
        unsigned v = 0;
        size_t i = 2;
        while (i < 5 && s[i] >= '0' && s[i] <= '9')
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i > 2 && s[i] == ';' && v >= 32 && v < 127) {
            *c = (char)v;
            return i + 1;
        }
    }
    return 0;
}

bool text_has_entities(const char *s)
{
    char c;
    for (const char *p = strchr(s, '&'); p; p = strchr(p + 1, '&'))
        if (entity_at(p, &c))
            return true;
    return false;
}

void text_decode_entities(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        char c;
        size_t n = *r == '&' ? entity_at(r, &c) : 0;
        if (n) {
            *w++ = c;
            r += n;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}
