/*
 * routes.h - tfledgerd's one route table (routes.c): for every route its
 * method, path pattern, roles, body limit, whether it honours an
 * Idempotency-Key, and its handler. The router, the role check (403), the
 * body limit (413) and the Idempotency-Key wrapper (http_write) all read
 * it; tests/unit/test_routes.c compares it with docs/openapi.yaml.
 * Not part of the ledger's outside interface.
 */
#ifndef TFLEDGER_DAEMON_ROUTES_H
#define TFLEDGER_DAEMON_ROUTES_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

struct req;

/* The roles a user can hold, as a bit set. */
enum role {
	ROLE_ADMIN = 1 << 0,
	ROLE_FINANCE = 1 << 1,
	ROLE_SECRETARIAT = 1 << 2,
	ROLE_AUDITOR = 1 << 3,
	ROLE_APPROVER = 1 << 4, /* approves a ranking another person made (four eyes) */
};

/* The name of one ROLE_* bit ("admin", ...), or NULL. */
const char *route_role_name(unsigned role);
/* The ROLE_* bit of a name, 0 if it is none. */
unsigned route_role_of(const char *name);

/* The most {name} segments a path pattern has. */
#define ROUTE_ARGS_MAX 4

/* A handler: parse, call one domain function, answer. args are the path's
 * {name} segments in order. Called after the role check and, for an
 * idempotent route, after a stored answer was not found for its key. */
typedef enum MHD_Result (*route_fn)(struct req *q, const char *const *args);

struct route {
	const char *method;  /* "GET" or "POST" */
	const char *path;    /* "/v1/meetings/{id}/rank": {x} is one segment */
	const char *name;    /* in metrics and logs */
	unsigned roles;      /* ROLE_* bits; 0: no authentication at all */
	const char *what;    /* 403: "the role R may not <what>" */
	size_t body_max;     /* request body bytes (common/limits.h) */
	bool idempotent;     /* honours Idempotency-Key (a write) */
	route_fn handler;
};

/* The route of (method, path) with its {name} segments copied into args
 * (ROUTE_ARGS_MAX of 128 bytes), or NULL. */
const struct route *route_match(const char *method, const char *path,
				char args[ROUTE_ARGS_MAX][128]);

/* rt's body may carry a password (POST /v1/users, /v1/users/{name}/password):
 * its Idempotency-Key record must keep no fast hash of it (server.c). */
bool route_secret(const struct route *rt);

/* rt only appends entries through the group-commit writer (POST
 * /v1/entries, /v1/entries/batch), whose transaction checks the token
 * again: its token may come from memory (server.c, authorise). */
bool route_appends(const struct route *rt);

/* rt's body is spooled to a temporary file as it arrives, never held in
 * memory (http_body_fd): the large documents, bank statements and rates. */
bool route_spooled(const struct route *rt);

/* The methods the route table has for path, ", "-separated into out (the
 * value of an Allow header; "" if none); how many. */
size_t route_methods(char *out, size_t size, const char *path);

/* The whole table, read-only (for tests): *n routes. */
const struct route *daemon_routes(size_t *n);

/* --- the handlers the table names ------------------------------------------- */

/* server.c: the daemon's own. */
/*
 * The one reader of a route's JSON body: http_parse_body, then no JSON
 * null anywhere in it but as the value of a key in nullable (NULL: none;
 * fund_body_no_null), else 400 invalid-field naming the field. 0 with
 * *out the caller's, or -1 with the answer sent.
 */
int route_parse_body(json_t **out, struct req *q, enum MHD_Result *sent,
		     const char *const *nullable);

/* routes_page.c: a list's page. */
/*
 * The query's page parameters as GET /v1/entries reads them: after= a
 * cursor (integer >= 0, the previous page's "next"; default 0, from the
 * first row), limit= 1..LIMIT_LIST_ROWS (default LIMIT_LIST_ROWS_DEFAULT).
 * 0, or -1 with a 400 naming the parameter sent (*sent). Other query
 * parameters are the caller's to check.
 */
int route_page_args(int64_t *out_after, int *out_limit, struct req *q, enum MHD_Result *sent);
/* A paged list without filters: one page of fn as its JSON object
 * ({"KEY":[...],"next":CURSOR-or-null}), the only query parameters after=
 * and limit= (route_page_args). */
typedef int (*route_page_fn)(json_t **out, PGconn *c, int64_t after, int limit);
enum MHD_Result route_list_page(struct req *q, route_page_fn fn);

enum MHD_Result route_healthz(struct req *q, const char *const *args);
enum MHD_Result route_metrics(struct req *q, const char *const *args);

/* routes_ledger.c: the journal. */
enum MHD_Result route_account_create(struct req *q, const char *const *args);
enum MHD_Result route_accounts_list(struct req *q, const char *const *args);
enum MHD_Result route_account_get(struct req *q, const char *const *args);
enum MHD_Result route_account_balance(struct req *q, const char *const *args);
enum MHD_Result route_entry_post(struct req *q, const char *const *args);
enum MHD_Result route_entries_list(struct req *q, const char *const *args);
enum MHD_Result route_entry_batch(struct req *q, const char *const *args);
enum MHD_Result route_entry_get(struct req *q, const char *const *args);
enum MHD_Result route_entry_reverse(struct req *q, const char *const *args);
enum MHD_Result route_journal_verify(struct req *q, const char *const *args);

/* routes_fund.c: the fund's books. */
enum MHD_Result route_fund_init(struct req *q, const char *const *args);
enum MHD_Result route_donor_add(struct req *q, const char *const *args);
enum MHD_Result route_donors_list(struct req *q, const char *const *args);
enum MHD_Result route_pledge_add(struct req *q, const char *const *args);
enum MHD_Result route_pledges_list(struct req *q, const char *const *args);
enum MHD_Result route_pledge_sign(struct req *q, const char *const *args);
enum MHD_Result route_receipt_add(struct req *q, const char *const *args);
enum MHD_Result route_receipts_list(struct req *q, const char *const *args);
enum MHD_Result route_inkind_add(struct req *q, const char *const *args);
enum MHD_Result route_inkind_list(struct req *q, const char *const *args);
enum MHD_Result route_rates_import(struct req *q, const char *const *args);
enum MHD_Result route_rates_list(struct req *q, const char *const *args);
enum MHD_Result route_travel_available(struct req *q, const char *const *args);
/* routes_reval.c: month-end revaluation, rate corrections */
enum MHD_Result route_revalue(struct req *q, const char *const *args);
enum MHD_Result route_revaluations_list(struct req *q, const char *const *args);
enum MHD_Result route_revaluation_check(struct req *q, const char *const *args);
enum MHD_Result route_rate_correct(struct req *q, const char *const *args);
enum MHD_Result route_rate_corrections_list(struct req *q, const char *const *args);

/* routes_control.c: the funds control */
enum MHD_Result route_funds_available(struct req *q, const char *const *args);
enum MHD_Result route_allocation_add(struct req *q, const char *const *args);
enum MHD_Result route_allocations_list(struct req *q, const char *const *args);
enum MHD_Result route_overrun_add(struct req *q, const char *const *args);
enum MHD_Result route_overruns_list(struct req *q, const char *const *args);
enum MHD_Result route_overdraft_set(struct req *q, const char *const *args);
enum MHD_Result route_overdrafts_list(struct req *q, const char *const *args);

/* routes_bank.c: bank statements, links, reconciliation. */
enum MHD_Result route_statements_import(struct req *q, const char *const *args);
enum MHD_Result route_link_add(struct req *q, const char *const *args);
enum MHD_Result route_links_list(struct req *q, const char *const *args);
enum MHD_Result route_reconcile_run(struct req *q, const char *const *args);
enum MHD_Result route_reconcile_state(struct req *q, const char *const *args);
enum MHD_Result route_queue_list(struct req *q, const char *const *args);
enum MHD_Result route_queue_confirm(struct req *q, const char *const *args);
enum MHD_Result route_queue_reject(struct req *q, const char *const *args);
enum MHD_Result route_queue_unmatch(struct req *q, const char *const *args);
enum MHD_Result route_queue_record(struct req *q, const char *const *args);
enum MHD_Result route_signoff_add(struct req *q, const char *const *args);
enum MHD_Result route_signoffs_list(struct req *q, const char *const *args);
enum MHD_Result route_signoff_reopen(struct req *q, const char *const *args);

/* routes_travel.c: meetings, applicants, rankings, trips. */
enum MHD_Result route_meeting_add(struct req *q, const char *const *args);
enum MHD_Result route_meetings_list(struct req *q, const char *const *args);
enum MHD_Result route_applicants_import(struct req *q, const char *const *args);
enum MHD_Result route_applicants_list(struct req *q, const char *const *args);
enum MHD_Result route_meeting_rank(struct req *q, const char *const *args);
enum MHD_Result route_meeting_approve(struct req *q, const char *const *args);
enum MHD_Result route_trips_list(struct req *q, const char *const *args);
enum MHD_Result route_trip_report(struct req *q, const char *const *args);
enum MHD_Result route_trip_decline(struct req *q, const char *const *args);
enum MHD_Result route_trip_cancel(struct req *q, const char *const *args);
enum MHD_Result route_trip_settle(struct req *q, const char *const *args);
enum MHD_Result route_runs_list(struct req *q, const char *const *args);
enum MHD_Result route_run_get(struct req *q, const char *const *args);
enum MHD_Result route_applicant_get(struct req *q, const char *const *args);
enum MHD_Result route_applicant_update(struct req *q, const char *const *args);

/* routes_budget.c: annual budgets and where they stand. */
enum MHD_Result route_budget_set(struct req *q, const char *const *args);
enum MHD_Result route_budgets_list(struct req *q, const char *const *args);
enum MHD_Result route_budget_status(struct req *q, const char *const *args);
/* routes_close.c: months closed, reopened and listed, programme support
 * costs, the year-end close. */
enum MHD_Result route_period_close(struct req *q, const char *const *args);
enum MHD_Result route_period_reopen(struct req *q, const char *const *args);
enum MHD_Result route_periods_list(struct req *q, const char *const *args);
enum MHD_Result route_psc_charge(struct req *q, const char *const *args);
enum MHD_Result route_year_close(struct req *q, const char *const *args);
enum MHD_Result route_years_list(struct req *q, const char *const *args);

/* routes_reports.c */
enum MHD_Result route_report(struct req *q, const char *const *args);

/* routes_privacy.c: erasing applicants' personal fields after retention. */
enum MHD_Result route_privacy_erase(struct req *q, const char *const *args);
enum MHD_Result route_privacy_erasures(struct req *q, const char *const *args);
/* routes_signing.c: published certificates, signed journal checkpoints. */
enum MHD_Result route_signing_certificates(struct req *q, const char *const *args);
enum MHD_Result route_signing_certificate(struct req *q, const char *const *args);
enum MHD_Result route_checkpoint_create(struct req *q, const char *const *args);
enum MHD_Result route_checkpoints_list(struct req *q, const char *const *args);
enum MHD_Result route_checkpoint_get(struct req *q, const char *const *args);
enum MHD_Result route_journal_head(struct req *q, const char *const *args);
/* routes_people.c: users, their roles and tokens, who am I, the audit log. */
enum MHD_Result route_me(struct req *q, const char *const *args);
enum MHD_Result route_user_create(struct req *q, const char *const *args);
enum MHD_Result route_users_list(struct req *q, const char *const *args);
enum MHD_Result route_user_get(struct req *q, const char *const *args);
enum MHD_Result route_user_roles(struct req *q, const char *const *args);
enum MHD_Result route_user_disable(struct req *q, const char *const *args);
enum MHD_Result route_user_password(struct req *q, const char *const *args);
enum MHD_Result route_user_token_create(struct req *q, const char *const *args);
enum MHD_Result route_user_tokens(struct req *q, const char *const *args);
enum MHD_Result route_token_revoke(struct req *q, const char *const *args);
enum MHD_Result route_audit_list(struct req *q, const char *const *args);
/* session.c: the web workspace's sign-in, who is signed in, sign-out. */
enum MHD_Result route_session_create(struct req *q, const char *const *args);
enum MHD_Result route_session_get(struct req *q, const char *const *args);
enum MHD_Result route_session_end(struct req *q, const char *const *args);
/* static.c: the web workspace's files (GET /, /web/FILE, /web/DIR/FILE). */
enum MHD_Result route_web_index(struct req *q, const char *const *args);
enum MHD_Result route_web_file(struct req *q, const char *const *args);
enum MHD_Result route_web_file_in(struct req *q, const char *const *args);

#endif
