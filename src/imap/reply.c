/*
 * reply.c — a cursor scanner over IMAP response lines (RFC 9051 section 7:
 * status responses with optional [resp-text-code], untagged CAPABILITY).
 * It never copies and never reads past len; a malformed line is skipped.
 */
#include "imap/reply.h"

#include <ctype.h>
#include <string.h>

/* A view of bytes [p, end). */
struct span {
    const char *p;
    const char *end;
};

static bool span_ieq(struct span s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s.end - s.p) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (toupper((unsigned char)s.p[i]) != word[i])
            return false;
    return true;
}

/* Whether needle (lower-case ASCII) occurs in s, ignoring case. */
static bool span_icontains(struct span s, const char *needle)
{
    size_t n = strlen(needle), len = (size_t)(s.end - s.p);
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char)s.p[i + k]) == needle[k])
            k++;
        if (k == n)
            return true;
    }
    return false;
}

/* Takes the next space-delimited token of *cur (stopping also at stop,
 * which may be '\0' for none); advances past one following space. */
static struct span next_token(struct span *cur, char stop)
{
    struct span t = {cur->p, cur->p};
    while (t.end < cur->end && *t.end != ' ' && (stop == '\0' || *t.end != stop))
        t.end++;
    cur->p = t.end;
    if (cur->p < cur->end && *cur->p == ' ')
        cur->p++;
    return t;
}

static void caps_scan(struct span caps, char stop, struct imapc_reply_info *out)
{
    out->cap_seen = true;
    out->cap_starttls = out->cap_logindisabled = out->cap_password = out->cap_oauth = false;
    while (caps.p < caps.end && (stop == '\0' || *caps.p != stop)) {
        struct span t = next_token(&caps, stop);
        if (t.p == t.end)
            continue; /* a doubled space: next_token stepped over it */
        if (span_ieq(t, "STARTTLS"))
            out->cap_starttls = true;
        else if (span_ieq(t, "LOGINDISABLED"))
            out->cap_logindisabled = true;
        else if (span_ieq(t, "AUTH=PLAIN") || span_ieq(t, "AUTH=LOGIN"))
            out->cap_password = true;
        else if (span_ieq(t, "AUTH=XOAUTH2") || span_ieq(t, "AUTH=OAUTHBEARER"))
            out->cap_oauth = true;
    }
}

static void text_scan(struct span text, struct imapc_reply_info *out)
{
    static const char *const app_password[] = {"application-specific password",
                                               "application specific password", "app password"};
    static const char *const oauth_only[] = {"basic authentication is disabled",
                                             "basic auth is disabled", "use oauth",
                                             "web login required"};
    for (size_t i = 0; i < sizeof(app_password) / sizeof(app_password[0]); i++)
        if (span_icontains(text, app_password[i])) {
            out->hint = IMAPC_HINT_APP_PASSWORD;
            return;
        }
    for (size_t i = 0; out->hint == IMAPC_HINT_NONE && i < sizeof(oauth_only) / sizeof(oauth_only[0]);
         i++)
        if (span_icontains(text, oauth_only[i]))
            out->hint = IMAPC_HINT_OAUTH_ONLY;
}

/* One response line without its line end. */
static void line_scan(struct span line, struct imapc_reply_info *out)
{
    struct span tag = next_token(&line, '\0');
    if (tag.p == tag.end || span_ieq(tag, "+"))
        return;
    bool untagged = span_ieq(tag, "*");
    struct span status = next_token(&line, '\0');
    if (untagged && span_ieq(status, "CAPABILITY")) {
        caps_scan(line, '\0', out);
        return;
    }
    bool ok = span_ieq(status, "OK"), failed = span_ieq(status, "NO") ||
                                                 span_ieq(status, "BAD") || span_ieq(status, "BYE");
    if (untagged && (ok || span_ieq(status, "PREAUTH")))
        out->greeted = true;
    if (!ok && !failed && !span_ieq(status, "PREAUTH"))
        return;
    bool alert = false;
    if (line.p < line.end && *line.p == '[') {
        line.p++;
        struct span code = next_token(&line, ']');
        if (span_ieq(code, "CAPABILITY"))
            caps_scan(line, ']', out);
        alert = span_ieq(code, "ALERT");
    }
    if (failed || alert)
        text_scan(line, out);
}

void imapc_reply_scan(const char *buf, size_t len, struct imapc_reply_info *out)
{
    memset(out, 0, sizeof(*out));
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        struct span line = {p, le};
        if (line.end > line.p && line.end[-1] == '\r')
            line.end--;
        line_scan(line, out);
        p = nl ? nl + 1 : end;
    }
}

enum imapc_hint imapc_reply_login_hint(const struct imapc_reply_info *info)
{
    if (info->hint != IMAPC_HINT_NONE)
        return info->hint;
    if (info->cap_seen && info->cap_oauth && !info->cap_password && info->cap_logindisabled)
        return IMAPC_HINT_OAUTH_ONLY;
    return IMAPC_HINT_NONE;
}
