/*
 * client.c — IMAP login over libcurl (see client.h). Facts this relies on,
 * checked against libcurl 7.88 and Dovecot 2.3 (recipes/imap-client.md):
 * CURLUSESSL_TRY would silently continue in clear, so STARTTLS uses
 * CURLUSESSL_ALL; a reused cleartext connection could carry a TLS-required
 * transfer, so every login has a fresh handle and FORBID_REUSE; the
 * connect timeout (default 300 s) also covers greeting and login; the
 * open-socket callback sees each resolved address right before socket(),
 * which closes the DNS-rebinding gap; verbose traces hold the base64
 * password, so they are never turned on.
 */
#include "imap/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "imap/reply.h"

#define IMAPC_REPLIES_MAX 8192 /* what we keep of the server's lines */

struct login_ctx {
    const struct imapc_settings *s;
    const struct imapc_account *a;
    const atomic_int *cancel;
    unsigned denied; /* addresses refused by the policy */
    unsigned opened; /* sockets opened */
    size_t rlen;
    char replies[IMAPC_REPLIES_MAX];
};

int imapc_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose,
                                    struct curl_sockaddr *addr)
{
    struct login_ctx *x = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        !imapc_policy_addr_allowed(&x->s->policy, x->a->host, x->a->port, &addr->addr)) {
        x->denied++;
        return CURL_SOCKET_BAD; /* curl tries the next address, then fails with 7 */
    }
    x->opened++;
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* libcurl hands every server response line of IMAP to the header callback. */
static size_t on_server_line(char *buf, size_t size, size_t n, void *ud)
{
    struct login_ctx *x = ud;
    size_t len = size * n, room = sizeof(x->replies) - x->rlen;
    size_t take = len < room ? len : room;
    memcpy(x->replies + x->rlen, buf, take);
    x->rlen += take;
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
    (void)buf;
    (void)ud;
    return size * n;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    const struct login_ctx *x = ud;
    (void)a, (void)b, (void)c, (void)d;
    return (x->cancel && atomic_load(x->cancel)) ? 1 : 0;
}

static bool has_line_break(const char *s)
{
    return s && (strchr(s, '\r') || strchr(s, '\n'));
}

bool imapc_pin_valid(const char *text, size_t len)
{
    static const char prefix[] = "sha256//";
    if (len != sizeof(prefix) - 1 + 44 || memcmp(text, prefix, sizeof(prefix) - 1) != 0)
        return false;
    for (size_t i = sizeof(prefix) - 1; i < len; i++) {
        char ch = text[i];
        bool b64 = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
        if (!b64 && !(ch == '=' && i == len - 1))
            return false;
    }
    return true;
}

static int set_options(CURL *h, struct login_ctx *x, const char *url)
{
    const struct imapc_settings *s = x->s;
    const struct imapc_account *a = x->a;
    long total = (long)s->connect_timeout_s + 3L * (long)s->reply_timeout_s;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imaps,imap") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_USERNAME, a->username) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, a->password) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "NOOP") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK; /* ignore *_proxy variables */
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)s->connect_timeout_s) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)s->reply_timeout_s) !=
           CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT, total) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_server_line) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, x) != CURLE_OK;
    if (s->ca_file[0])
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO, s->ca_file) != CURLE_OK;
    if (a->pin) { /* the pinned key replaces the CA chain as the trust anchor */
        bad |= curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, a->pin) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    }
    return bad ? -1 : 0;
}

static int login_refused(const struct login_ctx *x, struct err *e)
{
    struct imapc_reply_info info;
    imapc_reply_scan(x->replies, x->rlen, &info);
    switch (imapc_reply_login_hint(&info)) {
    case IMAPC_HINT_APP_PASSWORD:
        return err_set_code(e, ERR_UNPROCESSABLE, "IMAP_APP_PASSWORD_REQUIRED",
                            "the mail server requires an app password: create one in your mail "
                            "account's security settings and use it here");
    case IMAPC_HINT_OAUTH_ONLY:
        return err_set_code(e, ERR_UNPROCESSABLE, "IMAP_OAUTH_REQUIRED",
                            "the mail server does not accept passwords; connect this mailbox "
                            "with OAuth instead");
    case IMAPC_HINT_NONE:
        break;
    }
    return err_set_code(e, ERR_UNPROCESSABLE, "IMAP_AUTH_FAILED",
                        "the mail server refused the username or password");
}

static int map_result(CURLcode rc, const struct login_ctx *x, struct err *e)
{
    if (x->denied > 0 && x->opened == 0)
        return err_set_code(e, ERR_FORBIDDEN, "HOST_NOT_ALLOWED",
                            "this host is not allowed: it is, or resolves to, a loopback, "
                            "private or otherwise internal address");
    switch (rc) {
    case CURLE_LOGIN_DENIED:
        return login_refused(x, e);
    case CURLE_COULDNT_RESOLVE_HOST:
        return err_set_code(e, ERR_BAD_GATEWAY, "IMAP_UNREACHABLE",
                            "the mail server's name does not resolve");
    case CURLE_COULDNT_CONNECT:
        return err_set_code(e, ERR_BAD_GATEWAY, "IMAP_UNREACHABLE",
                            "the mail server refused the connection or cannot be reached");
    case CURLE_OPERATION_TIMEDOUT:
        return err_set_code(e, ERR_GATEWAY_TIMEOUT, "IMAP_TIMEOUT",
                            "the mail server did not answer in time (with tls false, is this "
                            "an implicit-TLS port?)");
    case CURLE_PEER_FAILED_VERIFICATION:
        return err_set_code(e, ERR_BAD_GATEWAY, "IMAP_TLS_FAILED",
                            "the mail server's certificate is not trusted or does not match "
                            "the host name");
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return err_set_code(e, ERR_BAD_GATEWAY, "IMAP_TLS_FAILED",
                            "the mail server's public key does not match the pinned key");
    case CURLE_USE_SSL_FAILED:
        return err_set_code(e, ERR_BAD_GATEWAY, "IMAP_TLS_FAILED",
                            "the mail server does not offer STARTTLS; the credentials were not "
                            "sent");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return err_set_code(e, ERR_BAD_GATEWAY, "IMAP_TLS_FAILED",
                            "the TLS handshake with the mail server failed (with tls true, is "
                            "this an implicit-TLS port?)");
    case CURLE_ABORTED_BY_CALLBACK:
        return err_set(e, ERR_UNAVAILABLE, "the server is shutting down");
    default:
        return err_set_code(e, ERR_BAD_GATEWAY, "IMAP_PROTOCOL_ERROR",
                            "the mail server closed the connection or did not answer like an "
                            "IMAP server");
    }
}

int imapc_login(const struct imapc_settings *s, const struct imapc_account *a,
                const atomic_int *cancel, struct err *e)
{
    if (has_line_break(a->host) || has_line_break(a->username) || has_line_break(a->password) ||
        has_line_break(a->pin))
        return err_set(e, ERR_VALIDATION, "IMAP fields must not contain line breaks");
    if (!imapc_policy_port_allowed(&s->policy, a->host, a->port))
        return err_set_code(e, ERR_FORBIDDEN, "HOST_NOT_ALLOWED",
                            "port %u is not allowed for IMAP on this server", a->port);
    char url[IMAPC_HOST_MAX + 32];
    bool v6 = strchr(a->host, ':') != NULL;
    snprintf(url, sizeof(url), "%s://%s%s%s:%u/", a->tls ? "imaps" : "imap", v6 ? "[" : "",
             a->host, v6 ? "]" : "", a->port);
    struct login_ctx *x = calloc(1, sizeof(*x));
    CURL *h = curl_easy_init();
    if (x == NULL || h == NULL) {
        free(x);
        curl_easy_cleanup(h);
        return err_set(e, ERR_INTERNAL, "internal error");
    }
    x->s = s;
    x->a = a;
    x->cancel = cancel;
    CURLcode rc = CURLE_FAILED_INIT;
    if (set_options(h, x, url) == 0)
        rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    log_info("imap login to %s:%u (%s): %s", a->host, a->port, a->tls ? "implicit TLS" : "STARTTLS",
             rc == CURLE_OK ? "ok" : curl_easy_strerror(rc));
    int ret = rc == CURLE_OK ? 0 : map_result(rc, x, e);
    if (rc == CURLE_FAILED_INIT)
        ret = err_set(e, ERR_INTERNAL, "internal error");
    free(x);
    return ret;
}
