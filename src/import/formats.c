/*
 * formats.c — the CSV exports PassAgent reads, as data: for each known
 * header set (format variant) the columns it must have and what each column
 * means, plus a routing rule that tells logins from other items. Generic CSV
 * matches header synonyms (after Chromium's CSV importer). Header names are
 * compared trimmed, case-folded, without U+200B / U+FEFF.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"
#include "import/csv.h"
#include "import/import.h"
#include "import/text.h"

enum col { C_NONE, C_NAME, C_URL, C_USER, C_PASS, C_NOTES, C_TOTP, C_FOLDER, C_TAGS, C_FAV,
           C_TYPE, C_EXTRA, C_EXTRA_RAW, C_COUNT };

enum route { R_PLAIN, R_ALL_LOGINS, R_LASTPASS, R_BITWARDEN, R_ONEPASSWORD, R_TYPED, R_OTHER, R_POSITIONAL };

struct colmap {
    const char *header;
    enum col col;
};

struct csv_spec {
    const char *format;
    const char *const *must; /* normalised headers that must all be present */
    size_t exact;            /* column count that must match; 0 = any */
    const struct colmap *cols;
    enum route route;
    const char *reason; /* R_OTHER: why these rows are not logins */
};

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})
#define COLS(...) ((const struct colmap[]){__VA_ARGS__, {NULL, C_NONE}})

static const struct csv_spec specs[] = {
    {"bitwarden", LIST("folder", "favorite", "type", "name", "login_uri", "login_username", "login_password"), 0,
     COLS({"folder", C_FOLDER}, {"favorite", C_FAV}, {"type", C_TYPE}, {"name", C_NAME},
          {"notes", C_NOTES}, {"fields", C_EXTRA_RAW}, {"login_uri", C_URL},
          {"login_username", C_USER}, {"login_password", C_PASS}, {"login_totp", C_TOTP}),
     R_BITWARDEN, NULL},
    {"bitwarden", LIST("collections", "type", "name", "login_uri", "login_username", "login_password"), 0,
     COLS({"collections", C_TAGS}, {"type", C_TYPE}, {"name", C_NAME}, {"notes", C_NOTES},
          {"fields", C_EXTRA_RAW}, {"login_uri", C_URL}, {"login_username", C_USER},
          {"login_password", C_PASS}, {"login_totp", C_TOTP}),
     R_BITWARDEN, NULL},
    {"lastpass", LIST("url", "username", "password", "extra", "name", "grouping", "fav"), 0,
     COLS({"url", C_URL}, {"username", C_USER}, {"password", C_PASS}, {"totp", C_TOTP},
          {"extra", C_NOTES}, {"name", C_NAME}, {"grouping", C_FOLDER}, {"fav", C_FAV}),
     R_LASTPASS, NULL},
    {"1password", LIST("title", "url", "username", "password", "otpauth", "favorite", "archived", "tags", "notes"), 9,
     COLS({"title", C_NAME}, {"url", C_URL}, {"username", C_USER}, {"password", C_PASS},
          {"otpauth", C_TOTP}, {"favorite", C_FAV}, {"tags", C_TAGS}, {"notes", C_NOTES}),
     R_ONEPASSWORD, NULL},
    {"1password", LIST("title", "notes", "username", "password", "url"), 5,
     COLS({"title", C_NAME}, {"notes", C_NOTES}, {"username", C_USER}, {"password", C_PASS},
          {"url", C_URL}),
     R_ONEPASSWORD, NULL},
    {"1password", LIST("title", "type", "username", "password", "url", "notes"), 0,
     COLS({"title", C_NAME}, {"type", C_TYPE}, {"username", C_USER}, {"password", C_PASS},
          {"url", C_URL}, {"notes", C_NOTES}, {"tags", C_TAGS}),
     R_ONEPASSWORD, NULL},
    {"1password", LIST("uuid", "title", "scope"), 0,
     COLS({"title", C_NAME}, {"username", C_USER}, {"password", C_PASS}, {"url", C_URL},
          {"notes", C_NOTES}, {"tags", C_TAGS}),
     R_ONEPASSWORD, NULL},
    {"dashlane", LIST("username", "title", "password", "note", "url", "category"), 0,
     COLS({"username", C_USER}, {"username2", C_EXTRA}, {"username3", C_EXTRA}, {"title", C_NAME},
          {"password", C_PASS}, {"note", C_NOTES}, {"url", C_URL}, {"category", C_FOLDER},
          {"otpsecret", C_TOTP}, {"otpurl", C_TOTP}),
     R_ALL_LOGINS, NULL},
    {"dashlane", LIST("title", "note"), 2, COLS({"title", C_NAME}, {"note", C_NOTES}), R_OTHER,
     "secure note: not a login"},
    {"dashlane", LIST("type", "account_name"), 0, COLS({"account_name", C_NAME}, {"type", C_TYPE}),
     R_OTHER, "payment card or bank account: not a login"},
    {"dashlane", LIST("type", "number", "name", "issue_date"), 0, COLS({"name", C_NAME}), R_OTHER,
     "ID document: not a login"},
    {"dashlane", LIST("type", "title", "first_name", "last_name"), 0,
     COLS({"item_name", C_NAME}), R_OTHER, "personal information: not a login"},
    {"chrome", LIST("name", "url", "username", "password"), 4,
     COLS({"name", C_NAME}, {"url", C_URL}, {"username", C_USER}, {"password", C_PASS}),
     R_PLAIN, NULL},
    {"chrome", LIST("name", "url", "username", "password", "note"), 5,
     COLS({"name", C_NAME}, {"url", C_URL}, {"username", C_USER}, {"password", C_PASS},
          {"note", C_NOTES}),
     R_PLAIN, NULL},
};

/* Generic CSV: synonyms of each meaning (Chromium's list plus common ones). */
static const struct colmap synonyms[] = {
    {"name", C_NAME},          {"title", C_NAME},         {"display name", C_NAME},
    {"url", C_URL},            {"website", C_URL},        {"origin", C_URL},
    {"hostname", C_URL},       {"login_uri", C_URL},      {"uri", C_URL},
    {"username", C_USER},      {"user", C_USER},          {"login", C_USER},
    {"account", C_USER},       {"login_username", C_USER}, {"user name", C_USER},
    {"email", C_USER},         {"password", C_PASS},      {"login_password", C_PASS},
    {"totp", C_TOTP},          {"otp", C_TOTP},           {"otpauth", C_TOTP},
    {"login_totp", C_TOTP},    {"folder", C_FOLDER},      {"group", C_FOLDER},
    {"grouping", C_FOLDER},    {"category", C_FOLDER},    {"tags", C_TAGS},
    {"favorite", C_FAV},       {"favourite", C_FAV},      {"fav", C_FAV},
    {"type", C_TYPE},          {NULL, C_NONE},
};
/* Note-like columns in priority order (Chromium: note > notes > comment). */
static const char *const note_names[] = {"note", "notes", "comment", "comments", NULL};
static const char *const col_names[C_COUNT] = {
    [C_NAME] = "name", [C_URL] = "url", [C_USER] = "username", [C_PASS] = "password",
    [C_TOTP] = "totp", [C_FOLDER] = "folder", [C_TAGS] = "tags", [C_FAV] = "favorite",
    [C_TYPE] = "type"};

/* A header cell normalised: trimmed, lower-case, without zero-width chars. */
static void norm_header(const char *s, char *out, size_t outsz)
{
    size_t n = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    for (; *s && n + 1 < outsz; s++) {
        if (!strncmp(s, "\xE2\x80\x8B", 3) || !strncmp(s, "\xEF\xBB\xBF", 3)) {
            s += 2;
            continue;
        }
        out[n++] = (char)tolower((unsigned char)*s);
    }
    while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        n--;
    out[n] = '\0';
}

#define HDR_MAX 128

struct header {
    size_t n;
    char (*names)[HDR_MAX];
};

static int header_index(const struct header *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->names[i], name) == 0)
            return (int)i;
    return -1;
}

static bool spec_matches(const struct csv_spec *s, const struct header *h)
{
    if (s->exact && s->exact != h->n)
        return false;
    for (const char *const *m = s->must; *m; m++)
        if (header_index(h, *m) < 0)
            return false;
    return true;
}

/* Column -> meaning for a spec, or for generic CSV; -1 with e on a conflict. */
static int map_columns(const struct csv_spec *s, const struct header *h, enum col *map,
                       struct err *e)
{
    for (size_t i = 0; i < h->n; i++)
        map[i] = C_NONE;
    if (s) {
        for (const struct colmap *c = s->cols; c->header; c++) {
            int i = header_index(h, c->header);
            if (i >= 0)
                map[i] = c->col;
        }
        return 0;
    }
    int seen[C_COUNT];
    for (size_t k = 0; k < C_COUNT; k++)
        seen[k] = -1;
    for (size_t i = 0; i < h->n; i++)
        for (const struct colmap *c = synonyms; c->header; c++) {
            if (strcmp(h->names[i], c->header) != 0)
                continue;
            if (seen[c->col] >= 0)
                return err_set_code(e, ERR_VALIDATION, "IMPORT_FORMAT_MISMATCH",
                                    "two columns mean %s: '%s' and '%s' (line 1)",
                                    col_names[c->col], h->names[seen[c->col]], h->names[i]);
            seen[c->col] = (int)i;
            map[i] = c->col;
        }
    for (const char *const *nn = note_names; *nn; nn++) {
        int i = header_index(h, *nn);
        if (i >= 0) {
            map[i] = C_NOTES;
            break;
        }
    }
    if (seen[C_PASS] < 0 || (seen[C_URL] < 0 && seen[C_USER] < 0))
        return err_set_code(e, ERR_VALIDATION, "IMPORT_UNKNOWN_FORMAT",
                            "line 1: not a known export, and not a generic CSV (a header with "
                            "password and url or username columns)");
    return 0;
}

static int append_line(char **dst, const char *label, const char *v)
{
    size_t a = *dst ? strlen(*dst) : 0, l = label ? strlen(label) + 2 : 0, n = strlen(v);
    char *o = malloc(a + 1 + l + n + 1);
    if (o == NULL)
        return -1;
    size_t k = 0;
    if (a) {
        memcpy(o, *dst, a);
        o[a] = '\n';
        k = a + 1;
    }
    if (label) {
        memcpy(o + k, label, l - 2);
        memcpy(o + k + l - 2, ": ", 2);
        k += l;
    }
    memcpy(o + k, v, n + 1);
    if (*dst) {
        memset(*dst, 0, a);
        free(*dst);
    }
    *dst = o;
    return 0;
}

/* Splits a list cell ("a,b" collections; 1Password plist "{(\n \"a\"\n)}")
 * into newline-separated tags. */
static int set_tags(char **tags, const char *v)
{
    char tmp[1024];
    size_t n = 0;
    bool plist = strncmp(v, "{(", 2) == 0, q = false;
    for (const char *p = plist ? v + 2 : v; *p && n + 2 < sizeof(tmp); p++) {
        char c = *p;
        if (plist) {
            if (c == '"')
                q = !q, c = q ? '\0' : '\n';
            else if (!q)
                continue;
        } else if (c == ',') {
            c = '\n';
        }
        if (c)
            tmp[n++] = c;
    }
    while (n && tmp[n - 1] == '\n')
        n--;
    tmp[n] = '\0';
    char *s = tmp;
    while (*s == ' ' || *s == '\n')
        s++;
    return *s ? append_line(tags, NULL, s) : 0;
}

static bool truthy(const char *v)
{
    return !strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
           !strcasecmp(v, "y");
}

/* 1Password item kinds that are not logins, with the reason reported. */
static const struct {
    const char *type;
    const char *reason;
} onepassword_other[] = {
    {"secure note", "secure note: not a login"},
    {"credit card", "credit card: not a login"},
    {"identity", "identity: not a login"},
    {"bank account", "bank account: not a login"},
    {"passport", "passport: not a login"},
    {"driver license", "driver licence: not a login"},
    {"social security number", "social security number: not a login"},
    {"ssh key", "SSH key: not a login"},
    {"software license", "1Password item that is not a login (Type column)"},
    {"database", "1Password item that is not a login (Type column)"},
    {"email account", "1Password item that is not a login (Type column)"},
    {"membership", "1Password item that is not a login (Type column)"},
    {"outdoor license", "1Password item that is not a login (Type column)"},
    {"reward program", "1Password item that is not a login (Type column)"},
    {"server", "1Password item that is not a login (Type column)"},
    {"wireless router", "1Password item that is not a login (Type column)"},
    {"document", "1Password item that is not a login (Type column)"},
    {"api credential", "1Password item that is not a login (Type column)"},
};

/* Type routing per format; `type` is the row's type cell (may be ""). */
static void route_entry(const struct csv_spec *s, struct import_entry *en, const char *type,
                        bool *keep_empty)
{
    *keep_empty = false;
    switch (s ? s->route : R_TYPED) {
    case R_LASTPASS:
        if (strcmp(en->url ? en->url : "", "http://sn") == 0) {
            en->status = IMP_SKIPPED;
            en->reason = "LastPass secure note (url http://sn): not a login";
        }
        break;
    case R_BITWARDEN:
        *keep_empty = true;
        if (!strcasecmp(type, "note")) {
            en->status = IMP_SKIPPED;
            en->reason = "secure note: not a login";
        } else if (strcasecmp(type, "login") != 0) {
            en->status = IMP_SKIPPED;
            en->reason = "unknown item type (Bitwarden CSV has only login and note): not imported";
        }
        break;
    case R_ONEPASSWORD:
        for (size_t i = 0; i < sizeof(onepassword_other) / sizeof(onepassword_other[0]); i++)
            if (!strcasecmp(type, onepassword_other[i].type)) {
                en->status = IMP_SKIPPED;
                en->reason = onepassword_other[i].reason;
            }
        break;
    case R_TYPED:
        if (type[0] && strcasecmp(type, "login") && strcasecmp(type, "password")) {
            en->status = IMP_SKIPPED;
            en->reason = !strcasecmp(type, "note") ? "secure note: not a login"
                                                   : "item type is not a login: not imported";
        }
        break;
    case R_ALL_LOGINS: /* a file that holds only logins (Dashlane credentials.csv) */
        *keep_empty = true;
        break;
    case R_OTHER:
        en->status = IMP_SKIPPED;
        en->reason = s->reason;
        break;
    default:
        break;
    }
}

/* LastPass: `\` separates sub-folders, "(none)" means no folder. */
static void lastpass_folder(char *f)
{
    if (strcmp(f, "(none)") == 0)
        f[0] = '\0';
    for (char *c = f; *c; c++)
        if (*c == '\\')
            *c = '/';
}

/* The meaning of column i (positional for legacy Dashlane). */
static enum col col_of(const struct csv_spec *s, const enum col *map, size_t ncols, size_t i)
{
    static const enum col legacy[] = {C_NAME, C_URL, C_USER, C_PASS, C_NOTES};
    if (s && s->route == R_POSITIONAL)
        return i < 5 ? legacy[i] : C_NONE;
    return i < ncols ? map[i] : C_NONE;
}

static int fill_field(struct import_entry *en, enum col c, const char *label, const char *v,
                      size_t len, const char **type, char **extra)
{
    switch (c) {
    case C_NAME: return import_set(&en->name, v, len);
    case C_URL: return import_set(&en->url, v, len);
    case C_USER: return import_set(&en->username, v, len);
    case C_PASS: return import_set(&en->password, v, len);
    case C_NOTES: return len ? import_set(&en->notes, v, len) : 0;
    case C_TOTP: return len ? import_set(&en->totp, v, len) : 0;
    case C_FOLDER: return len ? append_line(&en->tags, NULL, v) : 0;
    case C_TAGS: return set_tags(&en->tags, v);
    case C_FAV: en->favorite = truthy(v); return 0;
    case C_TYPE: *type = v; return 0;
    case C_EXTRA: return len ? append_line(extra, label, v) : 0;
    case C_EXTRA_RAW: return len ? append_line(extra, NULL, v) : 0;
    default: return 0;
    }
}

/* Bitwarden writes several URIs comma-joined (CSV-quoted) in one cell. */
static int split_uris(struct import_entry *en)
{
    if (!en->url || !strchr(en->url, ','))
        return 0;
    struct csv_table t = {0};
    struct csv_opts o = {.delim = ',', .max_records = 2, .max_field = LIMIT_IMPORT_FIELD_BYTES,
                         .max_fields = LIMIT_IMPORT_FIELDS_PER_ROW};
    struct err e;
    int rc = 0;
    if (csv_parse(&o, en->url, strlen(en->url), &t, &e) == 0 && t.nrecs == 1) {
        for (size_t i = 0; rc == 0 && i < t.recs[0].nfields; i++) {
            const char *u = csv_get(&t, &t.recs[0], i, NULL);
            while (*u == ' ')
                u++;
            if (*u)
                rc = append_line(&en->urls, NULL, u);
        }
        const char *first = en->urls ? en->urls : "";
        if (rc == 0)
            rc = import_set(&en->url, first, strcspn(first, "\n"));
    }
    csv_table_free(&t);
    return rc;
}

static int record_entry(const struct csv_spec *s, const struct csv_table *t,
                        const struct csv_record *rec, const struct header *h, const enum col *map,
                        struct import_result *r, struct err *e)
{
    struct import_entry *en = import_entry_add(r, e);
    if (en == NULL)
        return -1;
    en->line = rec->line;
    const char *type = "";
    char *extra = NULL;
    size_t n = rec->nfields;
    bool extra_data = false, short_row = false;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *v = csv_get(t, rec, i, &len);
        if (h && i >= h->n) {
            extra_data |= len > 0;
            continue;
        }
        if (fill_field(en, col_of(s, map, h ? h->n : 0, i), h ? h->names[i] : NULL, v, len,
                       &type, &extra) != 0)
            goto oom;
    }
    for (size_t i = n; h && i < h->n; i++)
        short_row |= map[i] != C_NONE && map[i] != C_NOTES && map[i] != C_EXTRA &&
                     map[i] != C_EXTRA_RAW && map[i] != C_TOTP;
    if (extra && append_line(&en->notes, NULL, extra) != 0)
        goto oom;
    free(extra);
    extra = NULL;
    if (s && s->route == R_BITWARDEN && split_uris(en) != 0)
        goto oom;
    if (s && s->route == R_LASTPASS && en->tags)
        lastpass_folder(en->tags);
    bool keep_empty;
    route_entry(s, en, type, &keep_empty);
    if (s && s->route == R_ONEPASSWORD && en->status == IMP_LOGIN && type[0] &&
        strcasecmp(type, "login") && strcasecmp(type, "password") &&
        append_line(&en->tags, NULL, type) != 0)
        goto oom;
    if (rec->flags & CSV_REC_AFTER_QUOTE) {
        en->status = IMP_FAILED;
        en->reason = "malformed quoting in this row (text after a closing quote): not imported";
    } else if (extra_data) {
        en->status = IMP_FAILED;
        en->reason = "the row has more fields than the header: not imported";
    }
    if (import_entry_finish(en, keep_empty) != 0)
        goto oom;
    if (short_row && en->status == IMP_LOGIN)
        en->reason = "imported; the row has fewer fields than the header, missing ones taken as empty";
    else if ((rec->flags & CSV_REC_BARE_QUOTE) && en->status == IMP_LOGIN)
        en->reason = "imported; a quote inside an unquoted field was kept as data";
    return 0;
oom:
    free(extra);
    return err_set(e, ERR_INTERNAL, "out of memory");
}

/* LastPass web and extension exports sometimes HTML-escape values. */
static void lastpass_entities(struct import_result *r, bool decode)
{
    size_t hits = 0;
    for (size_t i = 0; i < r->n; i++) {
        struct import_entry *en = &r->v[i];
        char *f[] = {en->name, en->username, en->password, en->notes, en->url};
        bool any = false;
        for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
            if (f[k] && text_has_entities(f[k])) {
                any = true;
                if (decode)
                    text_decode_entities(f[k]);
            }
        hits += any;
    }
    if (hits && decode)
        import_warn(r, "HTML entities (&amp; &lt; ...) were decoded as requested");
    else if (hits)
        import_warn(r, "some values contain HTML entities (&amp; &lt; ...), as some LastPass "
                       "exports write them; they were kept as is. Import again with "
                       "decodeEntities true to decode them");
}

/* Reads the header row; picks the spec (NULL = generic CSV). */
static int pick_spec(const char *format, const struct header *h, const struct csv_spec **out,
                     struct err *e)
{
    *out = NULL;
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        if ((format == NULL || strcmp(format, specs[i].format) == 0) && spec_matches(&specs[i], h)) {
            *out = &specs[i];
            return 0;
        }
    if (format == NULL || strcmp(format, "csv") == 0)
        return 0; /* generic CSV; map_columns decides */
    if (strcmp(format, "dashlane") == 0) {
        static const struct csv_spec legacy = {"dashlane", NULL, 0, NULL, R_POSITIONAL, NULL};
        *out = &legacy; /* old desktop export: no header, positional columns */
        return 0;
    }
    return err_set_code(e, ERR_VALIDATION, "IMPORT_FORMAT_MISMATCH",
                        "line 1: the header is not one of a %s export", format);
}

static int header_read(const struct csv_table *t, struct header *h, bool *label_key)
{
    const struct csv_record *r = &t->recs[0];
    h->n = r->nfields;
    h->names = calloc(h->n ? h->n : 1, HDR_MAX);
    if (h->names == NULL)
        return -1;
    size_t labelled = 0;
    for (size_t i = 0; i < h->n; i++) {
        const char *v = csv_get(t, r, i, NULL);
        norm_header(v, h->names[i], HDR_MAX);
        size_t l = strlen(h->names[i]);
        labelled += l > 2 && h->names[i][l - 1] == ')' && strchr(h->names[i], '(') != NULL;
    }
    *label_key = labelled >= 10; /* 1Password 7 Mac "label(key)" columns */
    return 0;
}

static int parse_table(const char *data, size_t len, bool backslash, struct csv_table *t,
                       struct err *e)
{
    char delim = ',';
    size_t skip = csv_sep_line(data, len, &delim);
    if (!skip)
        delim = csv_sniff_delim(data, len);
    struct csv_opts o = {.delim = delim,
                         .backslash_escape = backslash,
                         .first_line = skip ? 2 : 1,
                         .max_records = LIMIT_IMPORT_ENTRIES + 1,
                         .max_field = LIMIT_IMPORT_FIELD_BYTES,
                         .max_fields = LIMIT_IMPORT_FIELDS_PER_ROW};
    memset(t, 0, sizeof(*t));
    return csv_parse(&o, data + skip, len - skip, t, e);
}

int import_csv(const char *format, const char *data, size_t len, bool decode_entities,
               struct import_result *r, struct err *e)
{
    struct csv_table t;
    struct header h = {0, NULL};
    enum col *map = NULL;
    const struct csv_spec *s = NULL;
    bool label_key = false;
    int rc = parse_table(data, len, false, &t, e);
    if (rc == 0 && t.nrecs == 0)
        rc = err_set_code(e, ERR_UNPROCESSABLE, "IMPORT_EMPTY", "the file is empty: nothing to import");
    if (rc == 0 && header_read(&t, &h, &label_key) != 0)
        rc = err_set(e, ERR_INTERNAL, "out of memory");
    if (rc == 0 && label_key) { /* re-read with 1Password's backslash escapes */
        csv_table_free(&t);
        rc = parse_table(data, len, true, &t, e);
    }
    if (rc == 0)
        rc = pick_spec(format, &h, &s, e);
    if (rc == 0 && (map = calloc(h.n ? h.n : 1, sizeof(*map))) == NULL)
        rc = err_set(e, ERR_INTERNAL, "out of memory");
    if (rc == 0 && !(s && s->route == R_POSITIONAL))
        rc = map_columns(s, &h, map, e);
    bool positional = s && s->route == R_POSITIONAL;
    r->format = s ? s->format : "csv";
    for (size_t i = positional ? 0 : 1; rc == 0 && i < t.nrecs; i++)
        rc = record_entry(s, &t, &t.recs[i], positional ? NULL : &h, map, r, e);
    if (rc == 0 && s && s->route == R_LASTPASS)
        lastpass_entities(r, decode_entities);
    free(map);
    free(h.names);
    csv_table_free(&t);
    return rc;
}
