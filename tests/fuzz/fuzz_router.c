/*
 * fuzz_router.c — router_match over the real route table with every method
 * on an arbitrary path. A match must really match, captures must be one
 * bounded segment each, and the Allow list must stay inside its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = malloc(size + 1);
    if (path == NULL)
        return 0;
    memcpy(path, data, size);
    path[size] = '\0';

    for (int m = HTTP_GET; m <= HTTP_OTHER; m++) {
        const struct route *r = NULL;
        struct http_params params;
        /* A small Allow buffer on odd methods exercises truncation. */
        char allow[64];
        size_t allow_size = (m % 2) ? 6 : sizeof(allow);
        memset(allow, 'X', sizeof(allow));
        enum route_match_rc rc = router_match(api_routes, api_route_count, (enum http_method)m,
                                              path, &r, &params, allow, allow_size);
        if (memchr(allow, '\0', allow_size) == NULL)
            abort();
        if (rc == ROUTE_FOUND) {
            if (r < api_routes || r >= api_routes + api_route_count || (int)r->method != m)
                abort();
            if (params.count > HTTP_MAX_PARAMS)
                abort();
            for (size_t i = 0; i < params.count; i++) {
                size_t vl = strlen(params.items[i].value);
                if (vl == 0 || vl > HTTP_PARAM_MAX || strchr(params.items[i].value, '/'))
                    abort();
            }
            struct http_params again;
            if (!router_pattern_match(r->pattern, path, &again) || again.count != params.count)
                abort();
        } else if (rc == ROUTE_NO_METHOD) {
            if (allow[0] == '\0')
                abort();
        } else if (rc != ROUTE_NO_PATH) {
            abort();
        }
    }
    free(path);
    return 0;
}
