/*
 * fuzz_ratelimit_config.c — rl_config_parse on arbitrary
 * PASSAGENT_RATE_LIMITS values. An accepted configuration must be one
 * rl_hit can use (a limited class has a window of at least one second, so
 * no division by zero); a refusal names the variable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ratelimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct rl_config cfg;
    struct err e;
    memset(&e, 0, sizeof(e));
    if (rl_config_parse(text, &cfg, &e) == 0) {
        if (cfg.rules[RL_NONE].count != 0)
            abort();
        for (int k = RL_AUTH; k < RL_CLASS_COUNT; k++) {
            const struct rl_rule *r = &cfg.rules[k];
            if (r->count > 1000000000u)
                abort();
            if (r->count > 0 && (r->window_s < 1 || r->window_s > 31u * 24 * 3600))
                abort();
        }
    } else if (strstr(e.msg, "PASSAGENT_RATE_LIMITS") == NULL) {
        abort();
    }
    free(text);
    return 0;
}
