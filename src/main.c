/*
 * main.c — passagent: configuration, wiring, start and orderly stop.
 *
 * Signals: SIGTERM and SIGINT are blocked in every thread and taken by
 * sigwait here, so shutdown runs in ordinary code: stop accepting, let
 * in-flight requests finish, stop housekeeping, close the database.
 */
#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "auth/password.h"
#include "config.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "http/server.h"
#include "oauth/httpc.h"
#include "imap/monitor.h"
#include "vault/rotate.h"

#define PASSAGENT_VERSION "0.1.0"

static void die(const char *msg)
{
    fprintf(stderr, "passagent: %s\n", msg);
    exit(2);
}

/* ---- housekeeping: purge expired sessions and rate windows ---- */

struct housekeeping {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    struct store *store;
};

static void *housekeeping_run(void *arg)
{
    struct housekeeping *hk = arg;
    pthread_mutex_lock(&hk->lock);
    while (!hk->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += LIMIT_HOUSEKEEPING_S;
        pthread_cond_timedwait(&hk->wake, &hk->lock, &until);
        if (hk->stop)
            break;
        pthread_mutex_unlock(&hk->lock);
        if (store_purge_expired(hk->store, time_now()) != STORE_OK)
            log_warn("housekeeping: purge of expired rows failed");
        pthread_mutex_lock(&hk->lock);
    }
    pthread_mutex_unlock(&hk->lock);
    return NULL;
}

static void housekeeping_stop(struct housekeeping *hk)
{
    pthread_mutex_lock(&hk->lock);
    hk->stop = 1;
    pthread_cond_signal(&hk->wake);
    pthread_mutex_unlock(&hk->lock);
    pthread_join(hk->thread, NULL);
}

/* ---- start-up checks ---- */

struct key_check {
    struct vault_keyring *keys;
    char missing[STORE_KEY_ID_MAX + 1];
};

static int key_id_known(void *ctx, const char *key_id)
{
    struct key_check *kc = ctx;
    if (vault_keyring_has(kc->keys, key_id))
        return 0;
    snprintf(kc->missing, sizeof(kc->missing), "%s", key_id);
    return 1;
}

/* Refuses to serve a database whose user keys were wrapped under a master
 * key we do not hold: a wrong or lost key would otherwise go unnoticed
 * until someone's secrets failed to open. */
static void check_master_key(struct app *app)
{
    struct key_check kc = {.keys = app->keys};
    if (store_user_key_ids(app->store, key_id_known, &kc) != STORE_OK)
        die("cannot read user keys from the database");
    if (kc.missing[0]) {
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "the database holds user keys under master key %s, which is not configured "
                 "(wrong PASSAGENT_MASTER_KEY or key file?)",
                 kc.missing);
        die(msg);
    }
}

/* JSON bodies carry passwords: free what jansson allocated wiped. */
static void *json_alloc(size_t n) { return malloc(n); }

static void json_free_wiped(void *p)
{
    if (p) {
        sodium_memzero(p, malloc_usable_size(p));
        free(p);
    }
}

/* ---- commands ---- */

static int serve(const struct config *cfg, struct app *app)
{
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    /* Block before any thread starts so every thread inherits the mask. */
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct http_server_config hc = {
        .addr = (const struct sockaddr *)&cfg->listen_addr,
        .addr_len = cfg->listen_addr_len,
        .threads = cfg->threads,
        .max_connections_per_ip = cfg->max_connections_per_ip,
        .routes = api_routes,
        .nroutes = api_route_count,
        .dispatch = api_dispatch,
        .dispatch_ctx = app,
    };
    struct http_server *srv = NULL;
    struct err e;
    if (http_server_start(&hc, &srv, &e) != 0)
        die(e.msg);
    struct housekeeping hk = {.store = app->store};
    pthread_mutex_init(&hk.lock, NULL);
    pthread_cond_init(&hk.wake, NULL);
    if (pthread_create(&hk.thread, NULL, housekeeping_run, &hk) != 0)
        die("cannot start the housekeeping thread");
    struct oauth_refresher *refresher = NULL;
    if (oauth_refresher_start(app->oauth, &refresher) != 0)
        die("cannot start the token refresher");
    struct imap_monitor *imap_monitor = NULL;
    if (imap_monitor_start(app->store, app->keys, app->imap, &imap_monitor) != 0)
        die("cannot start the IMAP status check thread");
    if (app->web_dir[0])
        log_info("dashboard pages from %s", app->web_dir);
    else
        log_warn("no dashboard folder (PASSAGENT_WEB_DIR, web/ beside the binary's folder or "
                 "./web): the dashboard pages answer 404");
    log_info("passagent %s listening on %s (public URL %s, %s database, %u threads)",
             PASSAGENT_VERSION, cfg->listen, cfg->public_url, store_backend(app->store),
             cfg->threads);

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0)
        ;
    log_info("shutdown: signal %d received, finishing in-flight requests", sig);
    http_server_stop(&srv, LIMIT_SHUTDOWN_GRACE_S);
    oauth_refresher_stop(&refresher);
    workers_destroy(&app->workers); /* runs what is queued, then joins */
    housekeeping_stop(&hk);
    imap_monitor_stop(&imap_monitor);
    pthread_mutex_destroy(&hk.lock);
    pthread_cond_destroy(&hk.wake);
    log_info("shutdown complete");
    return 0;
}

static int rotate(const struct config *cfg, struct app *app)
{
    struct rotate_report rep;
    struct err e;
    bool new_key = vault_keyring_is_file(app->keys);
    if (vault_rotate(app->store, app->keys, new_key, &rep, &e) != 0)
        die(e.msg);
    printf("master key rotation: primary key %s; %zu user keys re-wrapped, %zu failed%s\n",
           vault_keyring_primary_id(app->keys), rep.rewrapped, rep.failed,
           new_key ? (rep.failed ? "; previous key kept in the key file"
                                 : "; previous key removed from the key file")
                   : "");
    (void)cfg;
    return rep.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct err e;
    if (config_load(argc, argv, &cfg, &e) != 0)
        die(e.msg);
    if (cfg.command == CMD_HELP) {
        config_usage();
        return 0;
    }
    if (cfg.command == CMD_VERSION) {
        printf("passagent %s\n", PASSAGENT_VERSION);
        return 0;
    }
    log_set_level(cfg.log_level);
    umask(077); /* database, key file and everything else: owner only */
    struct stat dst;
    if (mkdir(cfg.data_dir, 0700) != 0 && errno != EEXIST) {
        char msg[1200];
        snprintf(msg, sizeof(msg), "PASSAGENT_DATA_DIR: cannot create %s", cfg.data_dir);
        die(msg);
    }
    if (stat(cfg.data_dir, &dst) == 0 && (dst.st_mode & 077) && chmod(cfg.data_dir, 0700) == 0)
        log_warn("data directory %s was open to others; set to mode 0700", cfg.data_dir);
    json_set_alloc_funcs(json_alloc, json_free_wiped);
    if (auth_password_init(LIMIT_HASHES_IN_FLIGHT, LIMIT_HASHES_WAITING) != 0)
        die("cannot initialise libsodium");
    if (imapc_global_init() != 0)
        die("cannot initialise libcurl");

    struct app app = {.rate_limits = cfg.rate_limits,
                      .secure_cookies = cfg.secure_cookies,
                      .trusted_proxies = cfg.trusted_proxies,
                      .imap = &cfg.imap,
                      .web_dir = cfg.web_dir};
    struct vault_keyring_source ks = {
        .key_text = cfg.master_key,
        .previous_text = cfg.master_key_previous,
        .key_file = cfg.master_key_file,
        .create_file = cfg.master_key_file_default,
    };
    if (vault_keyring_create(&ks, &app.keys, &e) != 0)
        die(e.msg);
    if (store_open(cfg.db_url, &app.store, &e) != 0)
        die(e.msg);
    if (oauth_http_global_init() != 0)
        die("cannot initialise libcurl");
    struct oauth_ctx oauth = {.store = app.store, .keys = app.keys, .cfg = &cfg.oauth};
    snprintf(oauth.public_url, sizeof(oauth.public_url), "%s", cfg.public_url);
    app.oauth = &oauth;
    if (cfg.command == CMD_SERVE &&
        (app.workers = workers_create(cfg.oauth.workers, LIMIT_WORKERS_QUEUE)) == NULL)
        die("out of memory");

    if (cfg.command == CMD_SERVE)
        check_master_key(&app);
    int rc = (cfg.command == CMD_ROTATE_MASTER_KEY) ? rotate(&cfg, &app) : serve(&cfg, &app);
    store_close(&app.store);
    vault_keyring_destroy(&app.keys);
    return rc;
}
