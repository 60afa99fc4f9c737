/*
 * read.h - one entry point for every bank file tfledger reads: it tells
 * the format from the first bytes and calls the reader that knows it, so
 * that callers (bank/statements.c, the CLI, the daemon) never choose.
 *
 * An XML document ('<' first, after a byte order mark and white space) goes
 * to bank/camt.h, whose root namespace then says camt.053, camt.052 or
 * camt.054; a SWIFT message (":20:" first, or a "{1:" or "{4:" block) goes
 * to bank/mt940.h. Anything else is refused before any callback runs.
 * Both readers hand out the same structs through the same handler, and
 * out->format says which format the file was.
 */
#ifndef TFLEDGER_BANK_READ_H
#define TFLEDGER_BANK_READ_H

#include <stddef.h>

#include "bank/camt.h"

/*
 * Reads the bank file at path, whatever its format, calling h as it goes.
 * Returns 0, or what bank_camt_read or bank_mt940_read returns, or
 * ERR_INVALID for a file of no format known ("path: neither ...") or one
 * that cannot be opened. out (may be NULL) is filled in either case as far
 * as the reading got; out->format is set once the format is known.
 */
int bank_read(struct bank_camt_summary *out, const char *path,
	      const struct bank_camt_handler *h);

/* The same for the file at path, called name in messages (the
 * statements' file). */
int bank_read_named(struct bank_camt_summary *out, const char *path, const char *name,
		    const struct bank_camt_handler *h);

/* The same for len bytes at buf (kept by the caller until the call
 * returns); messages name it name. */
int bank_read_memory(struct bank_camt_summary *out, const char *buf, size_t len,
		     const char *name, const struct bank_camt_handler *h);

#endif
