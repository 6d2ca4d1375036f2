/*
 * main.c — passagent: configuration, wiring, start and orderly stop.
 *
 * Signals: SIGTERM and SIGINT are blocked in every thread and taken by
 * sigwait here, so shutdown runs in ordinary code: stop accepting, let
 * in-flight requests finish, stop housekeeping, close the database.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
    struct imap_monitor *imap_monitor = NULL;
    if (imap_monitor_start(app->store, app->keys, app->imap, &imap_monitor) != 0)
        die("cannot start the IMAP status check thread");
    log_info("passagent %s listening on %s (public URL %s, %s database, %u threads)",
             PASSAGENT_VERSION, cfg->listen, cfg->public_url, store_backend(app->store),
             cfg->threads);

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0)
        ;
    log_info("shutdown: signal %d received, finishing in-flight requests", sig);
    http_server_stop(&srv, LIMIT_SHUTDOWN_GRACE_S);
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
    if (mkdir(cfg.data_dir, 0700) != 0 && errno != EEXIST) {
        char msg[1200];
        snprintf(msg, sizeof(msg), "PASSAGENT_DATA_DIR: cannot create %s", cfg.data_dir);
        die(msg);
    }
    if (auth_password_init(LIMIT_HASHES_IN_FLIGHT) != 0)
        die("cannot initialise libsodium");
    if (imapc_global_init() != 0)
        die("cannot initialise libcurl");

    struct app app = {.rate_limits = cfg.rate_limits,
                      .secure_cookies = cfg.secure_cookies,
                      .imap = &cfg.imap};
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

    int rc = (cfg.command == CMD_ROTATE_MASTER_KEY) ? rotate(&cfg, &app) : serve(&cfg, &app);
    store_close(&app.store);
    vault_keyring_destroy(&app.keys);
    return rc;
}
