/*
 * test_imap_store.c — the IMAP part of the storage API on a fresh SQLite
 * file: replace is one transaction that leaves one mailbox per user, the
 * list shows it, status updates, visit pages in id order, delete is
 * idempotent, and deleting the user removes the mailbox.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

struct fx {
    char dir[64];
    char url[128];
    struct store *st;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct err e;
    snprintf(f->dir, sizeof(f->dir), "/tmp/passagent-imapstore-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->url, sizeof(f->url), "sqlite:%s/t.db", f->dir);
    if (store_open(f->url, &f->st, &e) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    store_close(&f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void add_user(struct store *st, const char *id, const char *email)
{
    struct store_user u;
    memset(&u, 0, sizeof(u));
    snprintf(u.id, sizeof(u.id), "%s", id);
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.password_hash, sizeof(u.password_hash), "x");
    memset(u.data_key, 0xAB, 16);
    u.data_key_len = 16;
    snprintf(u.data_key_id, sizeof(u.data_key_id), "k1");
    static unsigned char users_made; /* a distinct first-session hash per user */
    unsigned char session_hash[STORE_TOKEN_HASH_BYTES];
    memset(session_hash, 0, sizeof(session_hash));
    session_hash[0] = ++users_made;
    assert_int_equal(store_user_create(st, &u, session_hash, 0, 1), STORE_OK);
}

static void row_make(struct store_imap_account *a, const char *id, const char *user)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->integration_id, sizeof(a->integration_id), "%s", id);
    snprintf(a->user_id, sizeof(a->user_id), "%s", user);
    memcpy(a->settings, "sealed-settings", 15);
    a->settings_len = 15;
    memcpy(a->password, "sealed-password", 15);
    a->password_len = 15;
}

static int count_list(void *ctx, const struct store_integration *in)
{
    struct store_integration *last = ctx;
    *last = *in;
    last->connected_at++; /* used as a counter below: starts at 0 */
    return 0;
}

struct seen {
    char ids[8][STORE_ID_LEN + 1];
    char status[8][STORE_STATUS_MAX + 1];
    size_t n;
};

static int collect(void *ctx, const struct store_imap_account *a)
{
    struct seen *s = ctx;
    assert_int_equal(a->settings_len, 15);
    assert_memory_equal(a->password, "sealed-password", 15);
    assert_int_equal(a->data_key_len, 16);
    assert_string_equal(a->data_key_id, "k1");
    snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", a->integration_id);
    snprintf(s->status[s->n], sizeof(s->status[0]), "%s", a->status);
    s->n++;
    return 0;
}

#define U1 "10000000-0000-4000-8000-000000000001"
#define U2 "10000000-0000-4000-8000-000000000002"
#define I1 "20000000-0000-4000-8000-000000000001"
#define I2 "20000000-0000-4000-8000-000000000002"
#define I3 "20000000-0000-4000-8000-000000000003"

static void test_imap_lifecycle(void **state)
{
    struct fx *f = *state;
    struct store_imap_account a;
    struct store_integration last;
    struct seen s = {0};
    add_user(f->st, U1, "u1@example.com");
    add_user(f->st, U2, "u2@example.com");

    row_make(&a, I1, U1);
    assert_int_equal(store_imap_replace(f->st, &a, "old@example.org", 100), STORE_OK);
    row_make(&a, I2, U1); /* replaces, does not add */
    assert_int_equal(store_imap_replace(f->st, &a, "new@example.org", 200), STORE_OK);
    row_make(&a, I3, U2);
    assert_int_equal(store_imap_replace(f->st, &a, "two@example.org", 300), STORE_OK);

    memset(&last, 0, sizeof(last));
    assert_int_equal(store_integrations_list(f->st, U1, count_list, &last), STORE_OK);
    assert_string_equal(last.provider, "imap");
    assert_string_equal(last.email, "new@example.org");
    assert_string_equal(last.status, "active");
    assert_int_equal(last.connected_at, 201); /* one row (200, counted once) */

    assert_int_equal(store_imap_visit(f->st, "", 10, collect, &s), STORE_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], I2);
    assert_string_equal(s.ids[1], I3);
    s.n = 0;
    assert_int_equal(store_imap_visit(f->st, I2, 10, collect, &s), STORE_OK);
    assert_int_equal(s.n, 1);
    s.n = 0;
    assert_int_equal(store_imap_visit(f->st, "", 1, collect, &s), STORE_OK);
    assert_int_equal(s.n, 1);

    assert_int_equal(store_imap_status_set(f->st, I2, "error", 400), STORE_OK);
    assert_int_equal(store_imap_status_set(f->st, I1, "error", 400), STORE_NOT_FOUND);
    s.n = 0;
    assert_int_equal(store_imap_visit(f->st, "", 10, collect, &s), STORE_OK);
    assert_string_equal(s.status[0], "error");
    assert_string_equal(s.status[1], "active");

    assert_int_equal(store_imap_delete(f->st, U1), STORE_OK);
    assert_int_equal(store_imap_delete(f->st, U1), STORE_OK); /* twice is fine */
    memset(&last, 0, sizeof(last));
    assert_int_equal(store_integrations_list(f->st, U1, count_list, &last), STORE_OK);
    assert_int_equal(last.connected_at, 0);
    s.n = 0;
    assert_int_equal(store_imap_visit(f->st, "", 10, collect, &s), STORE_OK);
    assert_int_equal(s.n, 1); /* the sealed row went with its integration */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_imap_lifecycle, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
