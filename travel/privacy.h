/*
 * privacy.h - erasing travel applicants' personal fields once the
 * retention period is over (docs/privacy.md "Erasure"; migration 0064).
 *
 * What an applicant is asked for is kept as long as the Secretariat needs
 * it to judge eligibility and good standing: the retention period, the
 * setting privacy.retention_days (730 by default), counted from the day
 * the meeting ended. After it, an admin erases the personal fields of the
 * applicants of the meetings that ended before a date: name blanked, a
 * given role replaced by the marker "(erased)" (so that the stored inputs
 * still say that there was one, and ranking them again decides the same),
 * source blanked, the same fields' old and new values in
 * travel_applicant_changes set to NULL (and the reason of such a change,
 * which may repeat them, to "(erased)"), the same fields in the stored runs'
 * inputs, and the stored Idempotency-Key answers that speak of the meeting.
 * What stays: the pseudonymous applicant id, country, category, the
 * yes/no facts the policy reads, amounts, decisions, trips and every
 * entry. The journal is never touched (no personal name is in it), so its
 * hash chain stays whole.
 *
 * Connections: travel_privacy_setup() once (after travel_setup). Failures
 * return a negative err code with err_last() naming the field;
 * err_code_of(rc) is the contract's code. On success *out is a new JSON
 * reference the caller owns. A write runs in the caller's transaction if
 * one is open on c (db_tx joins it).
 */
#ifndef TFLEDGER_TRAVEL_PRIVACY_H
#define TFLEDGER_TRAVEL_PRIVACY_H

#include <jansson.h>
#include <libpq-fe.h>

#include "ledger/ledger.h"

/* The retention period when the setting privacy.retention_days is absent. */
#define TRAVEL_PRIVACY_RETENTION_DAYS 730

/* What an erased role reads (a role was given; what it was is gone), and
 * the reason of an erased correction of a personal field. */
#define TRAVEL_PRIVACY_ERASED_ROLE "(erased)"

/* Prepares this module's statements on c. */
int travel_privacy_setup(PGconn *c);

/*
 * Erases the personal fields of the applicants of every meeting that ended
 * before body's "before" (a date YYYY-MM-DD, required) and whose applicants
 * are not erased yet; "dry_run": true counts what would be erased and
 * changes nothing. "before" later than today (UTC) minus the retention
 * period is "conflict" (409), in words: the retention period and the
 * latest date allowed today. A real erasure stores a privacy_erasures row
 * and an audit row (privacy.erase, object "erasure/ID") in one
 * transaction; erasing again finds nothing more to do. *out is
 * {"erasure": id or null (dry run), "dry_run", "before", "retention_days",
 * "erased_by", "meetings": [{"meeting","ends_on","applicants","changes",
 * "runs","answers"}], "applicants": total}.
 */
int travel_privacy_erase(json_t **out, PGconn *c, json_t *body,
			 const struct ledger_actor *who);

/* Every erasure, oldest first: {"erasures": [{"id","erased_at","erased_by",
 * "before","retention_days","meetings":[...as travel_privacy_erase]}]}. */
int travel_privacy_erasures(json_t **out, PGconn *c);

#endif
