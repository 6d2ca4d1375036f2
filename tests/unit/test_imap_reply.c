/*
 * test_imap_reply.c — the IMAP reply scanner (imap/reply.c) on real and
 * hostile server transcripts, fed whole and split at every byte; and a
 * user's mailbox sealed, stored-shape and opened again (imap/account.c),
 * including a ciphertext moved to another row or user.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "imap/account.h"
#include "imap/reply.h"
#include "vault/seal.h"

static const char dovecot_starttls[] =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
    "LOGINDISABLED] Dovecot (Debian) ready.\r\n"
    "A001 OK Pre-login capabilities listed, post-login capabilities have more.\r\n"
    "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN "
    "AUTH=LOGIN\r\n"
    "A003 OK Pre-login capabilities listed, post-login capabilities have more.\r\n"
    "A004 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n";

static void test_dovecot_auth_failed(void **state)
{
    (void)state;
    struct imapc_reply_info info;
    imapc_reply_scan(dovecot_starttls, strlen(dovecot_starttls), &info);
    assert_true(info.greeted);
    assert_true(info.cap_seen);
    assert_true(info.cap_password); /* the last list counts: after STARTTLS */
    assert_false(info.cap_starttls);
    assert_false(info.cap_logindisabled);
    assert_int_equal(imapc_reply_login_hint(&info), IMAPC_HINT_NONE);
}

static void test_provider_texts(void **state)
{
    (void)state;
    static const char gmail[] = "* OK Gimap ready\r\n"
                                "A002 NO [ALERT] Application-specific password required: "
                                "https://support.google.com/accounts/answer/185833 (Failure)\r\n";
    static const char outlook[] =
        "* OK The Microsoft Exchange IMAP4 service is ready.\r\n"
        "A002 NO AUTHENTICATE failed: Basic Authentication is disabled.\n";
    struct imapc_reply_info info;
    imapc_reply_scan(gmail, strlen(gmail), &info);
    assert_int_equal(imapc_reply_login_hint(&info), IMAPC_HINT_APP_PASSWORD);
    imapc_reply_scan(outlook, strlen(outlook), &info);
    assert_int_equal(imapc_reply_login_hint(&info), IMAPC_HINT_OAUTH_ONLY);
    /* The same words in a greeting mean nothing. */
    static const char greeting[] = "* OK basic authentication is disabled on Sundays\r\n"
                                   "A002 NO [AUTHENTICATIONFAILED] nope\r\n";
    imapc_reply_scan(greeting, strlen(greeting), &info);
    assert_int_equal(imapc_reply_login_hint(&info), IMAPC_HINT_NONE);
}

static void test_oauth_only_caps(void **state)
{
    (void)state;
    static const char caps[] = "* OK ready\r\n"
                               "* CAPABILITY IMAP4rev1 AUTH=XOAUTH2 AUTH=OAUTHBEARER LOGINDISABLED\r\n"
                               "A001 OK done\r\n";
    struct imapc_reply_info info;
    imapc_reply_scan(caps, strlen(caps), &info);
    assert_true(info.cap_oauth);
    assert_false(info.cap_password);
    assert_int_equal(imapc_reply_login_hint(&info), IMAPC_HINT_OAUTH_ONLY);
}

/* Splitting a transcript into two scans must never crash, and scanning the
 * whole equals the whole: check every split point stays in bounds. */
static void test_split_everywhere(void **state)
{
    (void)state;
    size_t len = strlen(dovecot_starttls);
    for (size_t cut = 0; cut <= len; cut++) {
        char *a = malloc(cut ? cut : 1), *b = malloc(len - cut ? len - cut : 1);
        assert_non_null(a);
        assert_non_null(b);
        memcpy(a, dovecot_starttls, cut);
        memcpy(b, dovecot_starttls + cut, len - cut);
        struct imapc_reply_info ia, ib;
        imapc_reply_scan(a, cut, &ia);
        imapc_reply_scan(b, len - cut, &ib);
        free(a);
        free(b);
    }
    /* Hostile bytes: NULs, brackets without end, lone tags. */
    static const char junk[] = "*\r\n* OK [\r\n* OK [CAPABILITY\r\nA1 NO [ALERT\r\n+\r\n \r\n"
                               "A2 NO \0app password\r\n* CAPABILITY  AUTH=PLAIN   \r\n";
    struct imapc_reply_info info;
    imapc_reply_scan(junk, sizeof(junk) - 1, &info);
    assert_true(info.cap_password);
}

static void test_mailbox_seal_open(void **state)
{
    (void)state;
    unsigned char dk[VAULT_KEY_BYTES];
    randombytes_buf(dk, sizeof(dk));
    struct imapc_account a = {.host = "imap.example.com", .port = 993, .username = "ann",
                              .password = "p\"a\\ss w{r}d é", .tls = true, .pin = NULL};
    for (int with_pin = 0; with_pin < 2; with_pin++) {
        a.pin = with_pin ? "sha256//rhYEzdr5SJ9vfUQ0nyK3/OrvfsEXuwNSz3syC3XaGjU=" : NULL;
        struct store_imap_account row = {.integration_id = "11111111-1111-4111-8111-111111111111",
                                         .user_id = "22222222-2222-4222-8222-222222222222"};
        struct vault_ad ads = {"imap_accounts", "settings", row.integration_id, row.user_id};
        struct vault_ad adp = {"imap_accounts", "password", row.integration_id, row.user_id};
        unsigned char *ct = NULL;
        size_t n = 0;
        const char *settings = with_pin ? "{\"host\":\"imap.example.com\",\"port\":993,"
                                          "\"username\":\"ann\",\"tls\":true,\"pin\":"
                                          "\"sha256//rhYEzdr5SJ9vfUQ0nyK3/OrvfsEXuwNSz3syC3XaGjU=\"}"
                                        : "{\"host\":\"imap.example.com\",\"port\":993,"
                                          "\"username\":\"ann\",\"tls\":true}";
        assert_int_equal(vault_seal(dk, &ads, settings, strlen(settings), &ct, &n), 0);
        memcpy(row.settings, ct, n);
        row.settings_len = n;
        free(ct);
        assert_int_equal(vault_seal(dk, &adp, a.password, strlen(a.password), &ct, &n), 0);
        memcpy(row.password, ct, n);
        row.password_len = n;
        free(ct);
        assert_null(memmem(row.password, row.password_len, "w{r}d", 5));

        struct imap_mailbox m;
        assert_int_equal(imap_mailbox_open(dk, &row, &m), 0);
        struct imapc_account b = imap_mailbox_account(&m);
        assert_string_equal(b.host, a.host);
        assert_int_equal(b.port, 993);
        assert_string_equal(b.username, "ann");
        assert_string_equal(b.password, a.password);
        assert_true(b.tls);
        if (with_pin)
            assert_string_equal(b.pin, a.pin);
        else
            assert_null(b.pin);
        imap_mailbox_clear(&m);

        /* Moved to another row or user: does not open. */
        memcpy(row.user_id, "33333333", 8);
        assert_int_equal(imap_mailbox_open(dk, &row, &m), -1);
    }
    char email[STORE_EMAIL_MAX + 1];
    imap_mailbox_email("ann", "imap.example.com", email);
    assert_string_equal(email, "ann@imap.example.com");
    imap_mailbox_email("ann@example.org", "imap.example.com", email);
    assert_string_equal(email, "ann@example.org");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dovecot_auth_failed), cmocka_unit_test(test_provider_texts),
        cmocka_unit_test(test_oauth_only_caps),     cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_mailbox_seal_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
