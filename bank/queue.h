/*
 * queue.h - the reconciliation work queue (docs/fund.md, "Reconciliation
 * work queue"): the bank lines of a statement account that no posting
 * explains yet, each with its candidates and why (bank/match.h), and what
 * a person does with them: confirm or reject a suggestion, undo a match,
 * record the entry a line is (a receipt, a charge, interest, a payment),
 * sign off a period's reconciliation (which locks its matches) and reopen
 * it (admin). Migration 0042 holds the matches, rejections and sign-offs.
 *
 * Every write takes the request's JSON body (the CLI builds the same
 * object), runs in ONE transaction through db_tx (joining the caller's,
 * as http_write opens it to store the Idempotency-Key with the write) and
 * writes its audit row there. A line dated up to the period_end of an open
 * sign-off of its statement account is locked: every change of its match
 * is refused with ERR_CONFLICT, code reconciliation-locked (409), before
 * the database's trigger would refuse it.
 *
 * Connections: ledger_store_setup, fund_setup, bank_reconcile_setup and
 * bank_match_setup first, then bank_queue_setup. Failures return a
 * negative err code with err_last() naming the field; err_code_of(rc) is
 * the HTTP contract's code. On success *out is a new JSON reference the
 * caller owns.
 *
 * The ledger bank account of a line: the one its statement account is
 * linked to (bank_account_links); a body's "bank_account" must then be
 * that one, and is required when the statement account is not linked.
 */
#ifndef TFLEDGER_BANK_QUEUE_H
#define TFLEDGER_BANK_QUEUE_H

#include <jansson.h>
#include <libpq-fe.h>

#include "ledger/ledger.h"

/* Prepares this module's statements on c (after bank_match_setup). */
int bank_queue_setup(PGconn *c);

/*
 * The queue of a bank account, oldest first: {"bank_account",
 * "statement_account"?, "tolerance"?, "after"?, "limit"?} (statement
 * account as bank_reconcile_statement_account finds it when absent;
 * tolerance as bank_match_candidates takes it, a decimal, default 0;
 * after: the last bank line of the page before; limit: 1 to
 * LIMIT_QUEUE_LINES, the default). *out = {"bank_account",
 * "statement_account", "currency", "tolerance", "locked_to" (date or
 * null), "lines": [{"bank_line","date","side","reversal","amount",
 * "currency","party","text","bank_ref","bank_tx_code","status","locked",
 * "candidates":[bank_match_candidates' objects]}], "next": the "after" of
 * the next page, or null}. Reads only.
 */
int bank_queue_list(json_t **out, PGconn *c, json_t *body);

/*
 * {"bank_line","candidate","bank_account"?,"tolerance"?}: candidate must
 * be one bank_match_candidates offers for the line at that tolerance (400
 * invalid-field "candidate" otherwise). A posting: the line is matched to
 * it (how "confirmed", kind the candidate's match_kind). A pledge: its receipt is posted
 * through fund_receipt_add_matched with bank_line, dated the line's day, the
 * line's amount (and its instructed amount in the pledge's currency), and
 * the line matched to the receipt's bank posting. ERR_CONFLICT (409) for a
 * line or a posting already matched; ERR_NOTFOUND for no such line.
 * *out = {"bank_line","status":"matched","candidate","entry","line",
 * "kind","how","matched_by","receipt": id or null}. Audit
 * "reconcile.confirm".
 */
int bank_queue_confirm(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/*
 * {"bank_line","candidate","bank_account"?,"tolerance"?}: the candidate
 * (one the line is offered) is stored as rejected and never offered again;
 * a suggested line left with no candidate becomes unmatched. *out =
 * {"bank_line","rejected","status"}. Audit "reconcile.reject".
 */
int bank_queue_reject(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/*
 * {"bank_line"}: undoes a match that posted nothing (how auto or
 * confirmed, no receipt on the line): the line is unmatched again and its
 * posting free. A receipt's line or a recorded entry's is ERR_CONFLICT
 * (reverse the entry instead). *out = {"bank_line","status":"unmatched",
 * "entry","line","kind","how"} (what the match was). Audit
 * "reconcile.unmatch".
 */
int bank_queue_unmatch(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/*
 * {"bank_line","kind","bank_account"?,"pledge"?,"account"?,"memo"?,
 *  "instructed_amount"?,"allow_overpayment"?}: posts the entry the line is,
 * dated the line's day, for the line's amount, reference "bank-line:N":
 *   receipt  (a credit; pledge required): fund_receipt_add_matched with
 *            bank_line
 *            (instructed_amount, allow_overpayment as there);
 *   interest (a credit): Dr bank / Cr 4300-CCY;
 *   charge   (a debit): Dr 5100-CCY / Cr bank;
 *   payment  (a debit; account required, an expense account in the line's
 *            currency): Dr account / Cr bank;
 * then matches the line to the entry's bank posting (how "recorded").
 * *out as bank_queue_confirm's, kind and how "recorded". Audit
 * "reconcile.record" (and the entry's own).
 */
int bank_queue_record(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/*
 * {"bank_account","statement_account"?,"period_end"}: finance signs off
 * the reconciliation up to period_end, which must be the closing date of
 * a stored statement of the statement account: stores that statement's
 * closing balance and the ledger's balance of the bank account at
 * period_end (the figures a reconciliation shows). Lines still unmatched
 * do not prevent it: the sign-off records the state as it is, their
 * count and the unexplained difference included. From then on the lines
 * dated up to period_end are locked. ERR_CONFLICT if an open sign-off of
 * the same day exists. *out = the sign-off (bank_queue_signoffs_list's
 * objects). Audit "reconcile.signoff".
 */
int bank_queue_signoff(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/*
 * {"reason"} (1-1000 bytes): reopens sign-off id (who's role must be
 * admin: else ERR_INVALID, code forbidden), unlocking its lines unless
 * another open sign-off covers them. ERR_NOTFOUND, ERR_CONFLICT if it is
 * reopened already. *out = the sign-off. Audit "reconcile.reopen".
 */
int bank_queue_reopen(json_t **out, PGconn *c, long long id, json_t *body,
		      const struct ledger_actor *who);

/*
 * Every sign-off, oldest first: [{"id","bank_account","statement_account",
 * "currency","period_end","bank_closing","ledger_balance","difference",
 * "unmatched_lines" (lines dated up to period_end unmatched now),
 * "signed_by","signed_at","open","reopened_by","reopened_at",
 * "reopen_reason"}].
 */
int bank_queue_signoffs_list(json_t **out, PGconn *c);

#endif
