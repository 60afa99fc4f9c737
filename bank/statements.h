/*
 * statements.h - storing camt.053 bank statements: each file is read by
 * bank/camt.c and stored in ONE transaction (all of it or nothing), each
 * bank line once per (bank account, line key). The key is a hash of what
 * tells a payment apart and its occurrence among equal lines of its
 * statement (docs/bank-statements.md, "Each bank line stored once"). A line
 * whose key and content are stored already is a duplicate and not stored;
 * a different line whose key is taken is stored under key~n with a
 * warning: no line is ever dropped.
 */
#ifndef TFLEDGER_BANK_STATEMENTS_H
#define TFLEDGER_BANK_STATEMENTS_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"
#include "common/limits.h"
#include "bank/camt.h"

/* What one statement of a file gave. */
struct bank_statements_result {
	char id[LIMIT_CAMT_FIELD_BYTES];
	char account[LIMIT_CAMT_FIELD_BYTES];
	char currency[4];
	long entries;          /* Ntry elements */
	int64_t credits_minor; /* sum of credit Ntry/Amt, minor units */
	int64_t debits_minor;
	long new_lines;        /* bank lines stored now */
	long duplicates;       /* bank lines already stored before */
	long collisions;       /* of new_lines: stored under key~n, their key
				  being taken by a different line (warned) */
	long review;           /* lines read in another currency without an
				  amount in the account's (bank_lines.review) */
};

/* What one file gave; free with bank_statements_file_free. */
struct bank_statements_file {
	struct bank_statements_result *stmts;
	size_t n;
	struct bank_camt_summary summary;
};

/*
 * Readies connection c for imports: a session temporary table for the
 * bulk load and this module's prepared statements. Call it before the
 * imports, outside a transaction; on a connection already ready it costs
 * one round trip. tfledgerd calls it for a pooled connection's first
 * import, not for every pooled connection: the temporary tables were the
 * dearest part of a new connection's setup (issue 18). ERR_* from the
 * database on failure.
 */
int bank_statements_prepare(PGconn *c);

/*
 * Imports the camt.053 file at path in one transaction on c (readied by
 * bank_statements_prepare). On success *out holds the per-statement
 * figures (the caller frees it). On failure nothing is stored, *out is
 * NULL and the error is ERR_INVALID/ERR_LIMIT (the file; the message names
 * file:line: field; ERR_LIMIT also when more than 64 different lines of
 * one account share one key), ERR_CONFLICT (a statement already stored
 * with another currency) or a database error. Lines stored under a taken
 * key (key~n) are logged as warnings and counted in collisions.
 */
int bank_statements_import(struct bank_statements_file **out, PGconn *c,
			   const char *path);

/*
 * The same for the file at path named name in messages and in
 * bank_statements.file_name (tfledgerd: a request body spooled to an
 * unnamed temporary file, path /proc/self/fd/N). Joins a transaction
 * already open on c.
 */
int bank_statements_import_named(struct bank_statements_file **out, PGconn *c,
				 const char *path, const char *name);

/*
 * The same for a document of len bytes at doc (an HTTP request body), named
 * name in messages and in bank_statements.file_name. Inside a transaction
 * already open on c it joins it (db_tx): the caller commits.
 */
int bank_statements_import_memory(struct bank_statements_file **out, PGconn *c,
				  const char *doc, size_t len, const char *name);

void bank_statements_file_free(struct bank_statements_file *f);

/*
 * From now on, the deviations the readers tolerate in this thread (logged
 * as warnings) are also appended to list, a JSON array of {"message",
 * "at" ("file:line"), "field", "kind", "what"}, up to the same per-kind
 * limit, so that a server can answer them to whoever sent the file; NULL
 * stops. list stays the caller's.
 */
void bank_statements_collect_deviations(json_t *list);

/*
 * The identity of bank line l of account (IBAN or other id), from the
 * line's fields only, whatever read it (camt.052/053/054, MT940):
 * out_base is the SHA-256 hex over the fields that tell a payment apart
 * (own amount and currency, side, reversal, value date else booking date,
 * bank ref, tx ref, end-to-end id; for a line without any reference also
 * the remittance and the parties), out_content the fingerprint of what it
 * says beyond them (parties, remittance). The key is bank_line_key(base,
 * occurrence) in SQL. Migration 0040's bank_line_base and
 * bank_line_fingerprint compute the same from a stored row. l->own_currency
 * must be set. Returns 0 or ERR_INTERNAL.
 */
int bank_statements_line_identity(char out_base[HASH_HEX_BYTES],
				  char out_content[HASH_HEX_BYTES], const char *account,
				  const struct bank_camt_line *l);

#endif
