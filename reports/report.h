/*
 * report.h - the report kinds written from the database: one entry point,
 * reports_write(), for the CLI (`tfledger report KIND`) and the daemon
 * (GET /v1/reports/{KIND}); and the offline check of an account statement,
 * reports_verify_statement(), which needs no database.
 *
 * A report is read inside ONE REPEATABLE READ READ ONLY transaction that
 * reports_write opens and closes itself, so every figure and the ledger head
 * it states come from the same snapshot. Large kinds (the account statement)
 * read keyset pages of LIMIT_REPORT_PAGE_ENTRIES entries and write each page
 * before reading the next: memory does not grow with the report.
 * Same database state, same request (generated_at fixed) → the same bytes.
 */
#ifndef TFLEDGER_REPORTS_REPORT_H
#define TFLEDGER_REPORTS_REPORT_H

#include <libpq-fe.h>
#include <libxml/xmlIO.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/hash.h"

struct reports_request {
	const char *kind;         /* one of reports_kind_names() */
	const char *from, *to;    /* YYYY-MM-DD, inclusive */
	const char *account;      /* account-statement: one account code; NULL: all */
	const char *generated_at; /* YYYY-MM-DDTHH:MM:SSZ; NULL: now */
	/* reconciliation: the ledger's bank account (10xx-CCY, required) and the
	 * bank's statement account (IBAN; NULL: the only one in its currency) */
	const char *bank_account, *statement_account;
	/* travel-allocation: the meeting's id (required) */
	const char *meeting;
};

/* True if kind is a kind reports_write writes. */
bool reports_kind_valid(const char *kind);

/* The kinds, for usage texts: "account-statement, trial-balance, ..." (static). */
const char *reports_kind_names(void);

/*
 * Prepares this module's statements on c, once per connection (also the
 * ledger's, the fund's and reconciliation's: ledger_store_setup(_owner),
 * fund_setup and bank_reconcile_setup must have run on c before; the
 * reconciliation report reads bank_reconcile_statement).
 */
int reports_setup(PGconn *c);

/*
 * Writes the report rq asks for to out (the writer owns out from here on and
 * closes it, also on failure; make it with xmlOutputBufferCreateFilename,
 * ...CreateFd or ...CreateIO). c must be idle (no open transaction) and
 * prepared with reports_setup. ERR_INVALID for a bad request (unknown kind,
 * dates, unknown account or meeting, a meeting without a ranking, a missing
 * UN rate), naming what; ERR_UNAVAILABLE /
 * ERR_INTERNAL from the database; ERR_SYSTEM for a write error. On failure
 * the output holds an incomplete document: discard it.
 */
int reports_write(PGconn *c, const struct reports_request *rq, xmlOutputBufferPtr out);

/* What reports_verify_statement found. */
struct reports_statement_check {
	bool ok;
	int64_t entries, postings;     /* read from the file */
	int64_t first_sequence;        /* 0 if the statement holds no entry */
	int64_t head_sequence;         /* as the header states */
	char head_hash[HASH_HEX_BYTES];
	char why[512];                 /* when !ok: the first thing that failed */
	/* reports_verify_statement_at: whether the chain holds the hash of the
	 * entry at_sequence asked for (as that entry's hash, or as the first
	 * entry's prev_hash when at_sequence is the one before it), and it */
	bool at_found;
	char at_hash[HASH_HEX_BYTES];
};

/*
 * Checks the account statement at path with no database (docs/reports.md
 * lists what is and is not checked): the hash of every entry recomputed
 * from its contents, the chain unbroken from the first entry to the head
 * the header states, which entries are in the period, every running
 * balance, and opening + movements = closing for every account.
 * Returns 0 with out->ok false and out->why when the statement fails a
 * check (or is not an account statement); ERR_SYSTEM if the file cannot be
 * read.
 */
int reports_verify_statement(struct reports_statement_check *out, const char *path);

/*
 * reports_verify_statement, and also notes the hash the verified chain
 * gives the entry at_sequence (>= 0; out->at_found false when the chain
 * does not reach it): what a signed checkpoint of the journal is compared
 * with (reports/checkpoint.h, tfledger verify-statement --checkpoint).
 */
int reports_verify_statement_at(struct reports_statement_check *out, const char *path,
				int64_t at_sequence);

#endif
