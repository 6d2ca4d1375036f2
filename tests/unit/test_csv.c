/*
 * test_csv.c — the CSV reader (import/csv.c) and the byte checks
 * (import/text.c). Every input is also fed one byte at a time and split at
 * every position into two chunks: the table must be the same each way.
 * The shared fixture files (../shared/fixtures/import from the repository
 * root, where the tests run) are fed the same ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "import/csv.h"
#include "import/text.h"

#define FIXTURES "../shared/fixtures/import"

static struct csv_opts opts(char delim)
{
    return (struct csv_opts){.delim = delim,
                             .max_records = 100000,
                             .max_field = LIMIT_IMPORT_FIELD_BYTES,
                             .max_fields = LIMIT_IMPORT_FIELDS_PER_ROW};
}

/* Renders a table as text: one line per record "line|f1|f2..." with
 * flags, so two tables compare with strcmp. */
static char *render(const struct csv_table *t)
{
    size_t cap = t->arena_len * 2 + t->nrecs * 32 + t->nfields * 2 + 16, n = 0;
    char *o = malloc(cap);
    assert_non_null(o);
    for (size_t r = 0; r < t->nrecs; r++) {
        const struct csv_record *rec = &t->recs[r];
        n += (size_t)snprintf(o + n, cap - n, "%zu/%u", rec->line, rec->flags);
        for (size_t i = 0; i < rec->nfields; i++) {
            size_t len;
            const char *v = csv_get(t, rec, i, &len);
            o[n++] = '|';
            memcpy(o + n, v, len);
            n += len;
        }
        o[n++] = '\n';
    }
    o[n] = '\0';
    return o;
}

/* Parses whole; returns the rendering, or "ERR:<msg>". */
static char *parse_whole(const struct csv_opts *o, const char *d, size_t len)
{
    struct csv_table t = {0};
    struct err e;
    char *out;
    if (csv_parse(o, d, len, &t, &e) != 0) {
        out = malloc(strlen(e.msg) + 5);
        sprintf(out, "ERR:%s", e.msg);
    } else {
        out = render(&t);
    }
    csv_table_free(&t);
    return out;
}

/* Feeds the chunks [0,cut) and [cut,len) — or one byte at a time when
 * cut == SIZE_MAX. */
static char *parse_chunked(const struct csv_opts *o, const char *d, size_t len, size_t cut)
{
    struct csv_table t = {0};
    struct csv_parser *p;
    struct err e;
    int rc = 0;
    assert_int_equal(csv_parser_new(o, &t, &p), 0);
    if (cut == SIZE_MAX) {
        for (size_t i = 0; rc == 0 && i < len; i++)
            rc = csv_feed(p, d + i, 1, &e);
    } else {
        rc = csv_feed(p, d, cut, &e);
        if (rc == 0)
            rc = csv_feed(p, d + cut, len - cut, &e);
    }
    if (rc == 0)
        rc = csv_finish(p, &e);
    csv_parser_free(&p);
    char *out;
    if (rc != 0) {
        out = malloc(strlen(e.msg) + 5);
        sprintf(out, "ERR:%s", e.msg);
    } else {
        out = render(&t);
    }
    csv_table_free(&t);
    return out;
}

/* Whole, byte-at-a-time and every two-way split agree; returns whole. */
static char *parse_all_ways(const struct csv_opts *o, const char *d, size_t len)
{
    char *whole = parse_whole(o, d, len);
    char *bytes = parse_chunked(o, d, len, SIZE_MAX);
    assert_string_equal(whole, bytes);
    free(bytes);
    for (size_t cut = 0; cut <= len; cut++) {
        char *split = parse_chunked(o, d, len, cut);
        if (strcmp(whole, split) != 0)
            fail_msg("split at %zu differs:\n%s\nvs\n%s", cut, whole, split);
        free(split);
    }
    return whole;
}

static void expect(const char *in, const char *want)
{
    struct csv_opts o = opts(',');
    char *got = parse_all_ways(&o, in, strlen(in));
    assert_string_equal(got, want);
    free(got);
}

static void test_line_ends(void **state)
{
    (void)state;
    expect("a,b\nc,d\n", "1/0|a|b\n2/0|c|d\n");
    expect("a,b\r\nc,d\r\n", "1/0|a|b\n2/0|c|d\n");
    expect("a,b\r\r\nc,d\r\r\n", "1/0|a|b\n2/0|c|d\n");
    expect("a,b\rc,d", "1/0|a|b\n2/0|c|d\n");
    expect("a,b\nc,d", "1/0|a|b\n2/0|c|d\n");
}

static void test_quoting(void **state)
{
    (void)state;
    expect("\"a,b\",\"say \"\"hi\"\"\"\n", "1/0|a,b|say \"hi\"\n");
    expect("\"l1\r\nl2\rl3\r\r\nl4\",x\ny\n", "1/0|l1\nl2\nl3\nl4|x\n5/0|y\n");
    expect("\"\",\"\"\n", "1/0||\n");
    expect("\"\"\"\"\"\"\n", "1/0|\"\"\n");
}

static void test_blank_lines_and_comments(void **state)
{
    (void)state;
    expect("\n\na\n \t \n\r\n#b,c\n", "3/0|a\n6/0|#b|c\n");
    expect(",,\n", "");
    expect("\"\"\n", "1/0|\n");
}

static void test_bad_quotes(void **state)
{
    (void)state;
    expect("a\"b,c\n", "1/1|a\"b|c\n");
    expect("\"a\"b,c\n", "1/2|ab|c\n");
    struct csv_opts o = opts(',');
    char *r = parse_all_ways(&o, "a,b\n\"open\nx\n", 12);
    assert_string_equal(r, "ERR:unterminated quoted field starting at line 2");
    free(r);
}

static void test_backslash_escape(void **state)
{
    (void)state;
    struct csv_opts o = opts(',');
    o.backslash_escape = true;
    const char *in = "\"{(\n    \\\"Starter Kit\\\"\n)}\",\"a\\b\"\n";
    char *r = parse_all_ways(&o, in, strlen(in));
    assert_string_equal(r, "1/0|{(\n    \"Starter Kit\"\n)}|a\\b\n");
    free(r);
}

static void test_limits(void **state)
{
    (void)state;
    struct csv_opts o = opts(',');
    o.max_records = 2;
    char *r = parse_all_ways(&o, "h\n1\n2\n", 6);
    assert_non_null(strstr(r, "ERR:the file has more than 1 entries"));
    free(r);
    o = opts(',');
    o.max_field = 4;
    r = parse_all_ways(&o, "abcd,abcde\n", 11);
    assert_string_equal(r, "ERR:a field longer than 4 bytes at line 1");
    free(r);
    o = opts(',');
    o.max_fields = 3;
    r = parse_all_ways(&o, "a,b,c,d\n", 8);
    assert_string_equal(r, "ERR:more than 3 fields in the record at line 1");
    free(r);
}

static void test_delimiters(void **state)
{
    (void)state;
    char d = 0;
    assert_int_equal(csv_sniff_delim("a;b;c\n1,2", 9), ';');
    assert_int_equal(csv_sniff_delim("a\tb\n", 4), '\t');
    assert_int_equal(csv_sniff_delim("\"a,b\";c\n", 8), ';');
    assert_int_equal(csv_sniff_delim("a,b;c\n", 6), ',');
    assert_int_equal(csv_sep_line("sep=;\r\nname", 11, &d), 7);
    assert_int_equal(d, ';');
    assert_int_equal(csv_sep_line("sepx;\n", 6, &d), 0);
    struct csv_opts o = opts(';');
    char *r = parse_all_ways(&o, "a;\"b;c\";d,e\n", 12);
    assert_string_equal(r, "1/0|a|b;c|d,e\n");
    free(r);
}

/* Every fixture CSV: whole, byte-at-a-time and split-everywhere agree. */
static void test_fixtures_all_ways(void **state)
{
    (void)state;
    static const char *const dirs[] = {"1password", "bitwarden", "chrome", "csv", "dashlane",
                                       "lastpass"};
    size_t files = 0;
    for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
        char dpath[256];
        snprintf(dpath, sizeof(dpath), "%s/%s", FIXTURES, dirs[k]);
        DIR *dir = opendir(dpath);
        if (dir == NULL)
            fail_msg("fixtures not found at %s (run from the repository root)", dpath);
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            size_t nl = strlen(de->d_name);
            if (nl < 5 || strcmp(de->d_name + nl - 4, ".csv") != 0)
                continue;
            char fpath[600];
            snprintf(fpath, sizeof(fpath), "%s/%s", dpath, de->d_name);
            FILE *f = fopen(fpath, "rb");
            assert_non_null(f);
            static char buf[64 * 1024];
            size_t len = fread(buf, 1, sizeof(buf), f);
            fclose(f);
            struct csv_opts o = opts(csv_sniff_delim(buf, len));
            free(parse_all_ways(&o, buf, len));
            files++;
        }
        closedir(dir);
    }
    assert_true(files >= 40);
}

static void test_text_normalize(void **state)
{
    (void)state;
    char *o;
    size_t n;
    struct err e;
    assert_int_equal(text_normalize("\xEF\xBB\xBF" "ab", 5, &o, &n, &e), 0);
    assert_string_equal(o, "ab");
    free(o);
    assert_int_equal(text_normalize("\xFF\xFE" "a\0\x3d\xd8\x11\xdd", 8, &o, &n, &e), 0);
    assert_string_equal(o, "a\xF0\x9F\x94\x91");
    free(o);
    assert_int_equal(text_normalize("\xFE\xFF\0a\0b", 6, &o, &n, &e), 0);
    assert_string_equal(o, "ab");
    free(o);
    assert_int_equal(text_normalize("ab\xC0\xAF", 4, &o, &n, &e), -1);
    assert_string_equal(e.msg, "invalid UTF-8 at byte offset 2 (save the file as UTF-8)");
    assert_int_equal(text_normalize("abc\0", 4, &o, &n, &e), -1);
    assert_string_equal(e.msg, "NUL byte at byte offset 3");
    assert_int_equal(text_normalize("\xED\xA0\x80", 3, &o, &n, &e), -1); /* surrogate */
    assert_int_equal(text_normalize("\xFF\xFE\x00\xD8", 4, &o, &n, &e), -1);
    assert_string_equal(e.code, "IMPORT_ENCODING");
}

static void test_entities(void **state)
{
    (void)state;
    char s[] = "a&amp;b&lt;&gt;&quot;&#39;&#65;&bogus;&";
    assert_true(text_has_entities(s));
    text_decode_entities(s);
    assert_string_equal(s, "a&b<>\"'A&bogus;&");
    assert_false(text_has_entities("AT&T & co"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends),       cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_blank_lines_and_comments), cmocka_unit_test(test_bad_quotes),
        cmocka_unit_test(test_backslash_escape), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_delimiters),      cmocka_unit_test(test_fixtures_all_ways),
        cmocka_unit_test(test_text_normalize),  cmocka_unit_test(test_entities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
