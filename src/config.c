/* config.c — flags and environment into struct config, with clear errors. */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/limits.h"

struct setting {
    const char *flag; /* "--listen" */
    const char *env;  /* "PASSAGENT_LISTEN" */
    const char *help;
};

static const struct setting settings[] = {
    {"--listen", "PASSAGENT_LISTEN", "host:port to serve on (default 127.0.0.1:3000)"},
    {"--data-dir", "PASSAGENT_DATA_DIR", "data directory (default ./data)"},
    {"--db", "PASSAGENT_DB",
     "sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB (default sqlite:DATA_DIR/passagent.db)"},
    {"--public-url", "PASSAGENT_PUBLIC_URL",
     "URL users reach this server at (default http://LISTEN); https enables Secure cookies"},
    {NULL, "PASSAGENT_MASTER_KEY", "master key: 64 hex digits or base64 of 32 bytes"},
    {NULL, "PASSAGENT_MASTER_KEY_PREVIOUS", "comma-separated earlier master keys (rotation)"},
    {"--master-key-file", "PASSAGENT_MASTER_KEY_FILE",
     "master key file (default DATA_DIR/master.key, created 0600 on first start)"},
    {"--rate-limits", "PASSAGENT_RATE_LIMITS",
     "default | off | auth=10/900,reveal=30/60,general=100/60 (count/seconds)"},
    {"--threads", "PASSAGENT_THREADS", "HTTP worker threads (default 2 x CPUs, at least 16)"},
    {"--log-level", "PASSAGENT_LOG_LEVEL", "debug | info | warn | error (default info)"},
    {"--max-connections-per-ip", "PASSAGENT_MAX_CONNECTIONS_PER_IP",
     "open connections one address may hold (default 128; raise behind a proxy)"},
    {"--trusted-proxies", "PASSAGENT_TRUSTED_PROXIES",
     "comma-separated proxy addresses whose X-Forwarded-For is believed (default none)"},
    {"--oauth-timeout", "PASSAGENT_OAUTH_TIMEOUT",
     "seconds a provider request may take in all (default 10)"},
    {"--oauth-refresh-interval", "PASSAGENT_OAUTH_REFRESH_INTERVAL",
     "seconds between background token refresh passes (default 60)"},
    {"--oauth-refresh-margin", "PASSAGENT_OAUTH_REFRESH_MARGIN",
     "refresh tokens that expire within this many seconds (default 300)"},
    {"--workers", "PASSAGENT_WORKERS",
     "most threads for calls to providers, made on demand (default 128)"},
    {"--imap-allow", "PASSAGENT_IMAP_ALLOW",
     "IMAP targets allowed despite being internal: host:port, [v6]:port, ADDR/BITS (comma list)"},
    {"--imap-ports", "PASSAGENT_IMAP_PORTS", "IMAP ports users may name (default 993,143)"},
    {"--imap-ca-file", "PASSAGENT_IMAP_CA_FILE",
     "PEM file of CAs trusted for IMAP servers, in place of the default bundle"},
    {"--imap-connect-timeout", "PASSAGENT_IMAP_CONNECT_TIMEOUT",
     "seconds for DNS, TCP, TLS, greeting and login (default 15)"},
    {"--imap-reply-timeout", "PASSAGENT_IMAP_REPLY_TIMEOUT",
     "seconds to wait for each IMAP server reply (default 15)"},
    {"--imap-check-interval", "PASSAGENT_IMAP_CHECK_INTERVAL",
     "seconds between background IMAP login checks; 0 = off (default 3600)"},
    {"--imap-connect-limit", "PASSAGENT_IMAP_CONNECT_LIMIT",
     "IMAP connect attempts per user: COUNT/SECONDS or off (default 10/900)"},
    {"--web-dir", "PASSAGENT_WEB_DIR",
     "folder of the dashboard pages (default: web/ beside the binary's folder, else ./web)"},
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

void config_usage(void)
{
    printf("usage: passagent [serve | rotate-master-key | --help | --version] [flags]\n\n"
           "  serve              run the HTTP API (default)\n"
           "  rotate-master-key  make a new master key and re-wrap every user key under it\n\n"
           "settings (a flag wins over its environment variable):\n");
    for (size_t i = 0; i < NSETTINGS; i++)
        printf("  %-19s %-30s %s\n", settings[i].flag ? settings[i].flag : "",
               settings[i].env, settings[i].help);
    oauth_providers_usage();
}

/* The value of setting i: its flag if given, else its variable, else NULL. */
static const char *setting_value(const char *const *flag_values, size_t i)
{
    if (flag_values[i])
        return flag_values[i];
    const char *v = getenv(settings[i].env);
    return (v && *v) ? v : NULL;
}

static int parse_listen(const char *text, struct config *cfg, struct err *e)
{
    char host[256];
    const char *colon = strrchr(text, ':');
    size_t hl = colon ? (size_t)(colon - text) : 0;
    if (colon == NULL || hl == 0 || hl >= sizeof(host) || colon[1] == '\0')
        return err_set(e, ERR_INTERNAL, "PASSAGENT_LISTEN: expected host:port, got '%.64s'", text);
    memcpy(host, text, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [::1]:3000 */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535)
        return err_set(e, ERR_INTERNAL, "PASSAGENT_LISTEN: port must be 1-65535, got '%.16s'",
                       colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0)
        return err_set(e, ERR_INTERNAL, "PASSAGENT_LISTEN: cannot resolve '%.64s': %s", host,
                       gai_strerror(rc));
    memcpy(&cfg->listen_addr, res->ai_addr, res->ai_addrlen);
    cfg->listen_addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    snprintf(cfg->listen, sizeof(cfg->listen), "%s", text);
    return 0;
}

static int parse_public_url(const char *text, struct config *cfg, struct err *e)
{
    size_t len = strlen(text);
    int https = strncmp(text, "https://", 8) == 0;
    if ((!https && strncmp(text, "http://", 7) != 0) || len >= sizeof(cfg->public_url) ||
        len <= (size_t)(https ? 8 : 7))
        return err_set(e, ERR_INTERNAL,
                       "PASSAGENT_PUBLIC_URL: expected an http:// or https:// URL, got '%.64s'",
                       text);
    snprintf(cfg->public_url, sizeof(cfg->public_url), "%s", text);
    while (len > 0 && cfg->public_url[len - 1] == '/') /* no trailing slash */
        cfg->public_url[--len] = '\0';
    cfg->secure_cookies = https;
    return 0;
}

static int parse_small_uint(const char *name, const char *text, unsigned max, unsigned *out,
                            struct err *e)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (*end != '\0' || v < 1 || v > (long)max)
        return err_set(e, ERR_INTERNAL, "%s: expected a number from 1 to %u, got '%.16s'", name,
                       max, text);
    *out = (unsigned)v;
    return 0;
}

static int parse_log_level(const char *text, enum log_level *out, struct err *e)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    return err_set(e, ERR_INTERNAL, "PASSAGENT_LOG_LEVEL: expected debug, info, warn or error");
}

/* Collects "--flag value" and "--flag=value" into flag_values. */
static int parse_args(int argc, char **argv, struct config *cfg, const char **flag_values,
                      struct err *e)
{
    int i = 1;
    if (argc > 1 && argv[1][0] != '-') {
        if (strcmp(argv[1], "serve") == 0)
            cfg->command = CMD_SERVE;
        else if (strcmp(argv[1], "rotate-master-key") == 0)
            cfg->command = CMD_ROTATE_MASTER_KEY;
        else if (strcmp(argv[1], "help") == 0)
            cfg->command = CMD_HELP;
        else
            return err_set(e, ERR_INTERNAL, "unknown command '%.32s' (try --help)", argv[1]);
        i = 2;
    }
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            cfg->command = CMD_HELP;
            return 0;
        }
        if (strcmp(arg, "--version") == 0) {
            cfg->command = CMD_VERSION;
            return 0;
        }
        size_t k;
        for (k = 0; k < NSETTINGS; k++) {
            const char *f = settings[k].flag;
            size_t fl = f ? strlen(f) : 0;
            if (f == NULL || strncmp(arg, f, fl) != 0)
                continue;
            if (arg[fl] == '=') {
                flag_values[k] = arg + fl + 1;
                break;
            }
            if (arg[fl] == '\0' && i + 1 < argc) {
                flag_values[k] = argv[++i];
                break;
            }
        }
        if (k == NSETTINGS)
            return err_set(e, ERR_INTERNAL, "unknown or incomplete flag '%.32s' (try --help)",
                           arg);
    }
    return 0;
}

enum { S_LISTEN, S_DATA_DIR, S_DB, S_PUBLIC_URL, S_KEY, S_KEY_PREV, S_KEY_FILE, S_RATE, S_THREADS,
       S_LOG, S_PER_IP, S_PROXIES, S_OAUTH_TIMEOUT, S_OAUTH_INTERVAL, S_OAUTH_MARGIN, S_WORKERS,
       S_IMAP_ALLOW, S_IMAP_PORTS, S_IMAP_CA, S_IMAP_CONNECT_TO, S_IMAP_REPLY_TO, S_IMAP_CHECK,
       S_IMAP_LIMIT, S_WEB_DIR };

/* Each entry must be an IPv4 or IPv6 literal: a name would be resolved
 * once and silently go stale. */
static int parse_proxies(const char *text, struct config *cfg, struct err *e)
{
    if (strlen(text) >= sizeof(cfg->trusted_proxies))
        return err_set(e, ERR_INTERNAL, "PASSAGENT_TRUSTED_PROXIES: list too long");
    char copy[sizeof(cfg->trusted_proxies)];
    snprintf(copy, sizeof(copy), "%s", text);
    char *save = NULL;
    for (char *ip = strtok_r(copy, ",", &save); ip; ip = strtok_r(NULL, ",", &save)) {
        unsigned char bin[16];
        if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
            return err_set(e, ERR_INTERNAL,
                           "PASSAGENT_TRUSTED_PROXIES: '%.64s' is not an IP address", ip);
    }
    snprintf(cfg->trusted_proxies, sizeof(cfg->trusted_proxies), "%s", text);
    return 0;
}

static int load_oauth(const char *const *fv, struct oauth_settings *o, struct err *e)
{
    const char *v;
    o->timeout_s = LIMIT_OAUTH_TIMEOUT_S;
    o->refresh_interval_s = LIMIT_OAUTH_REFRESH_INTERVAL_S;
    o->refresh_margin_s = LIMIT_OAUTH_REFRESH_MARGIN_S;
    o->workers = LIMIT_WORKERS_DEFAULT;
    if ((v = setting_value(fv, S_OAUTH_TIMEOUT)) &&
        parse_small_uint("PASSAGENT_OAUTH_TIMEOUT", v, 120, &o->timeout_s, e) != 0)
        return -1;
    if ((v = setting_value(fv, S_OAUTH_INTERVAL)) &&
        parse_small_uint("PASSAGENT_OAUTH_REFRESH_INTERVAL", v, 86400, &o->refresh_interval_s,
                         e) != 0)
        return -1;
    if ((v = setting_value(fv, S_OAUTH_MARGIN)) &&
        parse_small_uint("PASSAGENT_OAUTH_REFRESH_MARGIN", v, 86400, &o->refresh_margin_s, e) != 0)
        return -1;
    if ((v = setting_value(fv, S_WORKERS)) &&
        parse_small_uint("PASSAGENT_WORKERS", v, 4096, &o->workers, e) != 0)
        return -1;
    return oauth_providers_load(o, e);
}

static int parse_uint_range(const char *name, const char *text, unsigned min, unsigned max,
                            unsigned *out, struct err *e)
{
    char *end = NULL;
    long v = (*text >= '0' && *text <= '9') ? strtol(text, &end, 10) : -1;
    if (v < 0 || *end != '\0' || v < (long)min || v > (long)max)
        return err_set(e, ERR_INTERNAL, "%s: expected a number from %u to %u, got '%.16s'", name,
                       min, max, text);
    *out = (unsigned)v;
    return 0;
}

static int parse_imap_limit(const char *text, struct imapc_settings *s, struct err *e)
{
    unsigned count = 0, window = 0;
    char tail = '\0';
    if (strcmp(text, "off") == 0) {
        s->connect_limit = 0;
        return 0;
    }
    if (sscanf(text, "%u/%u%c", &count, &window, &tail) != 2 || count == 0 || window == 0 ||
        count > 1000000 || window > 86400)
        return err_set(e, ERR_INTERNAL,
                       "PASSAGENT_IMAP_CONNECT_LIMIT: expected COUNT/SECONDS or off, got '%.32s'",
                       text);
    s->connect_limit = count;
    s->connect_window_s = window;
    return 0;
}

/* The IMAP settings (src/imap/client.h): policy, CA file, timeouts. */
static int config_imap(const char *const *fv, struct imapc_settings *s, struct err *e)
{
    const char *v;
    s->connect_timeout_s = LIMIT_IMAP_CONNECT_TIMEOUT_S;
    s->reply_timeout_s = LIMIT_IMAP_REPLY_TIMEOUT_S;
    s->check_interval_s = LIMIT_IMAP_CHECK_INTERVAL_S;
    s->connect_limit = LIMIT_IMAP_CONNECT_COUNT;
    s->connect_window_s = LIMIT_IMAP_CONNECT_WINDOW_S;
    if (imapc_policy_parse(setting_value(fv, S_IMAP_ALLOW), setting_value(fv, S_IMAP_PORTS),
                           &s->policy, e) != 0)
        return -1;
    if ((v = setting_value(fv, S_IMAP_CA)) != NULL) {
        if (strlen(v) >= sizeof(s->ca_file) || access(v, R_OK) != 0)
            return err_set(e, ERR_INTERNAL, "PASSAGENT_IMAP_CA_FILE: cannot read '%.64s'", v);
        snprintf(s->ca_file, sizeof(s->ca_file), "%s", v);
    }
    if ((v = setting_value(fv, S_IMAP_CONNECT_TO)) != NULL &&
        parse_uint_range("PASSAGENT_IMAP_CONNECT_TIMEOUT", v, 1, LIMIT_IMAP_TIMEOUT_MAX_S,
                         &s->connect_timeout_s, e) != 0)
        return -1;
    if ((v = setting_value(fv, S_IMAP_REPLY_TO)) != NULL &&
        parse_uint_range("PASSAGENT_IMAP_REPLY_TIMEOUT", v, 1, LIMIT_IMAP_TIMEOUT_MAX_S,
                         &s->reply_timeout_s, e) != 0)
        return -1;
    if ((v = setting_value(fv, S_IMAP_CHECK)) != NULL &&
        parse_uint_range("PASSAGENT_IMAP_CHECK_INTERVAL", v, 0, 7 * 86400, &s->check_interval_s,
                         e) != 0)
        return -1;
    if ((v = setting_value(fv, S_IMAP_LIMIT)) != NULL && parse_imap_limit(v, s, e) != 0)
        return -1;
    return 0;
}

/* The dashboard's folder, made absolute: PASSAGENT_WEB_DIR (must be a
 * readable directory), else ../web from the binary's own folder (the
 * repository layout: build/passagent beside web/), else ./web. Without
 * any, web_dir stays "" and the pages answer 404. */
static int config_web_dir(const char *v, struct config *cfg, struct err *e)
{
    char candidate[PATH_MAX];
    struct stat st;
    cfg->web_dir[0] = '\0';
    if (v != NULL) {
        if (realpath(v, cfg->web_dir) == NULL || stat(cfg->web_dir, &st) != 0 ||
            !S_ISDIR(st.st_mode) || access(cfg->web_dir, R_OK | X_OK) != 0)
            return err_set(e, ERR_INTERNAL, "PASSAGENT_WEB_DIR: '%.64s' is not a readable folder",
                           v);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(candidate, sizeof(candidate), "%.*s/../web", PATH_MAX - 16, exe);
            if (realpath(candidate, cfg->web_dir) != NULL && stat(cfg->web_dir, &st) == 0 &&
                S_ISDIR(st.st_mode))
                return 0;
        }
    }
    if (realpath("web", cfg->web_dir) != NULL && stat(cfg->web_dir, &st) == 0 &&
        S_ISDIR(st.st_mode))
        return 0;
    cfg->web_dir[0] = '\0';
    return 0;
}

int config_load(int argc, char **argv, struct config *cfg, struct err *e)
{
    const char *fv[NSETTINGS] = {0};
    memset(cfg, 0, sizeof(*cfg));
    cfg->command = CMD_SERVE;
    cfg->log_level = LOG_INFO;
    if (parse_args(argc, argv, cfg, fv, e) != 0)
        return -1;
    if (cfg->command == CMD_HELP || cfg->command == CMD_VERSION)
        return 0;

    const char *v = setting_value(fv, S_LISTEN);
    if (parse_listen(v ? v : "127.0.0.1:3000", cfg, e) != 0)
        return -1;
    v = setting_value(fv, S_DATA_DIR);
    if (snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", v ? v : "./data") >=
        (int)sizeof(cfg->data_dir))
        return err_set(e, ERR_INTERNAL, "PASSAGENT_DATA_DIR: path too long");
    v = setting_value(fv, S_DB);
    if (v == NULL)
        snprintf(cfg->db_url, sizeof(cfg->db_url), "sqlite:%s/passagent.db", cfg->data_dir);
    else if (!((strncmp(v, "sqlite:", 7) == 0 && v[7] != '\0') ||
               strncmp(v, "postgres://", 11) == 0 || strncmp(v, "postgresql://", 13) == 0) ||
             strlen(v) >= sizeof(cfg->db_url))
        return err_set(e, ERR_INTERNAL,
                       "PASSAGENT_DB: expected sqlite:PATH or postgres://USER@HOST/DB, got a "
                       "'%.*s:' URL",
                       (int)(strcspn(v, ":") > 16 ? 16 : strcspn(v, ":")), v);
    else
        snprintf(cfg->db_url, sizeof(cfg->db_url), "%s", v);
    v = setting_value(fv, S_PUBLIC_URL);
    if (v != NULL) {
        if (parse_public_url(v, cfg, e) != 0)
            return -1;
    } else {
        snprintf(cfg->public_url, sizeof(cfg->public_url), "http://%s", cfg->listen);
    }
    cfg->master_key = setting_value(fv, S_KEY);
    cfg->master_key_previous = setting_value(fv, S_KEY_PREV);
    v = setting_value(fv, S_KEY_FILE);
    cfg->master_key_file_default = (v == NULL);
    snprintf(cfg->master_key_file, sizeof(cfg->master_key_file), v ? "%s" : "%s/master.key",
             v ? v : cfg->data_dir);
    if (rl_config_parse(setting_value(fv, S_RATE), &cfg->rate_limits, e) != 0)
        return -1;
    v = setting_value(fv, S_THREADS);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    /* At least 16: Argon2 may hold LIMIT_HASHES_IN_FLIGHT + LIMIT_HASHES_WAITING
     * workers, and the rest must keep serving everything else. */
    cfg->threads = (ncpu > 8) ? (unsigned)ncpu * 2 : 16;
    if (v && parse_small_uint("PASSAGENT_THREADS", v, 256, &cfg->threads, e) != 0)
        return -1;
    v = setting_value(fv, S_LOG);
    if (v && parse_log_level(v, &cfg->log_level, e) != 0)
        return -1;
    cfg->max_connections_per_ip = LIMIT_CONNECTIONS_PER_IP;
    v = setting_value(fv, S_PER_IP);
    if (v && parse_small_uint("PASSAGENT_MAX_CONNECTIONS_PER_IP", v, LIMIT_CONNECTIONS,
                              &cfg->max_connections_per_ip, e) != 0)
        return -1;
    v = setting_value(fv, S_PROXIES);
    if (v && parse_proxies(v, cfg, e) != 0)
        return -1;
    if (load_oauth(fv, &cfg->oauth, e) != 0)
        return -1;
    if (config_web_dir(setting_value(fv, S_WEB_DIR), cfg, e) != 0)
        return -1;
    return config_imap(fv, &cfg->imap, e);
}
