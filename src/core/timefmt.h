/* timefmt.h — wall-clock seconds and their ISO 8601 UTC text form. */
#ifndef PASSAGENT_TIMEFMT_H
#define PASSAGENT_TIMEFMT_H

#include <stdint.h>

#define TIMEFMT_ISO_LEN 21 /* "2026-03-04T13:00:00Z" + NUL */

int64_t time_now(void);
/* Monotonic milliseconds, for durations. */
int64_t time_mono_ms(void);
/* Writes e.g. "2026-03-04T13:00:00Z" into out (TIMEFMT_ISO_LEN bytes). */
void time_iso8601(int64_t unix_seconds, char out[TIMEFMT_ISO_LEN]);

#endif
