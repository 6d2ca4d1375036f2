/* timefmt.c — time helpers. */
#include "core/timefmt.h"

#include <stdio.h>
#include <time.h>

int64_t time_now(void) { return (int64_t)time(NULL); }

int64_t time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_iso8601(int64_t unix_seconds, char out[TIMEFMT_ISO_LEN])
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, TIMEFMT_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, TIMEFMT_ISO_LEN, "1970-01-01T00:00:00Z");
}
