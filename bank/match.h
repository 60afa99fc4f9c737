/*
 * match.h - what a bank line could be in the ledger, and why: the one
 * place that scores candidates for a bank line (docs/fund.md,
 * "Reconciliation"). Reconciliation (bank/reconcile.c) matches a line
 * on its own only when this says it is sure; the work queue (bank/queue.c)
 * shows the same candidates with the same reasons to a person.
 *
 * A candidate is either a posting of the ledger's bank account that no
 * bank line is matched to yet (a receipt, a travel settlement, a transfer,
 * a refund: the ledger already has the payment; matching it posts
 * nothing), or, for a credit, an open signed pledge (matching it posts the
 * receipt through fund_receipt_add). Candidates a person rejected
 * (bank_line_rejections) are never offered again. Migration 0042.
 */
#ifndef TFLEDGER_BANK_MATCH_H
#define TFLEDGER_BANK_MATCH_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

/* Prepares this module's statements on c (after fund_setup). */
int bank_match_setup(PGconn *c);

/*
 * The candidates for bank line bank_line of the ledger bank account
 * bank_account (10xx-CCY, the account the line's statement account is
 * reconciled with), best first (score, then postings before pledges).
 * tolerance_minor: how far (in the account's currency) an amount may be
 * from the line's and still be a candidate (0: exactly). Postings: of
 * bank_account on the line's side (a bank credit is a debit of the bank
 * account), not matched to any line, not rejected for this one, not
 * reversed nor a reversal, dated from WINDOW_BEFORE_DAYS (45) before the
 * line's day to WINDOW_AFTER_DAYS (10) after it. Pledges, for a credit
 * that is not a reversal: open signed pledges whose agreement number the
 * line's text names as a whole word (any amount, any currency), or in the
 * line's currency with what is open within the tolerance and a donor name
 * at least 50% alike. *out is an array of
 *   {"candidate": "posting:<entry uuid>/<line>" | "pledge:<id>",
 *    "kind": "posting" | "pledge",
 *    "match_kind": what bank_line_matches.kind a match records: receipt,
 *                 transfer, charge, interest, payment, refund, other
 *                 (from the entry's other postings; "receipt" for a pledge),
 *    "entry", "line", "entry_date", "memo"      (posting; null for a pledge)
 *    "pledge", "agreement", "donor"            (pledge; null for a posting)
 *    "amount": "1520.00" (the candidate's: a posting's, or what is open
 *              of a pledge, in "currency"),
 *    "currency": the account's, or a pledge's own,
 *    "amount_difference": "0.00" (line minus candidate; null for a pledge
 *              in another currency),
 *    "date_distance_days": 2 (line's day minus the entry's date, or minus
 *              the pledge's signature),
 *    "reference": true if the line names the agreement number (pledge) or
 *                 the entry's reference (posting), as a whole word of at
 *                 least 3 characters,
 *    "name_similarity": 0-100 (the line's party against the donor's name,
 *                 of the pledge or of a receipt's entry, else the entry's
 *                 memo: words shared over the words of the shorter),
 *    "score": 0-100 (amount 40, reference 30, date 20, name 10),
 *    "sure": true when reconcile may match it alone,
 *    "why": "amount equal; 2 days before the bank's day; names reference
 *            IGF-TF-2019-03; name 100%"}
 * Sure: the only candidate with the exact amount, when it has the
 * reference, or no candidate has one and its name is 80% alike or more;
 * or an open pledge whose agreement is the only reference named, when no
 * other candidate has the exact amount. At most one is sure.
 * *sure_out (may be NULL) is the index of the one sure candidate, or -1.
 * A line matched already has none (an empty array). ERR_NOTFOUND if there
 * is no such line; ERR_INVALID "unknown-account" (not a 10xx-CCY asset),
 * "currency-mismatch" (the line is in another currency), a negative
 * tolerance. Reads only; any isolation.
 */
int bank_match_candidates(json_t **out, int *sure_out, PGconn *c, long long bank_line,
			  const char *bank_account, int64_t tolerance_minor);

#endif
