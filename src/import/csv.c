/*
 * csv.c — the chunked RFC 4180 reader described in csv.h. Line breaks are
 * resolved before the quoting state machine sees them: a run of CRs
 * followed by LF is one break (CRLF, CR CR LF), CRs followed by anything
 * else are one break each (old Mac files).
 */
#include "import/csv.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PARSE "IMPORT_PARSE_ERROR"

enum csv_state { S_START, S_UNQ, S_Q, S_QQ, S_AFTER_Q, S_ESC };

struct csv_parser {
    struct csv_opts o;
    struct csv_table *t;
    enum csv_state st;
    size_t line;       /* current physical line */
    size_t rec_line;   /* line where the current record started */
    size_t quote_line; /* line where the open quote started */
    size_t pending_cr;
    size_t field_start; /* arena offset of the field being built */
    size_t rec_first;   /* index of the record's first field */
    bool in_record;     /* any byte of this record seen */
    bool any_quoted;    /* a field of this record was quoted */
    unsigned flags;
    bool failed;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem)
            return -1;
        c *= 2;
    }
    void *n = realloc(*p, c * elem);
    if (n == NULL)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

static int arena_put(struct csv_parser *p, char c, struct err *e)
{
    struct csv_table *t = p->t;
    if (t->arena_len - p->field_start >= p->o.max_field) {
        p->failed = true;
        return err_set_code(e, ERR_VALIDATION, PARSE,
                            "a field longer than %zu bytes at line %zu", p->o.max_field,
                            p->line);
    }
    if (grow((void **)&t->arena, &t->arena_cap, t->arena_len + 2, 1) != 0) {
        p->failed = true;
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    t->arena[t->arena_len++] = c;
    return 0;
}

static int end_field(struct csv_parser *p, struct err *e)
{
    struct csv_table *t = p->t;
    if (t->nfields - p->rec_first >= p->o.max_fields) {
        p->failed = true;
        return err_set_code(e, ERR_VALIDATION, PARSE, "more than %zu fields in the record at line %zu",
                            p->o.max_fields, p->rec_line);
    }
    if (grow((void **)&t->arena, &t->arena_cap, t->arena_len + 1, 1) != 0 ||
        grow((void **)&t->fields, &t->fields_cap, t->nfields + 1, sizeof(*t->fields)) != 0) {
        p->failed = true;
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    t->fields[t->nfields++] =
        (struct csv_field){.off = p->field_start, .len = t->arena_len - p->field_start};
    t->arena[t->arena_len++] = '\0';
    p->field_start = t->arena_len;
    p->st = S_START;
    return 0;
}

static bool record_blank(const struct csv_parser *p)
{
    const struct csv_table *t = p->t;
    if (p->any_quoted)
        return false;
    for (size_t i = p->rec_first; i < t->nfields; i++)
        for (size_t k = 0; k < t->fields[i].len; k++) {
            char c = t->arena[t->fields[i].off + k];
            if (c != ' ' && c != '\t')
                return false;
        }
    return true;
}

static int end_record(struct csv_parser *p, struct err *e)
{
    struct csv_table *t = p->t;
    if (end_field(p, e) != 0)
        return -1;
    if (!p->in_record || record_blank(p)) {
        t->arena_len = t->fields[p->rec_first].off; /* drop the blank line */
        t->nfields = p->rec_first;
    } else {
        if (t->nrecs >= p->o.max_records) {
            p->failed = true;
            return err_set_code(e, ERR_TOO_LARGE, "IMPORT_TOO_MANY_ENTRIES",
                                "the file has more than %zu entries; nothing was imported",
                                p->o.max_records - 1);
        }
        if (grow((void **)&t->recs, &t->recs_cap, t->nrecs + 1, sizeof(*t->recs)) != 0) {
            p->failed = true;
            return err_set(e, ERR_INTERNAL, "out of memory");
        }
        t->recs[t->nrecs++] = (struct csv_record){.line = p->rec_line,
                                                  .first = p->rec_first,
                                                  .nfields = t->nfields - p->rec_first,
                                                  .flags = p->flags};
    }
    p->field_start = t->arena_len;
    p->rec_first = t->nfields;
    p->in_record = p->any_quoted = false;
    p->flags = 0;
    return 0;
}

/* One line break, after CR/LF folding. */
static int on_break(struct csv_parser *p, struct err *e)
{
    int rc = 0;
    switch (p->st) {
    case S_ESC:
        rc = arena_put(p, '\\', e);
        p->st = S_Q;
        /* fall through */
    case S_Q:
        if (rc == 0)
            rc = arena_put(p, '\n', e);
        break;
    default:
        rc = end_record(p, e);
    }
    p->line++;
    if (p->st != S_Q)
        p->rec_line = p->line;
    return rc;
}

static int on_char(struct csv_parser *p, char c, struct err *e)
{
    p->in_record = true;
    switch (p->st) {
    case S_START:
        if (c == '"') {
            p->st = S_Q;
            p->quote_line = p->line;
            p->any_quoted = true;
            return 0;
        }
        if (c == p->o.delim)
            return end_field(p, e);
        p->st = S_UNQ;
        return arena_put(p, c, e);
    case S_UNQ:
    case S_AFTER_Q:
        if (c == p->o.delim)
            return end_field(p, e);
        if (c == '"')
            p->flags |= p->st == S_UNQ ? CSV_REC_BARE_QUOTE : CSV_REC_AFTER_QUOTE;
        return arena_put(p, c, e);
    case S_Q:
        if (c == '"')
            p->st = S_QQ;
        else if (c == '\\' && p->o.backslash_escape)
            p->st = S_ESC;
        else
            return arena_put(p, c, e);
        return 0;
    case S_ESC:
        p->st = S_Q;
        if (c == '"')
            return arena_put(p, '"', e);
        if (arena_put(p, '\\', e) != 0)
            return -1;
        return on_char(p, c, e);
    case S_QQ:
        if (c == '"') {
            p->st = S_Q;
            return arena_put(p, '"', e);
        }
        if (c == p->o.delim)
            return end_field(p, e);
        p->flags |= CSV_REC_AFTER_QUOTE;
        p->st = S_AFTER_Q;
        return arena_put(p, c, e);
    }
    return 0;
}

static int flush_crs(struct csv_parser *p, struct err *e)
{
    while (p->pending_cr) {
        p->pending_cr--;
        if (on_break(p, e) != 0)
            return -1;
    }
    return 0;
}

int csv_feed(struct csv_parser *p, const char *data, size_t len, struct err *e)
{
    if (p->failed)
        return err_set(e, ERR_INTERNAL, "csv parser used after an error");
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        int rc;
        if (c == '\r') {
            p->pending_cr++;
            continue;
        }
        if (c == '\n') {
            p->pending_cr = 0;
            rc = on_break(p, e);
        } else {
            rc = flush_crs(p, e);
            if (rc == 0)
                rc = on_char(p, c, e);
        }
        if (rc != 0) {
            p->failed = true;
            return -1;
        }
    }
    return 0;
}

int csv_finish(struct csv_parser *p, struct err *e)
{
    if (p->failed || flush_crs(p, e) != 0)
        return -1;
    if (p->st == S_Q || p->st == S_ESC) {
        p->failed = true;
        return err_set_code(e, ERR_VALIDATION, PARSE,
                            "unterminated quoted field starting at line %zu", p->quote_line);
    }
    if (p->in_record && end_record(p, e) != 0)
        return -1;
    return 0;
}

int csv_parser_new(const struct csv_opts *o, struct csv_table *t, struct csv_parser **out)
{
    struct csv_parser *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -1;
    p->o = *o;
    p->t = t;
    p->line = p->rec_line = o->first_line ? o->first_line : 1;
    p->field_start = t->arena_len;
    p->rec_first = t->nfields;
    *out = p;
    return 0;
}

void csv_parser_free(struct csv_parser **p)
{
    free(*p);
    *p = NULL;
}

int csv_parse(const struct csv_opts *o, const char *data, size_t len, struct csv_table *t,
              struct err *e)
{
    struct csv_parser *p;
    if (csv_parser_new(o, t, &p) != 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    int rc = csv_feed(p, data, len, e);
    if (rc == 0)
        rc = csv_finish(p, e);
    csv_parser_free(&p);
    return rc;
}

const char *csv_get(const struct csv_table *t, const struct csv_record *r, size_t i, size_t *len)
{
    if (i >= r->nfields) {
        if (len)
            *len = 0;
        return "";
    }
    const struct csv_field *f = &t->fields[r->first + i];
    if (len)
        *len = f->len;
    return t->arena + f->off;
}

void csv_table_free(struct csv_table *t)
{
    if (t->arena)
        sodium_memzero(t->arena, t->arena_cap);
    free(t->arena);
    free(t->fields);
    free(t->recs);
    memset(t, 0, sizeof(*t));
}

char csv_sniff_delim(const char *data, size_t len)
{
    size_t commas = 0, semis = 0, tabs = 0;
    bool q = false;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '"')
            q = !q;
        else if (!q && (c == '\n' || c == '\r'))
            break;
        else if (!q && c == ',')
            commas++;
        else if (!q && c == ';')
            semis++;
        else if (!q && c == '\t')
            tabs++;
    }
    if (commas == 0 && semis > 0 && semis >= tabs)
        return ';';
    if (commas == 0 && tabs > 0)
        return '\t';
    return ',';
}

size_t csv_sep_line(const char *data, size_t len, char *delim)
{
    if (len < 5 || strncmp(data, "sep=", 4) != 0)
        return 0;
    char d = data[4];
    if (d != ',' && d != ';' && d != '\t' && d != '|')
        return 0;
    size_t i = 5;
    while (i < len && data[i] == '\r')
        i++;
    if (i < len && data[i] == '\n')
        i++;
    else if (i == 5 && i < len)
        return 0;
    *delim = d;
    return i;
}
