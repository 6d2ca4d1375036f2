/*
 * test_seal.c — encryption at rest (vault/seal.c) and the master key ring
 * (vault/keyring.c): round trips, tamper and context-binding tests, a
 * known-answer test of the sealed layout and of XChaCha20-Poly1305 itself
 * (draft-irtf-cfrg-xchacha-03, appendix A.3.1), and key ring loading,
 * wrapping and file rotation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "vault/keyring.h"
#include "vault/seal.h"

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES

static const struct vault_ad ad_std = {"integrations", "refresh_token", "row-1", "user-1"};

/* Fixed test key: bytes 0x00..0x1f. */
static void key_fixed(unsigned char k[VAULT_KEY_BYTES])
{
    for (size_t i = 0; i < VAULT_KEY_BYTES; i++)
        k[i] = (unsigned char)i;
}

static void hex_decode(const char *hex, unsigned char *out, size_t outsz, size_t *len)
{
    assert_int_equal(sodium_hex2bin(out, outsz, hex, strlen(hex), NULL, len, NULL), 0);
}

/* Seals pt and checks it opens to the same bytes. */
static void round_trip(const unsigned char *pt, size_t len)
{
    unsigned char k[VAULT_KEY_BYTES];
    key_fixed(k);
    unsigned char *ct = NULL;
    size_t ct_len = 0;
    assert_int_equal(vault_seal(k, &ad_std, pt, len, &ct, &ct_len), 0);
    assert_non_null(ct);
    assert_int_equal(ct_len, len + VAULT_SEAL_OVERHEAD);
    assert_int_equal(ct[0], 1);
    char *out = NULL;
    size_t out_len = 99;
    assert_int_equal(vault_open(k, &ad_std, ct, ct_len, &out, &out_len), 0);
    assert_non_null(out);
    assert_int_equal(out_len, len);
    if (len)
        assert_memory_equal(out, pt, len);
    assert_int_equal(out[len], '\0');
    vault_secret_free(&out, out_len);
    assert_null(out);
    free(ct);
}

static void test_seal_round_trip(void **state)
{
    (void)state;
    round_trip((const unsigned char *)"", 0);
    round_trip((const unsigned char *)"x", 1);
    round_trip((const unsigned char *)"1//0g-refresh-token", 19);
    unsigned char *big = malloc(10000);
    assert_non_null(big);
    randombytes_buf(big, 10000);
    round_trip(big, 10000);
    free(big);
}

static void test_seal_nonce_fresh(void **state)
{
    (void)state;
    unsigned char k[VAULT_KEY_BYTES];
    key_fixed(k);
    unsigned char *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    assert_int_equal(vault_seal(k, &ad_std, "same", 4, &a, &al), 0);
    assert_int_equal(vault_seal(k, &ad_std, "same", 4, &b, &bl), 0);
    assert_int_equal(al, bl);
    assert_memory_not_equal(a + 1, b + 1, NONCE_BYTES);
    assert_memory_not_equal(a + 1 + NONCE_BYTES, b + 1 + NONCE_BYTES, al - 1 - NONCE_BYTES);
    free(a);
    free(b);
}

/* Flipping any one bit anywhere — version, nonce, ciphertext, tag — or
 * cutting the value short must make it fail to open. */
static void test_seal_tamper(void **state)
{
    (void)state;
    unsigned char k[VAULT_KEY_BYTES];
    key_fixed(k);
    const char *pt = "a secret value";
    unsigned char *ct = NULL;
    size_t ct_len = 0;
    assert_int_equal(vault_seal(k, &ad_std, pt, strlen(pt), &ct, &ct_len), 0);
    char *out = NULL;
    size_t out_len = 0;
    for (size_t i = 0; i < ct_len; i++) {
        for (unsigned bit = 0; bit < 8; bit += 7) {
            ct[i] ^= (unsigned char)(1u << bit);
            out = (char *)0x1;
            if (vault_open(k, &ad_std, ct, ct_len, &out, &out_len) == 0)
                fail_msg("byte %zu bit %u flipped and the value still opened", i, bit);
            assert_null(out);
            ct[i] ^= (unsigned char)(1u << bit);
        }
    }
    for (size_t n = 0; n < ct_len; n++)
        assert_int_equal(vault_open(k, &ad_std, ct, n, &out, &out_len), -1);
    /* An appended byte breaks the tag as well. */
    unsigned char *longer = malloc(ct_len + 1);
    assert_non_null(longer);
    memcpy(longer, ct, ct_len);
    longer[ct_len] = 0;
    assert_int_equal(vault_open(k, &ad_std, longer, ct_len + 1, &out, &out_len), -1);
    free(longer);
    /* Untouched, it still opens. */
    assert_int_equal(vault_open(k, &ad_std, ct, ct_len, &out, &out_len), 0);
    assert_string_equal(out, pt);
    vault_secret_free(&out, out_len);
    free(ct);
}

static void expect_no_open(const unsigned char k[VAULT_KEY_BYTES], const struct vault_ad *ad,
                           const unsigned char *ct, size_t ct_len)
{
    char *out = (char *)0x1;
    size_t out_len = 0;
    assert_int_equal(vault_open(k, ad, ct, ct_len, &out, &out_len), -1);
    assert_null(out);
}

/* A value copied to another table, column, row or user does not open. */
static void test_seal_context_binding(void **state)
{
    (void)state;
    unsigned char k[VAULT_KEY_BYTES];
    key_fixed(k);
    unsigned char *ct = NULL;
    size_t ct_len = 0;
    assert_int_equal(vault_seal(k, &ad_std, "tok", 3, &ct, &ct_len), 0);

    struct vault_ad a = ad_std;
    a.table = "integrationz";
    expect_no_open(k, &a, ct, ct_len);
    a = ad_std;
    a.column = "access_token";
    expect_no_open(k, &a, ct, ct_len);
    a = ad_std;
    a.row_id = "row-2";
    expect_no_open(k, &a, ct, ct_len);
    a = ad_std;
    a.user_id = "user-2";
    expect_no_open(k, &a, ct, ct_len);
    a = ad_std;
    a.user_id = "";
    expect_no_open(k, &a, ct, ct_len);
    /* Moving a boundary between fields changes the context too. */
    a = ad_std;
    a.row_id = "row-1user-1";
    a.user_id = "";
    expect_no_open(k, &a, ct, ct_len);
    a = ad_std;
    a.row_id = "row-";
    a.user_id = "1user-1";
    expect_no_open(k, &a, ct, ct_len);
    /* Missing parts are refused on both sides. */
    a = ad_std;
    a.user_id = NULL;
    expect_no_open(k, &a, ct, ct_len);
    unsigned char *ct2 = (unsigned char *)0x1;
    size_t ct2_len = 0;
    assert_int_equal(vault_seal(k, &a, "tok", 3, &ct2, &ct2_len), -1);
    assert_null(ct2);

    unsigned char k2[VAULT_KEY_BYTES];
    key_fixed(k2);
    k2[31] ^= 1;
    expect_no_open(k2, &ad_std, ct, ct_len);
    free(ct);
}

/* The AEAD itself: draft-irtf-cfrg-xchacha-03 A.3.1. */
static void test_aead_known_vector(void **state)
{
    (void)state;
    const char *pt = "Ladies and Gentlemen of the class of '99: If I could offer you only one "
                     "tip for the future, sunscreen would be it.";
    unsigned char key[32], nonce[24], aad[12], want[256], got[256];
    size_t key_len, nonce_len, aad_len, want_len;
    hex_decode("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", key,
               sizeof(key), &key_len);
    hex_decode("404142434445464748494a4b4c4d4e4f5051525354555657", nonce, sizeof(nonce),
               &nonce_len);
    hex_decode("50515253c0c1c2c3c4c5c6c7", aad, sizeof(aad), &aad_len);
    hex_decode("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa64"
               "40bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb"
               "9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
               "c0875924c1c7987947deafd8780acf49",
               want, sizeof(want), &want_len);
    assert_int_equal(want_len, strlen(pt) + TAG_BYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(got, &clen, (const unsigned char *)pt, strlen(pt),
                                               aad, aad_len, NULL, nonce, key);
    assert_int_equal(clen, want_len);
    assert_memory_equal(got, want, want_len);
}

/* A value sealed by hand with the documented layout opens with vault_open:
 * version 1 | nonce | XChaCha20-Poly1305(pt, ad), where ad is
 * "passagent/seal/v1" NUL table NUL column NUL row NUL user NUL. */
static void test_seal_known_answer_layout(void **state)
{
    (void)state;
    unsigned char k[VAULT_KEY_BYTES];
    key_fixed(k);
    static const char ad_bytes[] = "passagent/seal/v1\0integrations\0refresh_token\0row-1\0user-1";
    /* sizeof includes the final NUL of the string literal: the trailing
     * separator of the layout. */
    const size_t ad_len = sizeof(ad_bytes);
    const char *pt = "1//0g-refresh-token";
    size_t pt_len = strlen(pt);
    unsigned char blob[1 + NONCE_BYTES + 64];
    blob[0] = 1;
    for (size_t i = 0; i < NONCE_BYTES; i++)
        blob[1 + i] = (unsigned char)(0x40 + i);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 1 + NONCE_BYTES, &clen,
                                               (const unsigned char *)pt, pt_len,
                                               (const unsigned char *)ad_bytes, ad_len, NULL,
                                               blob + 1, k);
    size_t blob_len = 1 + NONCE_BYTES + (size_t)clen;
    assert_int_equal(blob_len, pt_len + VAULT_SEAL_OVERHEAD);

    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(vault_open(k, &ad_std, blob, blob_len, &out, &out_len), 0);
    assert_int_equal(out_len, pt_len);
    assert_string_equal(out, pt);
    vault_secret_free(&out, out_len);

    /* The same bytes without the trailing NUL are a different context. */
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 1 + NONCE_BYTES, &clen,
                                               (const unsigned char *)pt, pt_len,
                                               (const unsigned char *)ad_bytes, ad_len - 1, NULL,
                                               blob + 1, k);
    expect_no_open(k, &ad_std, blob, blob_len);

    /* Version 2 of the same blob is refused, even with a valid tag. */
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 1 + NONCE_BYTES, &clen,
                                               (const unsigned char *)pt, pt_len,
                                               (const unsigned char *)ad_bytes, ad_len, NULL,
                                               blob + 1, k);
    blob[0] = 2;
    expect_no_open(k, &ad_std, blob, blob_len);

    /* And vault_seal's output opens with the raw AEAD and that AD. */
    unsigned char *ct = NULL;
    size_t ct_len = 0;
    assert_int_equal(vault_seal(k, &ad_std, pt, pt_len, &ct, &ct_len), 0);
    unsigned char dec[64];
    unsigned long long dlen = 0;
    assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
                         dec, &dlen, NULL, ct + 1 + NONCE_BYTES, ct_len - 1 - NONCE_BYTES,
                         (const unsigned char *)ad_bytes, ad_len, ct + 1, k),
                     0);
    assert_int_equal(dlen, pt_len);
    assert_memory_equal(dec, pt, pt_len);
    free(ct);
}

/* ---- key ring ---- */

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY2_HEX "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

struct dir_fixture {
    char dir[64];
    char path[128];
};

static int dir_setup(void **state)
{
    static struct dir_fixture f;
    snprintf(f.dir, sizeof(f.dir), "/tmp/passagent-seal-XXXXXX");
    if (mkdtemp(f.dir) == NULL)
        return -1;
    snprintf(f.path, sizeof(f.path), "%s/master.key", f.dir);
    *state = &f;
    return 0;
}

static int dir_teardown(void **state)
{
    struct dir_fixture *f = *state;
    unlink(f->path);
    rmdir(f->dir);
    return 0;
}

static struct vault_keyring *ring_from_text(const char *key, const char *previous)
{
    struct vault_keyring_source src = {.key_text = key, .previous_text = previous};
    struct vault_keyring *kr = NULL;
    struct err e;
    memset(&e, 0, sizeof(e));
    if (vault_keyring_create(&src, &kr, &e) != 0)
        fail_msg("keyring: %s", e.msg);
    assert_non_null(kr);
    return kr;
}

static struct vault_keyring *ring_from_file(const char *path, bool create)
{
    struct vault_keyring_source src = {.key_file = path, .create_file = create};
    struct vault_keyring *kr = NULL;
    struct err e;
    memset(&e, 0, sizeof(e));
    if (vault_keyring_create(&src, &kr, &e) != 0)
        fail_msg("keyring: %s", e.msg);
    assert_non_null(kr);
    return kr;
}

static size_t file_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF)
        if (ch == '\n')
            n++;
    fclose(f);
    return n;
}

static void test_keyring_hex_and_base64(void **state)
{
    (void)state;
    struct vault_keyring *a = ring_from_text(KEY_HEX, NULL);
    struct vault_keyring *b = ring_from_text(KEY_B64, NULL);
    struct vault_keyring *c = ring_from_text(" " KEY2_HEX "\t", NULL);
    assert_int_equal(strlen(vault_keyring_primary_id(a)), VAULT_KEY_ID_CHARS);
    /* The id is a fingerprint of the key, not of its spelling. */
    assert_string_equal(vault_keyring_primary_id(a), vault_keyring_primary_id(b));
    assert_string_not_equal(vault_keyring_primary_id(a), vault_keyring_primary_id(c));
    /* The id does not reveal the key. */
    assert_null(strstr(KEY_HEX, vault_keyring_primary_id(a)));
    assert_false(vault_keyring_is_file(a));

    /* A key wrapped by one spelling opens with the other. */
    unsigned char dk[VAULT_KEY_BYTES], dk2[VAULT_KEY_BYTES], w[VAULT_WRAPPED_BYTES];
    char id[VAULT_KEY_ID_CHARS + 1];
    assert_int_equal(vault_user_key_new(a, "u1", dk, w, id), 0);
    assert_int_equal(vault_user_key_unwrap(b, "u1", w, sizeof(w), id, dk2), 0);
    assert_memory_equal(dk, dk2, sizeof(dk));
    assert_int_equal(vault_user_key_unwrap(c, "u1", w, sizeof(w), id, dk2), -1);

    /* Rotation needs a key file. */
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(vault_keyring_rotate_file(a, &e), -1);
    assert_non_null(strstr(e.msg, "PASSAGENT_MASTER_KEY"));
    vault_keyring_destroy(&a);
    vault_keyring_destroy(&b);
    vault_keyring_destroy(&c);
    assert_null(a);
}

static void test_keyring_rejects_bad_keys(void **state)
{
    (void)state;
    const char *bad[] = {
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e", /* 31 bytes hex */
        KEY_HEX "00",                                                     /* 33 bytes hex */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1eZZ", /* not hex */
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",                   /* 31 bytes b64 */
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==",               /* 34 bytes b64 */
        "correct-horse-battery-staple-secret",
        KEY_HEX "," KEY2_HEX, /* two primaries */
        ",",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vault_keyring_source src = {.key_text = bad[i]};
        struct vault_keyring *kr = NULL;
        struct err e;
        memset(&e, 0, sizeof(e));
        if (vault_keyring_create(&src, &kr, &e) == 0)
            fail_msg("key %zu accepted", i);
        assert_null(kr);
        assert_non_null(strstr(e.msg, "PASSAGENT_MASTER_KEY"));
        assert_null(strstr(e.msg, bad[i]));
        assert_null(strstr(e.msg, "0001020304"));
        assert_null(strstr(e.msg, "AAECAwQF"));
        assert_null(strstr(e.msg, "horse"));
    }
    /* A bad previous key is reported under its own name. */
    struct vault_keyring_source src = {.key_text = KEY_HEX, .previous_text = "nothex"};
    struct vault_keyring *kr = NULL;
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(vault_keyring_create(&src, &kr, &e), -1);
    assert_non_null(strstr(e.msg, "PASSAGENT_MASTER_KEY_PREVIOUS"));
    assert_null(strstr(e.msg, "nothex"));
    /* No source at all. */
    struct vault_keyring_source none = {0};
    assert_int_equal(vault_keyring_create(&none, &kr, &e), -1);
}

static void test_keyring_previous_keys(void **state)
{
    (void)state;
    struct vault_keyring *old = ring_from_text(KEY_HEX, NULL);
    unsigned char dk[VAULT_KEY_BYTES], dk2[VAULT_KEY_BYTES], w[VAULT_WRAPPED_BYTES];
    unsigned char w2[VAULT_WRAPPED_BYTES];
    char id[VAULT_KEY_ID_CHARS + 1], id2[VAULT_KEY_ID_CHARS + 1];
    assert_int_equal(vault_user_key_new(old, "u1", dk, w, id), 0);

    struct vault_keyring *now = ring_from_text(KEY2_HEX, KEY_B64);
    assert_string_not_equal(vault_keyring_primary_id(now), id);
    assert_int_equal(vault_user_key_unwrap(now, "u1", w, sizeof(w), id, dk2), 0);
    assert_memory_equal(dk, dk2, sizeof(dk));
    assert_int_equal(vault_user_key_rewrap(now, "u1", w, sizeof(w), id, w2, id2), 0);
    assert_string_equal(id2, vault_keyring_primary_id(now));
    assert_int_equal(vault_user_key_unwrap(now, "u1", w2, sizeof(w2), id2, dk2), 0);
    assert_memory_equal(dk, dk2, sizeof(dk));
    /* The old ring cannot read the re-wrapped key. */
    assert_int_equal(vault_user_key_unwrap(old, "u1", w2, sizeof(w2), id2, dk2), -1);
    vault_keyring_destroy(&old);
    vault_keyring_destroy(&now);
}

static void test_user_key_wrap(void **state)
{
    (void)state;
    struct vault_keyring *kr = ring_from_text(KEY_HEX, NULL);
    unsigned char dk[VAULT_KEY_BYTES], dk2[VAULT_KEY_BYTES], other[VAULT_KEY_BYTES];
    unsigned char w[VAULT_WRAPPED_BYTES];
    char id[VAULT_KEY_ID_CHARS + 1];
    const char *uid = "5b0e3f4e-6a57-4d1e-9a43-0f3c2b1a0d9e";
    assert_int_equal(vault_user_key_new(kr, uid, dk, w, id), 0);
    assert_string_equal(id, vault_keyring_primary_id(kr));
    assert_int_equal(w[0], 1);
    assert_memory_not_equal(w + 1 + NONCE_BYTES, dk, VAULT_KEY_BYTES); /* it is encrypted */
    assert_int_equal(vault_user_key_unwrap(kr, uid, w, sizeof(w), id, dk2), 0);
    assert_memory_equal(dk, dk2, sizeof(dk));

    /* A second user gets a different key. */
    unsigned char w2[VAULT_WRAPPED_BYTES];
    char id2[VAULT_KEY_ID_CHARS + 1];
    assert_int_equal(vault_user_key_new(kr, "other-user", other, w2, id2), 0);
    assert_memory_not_equal(dk, other, sizeof(dk));

    /* Moved to another user: refused. */
    assert_int_equal(vault_user_key_unwrap(kr, "other-user", w, sizeof(w), id, dk2), -1);
    assert_int_equal(vault_user_key_unwrap(kr, "5b0e3f4e-6a57-4d1e-9a43-0f3c2b1a0d9f", w,
                                           sizeof(w), id, dk2),
                     -1);
    /* Unknown or malformed key ids. */
    assert_int_equal(vault_user_key_unwrap(kr, uid, w, sizeof(w), "0000000000000000", dk2), -1);
    assert_int_equal(vault_user_key_unwrap(kr, uid, w, sizeof(w), "", dk2), -1);
    char longid[VAULT_KEY_ID_CHARS + 2];
    snprintf(longid, sizeof(longid), "%s0", id);
    assert_int_equal(vault_user_key_unwrap(kr, uid, w, sizeof(w), longid, dk2), -1);
    /* Wrong lengths. */
    assert_int_equal(vault_user_key_unwrap(kr, uid, w, sizeof(w) - 1, id, dk2), -1);
    assert_int_equal(vault_user_key_unwrap(kr, uid, w, 0, id, dk2), -1);
    /* Every tampered byte is refused. */
    for (size_t i = 0; i < sizeof(w); i++) {
        w[i] ^= 0x01;
        if (vault_user_key_unwrap(kr, uid, w, sizeof(w), id, dk2) == 0)
            fail_msg("wrapped key byte %zu flipped and it still opened", i);
        w[i] ^= 0x01;
    }
    assert_int_equal(vault_user_key_unwrap(kr, uid, w, sizeof(w), id, dk2), 0);
    vault_keyring_destroy(&kr);
}

static void test_keyring_file_created_0600(void **state)
{
    struct dir_fixture *f = *state;
    struct vault_keyring *kr = ring_from_file(f->path, true);
    assert_true(vault_keyring_is_file(kr));
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, VAULT_KEY_BYTES * 2 + 1);
    assert_int_equal(file_lines(f->path), 1);

    /* A second load reads the same key instead of making another. */
    struct vault_keyring *again = ring_from_file(f->path, true);
    assert_string_equal(vault_keyring_primary_id(kr), vault_keyring_primary_id(again));
    struct vault_keyring *ro = ring_from_file(f->path, false);
    assert_string_equal(vault_keyring_primary_id(kr), vault_keyring_primary_id(ro));
    vault_keyring_destroy(&kr);
    vault_keyring_destroy(&again);
    vault_keyring_destroy(&ro);
}

static void test_keyring_file_missing_not_created(void **state)
{
    struct dir_fixture *f = *state;
    struct vault_keyring_source src = {.key_file = f->path, .create_file = false};
    struct vault_keyring *kr = NULL;
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(vault_keyring_create(&src, &kr, &e), -1);
    assert_null(kr);
    assert_int_equal(access(f->path, F_OK), -1);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_keyring_file_mode_refused(void **state)
{
    struct dir_fixture *f = *state;
    write_file(f->path, KEY_HEX "\n", 0644);
    struct vault_keyring_source src = {.key_file = f->path};
    struct vault_keyring *kr = NULL;
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(vault_keyring_create(&src, &kr, &e), -1);
    assert_null(kr);
    assert_non_null(strstr(e.msg, "644"));
    assert_null(strstr(e.msg, "0001020304"));
    src.create_file = true; /* never "fixes" an existing file */
    assert_int_equal(vault_keyring_create(&src, &kr, &e), -1);

    write_file(f->path, KEY_HEX "\n", 0640);
    assert_int_equal(vault_keyring_create(&src, &kr, &e), -1);

    /* The same file at 0600 loads, with comments and blank lines. */
    write_file(f->path, "# primary\n" KEY_HEX "\n\n" KEY2_HEX "\n", 0600);
    struct vault_keyring *ok = ring_from_file(f->path, false);
    struct vault_keyring *same = ring_from_text(KEY_HEX, NULL);
    assert_string_equal(vault_keyring_primary_id(ok), vault_keyring_primary_id(same));
    vault_keyring_destroy(&ok);
    vault_keyring_destroy(&same);

    /* Garbage in the file: refused without echoing it. */
    write_file(f->path, "hunter2hunter2\n", 0600);
    assert_int_equal(vault_keyring_create(&src, &kr, &e), -1);
    assert_null(strstr(e.msg, "hunter2"));
}

static void test_keyring_rotate_file(void **state)
{
    struct dir_fixture *f = *state;
    struct vault_keyring *kr = ring_from_file(f->path, true);
    char old_id[VAULT_KEY_ID_CHARS + 1];
    snprintf(old_id, sizeof(old_id), "%s", vault_keyring_primary_id(kr));
    unsigned char dk[VAULT_KEY_BYTES], dk2[VAULT_KEY_BYTES], w[VAULT_WRAPPED_BYTES];
    unsigned char w2[VAULT_WRAPPED_BYTES];
    char id[VAULT_KEY_ID_CHARS + 1], id2[VAULT_KEY_ID_CHARS + 1];
    assert_int_equal(vault_user_key_new(kr, "u1", dk, w, id), 0);
    assert_string_equal(id, old_id);

    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(vault_keyring_rotate_file(kr, &e), 0);
    assert_string_not_equal(vault_keyring_primary_id(kr), old_id);
    assert_int_equal(file_lines(f->path), 2);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* The old wrapped key still opens (previous key kept). */
    assert_int_equal(vault_user_key_unwrap(kr, "u1", w, sizeof(w), id, dk2), 0);
    assert_memory_equal(dk, dk2, sizeof(dk));
    /* A fresh load of the file has both keys, new one first. */
    struct vault_keyring *fresh = ring_from_file(f->path, false);
    assert_string_equal(vault_keyring_primary_id(fresh), vault_keyring_primary_id(kr));
    assert_int_equal(vault_user_key_unwrap(fresh, "u1", w, sizeof(w), id, dk2), 0);
    vault_keyring_destroy(&fresh);

    assert_int_equal(vault_user_key_rewrap(kr, "u1", w, sizeof(w), id, w2, id2), 0);
    assert_string_equal(id2, vault_keyring_primary_id(kr));
    assert_int_equal(vault_user_key_unwrap(kr, "u1", w2, sizeof(w2), id2, dk2), 0);
    assert_memory_equal(dk, dk2, sizeof(dk));

    assert_int_equal(vault_keyring_drop_previous(kr, &e), 0);
    assert_int_equal(file_lines(f->path), 1);
    assert_int_equal(vault_user_key_unwrap(kr, "u1", w, sizeof(w), id, dk2), -1);
    assert_int_equal(vault_user_key_unwrap(kr, "u1", w2, sizeof(w2), id2, dk2), 0);
    assert_memory_equal(dk, dk2, sizeof(dk));
    vault_keyring_destroy(&kr);

    /* What is left on disk is exactly the new primary. */
    struct vault_keyring *after = ring_from_file(f->path, false);
    assert_string_equal(vault_keyring_primary_id(after), id2);
    assert_int_equal(vault_user_key_unwrap(after, "u1", w, sizeof(w), id, dk2), -1);
    assert_int_equal(vault_user_key_unwrap(after, "u1", w2, sizeof(w2), id2, dk2), 0);
    vault_keyring_destroy(&after);
}

/* A running server's ring re-reads the file when it meets a key id that
 * another process's rotation introduced. */
static void test_keyring_reload_on_unknown_id(void **state)
{
    struct dir_fixture *f = *state;
    struct vault_keyring *server = ring_from_file(f->path, true);
    struct vault_keyring *cli = ring_from_file(f->path, false);
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(vault_keyring_rotate_file(cli, &e), 0);
    unsigned char dk[VAULT_KEY_BYTES], dk2[VAULT_KEY_BYTES], w[VAULT_WRAPPED_BYTES];
    char id[VAULT_KEY_ID_CHARS + 1];
    assert_int_equal(vault_user_key_new(cli, "u1", dk, w, id), 0);
    assert_string_not_equal(id, vault_keyring_primary_id(server));
    sleep(1); /* reloads are rate-limited to one a second */
    assert_int_equal(vault_user_key_unwrap(server, "u1", w, sizeof(w), id, dk2), 0);
    assert_memory_equal(dk, dk2, sizeof(dk));
    assert_string_equal(vault_keyring_primary_id(server), id);
    vault_keyring_destroy(&server);
    vault_keyring_destroy(&cli);
}

static int group_setup(void **state)
{
    (void)state;
    log_set_level((enum log_level)(LOG_ERROR + 1)); /* key file notices */
    return sodium_init() < 0 ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_round_trip),
        cmocka_unit_test(test_seal_nonce_fresh),
        cmocka_unit_test(test_seal_tamper),
        cmocka_unit_test(test_seal_context_binding),
        cmocka_unit_test(test_aead_known_vector),
        cmocka_unit_test(test_seal_known_answer_layout),
        cmocka_unit_test(test_keyring_hex_and_base64),
        cmocka_unit_test(test_keyring_rejects_bad_keys),
        cmocka_unit_test(test_keyring_previous_keys),
        cmocka_unit_test(test_user_key_wrap),
        cmocka_unit_test_setup_teardown(test_keyring_file_created_0600, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_keyring_file_missing_not_created, dir_setup,
                                        dir_teardown),
        cmocka_unit_test_setup_teardown(test_keyring_file_mode_refused, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_keyring_rotate_file, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_keyring_reload_on_unknown_id, dir_setup,
                                        dir_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
