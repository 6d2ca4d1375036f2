/*
 * fuzz_cookie.c — http_cookie_get on arbitrary Cookie headers. Input: one
 * byte giving the cookie name's length (mod 33), the name, then the header.
 * The header is copied into an exactly sized buffer without a NUL, so any
 * read past header_len is an ASan report; a value found must lie inside
 * the header and follow "name=".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t name_len = data[0] % 33;
    if (size < 1 + name_len)
        return 0;
    char name[33];
    memcpy(name, data + 1, name_len);
    name[name_len] = '\0';
    size_t hlen = size - 1 - name_len;
    char *header = malloc(hlen ? hlen : 1);
    if (header == NULL)
        return 0;
    memcpy(header, data + 1 + name_len, hlen);

    const char *val = NULL;
    size_t val_len = 0;
    if (http_cookie_get(header, hlen, name, &val, &val_len) == 0) {
        if (val == NULL || val < header || val > header + hlen || val_len > hlen ||
            (size_t)(val - header) + val_len > hlen)
            abort();
        /* The value follows an '=' somewhere before it. */
        if (val == header || memchr(header, '=', (size_t)(val - header)) == NULL)
            abort();
        /* No ';' inside a value: it ends its pair. */
        if (memchr(val, ';', val_len) != NULL)
            abort();
    }
    free(header);
    return 0;
}
