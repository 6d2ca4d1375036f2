/*
 * test_imap_policy.c — the IMAP SSRF gate (imap/policy.c): which addresses
 * are public, host syntax and numeric tricks, allow-list parsing, and the
 * decision for (host, port, address) with and without operator entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "imap/policy.h"

static bool public4(const char *text)
{
    unsigned char a[4];
    assert_int_equal(inet_pton(AF_INET, text, a), 1);
    return imapc_addr_is_public(AF_INET, a);
}

static bool public6(const char *text)
{
    unsigned char a[16];
    assert_int_equal(inet_pton(AF_INET6, text, a), 1);
    return imapc_addr_is_public(AF_INET6, a);
}

static void test_ipv4_ranges(void **state)
{
    (void)state;
    static const char *const denied[] = {
        "0.0.0.0",       "0.255.255.255", "10.0.0.1",        "10.255.255.255", "100.64.0.1",
        "100.127.255.1", "127.0.0.1",     "127.255.255.255", "169.254.169.254", "172.16.0.1",
        "172.31.255.255", "192.0.0.1",    "192.0.2.55",      "192.88.99.1",    "192.168.0.1",
        "198.18.0.1",    "198.19.255.255", "198.51.100.1",   "203.0.113.9",    "224.0.0.1",
        "239.255.255.250", "240.0.0.1",   "255.255.255.255"};
    static const char *const allowed[] = {"1.1.1.1",      "8.8.8.8",     "100.63.255.255",
                                          "100.128.0.0",  "172.15.255.255", "172.32.0.0",
                                          "169.253.255.255", "198.17.255.255", "223.255.255.255",
                                          "93.184.216.34", "11.0.0.1",     "126.255.255.255"};
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
        if (public4(denied[i]))
            fail_msg("%s must be denied", denied[i]);
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (!public4(allowed[i]))
            fail_msg("%s must be public", allowed[i]);
}

static void test_ipv6_ranges(void **state)
{
    (void)state;
    static const char *const denied[] = {
        "::",          "::1",          "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
        "::127.0.0.1", "::8.8.8.8",    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1",
        "2002:a00:1::", "fe80::1",     "fc00::1",          "fd00:ec2::254",    "ff02::1",
        "fec0::1",     "2001:db8::1",  "2001::1",          "2001:0:4136:e378::1", "100::1",
        "3fff::1"};
    static const char *const allowed[] = {"2606:4700:4700::1111", "2a00:1450:4001::200e",
                                          "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
                                          "2400:cb00::1"};
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
        if (public6(denied[i]))
            fail_msg("%s must be denied", denied[i]);
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        if (!public6(allowed[i]))
            fail_msg("%s must be public", allowed[i]);
}

static int canon(const char *in, char out[IMAPC_HOST_MAX + 1], bool *is_ip, struct err *e)
{
    return imapc_host_canonical(in, strlen(in), out, is_ip, e);
}

static void test_host_canonical(void **state)
{
    (void)state;
    char out[IMAPC_HOST_MAX + 1];
    bool ip;
    struct err e;
    assert_int_equal(canon("IMAP.Example.COM", out, &ip, &e), 0);
    assert_string_equal(out, "imap.example.com");
    assert_false(ip);
    assert_int_equal(canon("[::FFFF:127.0.0.1]", out, &ip, &e), 0);
    assert_string_equal(out, "::ffff:127.0.0.1");
    assert_true(ip);
    assert_int_equal(canon("2001:DB8::0001", out, &ip, &e), 0);
    assert_string_equal(out, "2001:db8::1");
    assert_int_equal(canon("192.0.2.1", out, &ip, &e), 0);
    assert_true(ip);

    static const char *const tricks[] = {"2130706433", "0x7f000001", "127.1", "0177.0.0.1",
                                         "0x7f.0.0.1", "017700000001", "127.0.1"};
    for (size_t i = 0; i < sizeof(tricks) / sizeof(tricks[0]); i++) {
        assert_int_equal(canon(tricks[i], out, &ip, &e), -1);
        assert_int_equal(e.kind, ERR_FORBIDDEN);
        assert_string_equal(err_code(&e), "HOST_NOT_ALLOWED");
    }
    static const char *const junk[] = {"",        "a b",        "-a.com",   "a-.com",
                                       "a..com",  "a.com/x",    "user@host", "[1.2.3.4]",
                                       "fe80::1%eth0", "1.2.3.4.5", "host:993", "a.123"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        if (canon(junk[i], out, &ip, &e) == 0)
            fail_msg("'%s' must be refused", junk[i]);
        assert_int_equal(e.kind, ERR_VALIDATION);
    }
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(canon(longname, out, &ip, &e), -1);
}

static bool allowed(const struct imapc_policy *p, const char *host, unsigned port, const char *addr)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
    }
    return imapc_policy_addr_allowed(p, host, port, (struct sockaddr *)&ss);
}

static void test_policy_default(void **state)
{
    (void)state;
    struct imapc_policy p;
    struct err e;
    assert_int_equal(imapc_policy_parse(NULL, NULL, &p, &e), 0);
    assert_true(imapc_policy_port_allowed(&p, "imap.example.com", 993));
    assert_true(imapc_policy_port_allowed(&p, "imap.example.com", 143));
    assert_false(imapc_policy_port_allowed(&p, "imap.example.com", 25));
    assert_true(allowed(&p, "imap.example.com", 993, "93.184.216.34"));
    assert_false(allowed(&p, "imap.example.com", 25, "93.184.216.34"));
    /* A public name that resolves to an internal address (DNS rebinding). */
    assert_false(allowed(&p, "imap.example.com", 993, "127.0.0.1"));
    assert_false(allowed(&p, "imap.example.com", 993, "::ffff:10.0.0.1"));
}

static void test_policy_allow_list(void **state)
{
    (void)state;
    struct imapc_policy p;
    struct err e;
    assert_int_equal(imapc_policy_parse(" 127.0.0.2:31993, mail.internal:1993,10.0.0.0/8,"
                                        "[fd00::5]:993, fd12::/16",
                                        "993,143,1143", &p, &e),
                     0);
    assert_int_equal(p.ntargets, 3);
    assert_int_equal(p.ncidrs, 2);
    assert_true(allowed(&p, "127.0.0.2", 31993, "127.0.0.2"));
    assert_false(allowed(&p, "127.0.0.2", 31994, "127.0.0.2"));
    assert_false(allowed(&p, "127.0.0.1", 31993, "127.0.0.1"));
    assert_true(allowed(&p, "mail.internal", 1993, "192.168.7.7"));
    assert_false(allowed(&p, "mail.internal", 993, "192.168.7.7"));
    assert_true(allowed(&p, "x.corp", 993, "10.9.8.7"));
    assert_true(allowed(&p, "x.corp", 993, "::ffff:10.9.8.7"));
    assert_true(allowed(&p, "x.corp", 1143, "10.9.8.7"));
    assert_false(allowed(&p, "x.corp", 25, "10.9.8.7"));
    assert_true(allowed(&p, "x.corp", 993, "11.0.0.1")); /* public anyway */
    assert_true(allowed(&p, "fd00::5", 993, "fd00::5"));
    assert_true(allowed(&p, "y.corp", 143, "fd12:1::1"));
    assert_false(allowed(&p, "y.corp", 143, "fd13::1"));
    assert_false(allowed(&p, "y.corp", 143, "172.16.0.1"));

    static const char *const bad[] = {"10.0.0.0/33", "fd00::/129", "::1:993", "host",
                                      "host:0",      "host:70000", "1.2.3.4/x", "2130706433:993"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (imapc_policy_parse(bad[i], NULL, &p, &e) == 0)
            fail_msg("'%s' must be refused", bad[i]);
        assert_non_null(strstr(e.msg, "PASSAGENT_IMAP_ALLOW"));
    }
    assert_int_equal(imapc_policy_parse(NULL, "993,0", &p, &e), -1);
    assert_int_equal(imapc_policy_parse(NULL, ",", &p, &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_ranges),     cmocka_unit_test(test_ipv6_ranges),
        cmocka_unit_test(test_host_canonical),  cmocka_unit_test(test_policy_default),
        cmocka_unit_test(test_policy_allow_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
