/*
 * travel.h - travel support in the ledger: meetings, their applicants, stored
 * rankings with a budget from the fund's books, and the trips that approval
 * makes, with their obligation, release and settlement entries
 * (docs/travel.md lists the entries each step makes).
 *
 * One way to do each thing: every write takes the request's JSON body (the
 * CLI builds the same object from its flags), validates it, and in ONE
 * transaction stores its rows, appends its balanced entries through
 * fund_append() and writes its audit row; any failure leaves the
 * database exactly as it was. Ranking itself is rules_rank() (rules/): this
 * module only gathers its inputs from the database and stores its result.
 *
 * Connections: ledger_store_setup() (or _owner), fund_setup(), then
 * travel_setup() once. Failures return a negative err code with
 * err_last() naming the field (or file, line and column); err_code_of(rc)
 * is the HTTP contract's code: invalid-field (400), not-found (404),
 * conflict (409), the ledger's 422 codes (unknown-account, period-closed,
 * ...), missing-rate (422) from the fund, or internal.
 * On success *out is a new JSON reference the caller owns.
 *
 * A write runs in the caller's transaction if one is open on c (its db_tx
 * joins it), so a caller can store more rows in the same commit (tfledgerd
 * stores the request's Idempotency-Key beside it: daemon/http.h http_write).
 */
#ifndef TFLEDGER_TRAVEL_H
#define TFLEDGER_TRAVEL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#include "ledger/ledger.h"
#include "rules/rules.h"

/* Prepares this module's statements on c (after fund_setup). */
int travel_setup(PGconn *c);

/*
 * {"id","name","starts_on","ends_on","place","currency","budget_line"?}:
 * id is 1-32 of a-z 0-9 . _ -; currency one the fund keeps books in.
 * "conflict" if the id exists.
 */
int travel_meeting_add(json_t **out, PGconn *c, json_t *body,
		       const struct ledger_actor *who);

/* Every meeting with its applicant, trip and run counts. */
int travel_meetings_list(json_t **out, PGconn *c);

/*
 * Imports the applicant CSV read from f (the columns of docs/policy.md, read and
 * checked by rules_applicants_read_stream: the meeting's currency, known
 * countries, unique ids) into meeting; source names the file in messages
 * and in the rows (the CLI: its path; a route: "body"). The whole file or
 * nothing: "invalid-field" naming source, line and column; "conflict" naming
 * the ids the meeting has already (correct those with
 * travel_applicant_update); "not-found" for an unknown meeting. The CSV's
 * optional health_attested_on column (a date) is stored; nothing else
 * about health is.
 * *out is {"meeting","source","imported","as_of","applicants":[...]}: the
 * applicants this file stored, as travel_applicants_list shows them,
 * as of today (UTC).
 */
int travel_applicants_import(json_t **out, PGconn *c, const char *meeting, FILE *f,
			     const char *source, const struct ledger_actor *who);

/*
 * The applicants of a meeting: {"meeting","as_of","applicants":[{"id",
 * "name","country","category","role","forms_complete","health_check",
 * "request","amount","currency","requested_on","source","line",
 * "declared":{"prior_funded","prior_reports_outstanding"},"ledger":{the
 * same from the fund's history as of as_of},"differences":[{"field",
 * "declared","ledger"}]}]}. as_of NULL: today (UTC); "invalid-field" if
 * it is not a date, "not-found" for an unknown meeting.
 */
int travel_applicants_list(json_t **out, PGconn *c, const char *meeting,
			   const char *as_of);

/* A ranking of a stored meeting; the rules_result and what came with it. */
typedef struct travel_ranking travel_ranking;

/*
 * Ranks the applicants of a stored meeting:
 * {"meeting","as_of"?,"budget"?,"currency"?,"policy"?,"policy_xml"?,
 * "what_if"?}; budget is "AMOUNT" or "AMOUNT CCY"; a currency, if given,
 * must be the meeting's (the budget's currency). as_of (default
 * today, UTC) is the ranking date: the budget, when not given, is the
 * meeting's allocated budget as of that date (fund_meeting_budget,
 * fund/control.h: the allocations to the meeting, whatever its trips took
 * of them, so ranking again sees the same budget). A given budget above it
 * (and above the largest countersigned overrun not yet used on top of it)
 * is insufficient-funds (409), unless what_if; prior_funded and
 * prior_reports_outstanding come from the fund's history (earlier meetings'
 * approved and settled trips, and whether their reports were received by
 * as_of), not from the CSV. policy is the path of a policy file, policy_xml
 * the policy itself (what-if only; messages name "policy_xml:LINE"), else
 * the bundled one. Unless what_if is true the run (inputs, policy hash,
 * budget, decisions) is stored with an audit row; a what-if
 * stores nothing.
 * Free with travel_ranking_free.
 */
int travel_rank(travel_ranking **out, PGconn *c, json_t *body,
		const struct ledger_actor *who);

void travel_ranking_free(travel_ranking *k);

/* The engine's result (valid while k lives), for rules_write_table/xml. */
const struct rules_result *travel_ranking_result(const travel_ranking *k);

/*
 * The contract's JSON of the result plus "meeting", "as_of", "run" (the
 * stored id, null for a what-if), "budget_source" ("ledger"|"given") and
 * "history": [{"id","field","declared","ledger"}] for every applicant whose
 * CSV figure differs from the fund's history; each decision adds
 * "explanation" (the engine's sentence), "name" and "country". New
 * reference.
 */
json_t *travel_ranking_json(const travel_ranking *k);

/*
 * Approves the latest run of a meeting: {"meeting","date"?} (date of the
 * entries, default today). Every funded decision without a trip, and every
 * offered trip, gets an obligation entry Dr 8100-CCY / Cr 8190-CCY of its
 * granted amount and becomes an approved trip. Funds control
 * (fund_meeting_commit): what it obliges, added to the meeting's open
 * obligations and what its settled trips paid, must fit in the meeting's
 * allocated budget as of date, or in it and one countersigned overrun not
 * yet used (then used by this run); else insufficient-funds (409) naming
 * the allocation, allocated, obliged, spent, asked and short, and nothing
 * is stored. Idempotent: approving again finds nothing to do and stores
 * nothing. *out is {"meeting","run","approved":[trips...],"budget":
 * {"currency","sources","allocated","obliged","spent","asked"},"overrun":
 * the overrun used or null}. "conflict" if the meeting has no stored run.
 *
 * Four eyes (docs/travel.md "Four eyes"): when the setting travel.four_eyes
 * is on (the default; read in the approval's transaction), the person
 * approving (ledger_actor_user(who)) must act as approver (who->role
 * "approver": tfledgerd gives that role to a caller who holds it) and must
 * not be the run's ranker (travel_runs.created_by), and a countersigned
 * overrun the approval uses must have been signed by a third person; else
 * EC_FOUR_EYES (403) in words and nothing is stored. The run records its
 * first approver (approved_by, approved_at); *out adds "ranked_by",
 * "approved_by", "approved_at", "countersigned_by" (signers of the
 * overruns the run used, or null) and "four_eyes" (whether the rule
 * applied).
 */
int travel_approve(json_t **out, PGconn *c, json_t *body,
		   const struct ledger_actor *who);

/*
 * The stored runs of a meeting, oldest first: {"meeting","runs":[{"id",
 * "ranked_on","policy_id","policy_version","policy_sha256","budget",
 * "allocated","remaining","currency","budget_source","ranked_by",
 * "approved_by","approved_at","countersigned_by","status"}]}; status is
 * "approved" (approved_by set), "superseded" (a later run exists) or
 * "proposed". "not-found" for an unknown meeting.
 */
int travel_runs_list(json_t **out, PGconn *c, const char *meeting);

/*
 * One stored run (run: its number as text) as travel_runs_list shows it,
 * plus "meeting", "decisions":[{"position","applicant","rank","decision",
 * "amount","granted","reasons":[...],"explanation"}] exactly as stored,
 * and "inputs" (the applicants as ranked). "invalid-field" if run is no
 * number, "not-found" if the meeting has no such run.
 */
int travel_run_get(json_t **out, PGconn *c, const char *meeting, const char *run);

/*
 * One applicant as travel_applicants_list shows it (as of today), plus
 * "meeting", "as_of" and "changes":[{"field","old","new","reason",
 * "changed_by","changed_at"}], oldest first. "not-found".
 */
int travel_applicant_get(json_t **out, PGconn *c, const char *meeting, const char *applicant);

/*
 * Corrects fields of a stored applicant: {"meeting","applicant","reason",
 * and one or more of the CSV's fields: "name","country","category","role",
 * "forms_complete","health_check" (yes/no or true/false),
 * "health_attested_on" (a date; null or "" clears it),"prior_funded",
 * "prior_reports_outstanding" (counts),"request","amount","currency" (the
 * meeting's),"requested_on"}, each checked as the CSV is. In one
 * transaction: every field whose value changes gets a
 * travel_applicant_changes row (old and new value as the CSV writes them,
 * reason, the person), the applicant row changes, one audit row
 * travel.applicant.correct; a field given with its stored value changes
 * nothing. "conflict" once an approved run has a decision on the applicant
 * or it has a trip (approved decisions are not rewritten: decline or
 * cancel instead); "not-found"; "invalid-field" naming the field. *out is
 * travel_applicant_get's object plus "changed" (how many fields changed).
 */
int travel_applicant_update(json_t **out, PGconn *c, json_t *body,
			    const struct ledger_actor *who);

/*
 * The applicant declines (travel_decline) or the Secretariat cancels
 * (travel_cancel) a trip: {"meeting","applicant","date"?}. An
 * approved trip's obligation is released (Dr 8190 / Cr 8100); then, walking
 * the latest run's waitlist in rank order, every waitlisted applicant
 * without a trip whose amount fits in what the run's budget has left is
 * offered a place (trip "offered", obliged by the next approve); under a
 * policy that stops at the first misfit, the walk stops there too. *out is
 * {"trip":{...},"offered":[trips...]}. "conflict" if the trip is not
 * offered or approved.
 */
int travel_decline(json_t **out, PGconn *c, json_t *body,
		   const struct ledger_actor *who);
int travel_cancel(json_t **out, PGconn *c, json_t *body,
		  const struct ledger_actor *who);

/*
 * Settles an approved trip: {"meeting","applicant","airfare","dsa",
 * "report_received"?,"date"?,"bank_account"?}. One entry: Dr 5200-CCY /
 * Cr bank (default 1010-CCY) airfare + dsa, and Dr 8190 / Cr 8100 the whole
 * granted amount, so that the difference is released. report_received, if
 * given, records the trip report too (as travel_report; "conflict"
 * if another date is recorded); without it the report stays as it was
 * (outstanding, or recorded before). "invalid-field" if airfare + dsa is 0
 * or above the granted amount; "conflict" unless the trip is approved;
 * insufficient-funds (409, ledger_append's bank floor) if the payment
 * would take the bank account below minus its overdraft limit.
 */
int travel_settle(json_t **out, PGconn *c, json_t *body,
		  const struct ledger_actor *who);

/*
 * Records that the trip report of an approved or settled trip was
 * received: {"meeting","applicant","report_received"?} (default today,
 * UTC; not before the meeting starts, not after today). No entry; the
 * person's reports outstanding (rankings of later meetings as of that day
 * or later) no longer count it. Recording the same date again changes
 * nothing (no audit row); another date is "conflict", as is a trip that is
 * offered, declined or cancelled. *out is {"trip":{...}}.
 */
int travel_report(json_t **out, PGconn *c, json_t *body,
		  const struct ledger_actor *who);

/*
 * One page of a meeting's trips in id order ("not-found" for an unknown
 * meeting): those with an id above after (0: from the first), at most
 * limit (1..LIMIT_LIST_ROWS). *out (the caller's): {"meeting","trips":
 * [...],"next": the cursor of the next page, or null}.
 */
int travel_trips_list(json_t **out, PGconn *c, const char *meeting, int64_t after, int limit);

#endif
