/*
 * log.h — one-line logging to stderr. Callers never pass secrets; values that
 * came from the network go through log_sanitize first so a client cannot
 * forge log lines.
 */
#ifndef PASSAGENT_LOG_H
#define PASSAGENT_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Copies at most outsz-1 bytes of in[0..len) into out, replacing control
 * characters, quotes, backslashes and non-ASCII with '?'. Always terminates. */
void log_sanitize(char *out, size_t outsz, const char *in, size_t len);

#endif
