/*
 * log.h - structured logging to stderr in logfmt:
 *   ts=2019-01-29T10:00:00Z level=info msg="migration applied" name=0001_init.sql
 * Values with spaces, quotes, '=' or control bytes are quoted and escaped.
 * Thread-safe: one write(2) per line. The threshold comes from
 * TFLEDGER_LOG_LEVEL (debug, info, warn, error; default info).
 */
#ifndef TFLEDGER_LOG_H
#define TFLEDGER_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/*
 * Logs msg with key/value string pairs, terminated by NULL:
 *   log_write(LOG_INFO, "applied", "name", name, "sha256", hex, NULL);
 * A NULL value is written as an empty string.
 */
void log_write(enum log_level level, const char *msg, ...)
	__attribute__((sentinel));

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

/* Sets the threshold explicitly (overrides the environment). */
void log_set_level(enum log_level level);

#endif
