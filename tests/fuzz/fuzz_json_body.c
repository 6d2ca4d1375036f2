/*
 * fuzz_json_body.c — api_json_object_parse on arbitrary request bodies.
 * Input: one byte choosing the Content-Type (none, application/json,
 * text/plain), then the body (in an exactly sized buffer). A parsed object
 * has its usual fields read the way handlers read them; a refusal must be
 * one of the fixed messages, so no body text can leak into an error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {NULL, "application/json", "text/plain"};

static void read_fields(json_t *obj)
{
    static const char *const fields[] = {"email", "password", "name", "provider"};
    struct http_response resp;
    memset(&resp, 0, sizeof(resp));
    struct api_call c;
    memset(&c, 0, sizeof(c));
    c.resp = &resp;
    c.body = obj;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        json_t *v = json_object_get(obj, fields[i]);
        if (json_is_string(v) && memchr(json_string_value(v), '\0', json_string_length(v)))
            abort(); /* NUL escapes must have been refused */
        const char *s = NULL;
        size_t len = 0;
        if (api_body_string(&c, fields[i], 256, &s, &len) == 0) {
            if (s == NULL || len > 256 || strlen(s) != len)
                abort();
        } else if (resp.status != 400 || resp.json == NULL) {
            abort();
        }
        http_response_clear(&resp);
        resp.status = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *ct = content_types[data[0] % 3];
    size_t len = size - 1;
    char *body = malloc(len ? len : 1);
    if (body == NULL)
        return 0;
    memcpy(body, data + 1, len);

    json_t *obj = NULL;
    struct err e;
    memset(&e, 0, sizeof(e));
    if (api_json_object_parse(ct, body, len, &obj, &e) == 0) {
        if (obj == NULL || !json_is_object(obj) || ct == NULL || strcmp(ct, "text/plain") == 0)
            abort();
        read_fields(obj);
        json_decref(obj);
    } else {
        if (obj != NULL)
            abort();
        if (e.kind == ERR_UNSUPPORTED_MEDIA) {
            if (ct != NULL && strcmp(ct, "text/plain") != 0)
                abort();
        } else if (e.kind != ERR_VALIDATION ||
                   (strncmp(e.msg, "malformed JSON at line ", 23) != 0 &&
                    strcmp(e.msg, "request body must be a JSON object") != 0)) {
            abort();
        }
    }
    free(body);
    return 0;
}
