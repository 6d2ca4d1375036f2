/*
 * reply.h — reads what an IMAP server said during a login attempt
 * (RFC 9051 / RFC 3501 response lines, as libcurl hands them over) to tell
 * the user something they can act on: wrong password, an app password is
 * required, or the server wants OAuth instead of passwords.
 *
 * Input is untrusted network data: a pointer and a length, never assumed
 * NUL-terminated; lines end in LF (CR optional); any byte may appear.
 */
#ifndef PASSAGENT_IMAP_REPLY_H
#define PASSAGENT_IMAP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

enum imapc_hint {
    IMAPC_HINT_NONE = 0,      /* nothing specific: plain wrong credentials */
    IMAPC_HINT_APP_PASSWORD,  /* "[ALERT] Application-specific password required" */
    IMAPC_HINT_OAUTH_ONLY,    /* "Basic authentication is disabled", or OAuth-only */
};

struct imapc_reply_info {
    bool greeted;          /* an untagged OK or PREAUTH greeting was seen */
    bool cap_seen;         /* a capability list was seen (the last one counts) */
    bool cap_starttls;
    bool cap_logindisabled;
    bool cap_password;     /* AUTH=PLAIN or AUTH=LOGIN */
    bool cap_oauth;        /* AUTH=XOAUTH2 or AUTH=OAUTHBEARER */
    enum imapc_hint hint;  /* from NO/BAD/BYE texts */
};

/* Scans buf[0..len) line by line and fills *out (zeroed first). */
void imapc_reply_scan(const char *buf, size_t len, struct imapc_reply_info *out);

/* The hint for a refused login: the texts first, then the capabilities
 * (no password mechanism, LOGIN disabled, OAuth offered). */
enum imapc_hint imapc_reply_login_hint(const struct imapc_reply_info *info);

#endif
