/*
 * import.c — orchestration of one import: bytes (text.c), CSV or JSON
 * (formats.c, json_formats.c), and the rules every entry shares: the
 * website is the URL's host, an empty name is derived from it, an item
 * with no username, password or URL is not a login.
 */
#include "import/import.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"
#include "import/text.h"

static const char *const known_formats[] = {"auto",     "1password", "lastpass", "bitwarden",
                                            "chrome",   "dashlane",  "csv",      "json"};

bool import_format_known(const char *name)
{
    for (size_t i = 0; i < sizeof(known_formats) / sizeof(known_formats[0]); i++)
        if (strcmp(name, known_formats[i]) == 0)
            return true;
    return false;
}

int import_set(char **dst, const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (c == NULL)
        return -1;
    if (len)
        memcpy(c, s, len);
    c[len] = '\0';
    if (*dst) {
        sodium_memzero(*dst, strlen(*dst));
        free(*dst);
    }
    *dst = c;
    return 0;
}

struct import_entry *import_entry_add(struct import_result *r, struct err *e)
{
    if (r->n >= LIMIT_IMPORT_ENTRIES) {
        err_set_code(e, ERR_TOO_LARGE, "IMPORT_TOO_MANY_ENTRIES",
                     "the file has more than %u entries; nothing was imported",
                     LIMIT_IMPORT_ENTRIES);
        return NULL;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct import_entry *v = realloc(r->v, cap * sizeof(*v));
        if (v == NULL) {
            err_set(e, ERR_INTERNAL, "out of memory");
            return NULL;
        }
        r->v = v;
        r->cap = cap;
    }
    struct import_entry *en = &r->v[r->n++];
    memset(en, 0, sizeof(*en));
    return en;
}

void import_warn(struct import_result *r, const char *text)
{
    for (size_t i = 0; i < r->nwarnings; i++)
        if (r->warnings[i] == text)
            return;
    if (r->nwarnings < IMPORT_MAX_WARNINGS)
        r->warnings[r->nwarnings++] = text;
}

static void free_str(char **s)
{
    if (*s) {
        sodium_memzero(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

void import_result_free(struct import_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct import_entry *en = &r->v[i];
        char **f[] = {&en->name,     &en->url,      &en->urls,  &en->website, &en->username,
                      &en->password, &en->notes,    &en->totp,  &en->tags};
        for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
            free_str(f[k]);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* Host of a URL ("https://user@Host:443/p" -> "host"), lower-cased; a URL
 * without a scheme is taken as host first ("twitter.com"). Android
 * credentials ("android://hash@com.pkg/") give the package name. */
static int url_host(const char *url, char **out)
{
    const char *p = url;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *scheme_end = strstr(p, "://");
    const char *colon = strchr(p, ':');
    if (scheme_end && colon == scheme_end)
        p = scheme_end + 3;
    else if (colon && colon[1] == '/' )
        return import_set(out, "", 0); /* "htts:/broken.url" */
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    while (at) { /* the last '@' ends the user info */
        n -= (size_t)(at + 1 - p);
        p = at + 1;
        at = memchr(p, '@', n);
    }
    size_t hl = n;
    if (hl && p[0] == '[') { /* IPv6 literal */
        const char *rb = memchr(p, ']', n);
        hl = rb ? (size_t)(rb - p + 1) : n;
    } else {
        const char *c = memchr(p, ':', n);
        if (c)
            hl = (size_t)(c - p);
    }
    while (hl && (p[hl - 1] == '.' || p[hl - 1] == ' '))
        hl--;
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)p[i] <= ' ')
            return import_set(out, "", 0);
    if (import_set(out, p, hl) != 0)
        return -1;
    for (char *c = *out; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return 0;
}

static int ensure(char **s) { return *s ? 0 : import_set(s, "", 0); }

int import_entry_finish(struct import_entry *en, bool keep_empty_login)
{
    char **all[] = {&en->name,     &en->url,   &en->urls, &en->website, &en->username,
                    &en->password, &en->notes, &en->totp, &en->tags};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (ensure(all[i]) != 0)
            return -1;
    /* Trim the URL (never a password): exports indent and pad them. */
    const char *u = en->url;
    size_t ul = strlen(u);
    while (*u == ' ' || *u == '\t')
        u++, ul--;
    while (ul && (u[ul - 1] == ' ' || u[ul - 1] == '\t'))
        ul--;
    if (u != en->url || ul != strlen(en->url)) {
        char *t = NULL;
        if (import_set(&t, u, ul) != 0)
            return -1;
        free(en->url);
        en->url = t;
    }
    if (en->urls[0] == '\0' && en->url[0] && import_set(&en->urls, en->url, strlen(en->url)))
        return -1;
    if (en->url[0] && url_host(en->url, &en->website) != 0)
        return -1;
    if (en->name[0] == '\0') {
        const char *d = en->website[0] ? en->website : "Unnamed item";
        if (import_set(&en->name, d, strlen(d)) != 0)
            return -1;
    }
    if (en->status == IMP_LOGIN && !keep_empty_login && !en->username[0] && !en->password[0] &&
        !en->url[0]) {
        en->status = IMP_SKIPPED;
        en->reason = en->notes[0] ? "note only (no username, password or URL): not a login"
                                  : "empty entry (no username, password, URL or note)";
    }
    return 0;
}

/* First byte that is not white space. */
static char first_char(const char *d, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)d[i]))
            return d[i];
    return '\0';
}

int import_parse(const struct import_request *rq, struct import_result *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    const char *fmt = rq->format;
    if (fmt == NULL || strcmp(fmt, "auto") == 0)
        fmt = NULL;
    else if (!import_format_known(fmt))
        return err_set(e, ERR_VALIDATION,
                       "field 'format' must be one of auto, 1password, lastpass, bitwarden, "
                       "chrome, dashlane, csv, json");
    char *text = NULL;
    size_t len = 0;
    if (text_normalize(rq->data, rq->len, &text, &len, e) != 0)
        return -1;
    char c = first_char(text, len);
    int rc;
    if (c == '\0')
        rc = err_set_code(e, ERR_UNPROCESSABLE, "IMPORT_EMPTY", "the file is empty: nothing to import");
    else if ((c == '{' || c == '[') && (fmt == NULL || strcmp(fmt, "json") == 0 ||
                                         strcmp(fmt, "bitwarden") == 0 ||
                                         strcmp(fmt, "dashlane") == 0))
        rc = import_json(fmt, text, len, rq, out, e);
    else if (fmt && strcmp(fmt, "json") == 0)
        rc = err_set_code(e, ERR_VALIDATION, "IMPORT_FORMAT_MISMATCH",
                          "format 'json' needs a JSON array of credential objects");
    else
        rc = import_csv(fmt, text, len, rq->decode_entities, out, e);
    sodium_memzero(text, len);
    free(text);
    if (rc == 0 && out->n == 0)
        rc = err_set_code(e, ERR_UNPROCESSABLE, "IMPORT_EMPTY",
                          "the file holds no entries: nothing to import");
    if (rc != 0)
        import_result_free(out);
    return rc;
}

void import_request_hash(const unsigned char dk[VAULT_KEY_BYTES], const struct import_request *rq,
                         unsigned char out[32])
{
    crypto_generichash_state h;
    unsigned char sub[32];
    static const char ctx[] = "passagent import request v1";
    crypto_generichash(sub, sizeof(sub), (const unsigned char *)ctx, sizeof(ctx) - 1, dk,
                       VAULT_KEY_BYTES);
    crypto_generichash_init(&h, sub, sizeof(sub), 32);
    const char *fmt = rq->format ? rq->format : "auto";
    unsigned char flag = rq->decode_entities ? 1 : 0;
    crypto_generichash_update(&h, (const unsigned char *)fmt, strlen(fmt) + 1);
    crypto_generichash_update(&h, &flag, 1);
    unsigned char lens[16];
    uint64_t a = rq->len, b = rq->password ? rq->password_len : 0;
    memcpy(lens, &a, 8);
    memcpy(lens + 8, &b, 8);
    crypto_generichash_update(&h, lens, sizeof(lens));
    crypto_generichash_update(&h, (const unsigned char *)rq->data, rq->len);
    if (rq->password)
        crypto_generichash_update(&h, (const unsigned char *)rq->password, rq->password_len);
    crypto_generichash_final(&h, out, 32);
    sodium_memzero(sub, sizeof(sub));
}
