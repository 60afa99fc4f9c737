/*
 * deviations.c - the bank file readers' refusals and tolerated deviations
 * (deviations.h): one wording and one per-kind limit for camt and MT940.
 */
#include "bank/deviations.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

#include "bank/statements.h"

#include "common/err.h"
#include "common/limits.h"
#include "common/log.h"

/* Where this thread's logged deviations are also kept, or NULL. */
static _Thread_local json_t *collected;

void bank_statements_collect_deviations(json_t *list)
{
	collected = list;
}

void bank_deviations_keep(const char *message, const char *at, const char *field,
			  const char *kind, const char *what)
{
	if (collected) /* out of memory loses the copy only: the log has it */
		json_array_append_new(collected,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}", "message", message,
						"at", at, "field", field, "kind", kind, "what", what));
}

void bank_deviations_warn(const struct bank_deviations *d, int kind, long line,
			  const char *field, const char *fmt, ...)
{
	char at[LIMIT_PATH_BYTES + 32];
	char what[512], message[128];
	va_list ap;
	long n;

	ASSERT(kind >= 0 && kind < d->kinds);
	n = ++d->counts[kind];
	(*d->total)++;
	if (n > LIMIT_CAMT_WARNINGS_PER_KIND)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(at, sizeof(at), "%s:%ld", d->path, line);
	snprintf(message, sizeof(message), "%s tolerated", d->message);
	log_warn(message, "at", at, "field", field, "kind", d->names[kind], "what", what,
		 NULL);
	bank_deviations_keep(message, at, field, d->names[kind], what);
	if (n == LIMIT_CAMT_WARNINGS_PER_KIND)
		log_warn("further deviations of this kind are only counted", "file", d->path,
			 "kind", d->names[kind], NULL);
}

int bank_deviations_fail(const char *path, int code, long line, const char *field,
			 const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(code, "%s:%ld: %s: %s", path, line, field, what);
}

void bank_deviations_summarise(const struct bank_deviations *d)
{
	char message[128], n[32];

	snprintf(message, sizeof(message), "%ss tolerated in all", d->message);
	for (int k = 0; k < d->kinds; k++)
		if (d->counts[k] > LIMIT_CAMT_WARNINGS_PER_KIND) {
			snprintf(n, sizeof(n), "%ld", d->counts[k]);
			log_warn(message, "file", d->path, "kind", d->names[k], "count", n, NULL);
		}
}
