/*
 * reconcile.h - bank reconciliation both ways: stored bank lines (0010)
 * against the postings of the ledger's bank account and the fund's open
 * receivables (0042, bank/match.h), and the reconciliation statement that
 * explains the bank's closing balance against the ledger's (docs/fund.md).
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
 * account bank_account (a 10xx-CCY code), both ways (docs/fund.md,
 * "Reconciliation"). Each line not matched yet, not locked by a signed-off
 * reconciliation, in the account's currency, is judged by
 * bank_match_candidates (bank/match.h) with tolerance (a decimal of the
 * account's currency, NULL for 0): with one sure candidate it is matched
 * to that posting (how "auto", matched_by the actor's name; nothing
 * posted) or, for a sure open pledge, its receipt is posted through
 * fund_receipt_add_matched (a refusal, e.g. over-payment, leaves it
 * suggested with the reason); with candidates but none sure it is
 * 'suggested'; else 'unmatched', with a "proposal" entry for a bank charge
 * or interest (bank_tx_code). A second run matches and posts nothing new.
 * *out = {"bank_account","statement_account","currency",
 * "matched":[...],"suggested":[...],"unmatched":[...],"bank_closing",
 * "closing_date","ledger_balance","difference"}; each line {"bank_line",
 * "status","date","side","amount","currency","party","bank_ref",
 * "bank_tx_code","pledge","receipt","entry","entry_line","kind","how",
 * "reason"} (pledge/receipt: the receipt a matched line posted or is
 * matched to, and its pledge; entry...how: the posting it is matched to;
 * a suggested line's "pledge" is its best pledge candidate) plus
 * "candidates" (the best 3) and "proposal" {"kind","debit","credit",
 * "amount","date","memo"} where there are some. Connection as for
 * fund/fund.h; error codes as there.
 */
int bank_reconcile(json_t **out, PGconn *c, const char *bank_account,
		   const char *statement_account, const char *tolerance,
		   const struct ledger_actor *who);

/*
 * What bank_reconcile would do, posting and storing nothing: matched lines
 * are "matched"; lines with a sure pledge, whose receipt a run would try to
 * post, are listed in "to_post" (status "to_post", "pledge" the pledge);
 * lines with a sure posting, which a run would match, in "to_match"
 * (status "to_match", "entry" the posting's entry); each with its
 * "candidates"; suggested and unmatched as a run finds them. The same
 * object as bank_reconcile plus "to_post" and "to_match".
 */
int bank_reconcile_preview(json_t **out, PGconn *c, const char *bank_account,
			   const char *statement_account, const char *tolerance);

/*
 * The reconciliation statement of bank_account with statement_account as
 * of as_of (YYYY-MM-DD; NULL: the last closing), reading only, in one
 * snapshot (REPEATABLE READ, or the caller's transaction). The day is the
 * closing date of the last statement closing on or before as_of; the
 * period starts with the first statement held (its opening date). *out:
 *  {"bank_account","statement_account","currency","as_of","statement",
 *   "closing_date","bank_closing" (its CLBD),"ledger_balance" (as of the
 *   closing date),
 *   "brought_forward": {"statement","date","bank_opening" (null: none),
 *                       "ledger_opening" (the day before),"effect"},
 *   "receipts_in_transit":   ledger debits of the period not on the
 *                            statements (effect minus),
 *   "outstanding_payments":  ledger credits not cleared (plus),
 *   "bank_credits_not_in_ledger" (plus), "bank_debits_not_in_ledger"
 *                            (minus): lines not matched to a posting of
 *                            the period,
 *   "statement_gaps":        an opening that is not the closing before,
 *   "amount_differences":    matched pairs whose amounts differ,
 *      each {"total","effect","items":[...]},
 *   "difference" (bank - ledger), "explained" (the effects' sum),
 *   "unexplained" (difference - explained)}.
 * Every amount a string in the account's currency; effects are signed.
 * ERR_NOTFOUND when no statement of the account closes by as_of;
 * ERR_INVALID for as_of not a date, "unknown-account" for bank_account.
 */
int bank_reconcile_statement(json_t **out, PGconn *c, const char *bank_account,
			     const char *statement_account, const char *as_of);

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
