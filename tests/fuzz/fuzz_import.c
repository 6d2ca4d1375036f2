/*
 * fuzz_import.c — import_parse (bytes, detection, every CSV format mapping,
 * the JSON importers) on arbitrary files. A first byte below 8 names the
 * format (auto, 1password, lastpass, bitwarden, chrome, dashlane, csv,
 * json); any other first byte is part of the file and the format is auto,
 * so the fixture seeds run as they are. Checks: a success has 1..5000
 * finished entries with a reason for every one not imported; a failure is
 * one of the documented kinds and codes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const formats[] = {"auto",     "1password", "lastpass", "bitwarden",
                                      "chrome",   "dashlane",  "csv",      "json"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct import_request rq = {.format = "auto", .data = (const char *)data, .len = size};
    if (size > 0 && data[0] < 8) {
        rq.format = formats[data[0]];
        rq.data++;
        rq.len--;
    }
    rq.password = "a"; /* reaches the decryption path of protected Bitwarden files */
    rq.password_len = 1;
    rq.decode_entities = size > 0 && (data[size - 1] & 1);
    char *copy = malloc(rq.len ? rq.len : 1); /* exactly sized, so overreads are caught */
    if (copy == NULL)
        return 0;
    memcpy(copy, rq.data, rq.len);
    rq.data = copy;
    struct import_result r;
    struct err e;
    memset(&e, 0, sizeof(e));
    if (import_parse(&rq, &r, &e) == 0) {
        if (r.n == 0 || r.n > 5000 || r.format == NULL)
            abort();
        for (size_t i = 0; i < r.n; i++) {
            const struct import_entry *en = &r.v[i];
            if (!en->name || !en->url || !en->urls || !en->website || !en->username ||
                !en->password || !en->notes || !en->totp || !en->tags || !en->name[0])
                abort();
            if (en->status != IMP_LOGIN && en->reason == NULL)
                abort();
        }
        import_result_free(&r);
    } else if (e.kind != ERR_VALIDATION && e.kind != ERR_UNPROCESSABLE &&
               e.kind != ERR_TOO_LARGE) {
        abort();
    } else if (e.msg[0] == '\0') {
        abort();
    }
    free(copy);
    return 0;
}
