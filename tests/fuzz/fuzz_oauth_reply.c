/*
 * fuzz_oauth_reply.c — what a provider may send, on arbitrary bytes: a token
 * reply (JSON or form, chosen by the first byte), the same bytes as an ID
 * token, a userinfo reply and a GitHub e-mail list. The body is copied into
 * an exactly sized buffer so reads past its length are ASan reports.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *ct = (data[0] & 1) ? "application/json" : "application/x-www-form-urlencoded";
    size_t n = size - 1;
    char *body = malloc(n ? n : 1);
    if (body == NULL)
        return 0;
    memcpy(body, data + 1, n);
    struct oauth_token_reply r;
    struct err e;
    if (oauth_token_reply_parse(ct, body, n, &r, &e) == 0 && r.error == NULL && r.access_token)
        if (strlen(r.access_token) == 0)
            abort();
    oauth_token_reply_free(&r);
    char email[STORE_EMAIL_MAX + 1];
    (void)oauth_userinfo_email(body, n, "sub", email, &e);
    (void)oauth_github_email(body, n, email, &e);
    char *jwt = malloc(n + 1); /* ID tokens are C strings in the API */
    if (jwt) {
        memcpy(jwt, body, n);
        jwt[n] = '\0';
        struct oauth_identity id;
        struct oauth_id_expect x = {"https://login.example/{tenantid}/v2.0", "client", "nonce", 1};
        (void)oauth_id_token_check(jwt, &x, &id, &e);
        free(jwt);
    }
    free(body);
    return 0;
}
