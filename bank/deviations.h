/*
 * deviations.h - how the bank file readers (bank/camt.c, bank/mt940.c)
 * speak of a file's faults, in one way: a refusal is an error naming
 * "file:line: field: what"; a deviation a careful person would accept is a
 * logfmt warning naming the same, counted in the summary, and after
 * LIMIT_CAMT_WARNINGS_PER_KIND of one kind in a file only counted, with
 * one line for the rest at the end. Internal to bank/: the readers'
 * callers see only bank_camt_summary.warnings.
 */
#ifndef TFLEDGER_BANK_DEVIATIONS_H
#define TFLEDGER_BANK_DEVIATIONS_H

/* One file's deviations. The reader owns counts (kinds longs, zeroed)
 * and total (its summary's warnings); names[k] is kind k's name. */
struct bank_deviations {
	const char *path;          /* the file as messages name it */
	const char *message;       /* "camt.053 deviation": logged "... tolerated" */
	const char *const *names;
	long *counts;
	int kinds;
	long *total;
};

/* Logs (up to the limit) and counts a tolerated deviation of kind. */
__attribute__((format(printf, 5, 6)))
void bank_deviations_warn(const struct bank_deviations *d, int kind, long line,
			  const char *field, const char *fmt, ...);

/* Keeps a warning another part of bank/ logged about a file (message,
 * "file:line", field, kind, what) where bank_statements_collect_deviations
 * asked, as bank_deviations_warn keeps its own. */
void bank_deviations_keep(const char *message, const char *at, const char *field,
			  const char *kind, const char *what);

/* Sets and returns error code with "path:line: field: what". */
__attribute__((format(printf, 5, 6)))
int bank_deviations_fail(const char *path, int code, long line, const char *field,
			 const char *fmt, ...);

/* At the end of the file: one line per kind that went past the limit,
 * with its count ("camt.053 deviations tolerated in all"). */
void bank_deviations_summarise(const struct bank_deviations *d);

#endif
