/* seal.c — XChaCha20-Poly1305 sealing of one value, bound to its row. */
#include "vault/seal.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SEAL_VERSION 1
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define AD_MAX 512

/* "passagent/seal/v1" NUL table NUL column NUL row NUL user: NUL separators
 * keep ("a","bc") and ("ab","c") distinct. */
static int seal_ad(const struct vault_ad *ad, unsigned char out[AD_MAX], size_t *out_len)
{
    static const char label[] = "passagent/seal/v1";
    const char *parts[] = {label, ad->table, ad->column, ad->row_id, ad->user_id};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (parts[i] == NULL)
            return -1;
        size_t l = strlen(parts[i]);
        if (l + 1 > AD_MAX - n)
            return -1;
        memcpy(out + n, parts[i], l);
        n += l;
        out[n++] = '\0';
    }
    *out_len = n;
    return 0;
}

int vault_seal(const unsigned char dk[VAULT_KEY_BYTES], const struct vault_ad *ad,
               const void *pt, size_t pt_len, unsigned char **out, size_t *out_len)
{
    unsigned char adb[AD_MAX];
    size_t ad_len;
    *out = NULL;
    if (seal_ad(ad, adb, &ad_len) != 0 || pt_len > SIZE_MAX - VAULT_SEAL_OVERHEAD)
        return -1;
    size_t total = pt_len + VAULT_SEAL_OVERHEAD;
    unsigned char *buf = malloc(total);
    if (buf == NULL)
        return -1;
    buf[0] = SEAL_VERSION;
    randombytes_buf(buf + 1, NONCE_BYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + 1 + NONCE_BYTES, &clen, pt, pt_len, adb,
                                               ad_len, NULL, buf + 1, dk);
    *out = buf;
    *out_len = total;
    return 0;
}

int vault_open(const unsigned char dk[VAULT_KEY_BYTES], const struct vault_ad *ad,
               const void *ct, size_t ct_len, char **out, size_t *out_len)
{
    const unsigned char *c = ct;
    unsigned char adb[AD_MAX];
    size_t ad_len;
    *out = NULL;
    if (ct_len < VAULT_SEAL_OVERHEAD || c[0] != SEAL_VERSION || seal_ad(ad, adb, &ad_len) != 0)
        return -1;
    size_t pt_max = ct_len - VAULT_SEAL_OVERHEAD;
    char *pt = sodium_malloc(pt_max + 1);
    if (pt == NULL)
        return -1;
    unsigned long long plen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)pt, &plen, NULL,
                                                   c + 1 + NONCE_BYTES, ct_len - 1 - NONCE_BYTES,
                                                   adb, ad_len, c + 1, dk) != 0) {
        sodium_free(pt);
        return -1;
    }
    pt[plen] = '\0';
    *out = pt;
    *out_len = (size_t)plen;
    return 0;
}

void vault_secret_free(char **secret, size_t len)
{
    (void)len; /* sodium_free wipes the whole allocation itself */
    if (*secret)
        sodium_free(*secret);
    *secret = NULL;
}
