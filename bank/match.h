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
 * reconciled with), best first. tolerance_minor: how far (in the
 * account's currency) an amount may be from the line's and still be a
 * candidate (0: exactly). *out is an array of
 *   {"candidate": "posting:<entry uuid>/<line>" | "pledge:<id>",
 *    "kind": "posting" | "pledge",
 *    "entry", "line", "entry_date", "memo"      (posting; null for a pledge)
 *    "pledge", "agreement", "donor"            (pledge; null for a posting)
 *    "amount": "1520.00" (the candidate's, in the account's currency),
 *    "amount_difference": "0.00" (line minus candidate),
 *    "date_distance_days": 2,
 *    "reference": true if the line names the agreement number (pledge) or
 *                 the entry's reference (posting),
 *    "name_similarity": 0-100 (the line's party against the donor's or
 *                 the entry's memo, integer percent),
 *    "score": 0-100, "sure": true when reconcile may match it alone,
 *    "why": "amount equal; 2 days apart; names agreement SA-2019-01"}
 * *sure_out (may be NULL) is the index of the one sure candidate, or -1.
 * ERR_NOTFOUND if there is no such line; ERR_INVALID "unknown-account".
 */
int bank_match_candidates(json_t **out, int *sure_out, PGconn *c, long long bank_line,
			  const char *bank_account, int64_t tolerance_minor);

#endif
