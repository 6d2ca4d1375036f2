/*
 * test_static.c — the dashboard file rules: which names the static handler
 * may open (api_static_name_ok) and the content type of each extension
 * (http_content_type).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api/api.h"
#include "http/http.h"

static void test_names_accepted(void **state)
{
    (void)state;
    assert_true(api_static_name_ok("index.html"));
    assert_true(api_static_name_ok("style.css"));
    assert_true(api_static_name_ok("api.js"));
    assert_true(api_static_name_ok("a-b_c.1.svg"));
    assert_true(api_static_name_ok("UPPER.PNG"));
}

static void test_names_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", ".", "..", "...", ".hidden.js", "../x.js", "..%2fx.js", "a/b.js", "a\\b.js",
        "x..js", "a b.js", "a%2e.js", "passwd", "main.c", "Makefile", "x.sh", "x.", "x.html\n",
        "\xc3\xa9.js", "x.js;", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.js",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (api_static_name_ok(bad[i]))
            fail_msg("accepted '%s'", bad[i]);
    }
}

static void test_content_types(void **state)
{
    (void)state;
    assert_string_equal(http_content_type("a.html"), "text/html; charset=utf-8");
    assert_string_equal(http_content_type("a.css"), "text/css; charset=utf-8");
    assert_string_equal(http_content_type("a.js"), "text/javascript; charset=utf-8");
    assert_string_equal(http_content_type("a.mjs"), "text/javascript; charset=utf-8");
    assert_string_equal(http_content_type("a.svg"), "image/svg+xml");
    assert_string_equal(http_content_type("a.PNG"), "image/png");
    assert_string_equal(http_content_type("x.tar.json"), "application/json; charset=utf-8");
    assert_null(http_content_type("html"));
    assert_null(http_content_type(".html"));
    assert_null(http_content_type("a."));
    assert_null(http_content_type("a.exe"));
    assert_null(http_content_type("a.htm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_accepted),
        cmocka_unit_test(test_names_refused),
        cmocka_unit_test(test_content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
