/*
 * client.h — proves IMAP credentials with a real login, over libcurl.
 *
 * Transport: "tls" true is implicit TLS (imaps://, RFC 8314); false is
 * STARTTLS on the plain port with CURLUSESSL_ALL, so a server that does not
 * offer STARTTLS is refused before any credential is sent. Certificates are
 * verified against the system store plus the operator's CA file; a user
 * may instead pin the server's public key (sha256//BASE64), which then is
 * the only trust anchor. Each login uses a fresh easy handle with
 * connection reuse forbidden, schemes limited to imap/imaps, no proxy, and
 * the SSRF gate (policy.h) on every address before socket().
 *
 * Errors (struct err, codes for the API): 403 HOST_NOT_ALLOWED,
 * 422 IMAP_AUTH_FAILED / IMAP_APP_PASSWORD_REQUIRED / IMAP_OAUTH_REQUIRED,
 * 502 IMAP_TLS_FAILED / IMAP_UNREACHABLE / IMAP_PROTOCOL_ERROR,
 * 504 IMAP_TIMEOUT. Messages never carry server text or secrets.
 */
#ifndef PASSAGENT_IMAP_CLIENT_H
#define PASSAGENT_IMAP_CLIENT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "core/err.h"
#include "imap/policy.h"

#define IMAPC_PIN_MAX 128

/* Operator settings (read-only after start). */
struct imapc_settings {
    struct imapc_policy policy;
    char ca_file[PATH_MAX]; /* "" for the system store only */
    unsigned connect_timeout_s; /* DNS + TCP + TLS + greeting + login */
    unsigned reply_timeout_s;   /* each server reply */
    unsigned check_interval_s;  /* background status check; 0 = off */
    unsigned connect_limit;     /* connect attempts per user per window; 0 = off */
    unsigned connect_window_s;
};

/* One mailbox. host is canonical (imapc_host_canonical). No field may
 * contain CR, LF or NUL: the API refuses them before calling here. */
struct imapc_account {
    const char *host;
    unsigned port;
    const char *username;
    const char *password;
    bool tls;
    const char *pin; /* "sha256//..." or NULL */
};

/* Once, before any thread starts. */
int imapc_global_init(void);

/* Connects, logs in and sends NOOP. cancel (may be NULL) aborts the
 * attempt when it becomes non-zero. Returns 0 or -1 with *e set. */
int imapc_login(const struct imapc_settings *s, const struct imapc_account *a,
                const atomic_int *cancel, struct err *e) __attribute__((warn_unused_result));

/* Whether text is a well-formed pin: "sha256//" + 44 base64 characters. */
bool imapc_pin_valid(const char *text, size_t len);

#endif
