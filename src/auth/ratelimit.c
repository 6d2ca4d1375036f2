/* ratelimit.c — rate-limit configuration and the per-hit check. */
#include "auth/ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

static const char *const rl_names[RL_CLASS_COUNT] = {
    [RL_NONE] = "none", [RL_AUTH] = "auth", [RL_REVEAL] = "reveal", [RL_GENERAL] = "general"};

static void rl_defaults(struct rl_config *c)
{
    memset(c, 0, sizeof(*c));
    c->rules[RL_AUTH] = (struct rl_rule){LIMIT_RL_AUTH_COUNT, LIMIT_RL_AUTH_WINDOW_S};
    c->rules[RL_REVEAL] = (struct rl_rule){LIMIT_RL_REVEAL_COUNT, LIMIT_RL_REVEAL_WINDOW_S};
    c->rules[RL_GENERAL] = (struct rl_rule){LIMIT_RL_GENERAL_COUNT, LIMIT_RL_GENERAL_WINDOW_S};
}

/* Parses a decimal in [1, max] from s[0..len). */
static int parse_uint(const char *s, size_t len, unsigned long max, unsigned *out)
{
    unsigned long v = 0;
    if (len == 0 || len > 10)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < 1 || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_entry(const char *s, size_t len, struct rl_config *c)
{
    const char *eq = memchr(s, '=', len);
    const char *slash = eq ? memchr(eq, '/', len - (size_t)(eq - s)) : NULL;
    if (eq == NULL || slash == NULL)
        return -1;
    for (int k = RL_AUTH; k < RL_CLASS_COUNT; k++) {
        size_t nl = strlen(rl_names[k]);
        if ((size_t)(eq - s) == nl && memcmp(s, rl_names[k], nl) == 0) {
            struct rl_rule r;
            if (parse_uint(eq + 1, (size_t)(slash - eq - 1), 1000000000UL, &r.count) ||
                parse_uint(slash + 1, len - (size_t)(slash - s) - 1, 31UL * 24 * 3600,
                           &r.window_s))
                return -1;
            c->rules[k] = r;
            return 0;
        }
    }
    return -1;
}

int rl_config_parse(const char *text, struct rl_config *out, struct err *e)
{
    rl_defaults(out);
    if (text == NULL || *text == '\0' || strcmp(text, "default") == 0)
        return 0;
    if (strcmp(text, "off") == 0) {
        memset(out, 0, sizeof(*out));
        return 0;
    }
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (parse_entry(p, len, out) != 0)
            return err_set(e, ERR_INTERNAL,
                           "PASSAGENT_RATE_LIMITS: expected default, off, or "
                           "class=COUNT/SECONDS[,...] with class auth, reveal or general; "
                           "got '%.*s'",
                           (int)(len > 64 ? 64 : len), p);
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

/*
 * Leases. Writing every hit to the database would make the limit cost more
 * than the request it guards, so an instance reserves a block of a window's
 * quota in one atomic update and spends it locally. The database always
 * counts every hit any instance may admit, so instances sharing it never
 * admit more than the limit together; a lease lost with its slot (eviction,
 * restart) only under-admits. Small limits get a lease of 1 and stay exact.
 */
#define LEASE_SLOTS 4096
#define LEASE_MAX 64
#define LEASE_DIVISOR 16

struct rl_lease {
    uint64_t key; /* hash of store + bucket; 0 = empty */
    int64_t window_start;
    unsigned remaining;
};

static struct rl_lease rl_leases[LEASE_SLOTS];
static pthread_mutex_t rl_lease_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned lease_size(const struct rl_rule *r)
{
    unsigned n = r->count / LEASE_DIVISOR;
    return n < 1 ? 1 : n > LEASE_MAX ? LEASE_MAX : n;
}

static uint64_t lease_key(const struct store *st, const char *bucket)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)st; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)bucket; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h ? h : 1;
}

/* Spends one hit of a local lease; returns 1 when there was one. */
static int lease_take(uint64_t key, int64_t window_start)
{
    struct rl_lease *l = &rl_leases[key % LEASE_SLOTS];
    int ok = 0;
    pthread_mutex_lock(&rl_lease_lock);
    if (l->key == key && l->window_start == window_start && l->remaining > 0) {
        l->remaining--;
        ok = 1;
    }
    pthread_mutex_unlock(&rl_lease_lock);
    return ok;
}

static void lease_store(uint64_t key, int64_t window_start, unsigned remaining)
{
    struct rl_lease *l = &rl_leases[key % LEASE_SLOTS];
    pthread_mutex_lock(&rl_lease_lock);
    *l = (struct rl_lease){key, window_start, remaining};
    pthread_mutex_unlock(&rl_lease_lock);
}

int rl_hit(struct store *st, const struct rl_config *cfg, enum rl_class cls, const char *subject,
           int64_t now, unsigned *retry_after)
{
    if (cls <= RL_NONE || cls >= RL_CLASS_COUNT || cfg->rules[cls].count == 0)
        return 0;
    const struct rl_rule *r = &cfg->rules[cls];
    int64_t window_start = now - now % r->window_s;
    char bucket[256];
    snprintf(bucket, sizeof(bucket), "%s/%u:%s", rl_names[cls], r->window_s, subject);
    uint64_t key = lease_key(st, bucket);
    if (lease_take(key, window_start))
        return 0;
    unsigned n = lease_size(r);
    int64_t hits = 0;
    int rc = store_ratelimit_hit(st, bucket, window_start, r->window_s, n, &hits);
    if (rc != STORE_OK)
        return rc < 0 ? rc : STORE_ERROR;
    /* Of the n reserved, those that still fit under the limit are ours. */
    int64_t fit = (int64_t)r->count - (hits - n);
    if (fit > (int64_t)n)
        fit = n;
    if (fit >= 1) {
        if (fit > 1)
            lease_store(key, window_start, (unsigned)fit - 1);
        return 0;
    }
    int64_t left = window_start + r->window_s - now;
    *retry_after = left < 1 ? 1 : (unsigned)left;
    return 1;
}
