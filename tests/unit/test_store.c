/*
 * test_store.c — the domain storage API (store/store.c over the SQLite
 * driver) on a fresh database file per test, rl_hit on top of it, and
 * master key rotation (vault/rotate.c) end to end on such a store with a
 * file key ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/ratelimit.h"
#include "core/log.h"
#include "store/sql.h"
#include "store/store.h"
#include "vault/keyring.h"
#include "vault/rotate.h"

struct fixture {
    char dir[64];
    char db[128];
    char url[160];
    char keyfile[128];
    struct store *st;
};

static void remove_quietly(const char *dir, const char *name)
{
    char p[192];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    unlink(p);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/passagent-store-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
    snprintf(f->url, sizeof(f->url), "sqlite:%s", f->db);
    snprintf(f->keyfile, sizeof(f->keyfile), "%s/master.key", f->dir);
    struct err e;
    if (store_open(f->url, &f->st, &e) != 0) {
        print_error("store_open: %s\n", e.msg);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(&f->st);
    remove_quietly(f->dir, "t.db");
    remove_quietly(f->dir, "t.db-wal");
    remove_quietly(f->dir, "t.db-shm");
    remove_quietly(f->dir, "master.key");
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A user with a recognisable fake wrapped key. */
static void user_make(struct store_user *u, const char *id, const char *email, const char *key_id)
{
    memset(u, 0, sizeof(*u));
    snprintf(u->id, sizeof(u->id), "%s", id);
    snprintf(u->email, sizeof(u->email), "%s", email);
    snprintf(u->password_hash, sizeof(u->password_hash), "$argon2id$v=19$m=65536,t=2,p=1$x$y");
    for (size_t i = 0; i < 73; i++)
        u->data_key[i] = (unsigned char)(i ^ (unsigned char)id[0]);
    u->data_key_len = 73;
    snprintf(u->data_key_id, sizeof(u->data_key_id), "%s", key_id);
    u->created_at = 1700000000;
}

static void hash_make(unsigned char h[STORE_TOKEN_HASH_BYTES], unsigned char seed)
{
    for (size_t i = 0; i < STORE_TOKEN_HASH_BYTES; i++)
        h[i] = (unsigned char)(seed + i);
}

/* SELECT COUNT(*) on the database file, outside the store. */
static long long count_rows(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    long long n = -1;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

static void test_open_migrates_once(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(store_backend(f->st), "sqlite");
    assert_int_equal(store_ping(f->st), STORE_OK);
    /* Every migration applied once; the last one is the current version. */
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM schema_migrations"),
                     sql_migration_count);
    assert_int_equal(count_rows(f->db, "SELECT MAX(version) FROM schema_migrations"),
                     sql_migrations[sql_migration_count - 1].version);

    struct store_user u;
    user_make(&u, "11111111-0000-4000-8000-000000000001", "a@example.com", "k1");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    store_close(&f->st);
    assert_null(f->st);

    /* A second open finds nothing to do and keeps the data. */
    struct err e;
    assert_int_equal(store_open(f->url, &f->st, &e), 0);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM schema_migrations"),
                     sql_migration_count);
    struct store_user got;
    assert_int_equal(store_user_by_email(f->st, "a@example.com", &got), STORE_OK);
    assert_string_equal(got.id, u.id);
}

static void test_open_bad_url(void **state)
{
    (void)state;
    struct store *st = NULL;
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(store_open("postgres://x", &st, &e), -1);
    assert_null(st);
    assert_non_null(strstr(e.msg, "sqlite:"));
    assert_int_equal(store_open("sqlite:", &st, &e), -1);
    assert_null(st);
    assert_int_equal(store_open("sqlite:/nonexistent-dir-passagent/x/t.db", &st, &e), -1);
    assert_null(st);
}

static void test_user_insert_and_lookup(void **state)
{
    struct fixture *f = *state;
    struct store_user u, got;
    user_make(&u, "11111111-0000-4000-8000-000000000001", "a@example.com", "k1");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    memset(&got, 0xaa, sizeof(got));
    assert_int_equal(store_user_by_email(f->st, "a@example.com", &got), STORE_OK);
    assert_string_equal(got.id, u.id);
    assert_string_equal(got.email, u.email);
    assert_string_equal(got.password_hash, u.password_hash);
    assert_int_equal(got.data_key_len, u.data_key_len);
    assert_memory_equal(got.data_key, u.data_key, u.data_key_len);
    assert_string_equal(got.data_key_id, "k1");
    assert_int_equal(got.created_at, 1700000000);

    assert_int_equal(store_user_by_email(f->st, "b@example.com", &got), STORE_NOT_FOUND);
    /* E-mail is matched exactly; normalising is the caller's job. */
    assert_int_equal(store_user_by_email(f->st, "A@example.com", &got), STORE_NOT_FOUND);
}

static void test_user_duplicates(void **state)
{
    struct fixture *f = *state;
    struct store_user u, dup_email, dup_id;
    user_make(&u, "11111111-0000-4000-8000-000000000001", "a@example.com", "k1");
    user_make(&dup_email, "11111111-0000-4000-8000-000000000002", "a@example.com", "k1");
    user_make(&dup_id, "11111111-0000-4000-8000-000000000001", "other@example.com", "k1");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    assert_int_equal(store_user_insert(f->st, &dup_email), STORE_CONFLICT);
    assert_int_equal(store_user_insert(f->st, &dup_id), STORE_CONFLICT);
    /* The first one is untouched. */
    struct store_user got;
    assert_int_equal(store_user_by_email(f->st, "a@example.com", &got), STORE_OK);
    assert_string_equal(got.id, u.id);
    assert_int_equal(store_user_by_email(f->st, "other@example.com", &got), STORE_NOT_FOUND);
}

static void test_sessions(void **state)
{
    struct fixture *f = *state;
    struct store_user u;
    user_make(&u, "11111111-0000-4000-8000-000000000001", "a@example.com", "k1");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    unsigned char h1[STORE_TOKEN_HASH_BYTES], h2[STORE_TOKEN_HASH_BYTES];
    hash_make(h1, 1);
    hash_make(h2, 2);
    assert_int_equal(store_session_insert(f->st, h1, u.id, 1000, 2000), STORE_OK);

    struct store_session s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_session_lookup(f->st, h1, 1500, &s), STORE_OK);
    assert_string_equal(s.user.id, u.id);
    assert_string_equal(s.user.email, "a@example.com");
    assert_int_equal(s.user.data_key_len, u.data_key_len);
    assert_int_equal(s.created_at, 1000);
    assert_int_equal(s.expires_at, 2000);

    /* Expired: at and after expires_at. */
    assert_int_equal(store_session_lookup(f->st, h1, 1999, &s), STORE_OK);
    assert_int_equal(store_session_lookup(f->st, h1, 2000, &s), STORE_NOT_FOUND);
    assert_int_equal(store_session_lookup(f->st, h1, 5000, &s), STORE_NOT_FOUND);
    /* Unknown hash. */
    assert_int_equal(store_session_lookup(f->st, h2, 1500, &s), STORE_NOT_FOUND);
    /* Same hash twice. */
    assert_int_equal(store_session_insert(f->st, h1, u.id, 1000, 2000), STORE_CONFLICT);
    /* A session for a user that does not exist (foreign key). */
    assert_int_equal(store_session_insert(f->st, h2, "no-such-user", 1000, 2000),
                     STORE_CONFLICT);

    assert_int_equal(store_session_delete(f->st, h1), STORE_OK);
    assert_int_equal(store_session_lookup(f->st, h1, 1500, &s), STORE_NOT_FOUND);
    /* Deleting again is not an error. */
    assert_int_equal(store_session_delete(f->st, h1), STORE_OK);
}

static void test_ratelimit_windows(void **state)
{
    struct fixture *f = *state;
    int64_t hits = -1;
    assert_int_equal(store_ratelimit_hit(f->st, "auth/900:ip:1.2.3.4", 900, 900, 1, &hits),
                     STORE_OK);
    assert_int_equal(hits, 1);
    assert_int_equal(store_ratelimit_hit(f->st, "auth/900:ip:1.2.3.4", 900, 900, 1, &hits),
                     STORE_OK);
    assert_int_equal(hits, 2);
    assert_int_equal(store_ratelimit_hit(f->st, "auth/900:ip:1.2.3.4", 900, 900, 1, &hits),
                     STORE_OK);
    assert_int_equal(hits, 3);
    /* Another bucket counts on its own. */
    assert_int_equal(store_ratelimit_hit(f->st, "auth/900:ip:5.6.7.8", 900, 900, 1, &hits),
                     STORE_OK);
    assert_int_equal(hits, 1);
    /* The next window starts again at one. */
    assert_int_equal(store_ratelimit_hit(f->st, "auth/900:ip:1.2.3.4", 1800, 900, 1, &hits),
                     STORE_OK);
    assert_int_equal(hits, 1);
    assert_int_equal(store_ratelimit_hit(f->st, "auth/900:ip:1.2.3.4", 1800, 900, 1, &hits),
                     STORE_OK);
    assert_int_equal(hits, 2);
}

/* rl_hit on top of the store: COUNT hits pass, the next is refused with
 * the seconds left in the window, a new window starts afresh. */
static void test_rl_hit(void **state)
{
    struct fixture *f = *state;
    struct rl_config cfg;
    struct err e;
    unsigned retry = 0;
    assert_int_equal(rl_config_parse("general=3/60", &cfg, &e), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rl_hit(f->st, &cfg, RL_GENERAL, "ip:10.0.0.1", 1000, &retry), 0);
    assert_int_equal(rl_hit(f->st, &cfg, RL_GENERAL, "ip:10.0.0.1", 1000, &retry), 1);
    assert_int_equal(retry, 20); /* window [960, 1020) */
    assert_int_equal(rl_hit(f->st, &cfg, RL_GENERAL, "ip:10.0.0.1", 1019, &retry), 1);
    assert_int_equal(retry, 1);
    /* Another subject, and another class, count separately. */
    assert_int_equal(rl_hit(f->st, &cfg, RL_GENERAL, "ip:10.0.0.2", 1000, &retry), 0);
    assert_int_equal(rl_hit(f->st, &cfg, RL_AUTH, "ip:10.0.0.1", 1000, &retry), 0);
    /* The next window. */
    assert_int_equal(rl_hit(f->st, &cfg, RL_GENERAL, "ip:10.0.0.1", 1020, &retry), 0);
    /* RL_NONE and "off" never limit. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(rl_hit(f->st, &cfg, RL_NONE, "ip:10.0.0.1", 1000, &retry), 0);
    assert_int_equal(rl_config_parse("off", &cfg, &e), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rl_hit(f->st, &cfg, RL_GENERAL, "ip:10.0.0.1", 1000, &retry), 0);
}

static void test_purge_expired(void **state)
{
    struct fixture *f = *state;
    struct store_user u;
    user_make(&u, "11111111-0000-4000-8000-000000000001", "a@example.com", "k1");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    unsigned char old[STORE_TOKEN_HASH_BYTES], live[STORE_TOKEN_HASH_BYTES];
    hash_make(old, 1);
    hash_make(live, 2);
    assert_int_equal(store_session_insert(f->st, old, u.id, 0, 100), STORE_OK);
    assert_int_equal(store_session_insert(f->st, live, u.id, 0, 1000), STORE_OK);
    int64_t hits = 0;
    assert_int_equal(store_ratelimit_hit(f->st, "old", 0, 60, 1, &hits), STORE_OK);
    assert_int_equal(store_ratelimit_hit(f->st, "old", 0, 60, 1, &hits), STORE_OK);
    assert_int_equal(hits, 2);
    assert_int_equal(store_ratelimit_hit(f->st, "live", 480, 60, 1, &hits), STORE_OK);
    assert_int_equal(store_ratelimit_hit(f->st, "live", 480, 60, 1, &hits), STORE_OK);
    assert_int_equal(hits, 2);

    assert_int_equal(store_purge_expired(f->st, 500), STORE_OK);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM sessions"), 1);
    assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM rate_limits"), 1);

    /* Looked up at a time it was still valid, the purged session is gone. */
    struct store_session s;
    assert_int_equal(store_session_lookup(f->st, old, 50, &s), STORE_NOT_FOUND);
    assert_int_equal(store_session_lookup(f->st, live, 50, &s), STORE_OK);
    /* The purged window restarts at one, the live one keeps counting. */
    assert_int_equal(store_ratelimit_hit(f->st, "old", 0, 60, 1, &hits), STORE_OK);
    assert_int_equal(hits, 1);
    assert_int_equal(store_ratelimit_hit(f->st, "live", 480, 60, 1, &hits), STORE_OK);
    assert_int_equal(hits, 3);
}

static int count_integration(void *ctx, const struct store_integration *in)
{
    (void)in;
    (*(int *)ctx)++;
    return 0;
}

static void test_integrations_empty(void **state)
{
    struct fixture *f = *state;
    struct store_user u;
    user_make(&u, "11111111-0000-4000-8000-000000000001", "a@example.com", "k1");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    int n = 0;
    assert_int_equal(store_integrations_list(f->st, u.id, count_integration, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_integrations_list(f->st, "nobody", count_integration, &n), STORE_OK);
    assert_int_equal(n, 0);
}

struct visit {
    size_t n;
    size_t stop_after; /* 0: never stop */
    char ids[8][STORE_ID_LEN + 1];
};

static int visit_user(void *ctx, const struct store_user *u)
{
    struct visit *v = ctx;
    if (v->n < 8)
        snprintf(v->ids[v->n], sizeof(v->ids[0]), "%s", u->id);
    v->n++;
    return (v->stop_after && v->n >= v->stop_after) ? 1 : 0;
}

static void test_users_not_under_key_and_rewrap(void **state)
{
    struct fixture *f = *state;
    struct store_user u;
    /* Inserted out of order: the visit is ordered by id. */
    user_make(&u, "33333333-0000-4000-8000-000000000000", "c@example.com", "old");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    user_make(&u, "11111111-0000-4000-8000-000000000000", "a@example.com", "old");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    user_make(&u, "22222222-0000-4000-8000-000000000000", "b@example.com", "old");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);
    user_make(&u, "44444444-0000-4000-8000-000000000000", "d@example.com", "new");
    assert_int_equal(store_user_insert(f->st, &u), STORE_OK);

    struct visit v = {0};
    assert_int_equal(store_users_not_under_key(f->st, "new", "", 100, visit_user, &v), STORE_OK);
    assert_int_equal(v.n, 3);
    assert_string_equal(v.ids[0], "11111111-0000-4000-8000-000000000000");
    assert_string_equal(v.ids[1], "22222222-0000-4000-8000-000000000000");
    assert_string_equal(v.ids[2], "33333333-0000-4000-8000-000000000000");

    memset(&v, 0, sizeof(v));
    assert_int_equal(store_users_not_under_key(f->st, "new", "", 2, visit_user, &v), STORE_OK);
    assert_int_equal(v.n, 2);
    memset(&v, 0, sizeof(v));
    assert_int_equal(store_users_not_under_key(f->st, "new",
                                               "22222222-0000-4000-8000-000000000000", 100,
                                               visit_user, &v),
                     STORE_OK);
    assert_int_equal(v.n, 1);
    assert_string_equal(v.ids[0], "33333333-0000-4000-8000-000000000000");
    /* The callback can stop the visit. */
    memset(&v, 0, sizeof(v));
    v.stop_after = 1;
    assert_int_equal(store_users_not_under_key(f->st, "new", "", 100, visit_user, &v), STORE_OK);
    assert_int_equal(v.n, 1);

    unsigned char blob[VAULT_WRAPPED_BYTES];
    memset(blob, 0x5a, sizeof(blob));
    assert_int_equal(store_user_rewrap(f->st, "11111111-0000-4000-8000-000000000000", "old", blob,
                                       sizeof(blob), "new"),
                     STORE_OK);
    /* Compare-and-swap: a second writer with the stale key id loses. */
    assert_int_equal(store_user_rewrap(f->st, "11111111-0000-4000-8000-000000000000", "old", blob,
                                       sizeof(blob), "newer"),
                     STORE_NOT_FOUND);
    assert_int_equal(store_user_rewrap(f->st, "no-such-user", "old", blob, sizeof(blob), "new"),
                     STORE_NOT_FOUND);

    struct store_user got;
    assert_int_equal(store_user_by_email(f->st, "a@example.com", &got), STORE_OK);
    assert_string_equal(got.data_key_id, "new");
    assert_int_equal(got.data_key_len, sizeof(blob));
    assert_memory_equal(got.data_key, blob, sizeof(blob));

    memset(&v, 0, sizeof(v));
    assert_int_equal(store_users_not_under_key(f->st, "new", "", 100, visit_user, &v), STORE_OK);
    assert_int_equal(v.n, 2);
}

/* ---- master key rotation ---- */

struct rot_user {
    char id[STORE_ID_LEN + 1];
    char email[64];
    unsigned char dk[VAULT_KEY_BYTES];
};

static struct vault_keyring *ring_file(const char *path, bool create)
{
    struct vault_keyring_source src = {.key_file = path, .create_file = create};
    struct vault_keyring *kr = NULL;
    struct err e;
    if (vault_keyring_create(&src, &kr, &e) != 0)
        fail_msg("keyring: %s", e.msg);
    return kr;
}

/* Inserts n users whose data keys are wrapped by kr's primary. */
static void rot_users_insert(struct store *st, struct vault_keyring *kr, struct rot_user *users,
                             size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct store_user u;
        char key_id[VAULT_KEY_ID_CHARS + 1];
        user_make(&u, "", "", "");
        snprintf(users[i].id, sizeof(users[i].id), "%08zx-0000-4000-8000-000000000000", i + 1);
        snprintf(users[i].email, sizeof(users[i].email), "user%zu@example.com", i);
        snprintf(u.id, sizeof(u.id), "%s", users[i].id);
        snprintf(u.email, sizeof(u.email), "%s", users[i].email);
        assert_int_equal(vault_user_key_new(kr, u.id, users[i].dk, u.data_key, key_id), 0);
        u.data_key_len = VAULT_WRAPPED_BYTES;
        snprintf(u.data_key_id, sizeof(u.data_key_id), "%s", key_id);
        assert_int_equal(store_user_insert(st, &u), STORE_OK);
    }
}

/* Every user's stored key is under kr's primary and opens to its key. */
static void rot_users_check(struct store *st, struct vault_keyring *kr,
                            const struct rot_user *users, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct store_user u;
        unsigned char dk[VAULT_KEY_BYTES];
        assert_int_equal(store_user_by_email(st, users[i].email, &u), STORE_OK);
        assert_string_equal(u.data_key_id, vault_keyring_primary_id(kr));
        assert_int_equal(
            vault_user_key_unwrap(kr, u.id, u.data_key, u.data_key_len, u.data_key_id, dk), 0);
        assert_memory_equal(dk, users[i].dk, VAULT_KEY_BYTES);
    }
}

static size_t key_file_lines(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = 0;
    int ch;
    while ((ch = fgetc(fp)) != EOF)
        n += (ch == '\n');
    fclose(fp);
    return n;
}

static void test_rotate_end_to_end(void **state)
{
    struct fixture *f = *state;
    struct vault_keyring *kr = ring_file(f->keyfile, true);
    char old_id[VAULT_KEY_ID_CHARS + 1];
    snprintf(old_id, sizeof(old_id), "%s", vault_keyring_primary_id(kr));
    struct rot_user users[3];
    rot_users_insert(f->st, kr, users, 3);

    struct rotate_report rep;
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(vault_rotate(f->st, kr, true, &rep, &e), 0);
    assert_int_equal(rep.rewrapped, 3);
    assert_int_equal(rep.failed, 0);
    assert_string_not_equal(vault_keyring_primary_id(kr), old_id);
    assert_int_equal(key_file_lines(f->keyfile), 1);
    rot_users_check(f->st, kr, users, 3);

    /* A process starting now reads the file and opens every key. */
    struct vault_keyring *fresh = ring_file(f->keyfile, false);
    assert_string_equal(vault_keyring_primary_id(fresh), vault_keyring_primary_id(kr));
    rot_users_check(f->st, fresh, users, 3);
    vault_keyring_destroy(&fresh);

    /* Running it again without a new key has nothing to do. */
    assert_int_equal(vault_rotate(f->st, kr, false, &rep, &e), 0);
    assert_int_equal(rep.rewrapped, 0);
    assert_int_equal(rep.failed, 0);
    vault_keyring_destroy(&kr);
}

/* More users than one batch (100), and one key nothing can open: the
 * others are re-wrapped, the failure is counted, and the old key stays in
 * the file so nothing is lost. */
static void test_rotate_batches_and_failure(void **state)
{
    struct fixture *f = *state;
    struct vault_keyring *kr = ring_file(f->keyfile, true);
    enum { N = 205 };
    static struct rot_user users[N];
    rot_users_insert(f->st, kr, users, N);
    struct store_user bad;
    user_make(&bad, "ffffffff-0000-4000-8000-000000000000", "bad@example.com", "0123456789abcdef");

    assert_int_equal(store_user_insert(f->st, &bad), STORE_OK);

    struct rotate_report rep;
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(vault_rotate(f->st, kr, true, &rep, &e), 0);
    assert_int_equal(rep.rewrapped, N);
    assert_int_equal(rep.failed, 1);
    assert_int_equal(key_file_lines(f->keyfile), 2);
    rot_users_check(f->st, kr, users, N);
    vault_keyring_destroy(&kr);
}

static int group_setup(void **state)
{
    (void)state;
    /* Silence the store's own log lines (the expected failures log errors):
     * cmocka's summary is what the runner reads. */
    log_set_level((enum log_level)(LOG_ERROR + 1));
    return sodium_init() < 0 ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrates_once, setup, teardown),
        cmocka_unit_test(test_open_bad_url),
        cmocka_unit_test_setup_teardown(test_user_insert_and_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ratelimit_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rl_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integrations_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users_not_under_key_and_rewrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_batches_and_failure, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
