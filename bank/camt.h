/*
 * camt.h - a streaming reader of ISO 20022 bank-to-customer cash reports:
 * camt.053 statements (BkToCstmrStmt/Stmt), camt.052 intraday account
 * reports (BkToCstmrAcctRpt/Rpt) and camt.054 debit/credit notifications
 * (BkToCstmrDbtCdtNtfctn/Ntfctn), versions 001.02 to 001.08, told
 * apart by the namespace of the root Document. All three carry the same
 * Ntry: one entry reader serves them, and a Rpt or Ntfctn is handed out as
 * a struct bank_camt_statement like a Stmt (a notification has no balances).
 * The structs below are also what bank/mt940.c hands out, so that storage
 * and line identity (bank/statements.c) are one for every format.
 *
 * The file is read with xmlTextReader, never into a tree: memory depends on
 * the largest entry, not on the file. The caller gets one callback when a
 * statement's header is known, one per bank line (an Ntry, or each TxDtls
 * of a batch booking), and one when the statement ends with its totals.
 *
 * Hostile or foreign XML (not well-formed, any DOCTYPE, not a camt.053
 * Document, nested deeper than LIMIT_XML_DEPTH, above LIMIT_CAMT_BYTES) is
 * an error. Deviations a careful person would accept (docs/bank-statements.md)
 * are logged as warnings naming file:line and counted. Callbacks may have
 * run before an error later in the file: the caller must make its work
 * all-or-nothing (bank/statements.c imports a file in one transaction).
 * Amounts are int64 minor units of ISO 4217 currencies; no floating point.
 */
#ifndef TFLEDGER_BANK_CAMT_H
#define TFLEDGER_BANK_CAMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/limits.h"

enum bank_camt_side { LEDGER_CAMT_CREDIT, LEDGER_CAMT_DEBIT };

/* The kind of file a statement came from (bank_format_name gives the
 * name stored in bank_statements.format). */
enum bank_format {
	BANK_FORMAT_CAMT053, /* camt.053 statement: Stmt */
	BANK_FORMAT_CAMT052, /* camt.052 intraday account report: Rpt */
	BANK_FORMAT_CAMT054, /* camt.054 debit/credit notification: Ntfctn */
	BANK_FORMAT_MT940    /* SWIFT MT940 customer statement (bank/mt940.h) */
};

/* One Stmt (or Rpt, Ntfctn, MT940 statement): the header fields, then (at
 * statement_end) its totals. */
struct bank_camt_statement {
	const char *file;     /* the path given to bank_camt_read */
	enum bank_format format;
	int version;          /* 2 to 8: camt.05x.001.0N; 0 for MT940 */
	long line;            /* line of <Stmt>, <Rpt>, <Ntfctn> (MT940: :20:) */
	char id[LIMIT_CAMT_FIELD_BYTES];      /* Stmt/Id, Rpt/Id, Ntfctn/Id */
	char account[LIMIT_CAMT_FIELD_BYTES]; /* Acct/Id/IBAN, else Acct/Id/Othr/Id */
	char currency[4];     /* Acct/Ccy, else the first Bal or Ntry Amt/@Ccy */
	/* Totals, complete only at statement_end. */
	long entries;         /* Ntry elements */
	int64_t credits_minor; /* sum of the credit entries' amounts in currency */
	int64_t debits_minor;  /* the same for debits; an entry whose amount is in
				  no way known in currency (its review is set)
				  is in neither */
	bool has_opening, has_closing;
	int64_t opening_minor, closing_minor; /* OPBD/CLBD, credit positive */
	char opening_date[11], closing_date[11];
};

/* One bank line: an Ntry, or one TxDtls of a batch booking. Text fields are
 * "" when absent; has_* says whether an optional amount is present.
 *
 * amount_minor is in currency: the statement's (the account's) currency,
 * read from Ntry/Amt, or for an entry booked in another currency from its
 * AmtDtls (account_amount_from names the element). Only when no amount in
 * the account's currency is given is currency another one (the line's own)
 * and review says so; such a line is left out of the statement's totals. */
struct bank_camt_line {
	long line;            /* line of the Ntry (or TxDtls) in the file */
	long entry_index;     /* 1-based Ntry number within the statement */
	int tx_index;         /* 0: the whole entry; 1..n: TxDtls n of a batch */
	int64_t amount_minor; /* > 0, in currency */
	char currency[4];     /* the currency of amount_minor */
	int64_t own_amount_minor; /* Ntry/Amt (a split batch: TxDtls/Amt) as written */
	char own_currency[4];     /* its Ccy */
	char account_amount_from[16]; /* "" (Amt is in the account's currency),
					 "CntrValAmt", "TxAmt" or "InstdAmt" */
	char exchange_rate[LIMIT_CAMT_FIELD_BYTES]; /* AmtDtls/.../CcyXchg/XchgRate
						       as the bank wrote it, or "" */
	char review[LIMIT_CAMT_FIELD_BYTES]; /* why a person must look, or "" */
	enum bank_camt_side side;
	bool reversal;        /* RvslInd true */
	char status[LIMIT_CAMT_FIELD_BYTES];  /* Sts (001.08: Sts/Cd or Prtry) */
	char booking_date[11], value_date[11]; /* YYYY-MM-DD, from Dt or DtTm */
	char bank_ref[LIMIT_CAMT_FIELD_BYTES]; /* Ntry/AcctSvcrRef (MT940: :61:'s
						  bank reference) */
	char ntry_ref[LIMIT_CAMT_FIELD_BYTES]; /* Ntry/NtryRef */
	char tx_ref[LIMIT_CAMT_FIELD_BYTES];   /* TxDtls/Refs/AcctSvcrRef */
	char end_to_end_id[LIMIT_CAMT_FIELD_BYTES];
	char bank_tx_code[LIMIT_CAMT_FIELD_BYTES]; /* BkTxCd: "PMNT/RCDT/ESCT", or
						      "prtry:" Prtry/Cd */
	char remittance[LIMIT_CAMT_REMITTANCE_BYTES]; /* Ustrd lines, "\n"-joined */
	char remittance_refs[LIMIT_CAMT_FIELD_BYTES]; /* Strd CdtrRefInf/Ref and
						       RfrdDocInf/Nb, " "-joined */
	char debtor_name[LIMIT_CAMT_FIELD_BYTES];
	char creditor_name[LIMIT_CAMT_FIELD_BYTES];
	bool has_instructed;  /* AmtDtls/InstdAmt: what the payer instructed */
	int64_t instructed_minor;
	char instructed_currency[4];
	bool has_charges;     /* Chrgs: TtlChrgsAndTaxAmt, else the sum of records */
	int64_t charges_minor;
	char charges_currency[4];
};

/*
 * What the reader calls. Each callback returns 0 to go on, or a negative
 * error code (with err_set) that stops the reading and is returned by
 * bank_camt_read. Any callback may be NULL.
 */
struct bank_camt_handler {
	/* The header is known: before the first line, or at </Stmt>. */
	int (*statement_begin)(void *ctx, const struct bank_camt_statement *s);
	int (*line)(void *ctx, const struct bank_camt_statement *s,
		    const struct bank_camt_line *l);
	/* </Stmt>: the totals and balances are complete. */
	int (*statement_end)(void *ctx, const struct bank_camt_statement *s);
	void *ctx;
};

/* What a whole file held. */
struct bank_camt_summary {
	enum bank_format format;
	int version;          /* 2 to 8; 0 for MT940 */
	long statements;
	long lines;           /* line callbacks made */
	long warnings;        /* deviations tolerated (logged or only counted) */
};

/*
 * Reads the camt.053, camt.052 or camt.054 file at path, calling h as it
 * goes (a Rpt or Ntfctn as a statement). Returns 0, or ERR_INVALID (bad or
 * hostile XML, not one of those documents, a missing or malformed
 * field: the message names "path:line: field: what"), ERR_LIMIT (a limit of
 * common/limits.h), or what a callback returned. out (may be NULL) is
 * filled in either case, as far as the reading got.
 */
int bank_camt_read(struct bank_camt_summary *out, const char *path,
		   const struct bank_camt_handler *h);

/* The same for the file at path, its messages calling it name. */
int bank_camt_read_named(struct bank_camt_summary *out, const char *path, const char *name,
		  const struct bank_camt_handler *h);

/* The same for a document of len bytes at buf (an HTTP request body, which
 * the caller keeps until the call returns); messages name it name. */
int bank_camt_read_memory(struct bank_camt_summary *out, const char *buf, size_t len,
			  const char *name, const struct bank_camt_handler *h);

/* "001.02" ... "001.08" for 2 to 8; NULL otherwise. */
const char *bank_camt_version_name(int version);

/* "camt.053", "camt.052", "camt.054" or "mt940": the name stored in
 * bank_statements.format and shown to users. */
const char *bank_format_name(enum bank_format format);

#endif
