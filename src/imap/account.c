/* account.c — sealing, storing and opening a user's IMAP mailbox. */
#include "imap/account.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/log.h"
#include "vault/seal.h"

#define TABLE "imap_accounts"

void imap_mailbox_email(const char *username, const char *host, char out[STORE_EMAIL_MAX + 1])
{
    size_t hl = strlen(host);
    size_t room = hl + 1 < STORE_EMAIL_MAX ? STORE_EMAIL_MAX - 1 - hl : 0;
    if (strchr(username, '@') && strlen(username) <= STORE_EMAIL_MAX)
        snprintf(out, STORE_EMAIL_MAX + 1, "%s", username);
    else
        snprintf(out, STORE_EMAIL_MAX + 1, "%.*s@%s", (int)room, username, host);
}

static int seal_into(const unsigned char dk[VAULT_KEY_BYTES], const struct vault_ad *ad,
                     const void *pt, size_t len, unsigned char *out, size_t outsz, size_t *out_len)
{
    unsigned char *sealed = NULL;
    size_t n = 0;
    if (vault_seal(dk, ad, pt, len, &sealed, &n) != 0)
        return -1;
    int rc = n <= outsz ? 0 : -1;
    if (rc == 0) {
        memcpy(out, sealed, n);
        *out_len = n;
    }
    free(sealed);
    return rc;
}

int imap_mailbox_save(struct store *st, const unsigned char dk[VAULT_KEY_BYTES],
                      const char *user_id, const struct imapc_account *a, int64_t now,
                      struct err *e)
{
    struct store_imap_account *row = calloc(1, sizeof(*row));
    json_t *obj = json_pack("{s:s, s:i, s:s, s:b, s:s*}", "host", a->host, "port", (int)a->port,
                            "username", a->username, "tls", a->tls, "pin", a->pin);
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    int ret = -1;
    if (row == NULL || text == NULL) {
        err_set(e, ERR_INTERNAL, "internal error");
        goto out;
    }
    id_uuid4(row->integration_id);
    snprintf(row->user_id, sizeof(row->user_id), "%s", user_id);
    struct vault_ad ad_settings = {TABLE, "settings", row->integration_id, user_id};
    struct vault_ad ad_password = {TABLE, "password", row->integration_id, user_id};
    if (seal_into(dk, &ad_settings, text, strlen(text), row->settings, sizeof(row->settings),
                  &row->settings_len) != 0 ||
        seal_into(dk, &ad_password, a->password, strlen(a->password), row->password,
                  sizeof(row->password), &row->password_len) != 0) {
        err_set(e, ERR_INTERNAL, "internal error");
        goto out;
    }
    char email[STORE_EMAIL_MAX + 1];
    imap_mailbox_email(a->username, a->host, email);
    int rc = store_imap_replace(st, row, email, now);
    if (rc == STORE_UNAVAILABLE)
        err_set_code(e, ERR_UNAVAILABLE, "DATABASE_UNAVAILABLE",
                     "the database is unavailable; try again shortly");
    else if (rc != STORE_OK)
        err_set(e, ERR_INTERNAL, "internal error");
    else
        ret = 0;
out:
    free(text);
    free(row);
    return ret;
}

static int settings_decode(const char *text, size_t len, struct imap_mailbox *m)
{
    json_error_t jerr;
    json_t *o = json_loadb(text, len, 0, &jerr);
    const char *host = NULL, *user = NULL, *pin = NULL;
    int port = 0, tls = 0;
    int rc = -1;
    if (o && json_unpack(o, "{s:s, s:i, s:s, s:b, s?:s}", "host", &host, "port", &port,
                         "username", &user, "tls", &tls, "pin", &pin) == 0 &&
        strlen(host) < sizeof(m->host) && strlen(user) < sizeof(m->username) &&
        (pin == NULL || strlen(pin) < sizeof(m->pin)) && port > 0 && port < 65536) {
        snprintf(m->host, sizeof(m->host), "%s", host);
        snprintf(m->username, sizeof(m->username), "%s", user);
        snprintf(m->pin, sizeof(m->pin), "%s", pin ? pin : "");
        m->port = (unsigned)port;
        m->tls = tls != 0;
        rc = 0;
    }
    json_decref(o);
    return rc;
}

int imap_mailbox_open(const unsigned char dk[VAULT_KEY_BYTES], const struct store_imap_account *row,
                      struct imap_mailbox *out)
{
    struct vault_ad ad_settings = {TABLE, "settings", row->integration_id, row->user_id};
    struct vault_ad ad_password = {TABLE, "password", row->integration_id, row->user_id};
    char *settings = NULL;
    size_t len = 0;
    memset(out, 0, sizeof(*out));
    if (vault_open(dk, &ad_settings, row->settings, row->settings_len, &settings, &len) != 0)
        return -1;
    int rc = settings_decode(settings, len, out);
    vault_secret_free(&settings, len);
    if (rc == 0 && vault_open(dk, &ad_password, row->password, row->password_len, &out->password,
                              &out->password_len) != 0)
        rc = -1;
    if (rc != 0)
        imap_mailbox_clear(out);
    return rc;
}

struct imapc_account imap_mailbox_account(const struct imap_mailbox *m)
{
    return (struct imapc_account){.host = m->host,
                                  .port = m->port,
                                  .username = m->username,
                                  .password = m->password,
                                  .tls = m->tls,
                                  .pin = m->pin[0] ? m->pin : NULL};
}

void imap_mailbox_clear(struct imap_mailbox *m)
{
    if (m->password)
        vault_secret_free(&m->password, m->password_len);
    sodium_memzero(m, sizeof(*m));
}
