/*
 * err.c - the thread-local last-error message behind err.h.
 * Messages are truncated, never overflowed, at LIMIT_ERR_BYTES.
 */
#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"

static _Thread_local char last[LIMIT_ERR_BYTES];

int err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	return code;
}

int err_sys(int code, const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	n = strlen(last);
	snprintf(last + n, sizeof(last) - n, ": %s", strerror(saved));
	return code;
}

int err_wrap(int code, const char *fmt, ...)
{
	char prefix[LIMIT_ERR_BYTES / 2];
	size_t p, m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	p = strlen(prefix);
	m = strlen(last);
	if (p + 2 + m >= sizeof(last))
		m = sizeof(last) - 1 - p - 2;
	memmove(last + p + 2, last, m);
	memcpy(last, prefix, p);
	last[p] = ':';
	last[p + 1] = ' ';
	last[p + 2 + m] = '\0';
	return code;
}

const char *err_last(void)
{
	return last;
}

void err_clear(void)
{
	last[0] = '\0';
}

const char *err_name(int code)
{
	switch (code) {
	case ERR_OK: return "ok";
	case ERR_INVALID: return "invalid";
	case ERR_NOTFOUND: return "not-found";
	case ERR_CONFLICT: return "conflict";
	case ERR_RETRY: return "retry";
	case ERR_LIMIT: return "limit";
	case ERR_UNAVAILABLE: return "unavailable";
	case ERR_SYSTEM: return "system";
	default: return "internal";
	}
}

int err_exit_status(int code)
{
	switch (code) {
	case ERR_OK: return 0;
	case ERR_INVALID:
	case ERR_NOTFOUND:
	case ERR_CONFLICT:
	case ERR_LIMIT: return 1;
	default: return 2;
	}
}

void err_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
	abort();
}
