/*
 * fuzz_imap_reply.c — imapc_reply_scan on arbitrary server transcripts.
 * The input is copied into an exactly sized buffer without a NUL, so any
 * read past len is an ASan report. Scanning the same bytes twice must give
 * the same answer, and the hint must be one of the enum's values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    struct imapc_reply_info a, b;
    imapc_reply_scan(buf, size, &a);
    imapc_reply_scan(buf, size, &b);
    if (memcmp(&a, &b, sizeof(a)) != 0)
        abort();
    enum imapc_hint h = imapc_reply_login_hint(&a);
    if (h != IMAPC_HINT_NONE && h != IMAPC_HINT_APP_PASSWORD && h != IMAPC_HINT_OAUTH_ONLY)
        abort();
    free(buf);
    return 0;
}
