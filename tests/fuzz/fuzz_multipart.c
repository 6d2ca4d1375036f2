/*
 * fuzz_multipart.c — the multipart/form-data reader on arbitrary bodies
 * with a fixed boundary, and on arbitrary Content-Type values (first byte
 * odd: the input up to the first newline is the Content-Type). Every part
 * must lie inside the body, and the part count within its bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char ct[256] = "multipart/form-data; boundary=XyZ";
    const uint8_t *body = data;
    size_t len = size;
    if (size > 0 && (data[0] & 1)) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t n = nl ? (size_t)(nl - data) : size;
        if (n >= sizeof(ct) || memchr(data, '\0', n))
            return 0;
        memcpy(ct, data, n);
        ct[n] = '\0';
        body = nl ? nl + 1 : data + size;
        len = size - (size_t)(body - data);
    }
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, body, len);
    struct multipart_form f;
    struct err e;
    if (multipart_parse(ct, copy, len, &f, &e) == 0) {
        if (f.n > LIMIT_MULTIPART_PARTS)
            abort();
        for (size_t i = 0; i < f.n; i++)
            if (f.parts[i].data < copy || f.parts[i].data + f.parts[i].len > copy + len ||
                strlen(f.parts[i].name) > MULTIPART_NAME_MAX)
                abort();
    } else if (e.kind != ERR_VALIDATION) {
        abort();
    }
    free(copy);
    return 0;
}
