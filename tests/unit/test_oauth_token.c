/*
 * test_oauth_token.c — provider reply parsing (oauth/token.c): token
 * replies in JSON and form encoding, errors sent with HTTP 200, expires_in
 * as a string, ID token claim checks (iss with {tenantid}, aud/azp, exp,
 * nonce, alg none), userinfo subject match and GitHub's e-mail choice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "oauth/token.h"

static int parse(const char *ct, const char *body, struct oauth_token_reply *r)
{
    struct err e;
    return oauth_token_reply_parse(ct, body, strlen(body), r, &e);
}

static void test_json_reply(void **state)
{
    (void)state;
    struct oauth_token_reply r;
    assert_int_equal(parse("application/json; charset=utf-8",
                           "{\"access_token\":\"at\",\"refresh_token\":\"rt\",\"expires_in\":3599,"
                           "\"scope\":\"openid email\",\"id_token\":\"a.b.c\"}",
                           &r),
                     0);
    assert_null(r.error);
    assert_string_equal(r.access_token, "at");
    assert_string_equal(r.refresh_token, "rt");
    assert_string_equal(r.scope, "openid email");
    assert_int_equal(r.expires_in, 3599);
    oauth_token_reply_free(&r);
}

static void test_form_reply_and_string_expiry(void **state)
{
    (void)state;
    struct oauth_token_reply r;
    assert_int_equal(parse("application/x-www-form-urlencoded",
                           "access_token=gho_a%2Bb&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer",
                           &r),
                     0);
    assert_string_equal(r.access_token, "gho_a+b");
    assert_string_equal(r.scope, "read:user,user:email");
    assert_null(r.refresh_token);
    assert_int_equal(r.expires_in, -1);
    oauth_token_reply_free(&r);
    assert_int_equal(parse(NULL, "{\"access_token\":\"x\",\"expires_in\":\"3600\"}", &r), 0);
    assert_int_equal(r.expires_in, 3600);
    oauth_token_reply_free(&r);
}

static void test_errors_and_garbage(void **state)
{
    (void)state;
    struct oauth_token_reply r;
    assert_int_equal(parse("application/x-www-form-urlencoded",
                           "error=bad_verification_code&error_description=x", &r),
                     0);
    assert_string_equal(r.error, "bad_verification_code");
    oauth_token_reply_free(&r);
    assert_int_equal(parse("application/json", "{\"error\":\"invalid_grant\"}", &r), 0);
    assert_string_equal(r.error, "invalid_grant");
    oauth_token_reply_free(&r);
    const char *bad[] = {"{\"access_token\": ", "[1,2]", "{\"token_type\":\"bearer\"}",
                         "{\"access_token\":\"x\",\"expires_in\":\"soon\"}",
                         "{\"access_token\":\"x\",\"expires_in\":-5}",
                         "{\"access_token\":\"\"}", "{\"access_token\":\"a\",\"access_token\":\"b\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct err e = {0};
        assert_int_equal(oauth_token_reply_parse("application/json", bad[i], strlen(bad[i]), &r, &e),
                         -1);
        assert_string_equal(err_code(&e), "PROVIDER_ERROR");
        assert_null(strstr(e.msg, "access_token"));
        oauth_token_reply_free(&r);
    }
}

/* A JWT with header {"alg":alg} and the given claims (signature "sig"). */
static void make_jwt(const char *alg, const char *claims, char *out, size_t outsz)
{
    char hdr[64], h64[128], c64[2048];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
    sodium_bin2base64(h64, sizeof(h64), (const unsigned char *)hdr, strlen(hdr),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_bin2base64(c64, sizeof(c64), (const unsigned char *)claims, strlen(claims),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, outsz, "%s.%s.sig", h64, c64);
}

static int check(const char *alg, const char *claims, const char *issuer,
                 struct oauth_identity *id)
{
    char jwt[4096];
    struct err e;
    make_jwt(alg, claims, jwt, sizeof(jwt));
    struct oauth_id_expect x = {issuer, "client-1", "n0nce", 1000000};
    return oauth_id_token_check(jwt, &x, id, &e);
}

static void test_id_token_claims(void **state)
{
    (void)state;
    struct oauth_identity id;
    const char *iss = "https://issuer.example";
    assert_int_equal(check("RS256",
                           "{\"iss\":\"https://issuer.example\",\"aud\":\"client-1\",\"sub\":\"s1\","
                           "\"exp\":1000100,\"iat\":999990,\"nonce\":\"n0nce\","
                           "\"email\":\"a@example.com\",\"email_verified\":true}",
                           iss, &id),
                     0);
    assert_string_equal(id.sub, "s1");
    assert_string_equal(id.email, "a@example.com");
    /* Each claim wrong in turn. */
    const char *bad[] = {
        "{\"iss\":\"https://evil\",\"aud\":\"client-1\",\"sub\":\"s\",\"exp\":1000100,\"nonce\":\"n0nce\"}",
        "{\"iss\":\"https://issuer.example\",\"aud\":\"other\",\"sub\":\"s\",\"exp\":1000100,\"nonce\":\"n0nce\"}",
        "{\"iss\":\"https://issuer.example\",\"aud\":\"client-1\",\"sub\":\"s\",\"exp\":999000,\"nonce\":\"n0nce\"}",
        "{\"iss\":\"https://issuer.example\",\"aud\":\"client-1\",\"sub\":\"s\",\"exp\":1000100,\"nonce\":\"other\"}",
        "{\"iss\":\"https://issuer.example\",\"aud\":\"client-1\",\"sub\":\"s\",\"exp\":1000100}",
        "{\"iss\":\"https://issuer.example\",\"aud\":[\"client-1\",\"x\"],\"sub\":\"s\",\"exp\":1000100,\"nonce\":\"n0nce\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(check("RS256", bad[i], iss, &id), -1);
    assert_int_equal(check("none",
                           "{\"iss\":\"https://issuer.example\",\"aud\":\"client-1\",\"sub\":\"s\","
                           "\"exp\":1000100,\"nonce\":\"n0nce\"}",
                           iss, &id),
                     -1);
    /* An unverified address is not taken. */
    assert_int_equal(check("RS256",
                           "{\"iss\":\"https://issuer.example\",\"aud\":[\"client-1\"],\"sub\":\"s\","
                           "\"exp\":1000100,\"nonce\":\"n0nce\",\"email\":\"a@b.c\","
                           "\"email_verified\":false}",
                           iss, &id),
                     0);
    assert_string_equal(id.email, "");
}

static void test_id_token_tenant_issuer(void **state)
{
    (void)state;
    struct oauth_identity id;
    const char *iss = "https://login.microsoftonline.com/{tenantid}/v2.0";
    assert_int_equal(check("RS256",
                           "{\"iss\":\"https://login.microsoftonline.com/t-42/v2.0\",\"tid\":\"t-42\","
                           "\"aud\":\"client-1\",\"sub\":\"s\",\"exp\":1000100,\"nonce\":\"n0nce\"}",
                           iss, &id),
                     0);
    assert_int_equal(check("RS256",
                           "{\"iss\":\"https://login.microsoftonline.com/t-42/v2.0\",\"tid\":\"t-43\","
                           "\"aud\":\"client-1\",\"sub\":\"s\",\"exp\":1000100,\"nonce\":\"n0nce\"}",
                           iss, &id),
                     -1);
}

static void test_userinfo_and_github(void **state)
{
    (void)state;
    char email[STORE_EMAIL_MAX + 1];
    struct err e;
    const char *ui = "{\"sub\":\"s1\",\"email\":\"u@example.com\",\"email_verified\":true}";
    assert_int_equal(oauth_userinfo_email(ui, strlen(ui), "s1", email, &e), 0);
    assert_string_equal(email, "u@example.com");
    assert_int_equal(oauth_userinfo_email(ui, strlen(ui), "s2", email, &e), -1);
    const char *gh = "[{\"email\":\"a@x.com\",\"primary\":false,\"verified\":true},"
                     "{\"email\":\"b@x.com\",\"primary\":true,\"verified\":false},"
                     "{\"email\":\"c@x.com\",\"primary\":true,\"verified\":true}]";
    assert_int_equal(oauth_github_email(gh, strlen(gh), email, &e), 0);
    assert_string_equal(email, "c@x.com");
    assert_int_equal(oauth_github_email("{}", 2, email, &e), -1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_reply),
        cmocka_unit_test(test_form_reply_and_string_expiry),
        cmocka_unit_test(test_errors_and_garbage),
        cmocka_unit_test(test_id_token_claims),
        cmocka_unit_test(test_id_token_tenant_issuer),
        cmocka_unit_test(test_userinfo_and_github),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
