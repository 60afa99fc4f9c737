/*
 * log.c - logfmt lines on stderr. Each line is formatted into one buffer and
 * written with a single write(2), so lines from threads never interleave.
 * Lines longer than LIMIT_LOG_LINE_BYTES are cut and end in "...".
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"

static int threshold = -1;

static const char *const names[] = {"debug", "info", "warn", "error"};

static int level_from_env(void)
{
	const char *s = getenv("TFLEDGER_LOG_LEVEL");

	if (s)
		for (int i = 0; i < 4; i++)
			if (strcmp(s, names[i]) == 0)
				return i;
	return LOG_INFO;
}

void log_set_level(enum log_level level)
{
	threshold = (int)level;
}

struct line {
	char buf[LIMIT_LOG_LINE_BYTES];
	size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 1 - l->len;

	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static bool needs_quotes(const char *v)
{
	if (*v == '\0')
		return true;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return true;
	return false;
}

static void put_quoted(struct line *l, const char *v)
{
	put(l, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p == '\n') {
			put(l, "\\n", 2);
		} else if (*p < ' ' || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			put(l, esc, strlen(esc));
		} else {
			put(l, (const char *)p, 1);
		}
	}
	put(l, "\"", 1);
}

static void put_value(struct line *l, const char *v)
{
	if (!v)
		v = "";
	if (needs_quotes(v))
		put_quoted(l, v);
	else
		put(l, v, strlen(v));
}

void log_write(enum log_level level, const char *msg, ...)
{
	struct line l = {.len = 0};
	char ts[32];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;

	if (threshold < 0)
		threshold = level_from_env();
	if ((int)level < threshold)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	put(&l, "ts=", 3);
	put(&l, ts, strlen(ts));
	put(&l, " level=", 7);
	put(&l, names[level], strlen(names[level]));
	put(&l, " msg=", 5);
	put_quoted(&l, msg ? msg : "");
	va_start(ap, msg);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		const char *v;

		if (!k)
			break;
		v = va_arg(ap, const char *);
		put(&l, " ", 1);
		put(&l, k, strlen(k));
		put(&l, "=", 1);
		put_value(&l, v);
	}
	va_end(ap);
	if (l.len == sizeof(l.buf) - 1)
		memcpy(l.buf + l.len - 3, "...", 3);
	l.buf[l.len++] = '\n';
	if (write(STDERR_FILENO, l.buf, l.len) < 0) {
		/* nowhere left to report it */
	}
}
