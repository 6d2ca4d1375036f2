/*
 * test_router.c — route matching (http/router.c) and the invariants of the
 * route table (api/routes.c): every mutating route is either CSRF-checked
 * or explicitly exempt, and only register/login are exempt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "http/router.h"

#define ALLOW_MAX 64

/* Runs router_match over the real table. */
static enum route_match_rc match(enum http_method m, const char *path, const struct route **out,
                                 struct http_params *params, char allow[ALLOW_MAX])
{
    *out = NULL;
    memset(params, 0, sizeof(*params));
    return router_match(api_routes, api_route_count, m, path, out, params, allow, ALLOW_MAX);
}

static void test_pattern_literal(void **state)
{
    (void)state;
    struct http_params p;
    assert_true(router_pattern_match("/healthz", "/healthz", &p));
    assert_int_equal(p.count, 0);
    assert_false(router_pattern_match("/healthz", "/healthz/", &p));
    assert_false(router_pattern_match("/healthz", "/health", &p));
    assert_false(router_pattern_match("/healthz", "/healthzz", &p));
    assert_false(router_pattern_match("/healthz", "", &p));
    assert_false(router_pattern_match("/healthz", "/HEALTHZ", &p));
}

static void test_pattern_capture(void **state)
{
    (void)state;
    struct http_params p;
    assert_true(router_pattern_match("/api/integrations/{provider}/auth",
                                     "/api/integrations/google/auth", &p));
    assert_int_equal(p.count, 1);
    assert_string_equal(p.items[0].name, "provider");
    assert_string_equal(p.items[0].value, "google");

    /* An empty segment is not a value. */
    assert_false(
        router_pattern_match("/api/integrations/{provider}/auth", "/api/integrations//auth", &p));
    /* A capture is one segment only. */
    assert_false(router_pattern_match("/api/integrations/{provider}/auth",
                                      "/api/integrations/a/b/auth", &p));
    /* Capture at the end of the pattern. */
    assert_true(router_pattern_match("/x/{id}", "/x/abc", &p));
    assert_string_equal(p.items[0].value, "abc");
    assert_false(router_pattern_match("/x/{id}", "/x/abc/", &p));
    assert_false(router_pattern_match("/x/{id}", "/x/", &p));
}

static void test_pattern_segment_limit(void **state)
{
    (void)state;
    struct http_params p;
    char path[128];
    char seg[HTTP_PARAM_MAX + 2];

    memset(seg, 'a', HTTP_PARAM_MAX);
    seg[HTTP_PARAM_MAX] = '\0';
    snprintf(path, sizeof(path), "/api/integrations/%s/auth", seg);
    assert_true(router_pattern_match("/api/integrations/{provider}/auth", path, &p));
    assert_int_equal(strlen(p.items[0].value), HTTP_PARAM_MAX);

    memset(seg, 'a', HTTP_PARAM_MAX + 1); /* 65 characters */
    seg[HTTP_PARAM_MAX + 1] = '\0';
    snprintf(path, sizeof(path), "/api/integrations/%s/auth", seg);
    assert_false(router_pattern_match("/api/integrations/{provider}/auth", path, &p));
}

static void test_match_found(void **state)
{
    (void)state;
    const struct route *r;
    struct http_params p;
    char allow[ALLOW_MAX];

    assert_int_equal(match(HTTP_GET, "/healthz", &r, &p, allow), ROUTE_FOUND);
    assert_non_null(r);
    assert_ptr_equal(r->handler, api_health);

    assert_int_equal(match(HTTP_POST, "/api/auth/login", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r->handler, api_auth_login);
    assert_int_equal(match(HTTP_POST, "/api/auth/register", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r->handler, api_auth_register);
    assert_int_equal(match(HTTP_GET, "/api/auth/session", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r->handler, api_auth_session);
}

static void test_match_provider_param(void **state)
{
    (void)state;
    const struct route *r;
    struct http_request req;
    char allow[ALLOW_MAX];

    memset(&req, 0, sizeof(req));
    assert_int_equal(
        match(HTTP_POST, "/api/integrations/github/refresh", &r, &req.params, allow),
        ROUTE_FOUND);
    assert_ptr_equal(r->handler, api_oauth_refresh);
    assert_int_equal(r->method, HTTP_POST);
    assert_string_equal(r->pattern, "/api/integrations/{provider}/refresh");
    assert_non_null(http_param(&req, "provider"));
    assert_string_equal(http_param(&req, "provider"), "github");
    assert_null(http_param(&req, "prov"));
    assert_null(http_param(&req, "other"));
}

/* The literal imap routes win over the {provider} patterns. */
static void test_match_imap_before_provider(void **state)
{
    (void)state;
    const struct route *r;
    struct http_params p;
    char allow[ALLOW_MAX];
    assert_int_equal(match(HTTP_POST, "/api/integrations/imap/connect", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r->handler, api_imap_connect);
    assert_int_equal(match(HTTP_POST, "/api/integrations/imap/disconnect", &r, &p, allow),
                     ROUTE_FOUND);
    assert_ptr_equal(r->handler, api_imap_disconnect);
    assert_true(r->flags & ROUTE_CSRF);
    assert_int_equal(match(HTTP_POST, "/api/integrations/gmail/disconnect", &r, &p, allow),
                     ROUTE_FOUND);
    assert_ptr_not_equal(r->handler, api_imap_disconnect);
}

static void test_match_no_path(void **state)
{
    (void)state;
    const struct route *r;
    struct http_params p;
    char allow[ALLOW_MAX];

    assert_int_equal(match(HTTP_GET, "/nope", &r, &p, allow), ROUTE_NO_PATH);
    assert_null(r);
    assert_string_equal(allow, "");
    /* A trailing slash is a different path. */
    assert_int_equal(match(HTTP_GET, "/healthz/", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(match(HTTP_POST, "/api/auth/login/", &r, &p, allow), ROUTE_NO_PATH);
    assert_int_equal(match(HTTP_GET, "/api/integrations/google/auth/", &r, &p, allow),
                     ROUTE_NO_PATH);
    assert_int_equal(match(HTTP_GET, "", &r, &p, allow), ROUTE_NO_PATH);
    /* "/" is the sign-in page; deeper dashboard paths are one segment. */
    assert_int_equal(match(HTTP_GET, "/", &r, &p, allow), ROUTE_FOUND);
    assert_ptr_equal(r->handler, api_static_page);
    assert_int_equal(match(HTTP_GET, "/dashboard/../../etc/passwd", &r, &p, allow),
                     ROUTE_NO_PATH);
    assert_int_equal(match(HTTP_GET, "/assets/a/b.css", &r, &p, allow), ROUTE_NO_PATH);

    char path[128];
    char seg[HTTP_PARAM_MAX + 2];
    memset(seg, 'g', HTTP_PARAM_MAX + 1);
    seg[HTTP_PARAM_MAX + 1] = '\0';
    snprintf(path, sizeof(path), "/api/integrations/%s/auth", seg);
    assert_int_equal(match(HTTP_GET, path, &r, &p, allow), ROUTE_NO_PATH);
}

static void test_match_no_method(void **state)
{
    (void)state;
    const struct route *r;
    struct http_params p;
    char allow[ALLOW_MAX];

    assert_int_equal(match(HTTP_GET, "/api/auth/login", &r, &p, allow), ROUTE_NO_METHOD);
    assert_null(r);
    assert_string_equal(allow, "POST");
    assert_int_equal(match(HTTP_DELETE, "/healthz", &r, &p, allow), ROUTE_NO_METHOD);
    assert_string_equal(allow, "GET");
    assert_int_equal(match(HTTP_POST, "/api/integrations/google/auth", &r, &p, allow),
                     ROUTE_NO_METHOD);
    assert_string_equal(allow, "GET");
    assert_int_equal(match(HTTP_OTHER, "/api/user-integrations", &r, &p, allow),
                     ROUTE_NO_METHOD);
    assert_string_equal(allow, "GET");
}

static void test_match_allow_lists_several(void **state)
{
    (void)state;
    static const struct route table[] = {
        {HTTP_GET, "/r", api_health, 0, RL_NONE, 0},
        {HTTP_POST, "/r", api_health, ROUTE_CSRF, RL_NONE, 0},
        {HTTP_DELETE, "/r", api_health, ROUTE_CSRF, RL_NONE, 0},
    };
    const struct route *r = NULL;
    struct http_params p;
    char allow[ALLOW_MAX];
    assert_int_equal(router_match(table, 3, HTTP_PUT, "/r", &r, &p, allow, sizeof(allow)),
                     ROUTE_NO_METHOD);
    assert_string_equal(allow, "GET, POST, DELETE");
    assert_int_equal(router_match(table, 3, HTTP_DELETE, "/r", &r, &p, allow, sizeof(allow)),
                     ROUTE_FOUND);
    assert_ptr_equal(r, &table[2]);

    /* A small Allow buffer is truncated, never overrun. */
    char small[8];
    memset(small, 'X', sizeof(small));
    assert_int_equal(router_match(table, 3, HTTP_PUT, "/r", &r, &p, small, sizeof(small)),
                     ROUTE_NO_METHOD);
    assert_non_null(memchr(small, '\0', sizeof(small)));
    assert_int_equal(strncmp(small, "GET", 3), 0);
}

static void test_method_names(void **state)
{
    (void)state;
    assert_int_equal(http_method_parse("GET"), HTTP_GET);
    assert_int_equal(http_method_parse("POST"), HTTP_POST);
    assert_int_equal(http_method_parse("DELETE"), HTTP_DELETE);
    assert_int_equal(http_method_parse("get"), HTTP_OTHER);
    assert_int_equal(http_method_parse("OTHER"), HTTP_OTHER);
    assert_string_equal(http_method_name(HTTP_PATCH), "PATCH");
}

static int mutating(enum http_method m)
{
    return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
}

/* The CSRF coverage test: a new mutating route must choose. */
static void test_routes_csrf_coverage(void **state)
{
    (void)state;
    size_t exempt = 0, checked = 0;
    assert_true(api_route_count > 0);
    for (size_t i = 0; i < api_route_count; i++) {
        const struct route *r = &api_routes[i];
        unsigned f = r->flags;
        if (mutating(r->method) && !(f & (ROUTE_CSRF | ROUTE_CSRF_EXEMPT)))
            fail_msg("%s %s mutates without ROUTE_CSRF or ROUTE_CSRF_EXEMPT",
                     http_method_name(r->method), r->pattern);
        if ((f & ROUTE_CSRF) && (f & ROUTE_CSRF_EXEMPT))
            fail_msg("%s %s is both CSRF-checked and exempt", http_method_name(r->method),
                     r->pattern);
        if ((f & ROUTE_CSRF) && !(f & ROUTE_AUTH))
            fail_msg("%s %s checks CSRF without a session (ROUTE_AUTH)",
                     http_method_name(r->method), r->pattern);
        if (f & ROUTE_CSRF_EXEMPT) {
            if (!(r->method == HTTP_POST && (strcmp(r->pattern, "/api/auth/register") == 0 ||
                                             strcmp(r->pattern, "/api/auth/login") == 0)))
                fail_msg("%s %s must not be CSRF-exempt", http_method_name(r->method),
                         r->pattern);
            exempt++;
        }
        if (f & ROUTE_CSRF)
            checked++;
    }
    assert_int_equal(exempt, 2);
    assert_true(checked >= 1);
}

/* Other table invariants the gate relies on. */
static void test_routes_table_sane(void **state)
{
    (void)state;
    for (size_t i = 0; i < api_route_count; i++) {
        const struct route *r = &api_routes[i];
        assert_non_null(r->handler);
        assert_non_null(r->pattern);
        assert_int_equal(r->pattern[0], '/');
        assert_true(r->rate_class >= RL_NONE && r->rate_class < RL_CLASS_COUNT);
        if (r->flags & ROUTE_JSON)
            assert_true(r->body_limit > 0);
        if (r->method == HTTP_GET)
            assert_int_equal(r->body_limit, 0);
        /* No two routes share method and pattern. */
        for (size_t j = i + 1; j < api_route_count; j++)
            if (api_routes[j].method == r->method && strcmp(api_routes[j].pattern, r->pattern) == 0)
                fail_msg("duplicate route %s %s", http_method_name(r->method), r->pattern);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_literal),
        cmocka_unit_test(test_pattern_capture),
        cmocka_unit_test(test_pattern_segment_limit),
        cmocka_unit_test(test_match_found),
        cmocka_unit_test(test_match_provider_param),
        cmocka_unit_test(test_match_imap_before_provider),
        cmocka_unit_test(test_match_no_path),
        cmocka_unit_test(test_match_no_method),
        cmocka_unit_test(test_match_allow_lists_several),
        cmocka_unit_test(test_method_names),
        cmocka_unit_test(test_routes_csrf_coverage),
        cmocka_unit_test(test_routes_table_sane),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
