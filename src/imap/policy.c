/*
 * policy.c — the SSRF gate for IMAP targets (see policy.h). Address ranges
 * follow the IANA special-purpose registries (RFC 6890 and updates:
 * RFC 6598 CGNAT, RFC 5737/3849/9637 documentation, RFC 6052 NAT64,
 * RFC 3056 6to4, RFC 4291 mapped/compatible forms).
 */
#include "imap/policy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- address classification ---- */

struct v4_range {
    uint32_t net;
    unsigned bits;
};

static const struct v4_range v4_denied[] = {
    {0x00000000u, 8},  /* 0.0.0.0/8 "this network" */
    {0x0A000000u, 8},  /* 10.0.0.0/8 private */
    {0x64400000u, 10}, /* 100.64.0.0/10 carrier-grade NAT */
    {0x7F000000u, 8},  /* 127.0.0.0/8 loopback */
    {0xA9FE0000u, 16}, /* 169.254.0.0/16 link-local, cloud metadata */
    {0xAC100000u, 12}, /* 172.16.0.0/12 private */
    {0xC0000000u, 24}, /* 192.0.0.0/24 IETF protocol assignments */
    {0xC0000200u, 24}, /* 192.0.2.0/24 documentation */
    {0xC0586300u, 24}, /* 192.88.99.0/24 6to4 relay anycast */
    {0xC0A80000u, 16}, /* 192.168.0.0/16 private */
    {0xC6120000u, 15}, /* 198.18.0.0/15 benchmarking */
    {0xC6336400u, 24}, /* 198.51.100.0/24 documentation */
    {0xCB007100u, 24}, /* 203.0.113.0/24 documentation */
    {0xE0000000u, 4},  /* 224.0.0.0/4 multicast */
    {0xF0000000u, 4},  /* 240.0.0.0/4 reserved, broadcast */
};

static uint32_t v4_word(const unsigned char *a)
{
    return ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
}

static bool v4_is_public(const unsigned char *a)
{
    uint32_t w = v4_word(a);
    for (size_t i = 0; i < sizeof(v4_denied) / sizeof(v4_denied[0]); i++) {
        uint32_t mask = 0xFFFFFFFFu << (32 - v4_denied[i].bits);
        if ((w & mask) == v4_denied[i].net)
            return false;
    }
    return true;
}

static bool bytes_zero(const unsigned char *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != 0)
            return false;
    return true;
}

/* An IPv6 address that carries an IPv4 address passagent would reach in
 * the end: IPv4-mapped ::ffff:a.b.c.d. Returns the embedded bytes or NULL. */
static const unsigned char *v6_mapped_v4(const unsigned char *a)
{
    if (bytes_zero(a, 10) && a[10] == 0xFF && a[11] == 0xFF)
        return a + 12;
    return NULL;
}

static bool v6_is_public(const unsigned char *a)
{
    static const unsigned char nat64[12] = {0x00, 0x64, 0xFF, 0x9B};
    const unsigned char *v4 = v6_mapped_v4(a);
    if (v4)
        return v4_is_public(v4);
    if (bytes_zero(a, 12)) /* ::, ::1 and deprecated IPv4-compatible ::a.b.c.d */
        return false;
    if (memcmp(a, nat64, 12) == 0) /* 64:ff9b::/96 well-known NAT64 prefix */
        return v4_is_public(a + 12);
    if (a[0] == 0x20 && a[1] == 0x02) /* 2002::/16 6to4 embeds an IPv4 address */
        return v4_is_public(a + 2);
    if ((a[0] & 0xE0) != 0x20) /* only 2000::/3 is global unicast */
        return false;
    if (a[0] == 0x20 && a[1] == 0x01 && (a[2] & 0xFE) == 0) /* 2001::/23 incl. Teredo */
        return false;
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8) /* 2001:db8::/32 */
        return false;
    if (a[0] == 0x3F && a[1] == 0xFF && (a[2] & 0xF0) == 0) /* 3fff::/20 documentation */
        return false;
    return true;
}

bool imapc_addr_is_public(int family, const unsigned char *addr)
{
    if (family == AF_INET)
        return v4_is_public(addr);
    if (family == AF_INET6)
        return v6_is_public(addr);
    return false;
}

static bool cidr_contains(const struct imapc_cidr *c, int family, const unsigned char *a)
{
    if (c->family != family)
        return false;
    unsigned full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr, a, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (c->addr[full] & mask) == (a[full] & mask);
}

/* ---- host syntax ---- */

static bool name_is_valid(const char *s, size_t len)
{
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum(ch) && ch != '-')
            return false;
        if ((ch == '-' && label == 0) || ++label > 63)
            return false;
    }
    return label > 0 && s[len - 1] != '-';
}

static bool last_label_numeric(const char *s, size_t len)
{
    size_t i = len;
    while (i > 0 && s[i - 1] != '.')
        i--;
    for (size_t k = i; k < len; k++)
        if (!isdigit((unsigned char)s[k]))
            return false;
    return true;
}

int imapc_host_canonical(const char *host, size_t len, char out[IMAPC_HOST_MAX + 1], bool *is_ip,
                         struct err *e)
{
    char buf[IMAPC_HOST_MAX + 3];
    unsigned char bin[16];
    *is_ip = false;
    if (len == 0 || len > IMAPC_HOST_MAX + 2 || memchr(host, '\0', len))
        return err_set(e, ERR_VALIDATION, "field 'host' must be a DNS name or an IP address");
    memcpy(buf, host, len);
    buf[len] = '\0';
    char *h = buf;
    if (len > 2 && h[0] == '[' && h[len - 1] == ']') {
        h[len - 1] = '\0';
        h++;
        if (inet_pton(AF_INET6, h, bin) != 1)
            return err_set(e, ERR_VALIDATION, "field 'host': invalid IPv6 address");
    }
    if (inet_pton(AF_INET6, h, bin) == 1 || inet_pton(AF_INET, h, bin) == 1) {
        int fam = strchr(h, ':') ? AF_INET6 : AF_INET;
        *is_ip = true;
        if (inet_ntop(fam, bin, out, IMAPC_HOST_MAX + 1) == NULL)
            return err_set(e, ERR_VALIDATION, "field 'host': invalid address");
        return 0;
    }
    struct in_addr tricky;
    if (inet_aton(h, &tricky) != 0) /* 2130706433, 0x7f000001, 127.1, 0177.0.0.1 */
        return err_set_code(e, ERR_FORBIDDEN, "HOST_NOT_ALLOWED",
                            "this host is not allowed: write IPv4 addresses as four decimal "
                            "numbers");
    size_t hl = strlen(h);
    if (hl > IMAPC_HOST_MAX || !name_is_valid(h, hl) || last_label_numeric(h, hl))
        return err_set(e, ERR_VALIDATION, "field 'host' must be a DNS name or an IP address");
    for (size_t i = 0; i <= hl; i++)
        out[i] = (char)tolower((unsigned char)h[i]);
    return 0;
}

/* ---- policy ---- */

static bool port_listed(const struct imapc_policy *p, unsigned port)
{
    for (size_t i = 0; i < p->nports; i++)
        if (p->ports[i] == port)
            return true;
    return false;
}

bool imapc_policy_port_allowed(const struct imapc_policy *p, const char *host, unsigned port)
{
    if (port_listed(p, port))
        return true;
    for (size_t i = 0; i < p->ntargets; i++) /* the address gate decides which host */
        if (p->targets[i].port == port)
            return true;
    (void)host;
    return false;
}

bool imapc_policy_addr_allowed(const struct imapc_policy *p, const char *host, unsigned port,
                               const struct sockaddr *sa)
{
    const unsigned char *a;
    int family = sa->sa_family;
    if (family == AF_INET)
        a = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (family == AF_INET6)
        a = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    else
        return false;
    const unsigned char *v4 = family == AF_INET6 ? v6_mapped_v4(a) : NULL;
    char text[INET6_ADDRSTRLEN];
    if (v4 ? inet_ntop(AF_INET, v4, text, sizeof(text)) == NULL
           : inet_ntop(family, a, text, sizeof(text)) == NULL)
        return false;
    for (size_t i = 0; i < p->ntargets; i++) {
        const struct imapc_hostport *t = &p->targets[i];
        if (t->port == port && (strcmp(t->host, host) == 0 || strcmp(t->host, text) == 0))
            return true;
    }
    if (!port_listed(p, port))
        return false;
    if (imapc_addr_is_public(family, a))
        return true;
    for (size_t i = 0; i < p->ncidrs; i++)
        if (cidr_contains(&p->cidrs[i], family, a) ||
            (v4 && cidr_contains(&p->cidrs[i], AF_INET, v4)))
            return true;
    return false;
}

static int parse_port(const char *s, unsigned *out)
{
    char *end = NULL;
    if (*s < '0' || *s > '9')
        return -1;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || v < 1 || v > 65535)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_cidr(char *s, struct imapc_cidr *c)
{
    char *slash = strchr(s, '/');
    unsigned bits = 0;
    *slash = '\0';
    c->family = strchr(s, ':') ? AF_INET6 : AF_INET;
    unsigned max = c->family == AF_INET6 ? 128 : 32;
    if (inet_pton(c->family, s, c->addr) != 1 || parse_port(slash + 1, &bits) != 0 ||
        bits > max)
        return -1;
    c->bits = bits;
    return 0;
}

static int parse_target(char *s, struct imapc_hostport *t)
{
    char *colon = strrchr(s, ':');
    struct err ignored;
    bool is_ip;
    if (colon == NULL || parse_port(colon + 1, &t->port) != 0)
        return -1;
    *colon = '\0';
    if (s[0] != '[' && strchr(s, ':')) /* IPv6 needs brackets */
        return -1;
    return imapc_host_canonical(s, strlen(s), t->host, &is_ip, &ignored);
}

static int parse_allow_entry(char *s, struct imapc_policy *p)
{
    if (strchr(s, '/')) {
        if (p->ncidrs == IMAPC_ALLOW_MAX)
            return -1;
        return parse_cidr(s, &p->cidrs[p->ncidrs++]);
    }
    if (p->ntargets == IMAPC_ALLOW_MAX)
        return -1;
    return parse_target(s, &p->targets[p->ntargets++]);
}

/* Splits text on commas (spaces around entries ignored) and hands each
 * entry, NUL-terminated in a scratch copy, to fn. */
static int for_each_entry(const char *text, int (*fn)(char *, void *), void *ctx, char *bad,
                          size_t badsz)
{
    char entry[IMAPC_HOST_MAX + 16];
    const char *s = text;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, ",");
        size_t m = n;
        while (m > 0 && s[m - 1] == ' ')
            m--;
        if (m == 0)
            break;
        if (m >= sizeof(entry) || (memcpy(entry, s, m), entry[m] = '\0', fn(entry, ctx) != 0)) {
            snprintf(bad, badsz, "%.*s", (int)(m > 64 ? 64 : m), s);
            return -1;
        }
        s += n;
    }
    return 0;
}

static int allow_entry_cb(char *s, void *ctx) { return parse_allow_entry(s, ctx); }

static int port_entry_cb(char *s, void *ctx)
{
    struct imapc_policy *p = ctx;
    if (p->nports == IMAPC_PORTS_MAX)
        return -1;
    return parse_port(s, &p->ports[p->nports++]);
}

int imapc_policy_parse(const char *allow, const char *ports, struct imapc_policy *out,
                       struct err *e)
{
    char bad[72];
    memset(out, 0, sizeof(*out));
    if (allow && for_each_entry(allow, allow_entry_cb, out, bad, sizeof(bad)) != 0)
        return err_set(e, ERR_INTERNAL,
                       "PASSAGENT_IMAP_ALLOW: bad entry '%s' (expected host:port, [v6]:port "
                       "or ADDR/BITS; at most %d of each)",
                       bad, IMAPC_ALLOW_MAX);
    if (for_each_entry(ports ? ports : "993,143", port_entry_cb, out, bad, sizeof(bad)) != 0)
        return err_set(e, ERR_INTERNAL,
                       "PASSAGENT_IMAP_PORTS: bad port '%s' (1-65535, at most %d)", bad,
                       IMAPC_PORTS_MAX);
    if (out->nports == 0)
        return err_set(e, ERR_INTERNAL, "PASSAGENT_IMAP_PORTS: no port given");
    return 0;
}
