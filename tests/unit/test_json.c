/*
 * test_json.c — request body parsing (api_json_object_parse) and required
 * string fields (api_body_string) from api/reply.c: the rules of api.h,
 * including that a syntax error never echoes the body (it may hold a
 * password).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/api.h"

static int parse(const char *ct, const char *body, json_t **out, struct err *e)
{
    memset(e, 0, sizeof(*e));
    return api_json_object_parse(ct, body, strlen(body), out, e);
}

/* Parses a body that must be refused with kind; checks *out stays NULL. */
static void expect_refused(const char *ct, const char *body, size_t len, enum err_kind kind)
{
    json_t *o = (json_t *)0x1;
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(api_json_object_parse(ct, body, len, &o, &e), -1);
    assert_null(o);
    assert_int_equal(e.kind, kind);
    assert_true(e.msg[0] != '\0');
}

static void test_valid_object(void **state)
{
    (void)state;
    json_t *o = NULL;
    struct err e;
    assert_int_equal(parse("application/json",
                           "{\"email\":\"a@example.com\",\"password\":\"correct horse\"}", &o, &e),
                     0);
    assert_non_null(o);
    assert_true(json_is_object(o));
    assert_string_equal(json_string_value(json_object_get(o, "email")), "a@example.com");
    assert_string_equal(json_string_value(json_object_get(o, "password")), "correct horse");
    json_decref(o);

    assert_int_equal(parse("application/json", " {} ", &o, &e), 0);
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);

    /* Escapes and valid multibyte UTF-8 are fine. */
    assert_int_equal(parse("application/json", "{\"p\":\"\\u00e9t\\u00e9 \xc3\xa9\"}", &o, &e), 0);
    assert_string_equal(json_string_value(json_object_get(o, "p")), "\xc3\xa9t\xc3\xa9 \xc3\xa9");
    json_decref(o);
}

static void test_malformed_hides_input(void **state)
{
    (void)state;
    const char *body = "{\"email\":\"a@example.com\",\n\"password\":\"hunter2secret";
    json_t *o = (json_t *)0x1;
    struct err e;
    assert_int_equal(parse("application/json", body, &o, &e), -1);
    assert_null(o);
    assert_int_equal(e.kind, ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "line 2"));
    assert_non_null(strstr(e.msg, "column"));
    assert_null(strstr(e.msg, "hunter2"));
    assert_null(strstr(e.msg, "secret"));
    assert_null(strstr(e.msg, "example"));

    /* Wrong tokens near a secret: the token must not appear either. */
    assert_int_equal(parse("application/json", "{\"password\": s3cr3tW0rd}", &o, &e), -1);
    assert_null(strstr(e.msg, "s3cr3t"));
    assert_int_equal(parse("application/json", "{\"password\":\"abc\\qXYZZY\"}", &o, &e), -1);
    assert_null(strstr(e.msg, "XYZZY"));
    assert_null(strstr(e.msg, "\\q"));

    expect_refused("application/json", "{", 1, ERR_VALIDATION);
    expect_refused("application/json", "{} {}", 5, ERR_VALIDATION);
    expect_refused("application/json", "{\"a\":1,}", 8, ERR_VALIDATION);
    expect_refused("application/json", "", 0, ERR_VALIDATION);
}

static void test_top_level_not_object(void **state)
{
    (void)state;
    expect_refused("application/json", "[]", 2, ERR_VALIDATION);
    expect_refused("application/json", "[{\"a\":1}]", 9, ERR_VALIDATION);
    expect_refused("application/json", "\"str\"", 5, ERR_VALIDATION);
    expect_refused("application/json", "42", 2, ERR_VALIDATION);
    expect_refused("application/json", "null", 4, ERR_VALIDATION);
    expect_refused("application/json", "true", 4, ERR_VALIDATION);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    const char *b = "{\"password\":\"a\",\"password\":\"b\"}";
    expect_refused("application/json", b, strlen(b), ERR_VALIDATION);
    const char *nested = "{\"x\":{\"k\":1,\"k\":2}}";
    expect_refused("application/json", nested, strlen(nested), ERR_VALIDATION);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"p\":\"\xff\"}",         /* never valid */
        "{\"p\":\"\xc3\"}",         /* truncated sequence */
        "{\"p\":\"\xc0\xaf\"}",     /* overlong '/' */
        "{\"p\":\"\xed\xa0\x80\"}", /* UTF-16 surrogate */
        "{\"\xe9t\xe9\":1}",        /* Latin-1 in a key */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_refused("application/json", bad[i], strlen(bad[i]), ERR_VALIDATION);
}

static void test_nul_refused(void **state)
{
    (void)state;
    const char *esc = "{\"password\":\"ab\\u0000cd\"}";
    expect_refused("application/json", esc, strlen(esc), ERR_VALIDATION);
    const char *key = "{\"pa\\u0000ss\":\"x\"}";
    expect_refused("application/json", key, strlen(key), ERR_VALIDATION);
    /* A raw NUL byte inside the body (body_len counts past it). */
    static const char raw[] = "{\"p\":\"a\0b\"}";
    expect_refused("application/json", raw, sizeof(raw) - 1, ERR_VALIDATION);
}

static void test_content_types(void **state)
{
    (void)state;
    const char *b = "{\"a\":\"b\"}";
    json_t *o = NULL;
    struct err e;

    expect_refused("text/plain", b, strlen(b), ERR_UNSUPPORTED_MEDIA);
    expect_refused("application/x-www-form-urlencoded", b, strlen(b), ERR_UNSUPPORTED_MEDIA);
    expect_refused("multipart/form-data; boundary=x", b, strlen(b), ERR_UNSUPPORTED_MEDIA);
    expect_refused("", b, strlen(b), ERR_UNSUPPORTED_MEDIA);
    expect_refused("application/jso", b, strlen(b), ERR_UNSUPPORTED_MEDIA);
    /* Media type is checked before the body: a bad type with a bad body
     * answers 415. */
    expect_refused("text/plain", "{", 1, ERR_UNSUPPORTED_MEDIA);

    /* No Content-Type at all is refused too: a cross-site page can send a
     * body without one and without a CORS preflight. */
    expect_refused(NULL, b, strlen(b), ERR_UNSUPPORTED_MEDIA);
    assert_int_equal(parse("application/json; charset=utf-8", b, &o, &e), 0);
    json_decref(o);
    assert_int_equal(parse("Application/JSON", b, &o, &e), 0);
    json_decref(o);
}

/* ---- api_body_string ---- */

struct body_fixture {
    struct api_call c;
    struct http_response resp;
};

static int body_setup(void **state)
{
    static struct body_fixture f;
    memset(&f, 0, sizeof(f));
    f.c.resp = &f.resp;
    f.c.body = json_pack("{s:s, s:i, s:n, s:s, s:o}", "email", "a@example.com", "count", 3,
                         "nothing", "password", "12345", "nul", json_stringn("a\0b", 3));
    if (f.c.body == NULL)
        return -1;
    *state = &f;
    return 0;
}

static int body_teardown(void **state)
{
    struct body_fixture *f = *state;
    json_decref(f->c.body);
    http_response_clear(&f->resp);
    return 0;
}

/* Checks the PRODUCT.md error shape: 400, VALIDATION_ERROR, a message
 * naming the field (and containing want), then clears the response. */
static void expect_field_error(struct body_fixture *f, const char *field, const char *want)
{
    json_t *j = f->resp.json;
    assert_int_equal(f->resp.status, 400);
    assert_non_null(j);
    const char *msg = json_string_value(json_object_get(j, "error"));
    assert_non_null(msg);
    assert_non_null(strstr(msg, field));
    assert_non_null(strstr(msg, want));
    assert_string_equal(json_string_value(json_object_get(j, "code")), "VALIDATION_ERROR");
    assert_true(json_is_integer(json_object_get(j, "status")));
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 400);
    http_response_clear(&f->resp);
    f->resp.status = 0;
    assert_null(f->resp.json);
}

static void test_body_string_ok(void **state)
{
    struct body_fixture *f = *state;
    const char *s = NULL;
    size_t len = 0;
    assert_int_equal(api_body_string(&f->c, "email", 254, &s, &len), 0);
    assert_string_equal(s, "a@example.com");
    assert_int_equal(len, 13);
    assert_int_equal(f->resp.status, 0);
    assert_null(f->resp.json);
    /* Exactly at the limit. */
    assert_int_equal(api_body_string(&f->c, "password", 5, &s, &len), 0);
    assert_int_equal(len, 5);
}

static void test_body_string_missing(void **state)
{
    struct body_fixture *f = *state;
    const char *s = NULL;
    size_t len = 0;
    assert_int_equal(api_body_string(&f->c, "username", 10, &s, &len), -1);
    expect_field_error(f, "'username'", "required");
    /* JSON null counts as missing. */
    assert_int_equal(api_body_string(&f->c, "nothing", 10, &s, &len), -1);
    expect_field_error(f, "'nothing'", "required");
}

static void test_body_string_wrong_type(void **state)
{
    struct body_fixture *f = *state;
    const char *s = NULL;
    size_t len = 0;
    assert_int_equal(api_body_string(&f->c, "count", 10, &s, &len), -1);
    expect_field_error(f, "'count'", "string");
}

static void test_body_string_too_long(void **state)
{
    struct body_fixture *f = *state;
    const char *s = NULL;
    size_t len = 0;
    assert_int_equal(api_body_string(&f->c, "password", 4, &s, &len), -1);
    expect_field_error(f, "'password'", "at most 4 bytes");
    /* The value itself is not echoed. */
    assert_int_equal(api_body_string(&f->c, "password", 4, &s, &len), -1);
    assert_null(strstr(json_string_value(json_object_get(f->resp.json, "error")), "12345"));
    http_response_clear(&f->resp);
}

static void test_body_string_nul(void **state)
{
    struct body_fixture *f = *state;
    const char *s = NULL;
    size_t len = 0;
    assert_int_equal(api_body_string(&f->c, "nul", 10, &s, &len), -1);
    expect_field_error(f, "'nul'", "NUL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_object),
        cmocka_unit_test(test_malformed_hides_input),
        cmocka_unit_test(test_top_level_not_object),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_nul_refused),
        cmocka_unit_test(test_content_types),
        cmocka_unit_test_setup_teardown(test_body_string_ok, body_setup, body_teardown),
        cmocka_unit_test_setup_teardown(test_body_string_missing, body_setup, body_teardown),
        cmocka_unit_test_setup_teardown(test_body_string_wrong_type, body_setup, body_teardown),
        cmocka_unit_test_setup_teardown(test_body_string_too_long, body_setup, body_teardown),
        cmocka_unit_test_setup_teardown(test_body_string_nul, body_setup, body_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
