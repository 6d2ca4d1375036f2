/*
 * commit.c — puts the logins of a parsed import into the vault: seals each
 * secret (password, notes, TOTP) bound to its row and user, computes the
 * duplicate key (a hash keyed by the user's data key over host, username
 * and password, so the database never sees a credential), and writes all
 * rows in one store transaction together with the idempotency record.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/limits.h"
#include "import/import.h"
#include "vault/seal.h"

struct pending {
    struct store_vault_new *rows;
    size_t *entry_of; /* rows[i] is entry entry_of[i] */
    char (*ids)[ID_UUID_CHARS + 1];
    unsigned char **sealed; /* 3 per row: what rows[] points to, owned here */
    size_t n;
};

static void dedupe_key(const unsigned char dk[VAULT_KEY_BYTES], const struct import_entry *en,
                       unsigned char out[32])
{
    static const char ctx[] = "passagent vault dedupe v1";
    unsigned char sub[32];
    crypto_generichash(sub, sizeof(sub), (const unsigned char *)ctx, sizeof(ctx) - 1, dk,
                       VAULT_KEY_BYTES);
    crypto_generichash_state h;
    crypto_generichash_init(&h, sub, sizeof(sub), 32);
    /* A login without site, username and password is told apart by its
     * name and notes, so two such items are not duplicates of each other. */
    bool bare = !en->website[0] && !en->username[0] && !en->password[0];
    const char *parts[] = {en->website, en->username, en->password, en->name, en->notes};
    for (size_t i = 0; i < (bare ? 5u : 3u); i++)
        crypto_generichash_update(&h, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    crypto_generichash_final(&h, out, 32);
    sodium_memzero(sub, sizeof(sub));
}

static int seal_opt(const unsigned char dk[VAULT_KEY_BYTES], const char *col, const char *id,
                    const char *user, const char *v, bool always, unsigned char **own,
                    const unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!always && v[0] == '\0')
        return 0;
    struct vault_ad ad = {"vault_entries", col, id, user};
    if (vault_seal(dk, &ad, v, strlen(v), own, len) != 0)
        return -1;
    *out = *own;
    return 0;
}

static void pending_free(struct pending *p)
{
    for (size_t i = 0; p->sealed && i < 3 * p->n; i++)
        free(p->sealed[i]);
    free(p->sealed);
    free(p->rows);
    free(p->entry_of);
    free(p->ids);
    memset(p, 0, sizeof(*p));
}

static int pending_build(const unsigned char dk[VAULT_KEY_BYTES], const char *user,
                         const struct import_result *r, struct pending *p)
{
    size_t cap = r->n ? r->n : 1;
    p->rows = calloc(cap, sizeof(*p->rows));
    p->entry_of = calloc(cap, sizeof(*p->entry_of));
    p->ids = calloc(cap, sizeof(*p->ids));
    p->sealed = calloc(3 * cap, sizeof(*p->sealed));
    if (!p->rows || !p->entry_of || !p->ids || !p->sealed)
        return -1;
    for (size_t i = 0; i < r->n; i++) {
        const struct import_entry *en = &r->v[i];
        if (en->status != IMP_LOGIN)
            continue;
        struct store_vault_new *row = &p->rows[p->n];
        id_uuid4(p->ids[p->n]);
        p->entry_of[p->n] = i;
        *row = (struct store_vault_new){.id = p->ids[p->n], .name = en->name, .url = en->url,
                                        .urls = en->urls, .website = en->website,
                                        .username = en->username, .tags = en->tags,
                                        .favorite = en->favorite, .has_totp = en->totp[0] != 0};
        unsigned char **own = &p->sealed[3 * p->n];
        p->n++;
        if (seal_opt(dk, "password", row->id, user, en->password, true, &own[0],
                     &row->password, &row->password_len) != 0 ||
            seal_opt(dk, "notes", row->id, user, en->notes, false, &own[1], &row->notes,
                     &row->notes_len) != 0 ||
            seal_opt(dk, "totp", row->id, user, en->totp, false, &own[2], &row->totp,
                     &row->totp_len))
            return -1;
        dedupe_key(dk, en, row->dedupe_key);
    }
    return 0;
}

struct reply_ctx {
    const struct import_result *r;
    const struct pending *p;
    json_t *reply;
};

static json_t *problem(size_t entry, const struct import_entry *en, const char *reason)
{
    return json_pack("{s:I, s:o, s:s}", "entry", (json_int_t)entry + 1, "line",
                     en->line ? json_integer((json_int_t)en->line) : json_null(), "reason",
                     reason);
}

static json_t *reply_build(const struct import_result *r, const struct pending *p,
                           const unsigned char *inserted)
{
    size_t imported = 0, dups = 0, skipped = 0, failed = 0;
    json_t *problems = json_array(), *warnings = json_array();
    unsigned char *dup = calloc(r->n ? r->n : 1, 1);
    if (!problems || !warnings || !dup) {
        free(dup);
        json_decref(problems);
        json_decref(warnings);
        return NULL;
    }
    for (size_t i = 0; i < p->n; i++)
        dup[p->entry_of[i]] = !inserted[i];
    for (size_t i = 0; i < r->n; i++) {
        const struct import_entry *en = &r->v[i];
        const char *reason = en->reason;
        if (en->status == IMP_SKIPPED)
            skipped++;
        else if (en->status == IMP_FAILED)
            failed++;
        else if (dup[i]) {
            dups++;
            reason = "duplicate: the same site, username and password is already in the vault "
                     "or earlier in this file";
        } else
            imported++;
        if (reason)
            json_array_append_new(problems, problem(i, en, reason));
    }
    for (size_t i = 0; i < r->nwarnings; i++)
        json_array_append_new(warnings, json_string(r->warnings[i]));
    free(dup);
    return json_pack("{s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "success", 1, "format",
                     r->format, "total", (json_int_t)r->n, "imported", (json_int_t)imported,
                     "duplicates", (json_int_t)dups, "skipped", (json_int_t)skipped, "failed",
                     (json_int_t)failed, "problems", problems, "warnings", warnings);
}

static char *reply_text(void *ctx, const unsigned char *inserted)
{
    struct reply_ctx *rc = ctx;
    rc->reply = reply_build(rc->r, rc->p, inserted);
    return rc->reply ? json_dumps(rc->reply, JSON_COMPACT) : NULL;
}

int import_commit(struct store *st, const unsigned char dk[VAULT_KEY_BYTES],
                  const struct import_commit_opts *o, const struct import_result *r,
                  json_t **reply, struct err *e)
{
    struct pending p = {0};
    *reply = NULL;
    if (pending_build(dk, o->user_id, r, &p) != 0) {
        pending_free(&p);
        return err_set(e, ERR_INTERNAL, "internal error");
    }
    unsigned char *inserted = calloc(p.n ? p.n : 1, 1);
    struct reply_ctx ctx = {r, &p, NULL};
    int rc = inserted ? store_vault_import(st, o->user_id, o->now, p.rows, p.n, inserted,
                                           o->idem_key, o->request_hash, reply_text, &ctx)
                      : STORE_ERROR;
    if (rc == STORE_OK) {
        *reply = ctx.reply ? ctx.reply : reply_build(r, &p, inserted);
        ctx.reply = NULL;
    }
    json_decref(ctx.reply);
    free(inserted);
    pending_free(&p);
    if (rc == STORE_CONFLICT)
        return err_set_code(e, ERR_CONFLICT, "IDEMPOTENCY_CONFLICT",
                            "another import with this Idempotency-Key finished first");
    if (rc == STORE_UNAVAILABLE)
        return err_set(e, ERR_UNAVAILABLE, "database busy; retry");
    if (rc != STORE_OK || *reply == NULL)
        return err_set(e, ERR_INTERNAL, "internal error");
    return 0;
}
