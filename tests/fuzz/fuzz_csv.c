/*
 * fuzz_csv.c — the CSV reader on arbitrary bytes. Input: one byte of
 * options (delimiter, backslash escapes, small limits), one byte choosing
 * where to split the feed, then the data. The table from one whole feed
 * must equal the table from two chunks, and every field must lie inside
 * the arena and be NUL-terminated there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct csv_table *t)
{
    for (size_t r = 0; r < t->nrecs; r++) {
        const struct csv_record *rec = &t->recs[r];
        if (rec->first + rec->nfields > t->nfields || rec->nfields == 0 || rec->line == 0)
            abort();
        for (size_t i = 0; i < rec->nfields; i++) {
            const struct csv_field *f = &t->fields[rec->first + i];
            if (f->off + f->len >= t->arena_len + 1 || t->arena[f->off + f->len] != '\0')
                abort();
        }
    }
}

static int same(const struct csv_table *a, const struct csv_table *b)
{
    if (a->nrecs != b->nrecs || a->nfields != b->nfields)
        return 0;
    for (size_t r = 0; r < a->nrecs; r++)
        if (a->recs[r].line != b->recs[r].line || a->recs[r].nfields != b->recs[r].nfields ||
            a->recs[r].flags != b->recs[r].flags)
            return 0;
    for (size_t i = 0; i < a->nfields; i++)
        if (a->fields[i].len != b->fields[i].len ||
            memcmp(a->arena + a->fields[i].off, b->arena + b->fields[i].off, a->fields[i].len))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[] = {',', ';', '\t', '|'};
    if (size < 2)
        return 0;
    struct csv_opts o = {.delim = delims[data[0] & 3],
                         .backslash_escape = (data[0] & 4) != 0,
                         .max_records = (data[0] & 8) ? 4 : 100000,
                         .max_field = (data[0] & 16) ? 8 : 1u << 20,
                         .max_fields = (data[0] & 32) ? 3 : 512};
    const char *d = (const char *)data + 2;
    size_t len = size - 2, cut = len ? data[1] % (len + 1) : 0;
    struct csv_table a = {0}, b = {0};
    struct err e1, e2;
    int r1 = csv_parse(&o, d, len, &a, &e1);
    struct csv_parser *p;
    if (csv_parser_new(&o, &b, &p) != 0)
        abort();
    int r2 = csv_feed(p, d, cut, &e2);
    if (r2 == 0)
        r2 = csv_feed(p, d + cut, len - cut, &e2);
    if (r2 == 0)
        r2 = csv_finish(p, &e2);
    csv_parser_free(&p);
    if (r1 != r2)
        abort();
    if (r1 == 0) {
        check(&a);
        if (!same(&a, &b))
            abort();
    } else if (strcmp(e1.msg, e2.msg) != 0) {
        abort();
    }
    csv_table_free(&a);
    csv_table_free(&b);
    return 0;
}
