/*
 * mt940.h - a streaming reader of SWIFT MT940 customer statements, the
 * format many banks still send beside (or instead of) camt.053.
 *
 * It hands out what bank/camt.h's reader hands out: a struct
 * bank_camt_statement per statement (format BANK_FORMAT_MT940, version 0)
 * and a struct bank_camt_line per :61: statement line, through the same
 * struct bank_camt_handler, so that storage and line identity
 * (bank/statements.c) are one for every format. What each field is read
 * from is in docs/bank-statements.md, "Other formats".
 *
 * The file is read line by line, never whole: memory is bounded by one
 * field (BANK_MT940_FIELD_BYTES), not by the file. Bad or hostile input
 * (garbage, a missing mandatory field, a bad date or amount, an amount
 * beyond int64, balances that do not add up, a line above
 * BANK_MT940_LINE_BYTES, a file above LIMIT_CAMT_BYTES) is an error naming
 * "file:line: field: what". As with camt, callbacks may have run before an
 * error later in the file: the caller makes its work all-or-nothing.
 * Amounts are int64 minor units of ISO 4217 currencies; no floating point.
 */
#ifndef TFLEDGER_BANK_MT940_H
#define TFLEDGER_BANK_MT940_H

#include <stddef.h>

#include "bank/camt.h"

/* One physical line: SWIFT allows 65 characters; exports overrun that
 * (tolerated with a warning), but a longer line is no MT940 line. */
#define BANK_MT940_LINE_BYTES 512

/* One field with its continuation lines: :86: is at most 6 lines of 65
 * characters (390); eight times that leaves room for generous banks. */
#define BANK_MT940_FIELD_BYTES 4096

/*
 * Reads the MT940 file at path, calling h as it goes. Returns 0, or
 * ERR_INVALID (the message names "path:line: field: what"), ERR_LIMIT (a
 * named limit), ERR_SYSTEM (the file cannot be read), or what a callback
 * returned. out (may be NULL) is filled in either case, as far as the
 * reading got; its format is BANK_FORMAT_MT940.
 */
int bank_mt940_read(struct bank_camt_summary *out, const char *path,
		    const struct bank_camt_handler *h);

/* The same for the file at path, its messages calling it name. */
int bank_mt940_read_named(struct bank_camt_summary *out, const char *path, const char *name,
		  const struct bank_camt_handler *h);

/* The same for len bytes at buf (kept by the caller until the call
 * returns); messages name it name. */
int bank_mt940_read_memory(struct bank_camt_summary *out, const char *buf, size_t len,
			   const char *name, const struct bank_camt_handler *h);

#endif
