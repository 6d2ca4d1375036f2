/*
 * passwords_api.c — the vault endpoints: POST /api/passwords/import (JSON
 * or multipart/form-data, Idempotency-Key), GET /api/passwords,
 * POST /api/passwords/{id}/reveal, DELETE /api/passwords/{id}.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/accounts.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/multipart.h"
#include "import/import.h"
#include "vault/seal.h"

#define FORMAT_MAX 16

/* The request fields, read from a JSON object or a multipart form. Strings
 * point into the body (JSON: into c->body) and live as long as it. */
struct import_input {
    char format[FORMAT_MAX + 1];
    struct import_request rq;
};

static int copy_format(struct api_call *c, const char *v, size_t len, struct import_input *in)
{
    if (len == 0 || len > FORMAT_MAX || memchr(v, '\0', len))
        return api_fail(c, ERR_VALIDATION,
                        "field 'format' must be one of auto, 1password, lastpass, bitwarden, "
                        "chrome, dashlane, csv, json");
    memcpy(in->format, v, len);
    in->format[len] = '\0';
    for (char *p = in->format; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!import_format_known(in->format))
        return api_fail(c, ERR_VALIDATION,
                        "field 'format' must be one of auto, 1password, lastpass, bitwarden, "
                        "chrome, dashlane, csv, json");
    in->rq.format = in->format;
    return 0;
}

static int read_json(struct api_call *c, const char *ct, struct import_input *in)
{
    struct err e;
    if (api_json_object_parse(ct, c->req->body, c->req->body_len, &c->body, &e) != 0)
        return api_fail_err(c, &e);
    const char *v;
    size_t len;
    bool decode;
    if (api_body_string_opt(c, "format", FORMAT_MAX, &v, &len) != 0 ||
        (v && copy_format(c, v, len, in) != 0))
        return -1;
    json_t *data = json_object_get(c->body, "data");
    if (!json_is_string(data))
        return api_fail(c, ERR_VALIDATION, "field 'data' is required: the file contents as a string");
    in->rq.data = json_string_value(data);
    in->rq.len = json_string_length(data);
    if (api_body_string_opt(c, "password", LIMIT_IMPORT_PASSWORD, &in->rq.password,
                            &in->rq.password_len) != 0 ||
        api_body_bool(c, "decodeEntities", false, &decode) != 0)
        return -1;
    in->rq.decode_entities = decode;
    return 0;
}

static int read_multipart(struct api_call *c, const char *ct, struct import_input *in)
{
    struct multipart_form f;
    struct err e;
    if (multipart_parse(ct, c->req->body, c->req->body_len, &f, &e) != 0)
        return api_fail_err(c, &e);
    const struct multipart_part *fmt = multipart_get(&f, "format");
    const struct multipart_part *file = multipart_get(&f, "file");
    const struct multipart_part *pw = multipart_get(&f, "password");
    const struct multipart_part *dec = multipart_get(&f, "decodeEntities");
    if (fmt && fmt->len && copy_format(c, fmt->data, fmt->len, in) != 0)
        return -1;
    if (file == NULL)
        return api_fail(c, ERR_VALIDATION, "field 'file' is required (the export file)");
    in->rq.data = file->data;
    in->rq.len = file->len;
    if (pw && pw->len) {
        if (pw->len > LIMIT_IMPORT_PASSWORD || memchr(pw->data, '\0', pw->len))
            return api_fail(c, ERR_VALIDATION, "field 'password' must be at most %u bytes",
                            LIMIT_IMPORT_PASSWORD);
        in->rq.password = pw->data;
        in->rq.password_len = pw->len;
    }
    if (dec)
        in->rq.decode_entities = dec->len == 4 && strncmp(dec->data, "true", 4) == 0;
    return 0;
}

static int read_input(struct api_call *c, struct import_input *in)
{
    const char *ct = c->req->header(c->req, "Content-Type");
    memset(in, 0, sizeof(*in));
    if (multipart_is_form(ct))
        return read_multipart(c, ct, in);
    return read_json(c, ct, in);
}

/* Idempotency-Key: 1..128 visible ASCII characters; NULL when absent. */
static int read_idem_key(struct api_call *c, const char **key)
{
    *key = c->req->header(c->req, "Idempotency-Key");
    if (*key == NULL)
        return 0;
    size_t n = strlen(*key);
    bool ok = n > 0 && n <= LIMIT_IMPORT_IDEMPOTENCY_KEY;
    for (size_t i = 0; ok && i < n; i++)
        ok = (*key)[i] > 0x20 && (*key)[i] < 0x7f;
    if (!ok)
        return api_fail(c, ERR_VALIDATION,
                        "header 'Idempotency-Key' must be 1 to %u visible ASCII characters",
                        LIMIT_IMPORT_IDEMPOTENCY_KEY);
    return 0;
}

/* A key seen before: 1 = replied (stored reply or 409), 0 = go on. */
static int replay(struct api_call *c, const char *key, const unsigned char hash[32])
{
    unsigned char stored[STORE_IDEM_HASH_BYTES];
    char *reply = NULL;
    int rc = store_import_key_get(c->app->store, c->session.user.id, key, c->now, stored, &reply);
    if (rc == STORE_NOT_FOUND)
        return 0;
    if (rc != STORE_OK) {
        struct err e;
        accounts_store_err(rc, &e);
        api_fail_err(c, &e);
        return 1;
    }
    if (sodium_memcmp(stored, hash, STORE_IDEM_HASH_BYTES) != 0) {
        free(reply);
        struct err e;
        err_set_code(&e, ERR_CONFLICT, "IDEMPOTENCY_KEY_REUSED",
                     "this Idempotency-Key was used for a different import in the last hour");
        api_fail_err(c, &e);
        return 1;
    }
    json_t *obj = json_loads(reply, 0, NULL);
    free(reply);
    http_response_header(c->resp, "Idempotent-Replayed", "true");
    api_reply(c, 200, obj);
    return 1;
}

void api_passwords_import(struct api_call *c)
{
    struct import_input in;
    const char *key;
    unsigned char dk[VAULT_KEY_BYTES], hash[32];
    struct import_result r;
    struct err e;
    if (read_idem_key(c, &key) != 0 || read_input(c, &in) != 0)
        return;
    if (api_user_data_key(c, dk) != 0)
        return;
    import_request_hash(dk, &in.rq, hash);
    if (key && replay(c, key, hash)) {
        sodium_memzero(dk, sizeof(dk));
        return;
    }
    if (import_parse(&in.rq, &r, &e) != 0) {
        sodium_memzero(dk, sizeof(dk));
        api_fail_err(c, &e);
        return;
    }
    json_t *reply = NULL;
    struct import_commit_opts o = {c->session.user.id, c->now, key, hash};
    int rc = import_commit(c->app->store, dk, &o, &r, &reply, &e);
    sodium_memzero(dk, sizeof(dk));
    import_result_free(&r);
    if (rc != 0 && e.kind == ERR_CONFLICT && key && replay(c, key, hash))
        return; /* a concurrent retry with the same key won the race */
    if (rc != 0) {
        api_fail_err(c, &e);
        return;
    }
    api_reply(c, 200, reply);
}

/* "a\nb" -> ["a","b"] */
static json_t *lines_json(const char *s)
{
    json_t *a = json_array();
    while (a && *s) {
        size_t n = strcspn(s, "\n");
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s += n + (s[n] == '\n');
    }
    return a;
}

static int list_row(void *ctx, const struct store_vault_item *it)
{
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:b, s:b, s:o, s:o}", "id",
                            it->id, "name", it->name, "website", it->website, "url", it->url,
                            "urls", lines_json(it->urls), "username", it->username, "tags",
                            lines_json(it->tags), "favorite", it->favorite, "has_totp",
                            it->has_totp, "created_at", api_time_json(it->created_at),
                            "updated_at", api_time_json(it->updated_at));
    return row ? json_array_append_new(ctx, row) : 1;
}

/* A query integer in [min, max], def when absent; -1 after a 400. */
static int query_uint(struct api_call *c, const char *name, long min, long max, long def,
                      long *out)
{
    const char *v = c->req->query(c->req, name);
    *out = def;
    if (v == NULL || *v == '\0')
        return 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end != '\0' || x < min || x > max)
        return api_fail(c, ERR_VALIDATION, "query '%s' must be an integer from %ld to %ld", name,
                        min, max);
    *out = x;
    return 0;
}

void api_passwords_list(struct api_call *c)
{
    long page, limit;
    int64_t total = 0;
    struct err e;
    if (query_uint(c, "page", 1, 1000000, 1, &page) != 0 ||
        query_uint(c, "limit", 1, LIMIT_VAULT_PAGE_MAX, LIMIT_VAULT_PAGE_DEFAULT, &limit) != 0)
        return;
    json_t *data = json_array();
    int rc = store_vault_count(c->app->store, c->session.user.id, &total);
    if (rc == STORE_OK && data)
        rc = store_vault_list(c->app->store, c->session.user.id, (unsigned)limit,
                              (int64_t)(page - 1) * limit, list_row, data);
    if (rc != STORE_OK || data == NULL) {
        json_decref(data);
        accounts_store_err(rc ? rc : STORE_ERROR, &e);
        api_fail_err(c, &e);
        return;
    }
    api_reply(c, 200,
              json_pack("{s:o, s:{s:I, s:I, s:I}}", "data", data, "pagination", "page",
                        (json_int_t)page, "limit", (json_int_t)limit, "total", (json_int_t)total));
}

/* The {id} parameter, refused early when it cannot be one of ours. */
static const char *entry_id(struct api_call *c)
{
    const char *id = http_param(c->req, "id");
    if (id == NULL || strlen(id) != STORE_ID_LEN) {
        api_fail(c, ERR_NOT_FOUND, "no such password entry");
        return NULL;
    }
    return id;
}

static json_t *open_json(const unsigned char dk[VAULT_KEY_BYTES], const char *col,
                         const char *id, const char *user, const unsigned char *ct, size_t len,
                         int *bad)
{
    if (ct == NULL)
        return json_string("");
    struct vault_ad ad = {"vault_entries", col, id, user};
    char *pt = NULL;
    size_t n = 0;
    if (vault_open(dk, &ad, ct, len, &pt, &n) != 0) {
        *bad = 1;
        return NULL;
    }
    json_t *s = json_stringn(pt, n);
    vault_secret_free(&pt, n);
    return s;
}

void api_passwords_reveal(struct api_call *c)
{
    const char *id = entry_id(c);
    struct store_vault_secrets s;
    unsigned char dk[VAULT_KEY_BYTES];
    struct err e;
    if (id == NULL)
        return;
    int rc = store_vault_secrets(c->app->store, id, c->session.user.id, &s);
    if (rc == STORE_NOT_FOUND) {
        api_fail(c, ERR_NOT_FOUND, "no such password entry");
        return;
    }
    if (rc != STORE_OK) {
        accounts_store_err(rc, &e);
        api_fail_err(c, &e);
        return;
    }
    if (api_user_data_key(c, dk) != 0) {
        store_vault_secrets_free(&s);
        return;
    }
    const char *u = c->session.user.id;
    int bad = 0;
    json_t *pw = open_json(dk, "password", id, u, s.password, s.password_len, &bad);
    json_t *notes = open_json(dk, "notes", id, u, s.notes, s.notes_len, &bad);
    json_t *totp = open_json(dk, "totp", id, u, s.totp, s.totp_len, &bad);
    sodium_memzero(dk, sizeof(dk));
    store_vault_secrets_free(&s);
    if (bad || !pw || !notes || !totp) {
        json_decref(pw);
        json_decref(notes);
        json_decref(totp);
        log_error("req=%s vault entry %s does not open", c->req->request_id, id);
        api_fail(c, ERR_INTERNAL, "internal error");
        return;
    }
    api_reply(c, 200, json_pack("{s:o, s:o, s:o}", "password", pw, "notes", notes, "totp", totp));
}

void api_passwords_delete(struct api_call *c)
{
    const char *id = entry_id(c);
    struct err e;
    if (id == NULL)
        return;
    int rc = store_vault_delete(c->app->store, id, c->session.user.id);
    if (rc == STORE_NOT_FOUND) {
        api_fail(c, ERR_NOT_FOUND, "no such password entry");
        return;
    }
    if (rc != STORE_OK) {
        accounts_store_err(rc, &e);
        api_fail_err(c, &e);
        return;
    }
    api_reply(c, 200, json_pack("{s:b}", "success", 1));
}
