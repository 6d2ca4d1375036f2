/*
 * policy.h — which IMAP servers a user may make passagent connect to: the
 * server-side request forgery (SSRF) gate.
 *
 * A user names a host and a port. The host must be a DNS name or a
 * canonical IP literal; numeric tricks (2130706433, 0x7f000001, 127.1,
 * 0177.0.0.1) are refused outright. Every address the client is about to
 * connect to — after DNS, right before socket() — is checked by
 * imapc_policy_addr_allowed: loopback, private, link-local (169.254.0.0/16
 * holds cloud metadata), carrier-grade NAT, multicast, documentation and
 * reserved ranges are denied, IPv4-mapped, IPv4-compatible, NAT64 and 6to4
 * IPv6 forms are unwrapped first, and only global unicast IPv6 (2000::/3)
 * is considered at all. Ports must be in the allowed list (993 and 143 by
 * default).
 *
 * The operator's allow-list (PASSAGENT_IMAP_ALLOW) admits self-hosted mail
 * on a private network: "host:port" (a name or an IP literal, "[v6]:port")
 * admits that exact target, and "ADDR/BITS" admits a range on the allowed
 * ports. Nothing else is configurable: there is no "allow everything".
 */
#ifndef PASSAGENT_IMAP_POLICY_H
#define PASSAGENT_IMAP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/err.h"

#define IMAPC_ALLOW_MAX 32
#define IMAPC_PORTS_MAX 16
#define IMAPC_HOST_MAX 253

struct imapc_cidr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned bits;
};

struct imapc_hostport {
    char host[IMAPC_HOST_MAX + 1]; /* lower-case name, or canonical IP text */
    unsigned port;
};

struct imapc_policy {
    struct imapc_cidr cidrs[IMAPC_ALLOW_MAX];
    size_t ncidrs;
    struct imapc_hostport targets[IMAPC_ALLOW_MAX];
    size_t ntargets;
    unsigned ports[IMAPC_PORTS_MAX];
    size_t nports;
};

/* Parses the allow-list (comma-separated entries, NULL or "" for none) and
 * the port list (comma-separated, NULL for "993,143"). Errors name the
 * variable and the entry at fault. */
int imapc_policy_parse(const char *allow, const char *ports, struct imapc_policy *out,
                       struct err *e) __attribute__((warn_unused_result));

/* Checks the syntax of a user-supplied host (host[0..len), not
 * NUL-terminated) and writes its canonical form to out (lower-case name,
 * or the inet_ntop text of an IP literal without brackets). Returns 0, or
 * -1 with 400 VALIDATION_ERROR for something that is no host at all and
 * 403 HOST_NOT_ALLOWED for a numeric trick. *is_ip tells an IP literal. */
int imapc_host_canonical(const char *host, size_t len, char out[IMAPC_HOST_MAX + 1],
                         bool *is_ip, struct err *e) __attribute__((warn_unused_result));

/* Whether the (canonical) host may be reached on port at all. */
bool imapc_policy_port_allowed(const struct imapc_policy *p, const char *host, unsigned port);

/* Whether the client may open a connection to sa for the user's (canonical)
 * host and port. The decisive check: called for every resolved address. */
bool imapc_policy_addr_allowed(const struct imapc_policy *p, const char *host, unsigned port,
                               const struct sockaddr *sa);

/* Whether an address (4 or 16 bytes) is public: not in any denied range.
 * Exposed for tests. */
bool imapc_addr_is_public(int family, const unsigned char *addr);

#endif
