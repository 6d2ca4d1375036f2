/*
 * bitwarden_crypt.c — opens a password-protected Bitwarden JSON export.
 *
 * As Bitwarden defines it: the export key is PBKDF2-HMAC-SHA256(password,
 * salt, iterations) (kdfType 0) or Argon2id(password, SHA-256(salt),
 * iterations, memory MiB, parallelism) (kdfType 1), 32 bytes; it is
 * stretched with HKDF-Expand-SHA256 (RFC 5869) into an AES key ("enc") and a
 * MAC key ("mac"). Each value is an EncString "2.<iv>|<ct>|<mac>" (base64):
 * HMAC-SHA256(mac key, iv || ct) must match before AES-256-CBC decryption.
 * A MAC mismatch on encKeyValidation_DO_NOT_EDIT means a wrong password.
 *
 * libsodium has neither PBKDF2 nor AES-CBC, and its Argon2id runs one lane
 * only (Bitwarden's default is four), hence libcrypto and libargon2.
 */
#include <argon2.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "import/import.h"

/* Bitwarden allows Argon2id up to 1 GiB; a server reading uploads takes
 * at most LIMIT_IMPORT_KDF_MEMORY_MIB, and runs LIMIT_IMPORT_KDF_IN_FLIGHT
 * derivations at once so a burst of uploads cannot exhaust memory. */
#ifdef PASSAGENT_FUZZING
#define KDF_MAX_ITER 2000 /* keep fuzzing fast */
#define KDF_MAX_ARGON_ITER 2
#define KDF_MAX_MEMORY_MIB 4
#else
#define KDF_MAX_ITER 2000000
#define KDF_MAX_ARGON_ITER 16
#define KDF_MAX_MEMORY_MIB LIMIT_IMPORT_KDF_MEMORY_MIB
#endif
#define KDF_MAX_PARALLEL 16

static pthread_mutex_t kdf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kdf_freed = PTHREAD_COND_INITIALIZER;
static unsigned kdf_running;

static void kdf_enter(void)
{
    pthread_mutex_lock(&kdf_lock);
    while (kdf_running >= LIMIT_IMPORT_KDF_IN_FLIGHT)
        pthread_cond_wait(&kdf_freed, &kdf_lock);
    kdf_running++;
    pthread_mutex_unlock(&kdf_lock);
}

static void kdf_leave(void)
{
    pthread_mutex_lock(&kdf_lock);
    kdf_running--;
    pthread_cond_signal(&kdf_freed);
    pthread_mutex_unlock(&kdf_lock);
}

struct bw_keys {
    unsigned char enc[32];
    unsigned char mac[32];
};

static void hkdf_expand(const unsigned char prk[32], const char *info, unsigned char out[32])
{
    crypto_auth_hmacsha256_state st;
    unsigned char one = 1;
    crypto_auth_hmacsha256_init(&st, prk, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)info, strlen(info));
    crypto_auth_hmacsha256_update(&st, &one, 1);
    crypto_auth_hmacsha256_final(&st, out);
}

static int derive(json_t *root, const char *pw, size_t pwlen, struct bw_keys *k, struct err *e)
{
    const char *salt = json_string_value(json_object_get(root, "salt"));
    json_int_t kdf = json_integer_value(json_object_get(root, "kdfType"));
    json_int_t iter = json_integer_value(json_object_get(root, "kdfIterations"));
    json_int_t mem = json_integer_value(json_object_get(root, "kdfMemory"));
    json_int_t par = json_integer_value(json_object_get(root, "kdfParallelism"));
    unsigned char key[32];
    int ok = 0;
    if (salt == NULL || iter < 1 || iter > KDF_MAX_ITER)
        return err_set_code(e, ERR_VALIDATION, "BITWARDEN_KDF_UNSUPPORTED",
                            "the export's key derivation settings are missing or out of range");
    if (kdf == 0) {
        kdf_enter();
        ok = PKCS5_PBKDF2_HMAC(pw, (int)pwlen, (const unsigned char *)salt, (int)strlen(salt),
                               (int)iter, EVP_sha256(), 32, key) == 1;
        kdf_leave();
    } else if (kdf == 1) {
        if (iter > KDF_MAX_ARGON_ITER || mem < 1 || mem > KDF_MAX_MEMORY_MIB || par < 1 ||
            par > KDF_MAX_PARALLEL)
            return err_set_code(e, ERR_VALIDATION, "BITWARDEN_KDF_UNSUPPORTED",
                                "the export's Argon2id settings are out of range (at most %d "
                                "iterations and %d MiB)",
                                KDF_MAX_ARGON_ITER, KDF_MAX_MEMORY_MIB);
        unsigned char s[32];
        crypto_hash_sha256(s, (const unsigned char *)salt, strlen(salt));
        kdf_enter();
        ok = argon2id_hash_raw((uint32_t)iter, (uint32_t)(mem * 1024), (uint32_t)par, pw, pwlen,
                               s, sizeof(s), key, sizeof(key)) == ARGON2_OK;
        kdf_leave();
    } else {
        return err_set_code(e, ERR_VALIDATION, "BITWARDEN_KDF_UNSUPPORTED",
                            "unknown kdfType in the Bitwarden export");
    }
    if (!ok)
        return err_set(e, ERR_INTERNAL, "key derivation failed");
    hkdf_expand(key, "enc", k->enc);
    hkdf_expand(key, "mac", k->mac);
    sodium_memzero(key, sizeof(key));
    return 0;
}

static unsigned char *b64(const char *s, size_t n, size_t *out_len)
{
    unsigned char *o = malloc(n / 4 * 3 + 3);
    if (o == NULL)
        return NULL;
    if (sodium_base642bin(o, n / 4 * 3 + 3, s, n, NULL, out_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(o);
        return NULL;
    }
    return o;
}

/* Opens one EncString. Returns 0, -1 on a malformed string, -2 on a MAC
 * mismatch. *out is malloc'd, NUL-terminated. */
static int encstring_open(const struct bw_keys *k, const char *s, char **out, size_t *out_len)
{
    if (s == NULL || strncmp(s, "2.", 2) != 0)
        return -1;
    const char *p1 = strchr(s + 2, '|'), *p2 = p1 ? strchr(p1 + 1, '|') : NULL;
    if (p2 == NULL)
        return -1;
    size_t ivl = 0, ctl = 0, macl = 0;
    unsigned char *iv = b64(s + 2, (size_t)(p1 - s - 2), &ivl);
    unsigned char *ct = b64(p1 + 1, (size_t)(p2 - p1 - 1), &ctl);
    unsigned char *mac = b64(p2 + 1, strlen(p2 + 1), &macl);
    int rc = -1;
    unsigned char *pt = NULL;
    if (!iv || !ct || !mac || ivl != 16 || macl != 32 || ctl == 0 || ctl % 16)
        goto out;
    unsigned char want[32];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, k->mac, 32);
    crypto_auth_hmacsha256_update(&st, iv, ivl);
    crypto_auth_hmacsha256_update(&st, ct, ctl);
    crypto_auth_hmacsha256_final(&st, want);
    if (sodium_memcmp(want, mac, 32) != 0) {
        rc = -2;
        goto out;
    }
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    pt = malloc(ctl + 17);
    int n1 = 0, n2 = 0;
    if (c && pt && EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, k->enc, iv) == 1 &&
        EVP_DecryptUpdate(c, pt, &n1, ct, (int)ctl) == 1 &&
        EVP_DecryptFinal_ex(c, pt + n1, &n2) == 1) {
        pt[n1 + n2] = '\0';
        *out = (char *)pt;
        *out_len = (size_t)(n1 + n2);
        pt = NULL;
        rc = 0;
    }
    EVP_CIPHER_CTX_free(c);
out:
    if (pt) {
        sodium_memzero(pt, ctl + 17);
        free(pt);
    }
    free(iv);
    free(ct);
    free(mac);
    return rc;
}

int import_bitwarden_decrypt(json_t *root, const char *password, size_t password_len, char **out,
                             size_t *out_len, struct err *e)
{
    struct bw_keys k;
    if (password_len > LIMIT_IMPORT_PASSWORD)
        return err_set(e, ERR_VALIDATION, "field 'password' is too long");
    if (derive(root, password, password_len, &k, e) != 0)
        return -1;
    char *check = NULL;
    size_t check_len = 0;
    int rc = encstring_open(&k, json_string_value(json_object_get(root, "encKeyValidation_DO_NOT_EDIT")),
                            &check, &check_len);
    if (rc == 0) {
        sodium_memzero(check, check_len);
        free(check);
        rc = encstring_open(&k, json_string_value(json_object_get(root, "data")), out, out_len);
        if (rc == -2) /* the password is right: the data itself was altered */
            rc = -1;
    }
    sodium_memzero(&k, sizeof(k));
    if (rc == -2)
        return err_set_code(e, ERR_UNPROCESSABLE, "BITWARDEN_WRONG_PASSWORD",
                            "wrong export password for this Bitwarden export");
    if (rc != 0)
        return err_set_code(e, ERR_VALIDATION, "IMPORT_PARSE_ERROR",
                            "the Bitwarden export's encrypted data is malformed or damaged");
    return 0;
}
