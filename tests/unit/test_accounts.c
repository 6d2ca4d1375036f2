/*
 * test_accounts.c — the account rules (auth/accounts.c: e-mail and password
 * policy, register/login/session/logout on a real store), session and CSRF
 * tokens (auth/token.c), the rate-limit configuration (auth/ratelimit.c)
 * and Argon2id password hashing (auth/password.c). Hashing costs ~100 ms a
 * call, so only a handful of tests hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/accounts.h"
#include "auth/password.h"
#include "auth/ratelimit.h"
#include "auth/token.h"
#include "core/limits.h"
#include "core/log.h"

/* ---- e-mail ---- */

static int email(const char *in, char out[STORE_EMAIL_MAX + 1], struct err *e)
{
    memset(e, 0, sizeof(*e));
    return accounts_email_normalize(in, strlen(in), out, e);
}

static void test_email_normalize(void **state)
{
    (void)state;
    char out[STORE_EMAIL_MAX + 1];
    struct err e;
    assert_int_equal(email("Alice.Smith+Tag@Example.COM", out, &e), 0);
    assert_string_equal(out, "alice.smith+tag@example.com");
    assert_int_equal(email("a@b.co", out, &e), 0);
    assert_string_equal(out, "a@b.co");
    assert_int_equal(email("x_y-z@sub.example.org", out, &e), 0);
    assert_string_equal(out, "x_y-z@sub.example.org");
    /* Only len bytes are read. */
    assert_int_equal(accounts_email_normalize("a@b.coXYZ", 6, out, &e), 0);
    assert_string_equal(out, "a@b.co");
}

static void test_email_rejects(void **state)
{
    (void)state;
    const char *bad[] = {
        "alice.example.com",   /* no @ */
        "a@b@example.com",     /* two @ */
        "alice @example.com",  /* space */
        "alice@exa mple.com",  /* space in domain */
        " alice@example.com",  /* leading space */
        "alice@example.com ",  /* trailing space */
        "ali\tce@example.com", /* tab */
        "ali\x01" "ce@example.com",
        "alice@example.com\r\nBcc: x@y.z",
        "ali\x7f" "ce@example.com", /* DEL */
        "al\xc3\xa9@example.com",   /* non-ASCII */
        "\"al\"@example.com",
        "<alice@example.com>",
        "alice@examplecom", /* no dot in domain */
        "alice@localhost",
        "@example.com",
        "alice@",
        "alice@.example.com",
        "alice@example.com.",
        "",
        "a@",
        "a,b@example.com",
        "a;b@example.com",
        "a\\b@example.com",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char out[STORE_EMAIL_MAX + 1];
        struct err e;
        if (email(bad[i], out, &e) == 0)
            fail_msg("accepted bad e-mail #%zu: %s", i, bad[i]);
        assert_int_equal(e.kind, ERR_VALIDATION);
        assert_non_null(strstr(e.msg, "email"));
    }
}

static void test_email_length_limit(void **state)
{
    (void)state;
    char in[LIMIT_EMAIL_LEN + 2];
    char out[STORE_EMAIL_MAX + 1];
    struct err e;
    const char *domain = "@example.com";
    /* Exactly 254 characters: accepted. */
    size_t local = LIMIT_EMAIL_LEN - strlen(domain);
    memset(in, 'A', local);
    snprintf(in + local, sizeof(in) - local, "%s", domain);
    assert_int_equal(strlen(in), LIMIT_EMAIL_LEN);
    assert_int_equal(email(in, out, &e), 0);
    assert_int_equal(strlen(out), LIMIT_EMAIL_LEN);
    assert_int_equal(out[0], 'a');
    /* 255: refused. */
    memset(in, 'a', local + 1);
    snprintf(in + local + 1, sizeof(in) - local - 1, "%s", domain);
    assert_int_equal(strlen(in), LIMIT_EMAIL_LEN + 1);
    assert_int_equal(email(in, out, &e), -1);
    assert_int_equal(e.kind, ERR_VALIDATION);
}

/* ---- password policy ---- */

static int policy(const char *pw, struct err *e)
{
    memset(e, 0, sizeof(*e));
    return accounts_password_policy(pw, strlen(pw), e);
}

static void test_password_policy(void **state)
{
    (void)state;
    struct err e;
    assert_int_equal(policy("1234567", &e), -1);
    assert_int_equal(e.kind, ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "password"));
    assert_null(strstr(e.msg, "1234567"));
    assert_int_equal(policy("12345678", &e), 0);
    assert_int_equal(policy("", &e), -1);

    /* Characters, not bytes: 7 two-byte characters are 14 bytes but too few. */
    assert_int_equal(policy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &e), -1);
    assert_int_equal(policy("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &e),
                     0);
    /* 7 four-byte emoji (28 bytes): too few; 8: enough. */
    char emoji[64] = "";
    for (int i = 0; i < 7; i++)
        strcat(emoji, "\xf0\x9f\x94\x91");
    assert_int_equal(policy(emoji, &e), -1);
    strcat(emoji, "\xf0\x9f\x94\x91");
    assert_int_equal(policy(emoji, &e), 0);

    /* Bytes cap: 256 accepted, 257 refused. */
    char big[LIMIT_PASSWORD_MAX_BYTES + 2];
    memset(big, 'p', sizeof(big) - 1);
    big[LIMIT_PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(policy(big, &e), 0);
    big[LIMIT_PASSWORD_MAX_BYTES] = 'p';
    big[LIMIT_PASSWORD_MAX_BYTES + 1] = '\0';
    assert_int_equal(strlen(big), 257);
    assert_int_equal(policy(big, &e), -1);
    assert_int_equal(e.kind, ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "256"));
    /* 86 three-byte characters = 258 bytes: refused although few characters. */
    char euro[300] = "";
    for (int i = 0; i < 86; i++)
        strcat(euro, "\xe2\x82\xac");
    assert_int_equal(policy(euro, &e), -1);
}

/* ---- tokens ---- */

static bool base64url_only(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static void test_token_new_and_hash(void **state)
{
    (void)state;
    char t1[AUTH_TOKEN_CHARS + 1], t2[AUTH_TOKEN_CHARS + 1];
    unsigned char h1[AUTH_TOKEN_HASH_BYTES], h2[AUTH_TOKEN_HASH_BYTES], h[AUTH_TOKEN_HASH_BYTES];
    auth_token_new(t1, h1);
    auth_token_new(t2, h2);
    assert_int_equal(strlen(t1), AUTH_TOKEN_CHARS);
    assert_int_equal(strlen(t1), 43);
    assert_true(base64url_only(t1, strlen(t1)));
    assert_string_not_equal(t1, t2);
    assert_memory_not_equal(h1, h2, sizeof(h1));

    /* The stored hash is the hash of the presented text. */
    assert_int_equal(auth_token_hash(t1, strlen(t1), h), 0);
    assert_memory_equal(h, h1, sizeof(h));
    assert_int_equal(auth_token_hash(t2, strlen(t2), h), 0);
    assert_memory_equal(h, h2, sizeof(h));
    /* And a BLAKE2b-256 of it, as documented. */
    unsigned char want[32];
    crypto_generichash(want, sizeof(want), (const unsigned char *)t1, strlen(t1), NULL, 0);
    assert_memory_equal(want, h1, sizeof(want));
}

static void test_token_hash_rejects(void **state)
{
    (void)state;
    char t[AUTH_TOKEN_CHARS + 1];
    unsigned char h[AUTH_TOKEN_HASH_BYTES];
    auth_token_new(t, h);
    char bad[AUTH_TOKEN_CHARS + 2];

    assert_int_equal(auth_token_hash(t, AUTH_TOKEN_CHARS - 1, h), -1);
    assert_int_equal(auth_token_hash(t, 0, h), -1);
    snprintf(bad, sizeof(bad), "%sA", t);
    assert_int_equal(auth_token_hash(bad, AUTH_TOKEN_CHARS + 1, h), -1);
    const char *repl = "+/=.! \n\"'";
    for (const char *r = repl; *r; r++) {
        memcpy(bad, t, sizeof(t));
        bad[10] = *r;
        assert_int_equal(auth_token_hash(bad, AUTH_TOKEN_CHARS, h), -1);
    }
    memcpy(bad, t, sizeof(t));
    bad[AUTH_TOKEN_CHARS - 1] = '\0'; /* embedded NUL within len */
    assert_int_equal(auth_token_hash(bad, AUTH_TOKEN_CHARS, h), -1);
    assert_int_equal(auth_token_hash("not a token", 11, h), -1);
    /* 43 well-formed characters are accepted whatever they are. */
    assert_int_equal(auth_token_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-", 43, h), 0);
}

static void test_csrf_tokens(void **state)
{
    (void)state;
    char t1[AUTH_TOKEN_CHARS + 1], t2[AUTH_TOKEN_CHARS + 1];
    unsigned char h[AUTH_TOKEN_HASH_BYTES];
    auth_token_new(t1, h);
    auth_token_new(t2, h);
    char c1[AUTH_CSRF_CHARS + 1], c1b[AUTH_CSRF_CHARS + 1], c2[AUTH_CSRF_CHARS + 1];
    auth_csrf_token(t1, strlen(t1), c1);
    auth_csrf_token(t1, strlen(t1), c1b);
    auth_csrf_token(t2, strlen(t2), c2);
    assert_int_equal(strlen(c1), AUTH_CSRF_CHARS);
    assert_true(base64url_only(c1, strlen(c1)));
    assert_string_equal(c1, c1b);
    assert_string_not_equal(c1, c2);
    assert_string_not_equal(c1, t1);

    assert_true(auth_csrf_valid(t1, strlen(t1), c1, strlen(c1)));
    assert_true(auth_csrf_valid(t2, strlen(t2), c2, strlen(c2)));
    /* Another session's token. */
    assert_false(auth_csrf_valid(t1, strlen(t1), c2, strlen(c2)));
    /* One character changed, anywhere. */
    for (size_t i = 0; i < AUTH_CSRF_CHARS; i++) {
        char w[AUTH_CSRF_CHARS + 1];
        memcpy(w, c1, sizeof(w));
        w[i] = (w[i] == 'A') ? 'B' : 'A';
        if (auth_csrf_valid(t1, strlen(t1), w, AUTH_CSRF_CHARS))
            fail_msg("CSRF token changed at %zu still accepted", i);
    }
    /* Short, long, empty, NULL. */
    assert_false(auth_csrf_valid(t1, strlen(t1), c1, AUTH_CSRF_CHARS - 1));
    char longer[AUTH_CSRF_CHARS + 2];
    snprintf(longer, sizeof(longer), "%sA", c1);
    assert_false(auth_csrf_valid(t1, strlen(t1), longer, strlen(longer)));
    assert_false(auth_csrf_valid(t1, strlen(t1), "", 0));
    assert_false(auth_csrf_valid(t1, strlen(t1), NULL, 0));
    assert_false(auth_csrf_valid(t1, strlen(t1), NULL, AUTH_CSRF_CHARS));
    /* The session token itself is not its CSRF token. */
    assert_false(auth_csrf_valid(t1, strlen(t1), t1, strlen(t1)));
}

/* ---- rate-limit configuration ---- */

static void expect_defaults_except(const struct rl_config *c, enum rl_class skip)
{
    if (skip != RL_AUTH) {
        assert_int_equal(c->rules[RL_AUTH].count, LIMIT_RL_AUTH_COUNT);
        assert_int_equal(c->rules[RL_AUTH].window_s, LIMIT_RL_AUTH_WINDOW_S);
    }
    if (skip != RL_REVEAL) {
        assert_int_equal(c->rules[RL_REVEAL].count, LIMIT_RL_REVEAL_COUNT);
        assert_int_equal(c->rules[RL_REVEAL].window_s, LIMIT_RL_REVEAL_WINDOW_S);
    }
    if (skip != RL_GENERAL) {
        assert_int_equal(c->rules[RL_GENERAL].count, LIMIT_RL_GENERAL_COUNT);
        assert_int_equal(c->rules[RL_GENERAL].window_s, LIMIT_RL_GENERAL_WINDOW_S);
    }
    assert_int_equal(c->rules[RL_NONE].count, 0);
}

static void test_rl_config_default(void **state)
{
    (void)state;
    struct rl_config c;
    struct err e;
    const char *same[] = {NULL, "", "default"};
    for (size_t i = 0; i < 3; i++) {
        memset(&c, 0x55, sizeof(c));
        assert_int_equal(rl_config_parse(same[i], &c, &e), 0);
        expect_defaults_except(&c, RL_NONE);
    }
    assert_int_equal(c.rules[RL_AUTH].count, 10);
    assert_int_equal(c.rules[RL_AUTH].window_s, 900);
    assert_int_equal(c.rules[RL_GENERAL].count, 100);
}

static void test_rl_config_off(void **state)
{
    (void)state;
    struct rl_config c;
    struct err e;
    memset(&c, 0x55, sizeof(c));
    assert_int_equal(rl_config_parse("off", &c, &e), 0);
    for (int k = 0; k < RL_CLASS_COUNT; k++)
        assert_int_equal(c.rules[k].count, 0);
}

static void test_rl_config_overrides(void **state)
{
    (void)state;
    struct rl_config c;
    struct err e;
    assert_int_equal(rl_config_parse("general=5/60", &c, &e), 0);
    assert_int_equal(c.rules[RL_GENERAL].count, 5);
    assert_int_equal(c.rules[RL_GENERAL].window_s, 60);
    expect_defaults_except(&c, RL_GENERAL);

    assert_int_equal(rl_config_parse("auth=3/10", &c, &e), 0);
    assert_int_equal(c.rules[RL_AUTH].count, 3);
    assert_int_equal(c.rules[RL_AUTH].window_s, 10);
    expect_defaults_except(&c, RL_AUTH);

    assert_int_equal(rl_config_parse("auth=1/1,reveal=2/2,general=1000000000/2678400", &c, &e),
                     0);
    assert_int_equal(c.rules[RL_AUTH].count, 1);
    assert_int_equal(c.rules[RL_REVEAL].count, 2);
    assert_int_equal(c.rules[RL_REVEAL].window_s, 2);
    assert_int_equal(c.rules[RL_GENERAL].count, 1000000000u);
    assert_int_equal(c.rules[RL_GENERAL].window_s, 31u * 24 * 3600);
    /* The last mention of a class wins. */
    assert_int_equal(rl_config_parse("reveal=1/1,reveal=7/70", &c, &e), 0);
    assert_int_equal(c.rules[RL_REVEAL].count, 7);
    assert_int_equal(c.rules[RL_REVEAL].window_s, 70);
}

static void test_rl_config_garbage(void **state)
{
    (void)state;
    const char *bad[] = {
        "nonsense",
        "on",
        "Default",
        "general",
        "general=5",
        "general=/60",
        "general=5/",
        "general=5/60x",
        "general=x5/60",
        "general=0/60",
        "general=5/0",
        "general=-1/60",
        "general=+5/60",
        "general= 5/60",
        "general=1000000001/60",
        "general=99999999999/60",
        "general=5/2678401",
        "general=5/60/60",
        "none=1/1",
        "unknown=1/1",
        "GENERAL=5/60",
        "generalx=5/60",
        "=5/60",
        ",general=5/60",
        "general=5/60,,auth=1/1",
        "general=5/60,bogus",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rl_config c;
        struct err e;
        memset(&e, 0, sizeof(e));
        if (rl_config_parse(bad[i], &c, &e) == 0)
            fail_msg("accepted rate-limit config '%s'", bad[i]);
        assert_non_null(strstr(e.msg, "PASSAGENT_RATE_LIMITS"));
    }
}

/* ---- password hashing (slow) ---- */

static void test_password_hash_verify(void **state)
{
    (void)state;
    const char *pw = "correct horse battery staple";
    char hash[AUTH_HASH_MAX];
    assert_int_equal(auth_password_hash(pw, strlen(pw), hash), 0);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_null(strstr(hash, pw));
    assert_int_equal(auth_password_verify(hash, pw, strlen(pw)), 0);
    assert_int_equal(auth_password_verify(hash, "correct horse battery stapl", strlen(pw) - 1),
                     -1);
    /* NULL hash (unknown account) always fails, even for an empty password. */
    assert_int_equal(auth_password_verify(NULL, pw, strlen(pw)), -1);
    assert_int_equal(auth_password_verify(NULL, "", 0), -1);
    /* A corrupt stored hash fails instead of crashing. */
    assert_int_equal(auth_password_verify("$argon2id$garbage", pw, strlen(pw)), -1);
}

/* ---- accounts on a store (each register/login hashes once) ---- */

struct acct_fixture {
    char dir[64];
    char db[128];
    struct store *st;
    struct vault_keyring *kr;
};

static int acct_setup(void **state)
{
    static struct acct_fixture f;
    memset(&f, 0, sizeof(f));
    snprintf(f.dir, sizeof(f.dir), "/tmp/passagent-acct-XXXXXX");
    if (mkdtemp(f.dir) == NULL)
        return -1;
    snprintf(f.db, sizeof(f.db), "%s/t.db", f.dir);
    char url[160];
    snprintf(url, sizeof(url), "sqlite:%s", f.db);
    struct err e;
    struct vault_keyring_source src = {
        .key_text = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"};
    if (store_open(url, &f.st, &e) != 0 || vault_keyring_create(&src, &f.kr, &e) != 0)
        return -1;
    *state = &f;
    return 0;
}

static int acct_teardown(void **state)
{
    struct acct_fixture *f = *state;
    char p[192];
    store_close(&f->st);
    vault_keyring_destroy(&f->kr);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", f->db, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    return 0;
}

static void test_accounts_flow(void **state)
{
    struct acct_fixture *f = *state;
    const char *pw = "s3cure-passw0rd";
    struct account_session s, s2;
    struct err e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(
        accounts_register(f->st, f->kr, "a@example.com", pw, strlen(pw), 1000, &s, &e), 0);
    assert_string_equal(s.user.email, "a@example.com");
    assert_int_equal(strlen(s.user.id), STORE_ID_LEN);
    assert_int_equal(strlen(s.token), AUTH_TOKEN_CHARS);
    assert_int_equal(s.expires_at, 1000 + LIMIT_SESSION_TTL_S);

    /* The stored user key opens for this user. */
    unsigned char dk[VAULT_KEY_BYTES];
    struct store_user u;
    assert_int_equal(store_user_by_email(f->st, "a@example.com", &u), STORE_OK);
    assert_int_equal(vault_user_key_unwrap(f->kr, u.id, u.data_key, u.data_key_len,
                                           u.data_key_id, dk),
                     0);
    assert_null(strstr(u.password_hash, pw));

    /* Same e-mail again: the password policy is checked first, then the
     * taken address is a conflict. */
    assert_int_equal(accounts_register(f->st, f->kr, "a@example.com", "short", 5, 1000, &s2, &e),
                     -1);
    assert_int_equal(e.kind, ERR_VALIDATION);
    assert_int_equal(accounts_register(f->st, f->kr, "a@example.com", pw, strlen(pw), 1000, &s2,
                                       &e),
                     -1);
    assert_int_equal(e.kind, ERR_CONFLICT);

    /* The session works until it expires, then logout ends it. */
    struct store_session ss;
    assert_int_equal(accounts_session(f->st, s.token, strlen(s.token), 2000, &ss, &e), 0);
    assert_string_equal(ss.user.id, s.user.id);
    assert_int_equal(accounts_session(f->st, s.token, strlen(s.token), s.expires_at, &ss, &e), -1);
    assert_int_equal(e.kind, ERR_UNAUTHORIZED);
    assert_int_equal(accounts_session(f->st, "garbage", 7, 2000, &ss, &e), -1);
    assert_int_equal(e.kind, ERR_UNAUTHORIZED);

    /* Login: right password opens a second session; wrong password and
     * unknown e-mail give the same answer. */
    assert_int_equal(accounts_login(f->st, "a@example.com", pw, strlen(pw), 3000, &s2, &e), 0);
    assert_string_not_equal(s2.token, s.token);
    assert_string_equal(s2.user.id, s.user.id);
    struct err wrong, unknown;
    memset(&wrong, 0, sizeof(wrong));
    memset(&unknown, 0, sizeof(unknown));
    assert_int_equal(
        accounts_login(f->st, "a@example.com", "wrong-password", 14, 3000, &s2, &wrong), -1);
    assert_int_equal(accounts_login(f->st, "b@example.com", pw, strlen(pw), 3000, &s2, &unknown),
                     -1);
    assert_int_equal(wrong.kind, ERR_UNAUTHORIZED);
    assert_int_equal(unknown.kind, ERR_UNAUTHORIZED);
    assert_string_equal(wrong.msg, unknown.msg);
    assert_ptr_equal(wrong.code, unknown.code);

    assert_int_equal(accounts_logout(f->st, s.token, strlen(s.token), &e), 0);
    assert_int_equal(accounts_session(f->st, s.token, strlen(s.token), 2000, &ss, &e), -1);
    assert_int_equal(e.kind, ERR_UNAUTHORIZED);
    assert_int_equal(accounts_logout(f->st, "garbage", 7, &e), -1);
}

static int group_setup(void **state)
{
    (void)state;
    log_set_level((enum log_level)(LOG_ERROR + 1)); /* cmocka's output only */
    if (sodium_init() < 0)
        return -1;
    return auth_password_init(2, 4) == 0 ? 0 : -1; /* once: it sets up a semaphore */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email_normalize),
        cmocka_unit_test(test_email_rejects),
        cmocka_unit_test(test_email_length_limit),
        cmocka_unit_test(test_password_policy),
        cmocka_unit_test(test_token_new_and_hash),
        cmocka_unit_test(test_token_hash_rejects),
        cmocka_unit_test(test_csrf_tokens),
        cmocka_unit_test(test_rl_config_default),
        cmocka_unit_test(test_rl_config_off),
        cmocka_unit_test(test_rl_config_overrides),
        cmocka_unit_test(test_rl_config_garbage),
        cmocka_unit_test(test_password_hash_verify),
        cmocka_unit_test_setup_teardown(test_accounts_flow, acct_setup, acct_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
