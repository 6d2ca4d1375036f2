/*
 * json_formats.c — JSON exports: Bitwarden (personal, organisation, and
 * password-protected via bitwarden_crypt.c), Dashlane's legacy desktop JSON,
 * and PassAgent's generic array of credential objects.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"
#include "import/import.h"

#define PARSE "IMPORT_PARSE_ERROR"

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int set_js(char **dst, json_t *o, const char *k)
{
    const char *s = jstr(o, k);
    return s ? import_set(dst, s, strlen(s)) : 0;
}

static int add_line(char **dst, const char *v)
{
    size_t a = *dst ? strlen(*dst) : 0, n = strlen(v);
    char *o = malloc(a + n + 2);
    if (o == NULL)
        return -1;
    if (a) {
        memcpy(o, *dst, a);
        o[a++] = '\n';
    }
    memcpy(o + a, v, n + 1);
    if (*dst) {
        sodium_memzero(*dst, strlen(*dst));
        free(*dst);
    }
    *dst = o;
    return 0;
}

/* Name of the folder/collection with this id in list (array of {id,name}). */
static const char *name_by_id(json_t *list, const char *id)
{
    size_t i;
    json_t *f;
    if (id == NULL)
        return NULL;
    json_array_foreach(list, i, f)
    {
        const char *fid = jstr(f, "id");
        if (fid && strcmp(fid, id) == 0)
            return jstr(f, "name");
    }
    return NULL;
}

static const char *bitwarden_other(json_int_t type)
{
    switch (type) {
    case 2: return "secure note: not a login";
    case 3: return "card: not a login";
    case 4: return "identity: not a login";
    case 5: return "SSH key: not a login";
    default: return "item type that is not a login: not imported";
    }
}

/* Custom fields ("name: value" lines) go to the notes. */
static int bitwarden_fields(struct import_entry *en, json_t *item)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(item, "fields"), i, f)
    {
        const char *n = jstr(f, "name"), *v = jstr(f, "value");
        if (n == NULL || v == NULL)
            continue;
        size_t len = strlen(n) + strlen(v) + 3;
        char *line = malloc(len);
        if (line == NULL)
            return -1;
        snprintf(line, len, "%s: %s", n, v);
        int rc = add_line(&en->notes, line);
        sodium_memzero(line, len);
        free(line);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int bitwarden_item(json_t *root, json_t *item, struct import_entry *en)
{
    json_t *login = json_object_get(item, "login");
    json_int_t type = json_integer_value(json_object_get(item, "type"));
    if (set_js(&en->name, item, "name") || set_js(&en->notes, item, "notes") ||
        set_js(&en->username, login, "username") || set_js(&en->password, login, "password") ||
        set_js(&en->totp, login, "totp"))
        return -1;
    en->favorite = json_is_true(json_object_get(item, "favorite"));
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(login, "uris"), i, u)
    {
        const char *s = jstr(u, "uri");
        if (s && *s && add_line(&en->urls, s) != 0)
            return -1;
    }
    if (en->urls && import_set(&en->url, en->urls, strcspn(en->urls, "\n")) != 0)
        return -1;
    const char *folder = name_by_id(json_object_get(root, "folders"), jstr(item, "folderId"));
    if (folder && *folder && add_line(&en->tags, folder) != 0)
        return -1;
    json_t *cid;
    json_array_foreach(json_object_get(item, "collectionIds"), i, cid)
    {
        const char *c = name_by_id(json_object_get(root, "collections"), json_string_value(cid));
        if (c && *c && add_line(&en->tags, c) != 0)
            return -1;
    }
    if (bitwarden_fields(en, item) != 0)
        return -1;
    if (type != 1) {
        en->status = IMP_SKIPPED;
        en->reason = bitwarden_other(type);
    }
    return import_entry_finish(en, true);
}

/* Maps one array element into en; returns -1 only when out of memory. */
typedef int (*item_map_fn)(json_t *root, json_t *item, struct import_entry *en);

/* One entry per element of items: elements that are not objects are
 * reported as failed with not_object, the others go through map. */
static int map_items(json_t *root, json_t *items, const char *not_object, item_map_fn map,
                     struct import_result *r, struct err *e)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        struct import_entry *en = import_entry_add(r, e);
        if (en == NULL)
            return -1;
        int rc;
        if (json_is_object(item)) {
            rc = map(root, item, en);
        } else {
            en->status = IMP_FAILED;
            en->reason = not_object;
            rc = import_entry_finish(en, true);
        }
        if (rc != 0)
            return err_set(e, ERR_INTERNAL, "out of memory");
    }
    return 0;
}

static int bitwarden_plain(json_t *root, struct import_result *r, struct err *e)
{
    json_t *items = json_object_get(root, "items");
    if (!json_is_array(items))
        return err_set_code(e, ERR_VALIDATION, "IMPORT_FORMAT_MISMATCH",
                            "a Bitwarden JSON export needs an 'items' array");
    r->format = "bitwarden";
    return map_items(root, items, "item is not a JSON object", bitwarden_item, r, e);
}

static int bitwarden(json_t *root, const struct import_request *rq, struct import_result *r,
                     struct err *e)
{
    if (!json_is_true(json_object_get(root, "encrypted")))
        return bitwarden_plain(root, r, e);
    if (!json_is_true(json_object_get(root, "passwordProtected")) ||
        json_object_get(root, "salt") == NULL)
        return err_set_code(e, ERR_UNPROCESSABLE, "BITWARDEN_ACCOUNT_ENCRYPTED",
                            "this Bitwarden export is encrypted with the account key and cannot "
                            "be read outside Bitwarden; export again choosing 'Password "
                            "protected' or an unencrypted JSON");
    if (rq->password == NULL || rq->password_len == 0)
        return err_set_code(e, ERR_UNPROCESSABLE, "BITWARDEN_PASSWORD_REQUIRED",
                            "this Bitwarden export is password protected: send its export "
                            "password in the 'password' field");
    char *plain = NULL;
    size_t plain_len = 0;
    if (import_bitwarden_decrypt(root, rq->password, rq->password_len, &plain, &plain_len, e))
        return -1;
    json_error_t jerr;
    json_t *inner = json_loadb(plain, plain_len, JSON_REJECT_DUPLICATES, &jerr);
    sodium_memzero(plain, plain_len);
    free(plain);
    if (!json_is_object(inner)) {
        json_decref(inner);
        return err_set_code(e, ERR_VALIDATION, PARSE,
                            "the decrypted Bitwarden export is not a JSON object");
    }
    int rc = bitwarden_plain(inner, r, e);
    json_decref(inner);
    return rc;
}

/* Dashlane's legacy desktop JSON: {"AUTHENTIFIANT": [{title, domain, login,
 * email, password, note, secondaryLogin}], ...}. */
static int dashlane_legacy(json_t *root, struct import_result *r, struct err *e)
{
    json_t *list = json_object_get(root, "AUTHENTIFIANT");
    r->format = "dashlane";
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        struct import_entry *en = import_entry_add(r, e);
        if (en == NULL)
            return -1;
        const char *login = jstr(it, "login");
        if (set_js(&en->name, it, "title") || set_js(&en->url, it, "domain") ||
            set_js(&en->username, it, (login && *login) ? "login" : "email") ||
            set_js(&en->password, it, "password") || set_js(&en->notes, it, "note") ||
            import_entry_finish(en, false))
            return err_set(e, ERR_INTERNAL, "out of memory");
    }
    return 0;
}

/* The first string among keys (generic JSON synonyms). */
static const char *jpick(json_t *o, const char *const *keys)
{
    for (; *keys; keys++) {
        const char *s = jstr(o, *keys);
        if (s)
            return s;
    }
    return NULL;
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

static int generic_item(json_t *root, json_t *it, struct import_entry *en)
{
    (void)root;
    const struct {
        size_t off;
        const char *const *keys;
    } map[] = {
        {offsetof(struct import_entry, name), KEYS("name", "title")},
        {offsetof(struct import_entry, url), KEYS("url", "uri", "website", "login_uri")},
        {offsetof(struct import_entry, username), KEYS("username", "user", "login", "email")},
        {offsetof(struct import_entry, password), KEYS("password", "login_password")},
        {offsetof(struct import_entry, notes), KEYS("notes", "note", "comment")},
        {offsetof(struct import_entry, totp), KEYS("totp", "otp", "otpauth")},
        {offsetof(struct import_entry, tags), KEYS("folder", "group", "category")},
    };
    for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
        const char *s = jpick(it, map[k].keys);
        char **dst = (char **)(void *)((char *)en + map[k].off);
        if (s && import_set(dst, s, strlen(s)) != 0)
            return -1;
    }
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(it, "tags"), i, t)
    {
        if (json_is_string(t) && add_line(&en->tags, json_string_value(t)) != 0)
            return -1;
    }
    json_t *fav = json_object_get(it, "favorite");
    en->favorite = json_is_true(fav) || (json_is_integer(fav) && json_integer_value(fav) == 1);
    return import_entry_finish(en, false);
}

static int generic(json_t *root, struct import_result *r, struct err *e)
{
    if (!json_is_array(root))
        return err_set_code(e, ERR_VALIDATION, "IMPORT_FORMAT_MISMATCH",
                            "format 'json' needs a top-level JSON array of credential objects");
    r->format = "json";
    return map_items(root, root, "entry is not a JSON object", generic_item, r, e);
}

int import_json(const char *format, const char *data, size_t len, const struct import_request *rq,
                struct import_result *r, struct err *e)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return err_set_code(e, ERR_VALIDATION, PARSE, "malformed JSON at line %d, column %d",
                            jerr.line, jerr.column);
    int rc;
    bool is_obj = json_is_object(root);
    if (json_is_array(root) && json_array_size(root) > LIMIT_IMPORT_ENTRIES)
        rc = err_set_code(e, ERR_TOO_LARGE, "IMPORT_TOO_MANY_ENTRIES",
                          "the file has more than %u entries; nothing was imported",
                          LIMIT_IMPORT_ENTRIES);
    else if (is_obj && json_object_get(root, "AUTHENTIFIANT") &&
             (format == NULL || strcmp(format, "dashlane") == 0))
        rc = dashlane_legacy(root, r, e);
    else if (is_obj && (json_object_get(root, "encrypted") || json_object_get(root, "folders") ||
                        json_object_get(root, "collections") ||
                        (format && strcmp(format, "bitwarden") == 0)))
        rc = bitwarden(root, rq, r, e);
    else if (format == NULL || strcmp(format, "json") == 0)
        rc = generic(root, r, e);
    else
        rc = err_set_code(e, ERR_VALIDATION, "IMPORT_FORMAT_MISMATCH",
                          "this JSON is not a %s export", format);
    json_decref(root);
    return rc;
}
