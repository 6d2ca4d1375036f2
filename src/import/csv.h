/*
 * csv.h — an RFC 4180 reader for password-manager exports, fed in chunks of
 * any size (one byte at a time gives the same table as the whole file).
 *
 * Accepts LF, CRLF, CR CR LF and lone CR as record ends; inside quoted
 * fields every line break is stored as LF. Doubled quotes inside quotes are
 * one quote; with backslash_escape (1Password 7 Mac) `\"` is one quote too.
 * A quote inside an unquoted field (CSV_REC_BARE_QUOTE) or text after a
 * closing quote (CSV_REC_AFTER_QUOTE) keeps the bytes and flags the record. Blank and whitespace-only
 * lines are skipped. `#` is data, never a comment. Every record remembers the
 * physical line it starts on. Fields, records and field sizes are bounded.
 */
#ifndef PASSAGENT_IMPORT_CSV_H
#define PASSAGENT_IMPORT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define CSV_REC_BARE_QUOTE 1u  /* a quote inside an unquoted field (kept) */
#define CSV_REC_AFTER_QUOTE 2u /* text after a closing quote (kept) */

struct csv_field {
    size_t off; /* into the table's arena; NUL-terminated there */
    size_t len;
};

struct csv_record {
    size_t line;  /* physical line (1-based) where the record starts */
    size_t first; /* index of its first field */
    size_t nfields;
    unsigned flags;
};

struct csv_table {
    char *arena;
    size_t arena_len, arena_cap;
    struct csv_field *fields;
    size_t nfields, fields_cap;
    struct csv_record *recs;
    size_t nrecs, recs_cap;
};

struct csv_opts {
    char delim;            /* ',' unless the header proves otherwise */
    bool backslash_escape; /* 1Password 7 Mac */
    size_t first_line;     /* line number of the first byte (after `sep=`) */
    size_t max_records;    /* more: 413 IMPORT_TOO_MANY_ENTRIES */
    size_t max_field;      /* bytes */
    size_t max_fields;     /* per record */
};

struct csv_parser;

/* Starts a parser writing into t (zeroed by the caller). */
int csv_parser_new(const struct csv_opts *o, struct csv_table *t, struct csv_parser **out)
    __attribute__((warn_unused_result));
/* Feeds len bytes. On error (400 IMPORT_PARSE_ERROR naming the line, or 413)
 * the parser is spent: only free it. */
int csv_feed(struct csv_parser *p, const char *data, size_t len, struct err *e)
    __attribute__((warn_unused_result));
/* Ends the input: an unterminated quote is a 400 naming the line it opened. */
int csv_finish(struct csv_parser *p, struct err *e) __attribute__((warn_unused_result));
void csv_parser_free(struct csv_parser **p);

/* Parses a whole buffer (feed + finish). */
int csv_parse(const struct csv_opts *o, const char *data, size_t len, struct csv_table *t,
              struct err *e) __attribute__((warn_unused_result));

/* Field i of record r ("" past its end); *len may be NULL. */
const char *csv_get(const struct csv_table *t, const struct csv_record *r, size_t i,
                    size_t *len);

/* Wipes (values may be passwords) and frees the table's storage. */
void csv_table_free(struct csv_table *t);

/* The delimiter the first line proves: ';' or '\t' when it has none of
 * ',' outside quotes but has those; otherwise ','. */
char csv_sniff_delim(const char *data, size_t len);

/* An Excel `sep=X` first line: returns the bytes to skip (0 if none) and
 * sets *delim. */
size_t csv_sep_line(const char *data, size_t len, char *delim);

#endif
