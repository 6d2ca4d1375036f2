/*
 * import.h — reading a password-manager export into a list of entries, and
 * committing the logins among them to a user's vault.
 *
 * import_parse knows nothing of HTTP or storage: bytes and a format name in,
 * entries out (each a login to keep, or an item skipped or failed with a
 * reason). import_commit seals the secrets of the logins with the user's
 * data key and writes them in one transaction, skipping duplicates.
 */
#ifndef PASSAGENT_IMPORT_H
#define PASSAGENT_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"
#include "vault/keyring.h"

enum import_status { IMP_LOGIN, IMP_SKIPPED, IMP_FAILED };

/* One item of the file. Strings are malloc'd, NUL-terminated, never NULL
 * once the entry is finished (empty when absent). */
struct import_entry {
    char *name, *url, *urls, *website, *username, *password, *notes, *totp, *tags;
    bool favorite;
    size_t line; /* physical line in a CSV file; 0 for JSON */
    enum import_status status;
    const char *reason; /* static text for skipped/failed; note for a login */
};

#define IMPORT_MAX_WARNINGS 4

struct import_result {
    const char *format; /* static: "chrome", "lastpass", ... */
    struct import_entry *v;
    size_t n, cap;
    const char *warnings[IMPORT_MAX_WARNINGS]; /* static texts */
    size_t nwarnings;
};

struct import_request {
    const char *format; /* NULL or "auto": detect */
    const char *data;
    size_t len;
    const char *password; /* Bitwarden export password; may be NULL */
    size_t password_len;
    bool decode_entities; /* LastPass HTML entities */
};

/* Whether name is a format this importer knows ("auto" included). */
bool import_format_known(const char *name);

/* Parses the file. Errors: 400 IMPORT_PARSE_ERROR / IMPORT_ENCODING /
 * IMPORT_UNKNOWN_FORMAT / IMPORT_FORMAT_MISMATCH, 413
 * IMPORT_TOO_MANY_ENTRIES, 422 IMPORT_EMPTY and the Bitwarden codes. */
int import_parse(const struct import_request *rq, struct import_result *out, struct err *e)
    __attribute__((warn_unused_result));
void import_result_free(struct import_result *r);

/* Writes the logins of r for user_id in one transaction. With idem_key, the
 * reply is stored with the key (request_hash identifies the request); a
 * live key of another request is 409. *reply is the reply object. */
struct import_commit_opts {
    const char *user_id;
    int64_t now;
    const char *idem_key; /* NULL: none */
    const unsigned char *request_hash; /* 32 bytes, with idem_key */
};
int import_commit(struct store *st, const unsigned char dk[VAULT_KEY_BYTES],
                  const struct import_commit_opts *o, const struct import_result *r,
                  json_t **reply, struct err *e) __attribute__((warn_unused_result));

/* The 32-byte hash that identifies an import request for idempotency,
 * keyed by the user's data key (so it says nothing about the file). */
void import_request_hash(const unsigned char dk[VAULT_KEY_BYTES], const struct import_request *rq,
                         unsigned char out[32]);

/* ---- internal to src/import/ ---- */

/* Appends a zeroed entry; NULL when out of memory or past the limit. */
struct import_entry *import_entry_add(struct import_result *r, struct err *e);
/* Sets *dst to a copy of s[0..len) (replacing what was there). */
int import_set(char **dst, const char *s, size_t len);
/* Fills the derived fields (website, name, urls, tags) and empty strings;
 * classifies an entry without a username, password or URL. */
int import_entry_finish(struct import_entry *en, bool keep_empty_login);
void import_warn(struct import_result *r, const char *text);

int import_csv(const char *format, const char *data, size_t len, bool decode_entities,
               struct import_result *r, struct err *e);
int import_json(const char *format, const char *data, size_t len, const struct import_request *rq,
                struct import_result *r, struct err *e);
/* Decrypts a password-protected Bitwarden export into its plain JSON text
 * (*out malloc'd, caller wipes and frees). */
int import_bitwarden_decrypt(json_t *root, const char *password, size_t password_len,
                             char **out, size_t *out_len, struct err *e);

#endif
