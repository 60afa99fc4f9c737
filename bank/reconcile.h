/*
 * reconcile.h - bank reconciliation: stored bank lines (0010) against the
 * fund's open receivables (0020), and the bank's closing balance against
 * the ledger's balance of the bank account (docs/fund.md).
 */
#ifndef TFLEDGER_BANK_RECONCILE_H
#define TFLEDGER_BANK_RECONCILE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "common/limits.h"
#include "ledger/ledger.h"

/*
 * Reconciles the lines of the bank's statement account statement_account
 * (IBAN or other id, as in bank_lines.account) with the ledger's bank
 * account bank_account (a 10xx-CCY code). A credit line that names exactly
 * one signed pledge's agreement number (remittance text or references, or
 * end-to-end id) and fits what is open posts its receipt (once: the line is
 * then 'matched'); a line whose debtor name and amount (within tolerance,
 * a decimal of the account's currency, NULL for 0) fit an open pledge, or
 * that names an agreement but cannot be posted as it is, is 'suggested';
 * the rest are 'unmatched'. *out = {"bank_account","statement_account",
 * "matched":[...],"suggested":[...],"unmatched":[...],"bank_closing",
 * "closing_date","ledger_balance","difference"}. Connection as for
 * fund/fund.h; error codes as there.
 */
int bank_reconcile(json_t **out, PGconn *c, const char *bank_account,
		   const char *statement_account, const char *tolerance,
		   const struct ledger_actor *who);

/*
 * What bank_reconcile would do, posting and storing nothing: lines with a
 * receipt are "matched"; lines that name exactly one agreement, which a run
 * would try to post, are listed in "to_post"; suggested and unmatched as a
 * run finds them. The same object as bank_reconcile plus "to_post".
 */
int bank_reconcile_preview(json_t **out, PGconn *c, const char *bank_account,
			   const char *statement_account, const char *tolerance);

/*
 * The statement account of bank_account when there is one to choose: the
 * only one linked to it (bank_reconcile_link); with none linked, the
 * only account, not linked elsewhere, whose stored statements are in
 * bank_account's currency.
 * ERR_INVALID "invalid-field" (statement_account) when there is none or
 * several, "unknown-account" when bank_account does not exist.
 */
int bank_reconcile_statement_account(char out[LIMIT_CAMT_FIELD_BYTES], PGconn *c,
				     const char *bank_account);

/*
 * Links a statement account to a bank account of the ledger: body
 * {"iban","account"} (iban: an IBAN, kept without spaces and in upper case
 * as the camt reader keeps it, or the bank's other account id). Linking it
 * again to the same account changes nothing (*created false); to another
 * is ERR_CONFLICT "conflict". *out {"iban","account","currency"}. With a
 * link, bank_reconcile_statement_account finds the statement account.
 */
int bank_reconcile_link(json_t **out, bool *created, PGconn *c, json_t *body,
			const struct ledger_actor *who);

/* Every link: [{"iban","account","currency","created_at"}]. */
int bank_reconcile_links_list(json_t **out, PGconn *c);

/* Prepares this module's statements on c (after fund_setup). */
int bank_reconcile_setup(PGconn *c);

#endif
