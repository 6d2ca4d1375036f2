/* token.c — session and CSRF token generation and checking. */
#include "auth/token.h"

#include <sodium.h>
#include <string.h>

static const char csrf_label[] = "passagent csrf v1";

static bool token_well_formed(const char *token, size_t len)
{
    if (len != AUTH_TOKEN_CHARS)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = token[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

void auth_token_new(char token[AUTH_TOKEN_CHARS + 1], unsigned char hash[AUTH_TOKEN_HASH_BYTES])
{
    unsigned char raw[AUTH_TOKEN_BYTES];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(token, AUTH_TOKEN_CHARS + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    crypto_generichash(hash, AUTH_TOKEN_HASH_BYTES, (const unsigned char *)token,
                       AUTH_TOKEN_CHARS, NULL, 0);
}

int auth_token_hash(const char *token, size_t len, unsigned char hash[AUTH_TOKEN_HASH_BYTES])
{
    if (!token_well_formed(token, len))
        return -1;
    crypto_generichash(hash, AUTH_TOKEN_HASH_BYTES, (const unsigned char *)token, len, NULL, 0);
    return 0;
}

void auth_csrf_token(const char *token, size_t len, char out[AUTH_CSRF_CHARS + 1])
{
    unsigned char mac[32];
    crypto_generichash(mac, sizeof(mac), (const unsigned char *)csrf_label,
                       sizeof(csrf_label) - 1, (const unsigned char *)token, len);
    sodium_bin2base64(out, AUTH_CSRF_CHARS + 1, mac, sizeof(mac),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool auth_csrf_valid(const char *token, size_t len, const char *csrf, size_t csrf_len)
{
    char want[AUTH_CSRF_CHARS + 1];
    if (csrf == NULL || csrf_len != AUTH_CSRF_CHARS)
        return false;
    auth_csrf_token(token, len, want);
    return sodium_memcmp(want, csrf, AUTH_CSRF_CHARS) == 0;
}
