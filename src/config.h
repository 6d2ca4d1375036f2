/*
 * config.h — start-up configuration from flags and PASSAGENT_* variables
 * (flags win). Every problem stops start-up with one line naming the
 * setting at fault.
 */
#ifndef PASSAGENT_CONFIG_H
#define PASSAGENT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "auth/ratelimit.h"
#include "core/err.h"
#include "core/log.h"
#include "oauth/provider.h"
#include "imap/client.h"

enum config_command { CMD_SERVE, CMD_ROTATE_MASTER_KEY, CMD_HELP, CMD_VERSION };

struct config {
    enum config_command command;
    char listen[256];
    struct sockaddr_storage listen_addr;
    socklen_t listen_addr_len;
    char data_dir[1024];
    char db_url[PATH_MAX];
    char public_url[512];
    bool secure_cookies;
    const char *master_key;          /* from the environment; never copied */
    const char *master_key_previous; /* likewise */
    char master_key_file[PATH_MAX];
    bool master_key_file_default; /* created on first start when missing */
    struct rl_config rate_limits;
    unsigned threads;
    unsigned max_connections_per_ip;
    enum log_level log_level;
    char trusted_proxies[512]; /* comma-separated IP literals, or "" */
    struct oauth_settings oauth; /* providers, timeouts, refresher, workers */
    struct imapc_settings imap;
    char web_dir[PATH_MAX]; /* absolute; "" when there is no dashboard folder */
};

/* Fills cfg from argv and the environment. */
int config_load(int argc, char **argv, struct config *cfg, struct err *e)
    __attribute__((warn_unused_result));

/* Prints the usage text (flags and variables). */
void config_usage(void);

#endif
