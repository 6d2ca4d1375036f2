/*
 * test_bitwarden.c — password-protected Bitwarden exports with Argon2id
 * (kdfType 1, four lanes, as Bitwarden's default), built here the way
 * Bitwarden writes them: key = Argon2id(password, SHA-256(salt)), HKDF-Expand
 * into enc/mac keys, EncString "2.iv|ct|mac" with HMAC-SHA256 over iv||ct.
 * The encryption side uses OpenSSL's HMAC and AES directly (the importer
 * uses libsodium's HMAC), then import_parse must read the items back, and
 * refuse a wrong password and a tampered file. The PBKDF2 path is proved on
 * the real KeePassXC fixture in the black-box tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"

static void b64(const unsigned char *in, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* EncString of pt under enc/mac. out must hold plenty. */
static void encstring(const unsigned char enc[32], const unsigned char mac[32], const char *pt,
                      char *out)
{
    unsigned char iv[16], ct[4096], tag[32];
    int n1 = 0, n2 = 0;
    unsigned int tl = 0;
    assert_int_equal(RAND_bytes(iv, sizeof(iv)), 1);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, enc, iv), 1);
    assert_int_equal(EVP_EncryptUpdate(c, ct, &n1, (const unsigned char *)pt, (int)strlen(pt)), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, ct + n1, &n2), 1);
    EVP_CIPHER_CTX_free(c);
    unsigned char macin[16 + 4096];
    memcpy(macin, iv, 16);
    memcpy(macin + 16, ct, (size_t)(n1 + n2));
    HMAC(EVP_sha256(), mac, 32, macin, 16 + (size_t)(n1 + n2), tag, &tl);
    char a[64], b[8192], m[64];
    b64(iv, 16, a);
    b64(ct, (size_t)(n1 + n2), b);
    b64(tag, 32, m);
    sprintf(out, "2.%s|%s|%s", a, b, m);
}

static void hkdf_expand(const unsigned char prk[32], const char *info, unsigned char out[32])
{
    unsigned char in[8];
    size_t n = strlen(info);
    unsigned int ol = 0;
    memcpy(in, info, n);
    in[n] = 1;
    HMAC(EVP_sha256(), prk, 32, in, n + 1, out, &ol);
}

static const char inner[] =
    "{\"encrypted\":false,\"folders\":[{\"id\":\"f1\",\"name\":\"Mail\"}],\"items\":["
    "{\"type\":1,\"name\":\"Argon site\",\"folderId\":\"f1\",\"favorite\":true,\"notes\":\"n\","
    "\"login\":{\"uris\":[{\"uri\":\"https://argon.example/\"}],\"username\":\"ann\","
    "\"password\":\"p\\u00e4ss \\\"q\\\"\",\"totp\":\"JBSWY3DPEHPK3PXP\"}},"
    "{\"type\":2,\"name\":\"a note\",\"notes\":\"x\",\"secureNote\":{\"type\":0}}]}";

/* The export JSON text for password pw. */
static char *make_export(const char *pw)
{
    const char *salt = "c2FsdHNhbHRzYWx0c2FsdA==";
    unsigned char s[32], key[32], enc[32], mac[32];
    SHA256((const unsigned char *)salt, strlen(salt), s);
    assert_int_equal(argon2id_hash_raw(3, 16 * 1024, 4, pw, strlen(pw), s, 32, key, 32),
                     ARGON2_OK);
    hkdf_expand(key, "enc", enc);
    hkdf_expand(key, "mac", mac);
    static char val[256], data[8192];
    encstring(enc, mac, "a-random-validation-value", val);
    encstring(enc, mac, inner, data);
    char *out = malloc(16384);
    snprintf(out, 16384,
             "{\"encrypted\":true,\"passwordProtected\":true,\"salt\":\"%s\",\"kdfType\":1,"
             "\"kdfIterations\":3,\"kdfMemory\":16,\"kdfParallelism\":4,"
             "\"encKeyValidation_DO_NOT_EDIT\":\"%s\",\"data\":\"%s\"}",
             salt, val, data);
    return out;
}

static int parse(const char *file, const char *pw, struct import_result *r, struct err *e)
{
    struct import_request rq = {.format = "bitwarden", .data = file, .len = strlen(file),
                                .password = pw, .password_len = pw ? strlen(pw) : 0};
    return import_parse(&rq, r, e);
}

static void test_argon2id_four_lanes(void **state)
{
    (void)state;
    char *file = make_export("correct horse");
    struct import_result r;
    struct err e;
    assert_int_equal(parse(file, "correct horse", &r, &e), 0);
    assert_string_equal(r.format, "bitwarden");
    assert_int_equal(r.n, 2);
    const struct import_entry *en = &r.v[0];
    assert_int_equal(en->status, IMP_LOGIN);
    assert_string_equal(en->name, "Argon site");
    assert_string_equal(en->username, "ann");
    assert_string_equal(en->password, "p\xC3\xA4ss \"q\"");
    assert_string_equal(en->totp, "JBSWY3DPEHPK3PXP");
    assert_string_equal(en->website, "argon.example");
    assert_string_equal(en->tags, "Mail");
    assert_true(en->favorite);
    assert_int_equal(r.v[1].status, IMP_SKIPPED);
    import_result_free(&r);
    free(file);
}

static void test_wrong_password_and_tampering(void **state)
{
    (void)state;
    char *file = make_export("correct horse");
    struct import_result r;
    struct err e;
    assert_int_equal(parse(file, "wrong horse", &r, &e), -1);
    assert_string_equal(e.code, "BITWARDEN_WRONG_PASSWORD");
    assert_int_equal(e.kind, ERR_UNPROCESSABLE);
    assert_int_equal(parse(file, NULL, &r, &e), -1);
    assert_string_equal(e.code, "BITWARDEN_PASSWORD_REQUIRED");
    /* Flip one base64 character of the data's ciphertext: the MAC fails,
     * and since the password checked out, the file is called damaged. */
    char *d = strstr(file, "\"data\":\"2.");
    char *ct = strchr(d, '|') + 1;
    *ct = *ct == 'A' ? 'B' : 'A';
    assert_int_equal(parse(file, "correct horse", &r, &e), -1);
    assert_string_equal(e.code, "IMPORT_PARSE_ERROR");
    assert_non_null(strstr(e.msg, "damaged"));
    free(file);
}

static void test_kdf_limits(void **state)
{
    (void)state;
    const char *huge = "{\"encrypted\":true,\"passwordProtected\":true,\"salt\":\"s\",\"kdfType\":1,"
                       "\"kdfIterations\":3,\"kdfMemory\":1024,\"kdfParallelism\":4,"
                       "\"encKeyValidation_DO_NOT_EDIT\":\"2.a|b|c\",\"data\":\"2.a|b|c\"}";
    struct import_result r;
    struct err e;
    assert_int_equal(parse(huge, "pw", &r, &e), -1);
    assert_string_equal(e.code, "BITWARDEN_KDF_UNSUPPORTED");
    const char *account = "{\"encrypted\":true,\"encKeyValidation_DO_NOT_EDIT\":\"\",\"data\":\"x\"}";
    assert_int_equal(parse(account, "pw", &r, &e), -1);
    assert_string_equal(e.code, "BITWARDEN_ACCOUNT_ENCRYPTED");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argon2id_four_lanes),
        cmocka_unit_test(test_wrong_password_and_tampering),
        cmocka_unit_test(test_kdf_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
