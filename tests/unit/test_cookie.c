/*
 * test_cookie.c — http_cookie_get (http/response.c), the RFC 6265
 * cookie-string reader the gate uses to find the session cookie. Every
 * header is copied into an exactly sized heap buffer without a NUL, so the
 * sanitizer build catches any read past header_len.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/http.h"

/* Looks name up in the first len bytes of text, copied without a NUL.
 * Returns the value as a NUL-terminated string in out, or -1. */
static int cookie_n(const char *text, size_t len, const char *name, char *out, size_t outsz)
{
    char *h = malloc(len ? len : 1);
    assert_non_null(h);
    memcpy(h, text, len);
    const char *val = NULL;
    size_t vlen = 0;
    int rc = http_cookie_get(h, len, name, &val, &vlen);
    if (rc == 0) {
        assert_non_null(val);
        assert_true(val >= h && val + vlen <= h + len);
        assert_true(vlen < outsz);
        memcpy(out, val, vlen);
        out[vlen] = '\0';
    }
    free(h);
    return rc;
}

static int cookie(const char *text, const char *name, char *out, size_t outsz)
{
    return cookie_n(text, strlen(text), name, out, outsz);
}

static void test_simple(void **state)
{
    (void)state;
    char v[128];
    assert_int_equal(cookie("passagent_session=abc123", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "abc123");
}

static void test_several(void **state)
{
    (void)state;
    char v[128];
    const char *h = "theme=dark; passagent_session=tok-1_x; lang=en";
    assert_int_equal(cookie(h, SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "tok-1_x");
    assert_int_equal(cookie(h, "theme", v, sizeof(v)), 0);
    assert_string_equal(v, "dark");
    assert_int_equal(cookie(h, "lang", v, sizeof(v)), 0);
    assert_string_equal(v, "en");
    /* The first of two cookies with one name wins. */
    assert_int_equal(cookie("a=1; a=2", "a", v, sizeof(v)), 0);
    assert_string_equal(v, "1");
}

static void test_spaces(void **state)
{
    (void)state;
    char v[128];
    const char *h = "  theme = dark ;\tpassagent_session \t=  tok  ;lang=en ";
    assert_int_equal(cookie(h, SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "tok");
    assert_int_equal(cookie(h, "theme", v, sizeof(v)), 0);
    assert_string_equal(v, "dark");
    assert_int_equal(cookie(h, "lang", v, sizeof(v)), 0);
    assert_string_equal(v, "en");
    /* No separator space at all. */
    assert_int_equal(cookie("a=1;passagent_session=t;b=2", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "t");
}

static void test_quoted(void **state)
{
    (void)state;
    char v[128];
    assert_int_equal(cookie("passagent_session=\"q-tok\"; a=1", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "q-tok");
    assert_int_equal(cookie("passagent_session=\"\"", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "");
    /* A lone quote is kept as it is, not stripped past its bounds. */
    assert_int_equal(cookie("passagent_session=\"", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "\"");
    assert_int_equal(cookie("passagent_session=\"abc", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "\"abc");
}

static void test_prefix_suffix_names(void **state)
{
    (void)state;
    char v[128];
    assert_int_equal(
        cookie("xpassagent_session=evil; passagent_session=good", SESSION_COOKIE, v, sizeof(v)),
        0);
    assert_string_equal(v, "good");
    assert_int_equal(
        cookie("passagent_session_old=evil; passagent_session=good", SESSION_COOKIE, v, sizeof(v)),
        0);
    assert_string_equal(v, "good");
    assert_int_equal(cookie("xpassagent_session=evil", SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(cookie("passagent_sessionx=evil", SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(cookie("passagent_sessio=evil", SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(cookie("Passagent_Session=evil", SESSION_COOKIE, v, sizeof(v)), -1);
    /* A name inside another cookie's value is not a cookie. */
    assert_int_equal(cookie("a=passagent_session=evil", SESSION_COOKIE, v, sizeof(v)), -1);
}

static void test_missing(void **state)
{
    (void)state;
    char v[128];
    assert_int_equal(cookie("theme=dark; lang=en", SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(cookie("", SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(cookie(";;; ; ", SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(cookie("=tok", SESSION_COOKIE, v, sizeof(v)), -1);
}

static void test_empty_value(void **state)
{
    (void)state;
    char v[128];
    assert_int_equal(cookie("passagent_session=; a=1", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "");
    assert_int_equal(cookie("passagent_session=", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "");
    assert_int_equal(cookie("passagent_session=   ", SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "");
}

static void test_pairs_without_equals(void **state)
{
    (void)state;
    char v[128];
    assert_int_equal(cookie("flag; other; passagent_session=t1", SESSION_COOKIE, v, sizeof(v)),
                     0);
    assert_string_equal(v, "t1");
    assert_int_equal(cookie("passagent_session; a=1", SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(cookie("flag;other", SESSION_COOKIE, v, sizeof(v)), -1);
    assert_int_equal(cookie("passagent_session", SESSION_COOKIE, v, sizeof(v)), -1);
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    char v[128];
    const char *h = "passagent_session=abcdef; b=2";
    /* Length stops in the middle of the value. */
    assert_int_equal(cookie_n(h, 20, SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "ab");
    /* Length stops in the middle of the name. */
    assert_int_equal(cookie_n(h, 10, SESSION_COOKIE, v, sizeof(v)), -1);
    /* Length stops right after '='. */
    assert_int_equal(cookie_n(h, 18, SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "");
    /* Length stops before the second cookie's value. */
    assert_int_equal(cookie_n(h, strlen(h) - 1, "b", v, sizeof(v)), 0);
    assert_string_equal(v, "");
    assert_int_equal(cookie_n(h, strlen(h) - 2, "b", v, sizeof(v)), -1);
    /* A quoted value cut before its closing quote keeps the open quote. */
    const char *q = "passagent_session=\"tok\"";
    assert_int_equal(cookie_n(q, strlen(q) - 1, SESSION_COOKIE, v, sizeof(v)), 0);
    assert_string_equal(v, "\"tok");
    /* Zero length. */
    assert_int_equal(cookie_n(h, 0, SESSION_COOKIE, v, sizeof(v)), -1);
}

/* Every prefix of a realistic header: the answer is always inside the
 * prefix, and the session value is found exactly when all of it fits. */
static void test_every_prefix(void **state)
{
    (void)state;
    char v[128];
    const char *h = "theme=dark; passagent_session=\"Zm9vYmFy\"; lang=en";
    const char *start = strstr(h, "passagent_session=");
    size_t name_end = (size_t)(start - h) + strlen("passagent_session=");
    for (size_t n = 0; n <= strlen(h); n++) {
        int rc = cookie_n(h, n, SESSION_COOKIE, v, sizeof(v));
        if (n < name_end) {
            assert_int_equal(rc, -1);
            continue;
        }
        assert_int_equal(rc, 0);
        if (n >= name_end + 10)
            assert_string_equal(v, "Zm9vYmFy");
        else
            assert_memory_equal(v, "\"Zm9vYmFy\"", strlen(v));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_several),
        cmocka_unit_test(test_spaces),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_prefix_suffix_names),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_empty_value),
        cmocka_unit_test(test_pairs_without_equals),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
