/*
 * ratelimit.h — fixed-window rate limits kept in the database, so every
 * instance on one database counts the same hits. Classes and defaults come
 * from PRODUCT.md; PASSAGENT_RATE_LIMITS can turn them off or override them.
 */
#ifndef PASSAGENT_RATELIMIT_H
#define PASSAGENT_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

enum rl_class { RL_NONE = 0, RL_AUTH, RL_REVEAL, RL_GENERAL, RL_CLASS_COUNT };

struct rl_rule {
    unsigned count;    /* hits allowed per window; 0 = unlimited */
    unsigned window_s; /* window length in seconds */
};

struct rl_config {
    struct rl_rule rules[RL_CLASS_COUNT];
};

/* Parses "default", "off", or "auth=10/900,reveal=30/60,general=100/60"
 * (any subset; unlisted classes keep their defaults). NULL or "" means
 * default. */
int rl_config_parse(const char *text, struct rl_config *out, struct err *e)
    __attribute__((warn_unused_result));

/* Counts one hit of cls for subject (e.g. "ip:127.0.0.1", "user:<id>").
 * Returns 0 when allowed, 1 when over the limit (*retry_after set to the
 * seconds until the window ends, at least 1), or a negative store_rc. */
int rl_hit(struct store *st, const struct rl_config *cfg, enum rl_class cls, const char *subject,
           int64_t now, unsigned *retry_after);

#endif
