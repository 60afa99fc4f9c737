/*
 * err.c - the thread-local last-error message behind err.h.
 * Messages are truncated, never overflowed, at LIMIT_ERR_BYTES, and on a
 * UTF-8 character boundary (a message goes into JSON answers whole).
 */
#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/text.h"

static _Thread_local char last[LIMIT_ERR_BYTES];
static _Thread_local int last_class;
static _Thread_local enum err_code last_code;

/* The one table of the contract's codes: name and HTTP status. */
static const struct {
	const char *name;
	unsigned status;
} codes[EC_COUNT] = {
	[EC_NONE] = {"internal", 500},
	[EC_INVALID_JSON] = {"invalid-json", 400},
	[EC_INVALID_FIELD] = {"invalid-field", 400},
	[EC_UNAUTHENTICATED] = {"unauthenticated", 401},
	[EC_FORBIDDEN] = {"forbidden", 403},
	[EC_NOT_FOUND] = {"not-found", 404},
	[EC_CONFLICT] = {"conflict", 409},
	[EC_TOO_LARGE] = {"too-large", 413},
	[EC_UNBALANCED_ENTRY] = {"unbalanced-entry", 422},
	[EC_UNKNOWN_ACCOUNT] = {"unknown-account", 422},
	[EC_CURRENCY_MISMATCH] = {"currency-mismatch", 422},
	[EC_PERIOD_CLOSED] = {"period-closed", 422},
	[EC_ALREADY_REVERSED] = {"already-reversed", 422},
	[EC_OVER_PAYMENT] = {"over-payment", 422},
	[EC_MISSING_RATE] = {"missing-rate", 422},
	[EC_UNAVAILABLE] = {"unavailable", 503},
	[EC_INTERNAL] = {"internal", 500},
	[EC_IDEMPOTENCY_KEY_TAKEN] = {"conflict", 409},
	[EC_RECONCILIATION_LOCKED] = {"reconciliation-locked", 409},
	[EC_INSUFFICIENT_FUNDS] = {"insufficient-funds", 409},
	[EC_PERIOD_NOT_READY] = {"period-not-ready", 409},
	[EC_FOUR_EYES] = {"four-eyes", 403},
	[EC_AMOUNT_OVERFLOW] = {"amount-overflow", 422},
	[EC_METHOD_NOT_ALLOWED] = {"method-not-allowed", 405},
	[EC_TOO_MANY_REQUESTS] = {"too-many-requests", 429},
	[EC_CSRF] = {"csrf", 403},
};

int err_recode(int code, enum err_code ec)
{
	last_class = code;
	last_code = ec;
	return code;
}

/* Formats the message, then records code and ec: the body of err_set and err_code_set. */
static int __attribute__((format(printf, 3, 0)))
set(int code, enum err_code ec, const char *fmt, va_list ap)
{
	if (vsnprintf(last, sizeof(last), fmt, ap) >= (int)sizeof(last))
		last[text_cut(last, strlen(last))] = '\0';
	return err_recode(code, ec);
}

int err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(code, EC_NONE, fmt, ap);
	va_end(ap);
	return code;
}

int err_oom(void)
{
	return err_set(ERR_INTERNAL, "out of memory");
}

int err_code_set(int code, enum err_code ec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(code, ec, fmt, ap);
	va_end(ap);
	return code;
}

enum err_code err_code_of(int rc)
{
	if (last_code != EC_NONE && last_class == rc)
		return last_code;
	switch (rc) {
	case ERR_INVALID: return EC_INVALID_FIELD;
	case ERR_NOTFOUND: return EC_NOT_FOUND;
	case ERR_CONFLICT: return EC_CONFLICT;
	case ERR_LIMIT: return EC_TOO_LARGE;
	case ERR_UNAVAILABLE: return EC_UNAVAILABLE;
	default: return EC_INTERNAL;
	}
}

const char *err_code_name(enum err_code ec)
{
	ASSERT(ec >= 0 && ec < EC_COUNT);
	return codes[ec].name;
}

unsigned err_code_status(enum err_code ec)
{
	ASSERT(ec >= 0 && ec < EC_COUNT);
	return codes[ec].status;
}

int err_sys(int code, const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	set(code, EC_NONE, fmt, ap);
	va_end(ap);
	n = strlen(last);
	snprintf(last + n, sizeof(last) - n, ": %s", strerror(saved));
	last[text_cut(last, strlen(last))] = '\0';
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
	p = text_cut(prefix, strlen(prefix));
	m = strlen(last);
	if (p + 2 + m >= sizeof(last))
		m = sizeof(last) - 1 - p - 2;
	memmove(last + p + 2, last, m);
	memcpy(last, prefix, p);
	last[p] = ':';
	last[p + 1] = ' ';
	last[p + 2 + m] = '\0';
	last[text_cut(last, p + 2 + m)] = '\0';
	last_class = code;
	return code;
}

const char *err_last(void)
{
	return last;
}

void err_clear(void)
{
	last[0] = '\0';
	last_class = ERR_OK;
	last_code = EC_NONE;
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
