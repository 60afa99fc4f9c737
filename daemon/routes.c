/*
 * routes.c - every route of tfledgerd in one array (routes.h): a reviewer
 * audits access by reading it. server.c's router matches a request here
 * when its headers arrive (so the body limit is the route's), answers 413,
 * 404, 401 and 403 from the row, replays a stored Idempotency-Key for an
 * idempotent row, and then calls the row's handler. The first matching row
 * wins, so a literal segment goes before a {name} one where both could
 * match. docs/openapi.yaml lists the same (method, path) pairs and roles
 * (x-roles); tests/unit/test_routes.c keeps the two equal.
 */
#include "daemon/routes.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/limits.h"
#include "daemon/http.h"
#include "fund/body.h"

static const char *const role_names[] = {"admin", "finance", "secretariat", "auditor",
					 "approver"};

/* Who may do what. */
enum {
	PUBLIC = 0, /* /healthz, /metrics: no token */
	EVERYONE = ROLE_ADMIN | ROLE_FINANCE | ROLE_SECRETARIAT | ROLE_AUDITOR,
	BOOKKEEPERS = ROLE_ADMIN | ROLE_FINANCE,
	BOOK_READERS = ROLE_ADMIN | ROLE_FINANCE | ROLE_AUDITOR,
	SECRETARIAT = ROLE_ADMIN | ROLE_SECRETARIAT,
	TRAVEL_READERS = ROLE_ADMIN | ROLE_SECRETARIAT | ROLE_AUDITOR,
	ADMIN = ROLE_ADMIN,
	FINANCE = ROLE_FINANCE, /* a countersignature is finance's own */
	SIGNED_IN = EVERYONE | ROLE_APPROVER, /* any user: who am I */
	PEOPLE_READERS = ROLE_ADMIN | ROLE_AUDITOR,
};

#define BODY LIMIT_HTTP_BODY_BYTES
#define STATEMENT LIMIT_HTTP_STATEMENT_BYTES
#define IDEMPOTENT true
#define READ false

/*
 * POST /v1/entries, /v1/entries/batch and /v1/entries/{id}/reverse are
 * idempotent too, but their key is stored by the group-commit writer in
 * the commit of its entries (ledger/writer.c: the hot path does not run
 * through a transaction of the route's own); every other idempotent route
 * writes through http_write, one transaction holding the write, its audit
 * rows and the key's record.
 */
static const struct route routes[] = {
	{"GET", "/healthz", "healthz", PUBLIC, NULL, BODY, READ, route_healthz},
	{"GET", "/metrics", "metrics", PUBLIC, NULL, BODY, READ, route_metrics},
	/* the web workspace's files (static.c): public, as a sign-in page must
	 * be; every figure on its pages comes from the /v1 routes below */
	{"GET", "/", "web_index", PUBLIC, NULL, BODY, READ, route_web_index},
	{"GET", "/web/{file}", "web_file", PUBLIC, NULL, BODY, READ, route_web_file},
	{"GET", "/web/{dir}/{file}", "web_file", PUBLIC, NULL, BODY, READ, route_web_file_in},

	/* the journal */
	{"POST", "/v1/accounts", "account_create", BOOKKEEPERS, "write the ledger", BODY,
	 IDEMPOTENT, route_account_create},
	{"GET", "/v1/accounts", "accounts_list", EVERYONE, "read the ledger", BODY, READ,
	 route_accounts_list},
	{"GET", "/v1/accounts/{code}", "account_get", EVERYONE, "read the ledger", BODY, READ,
	 route_account_get},
	{"GET", "/v1/accounts/{code}/balance", "account_balance", EVERYONE, "read the ledger",
	 BODY, READ, route_account_balance},
	{"POST", "/v1/entries", "entry_post", BOOKKEEPERS, "write the ledger", BODY, IDEMPOTENT,
	 route_entry_post},
	{"GET", "/v1/entries", "entries_list", EVERYONE, "read the ledger", BODY, READ,
	 route_entries_list},
	{"POST", "/v1/entries/batch", "entry_batch", BOOKKEEPERS, "write the ledger", BODY,
	 IDEMPOTENT, route_entry_batch},
	{"GET", "/v1/entries/{id}", "entry_get", EVERYONE, "read the ledger", BODY, READ,
	 route_entry_get},
	{"POST", "/v1/entries/{id}/reverse", "entry_reverse", BOOKKEEPERS, "write the ledger",
	 BODY, IDEMPOTENT, route_entry_reverse},
	{"POST", "/v1/periods/{month}/close", "period_close", BOOKKEEPERS, "close a month", BODY,
	 IDEMPOTENT, route_period_close},
	{"GET", "/v1/journal/verify", "journal_verify", EVERYONE, "read the ledger", BODY, READ,
	 route_journal_verify},

	/* the fund's books, bank statements, reconciliation */
	{"POST", "/v1/fund/init", "fund_init", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_fund_init},
	{"POST", "/v1/bank-statements", "statements_import", BOOKKEEPERS,
	 "write the fund's books", STATEMENT, IDEMPOTENT, route_statements_import},
	{"POST", "/v1/bank-accounts/links", "link_add", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_link_add},
	{"GET", "/v1/bank-accounts/links", "links_list", BOOK_READERS, "read the fund's books",
	 BODY, READ, route_links_list},
	{"POST", "/v1/reconcile", "reconcile_run", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_reconcile_run},
	{"GET", "/v1/reconcile", "reconcile_state", BOOK_READERS, "read the fund's books", BODY,
	 READ, route_reconcile_state},
	{"GET", "/v1/reconcile/queue", "queue_list", BOOK_READERS, "read the fund's books", BODY,
	 READ, route_queue_list},
	{"POST", "/v1/reconcile/confirm", "queue_confirm", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_queue_confirm},
	{"POST", "/v1/reconcile/reject", "queue_reject", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_queue_reject},
	{"POST", "/v1/reconcile/unmatch", "queue_unmatch", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_queue_unmatch},
	{"POST", "/v1/reconcile/record", "queue_record", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_queue_record},
	{"POST", "/v1/reconcile/signoffs", "signoff_add", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_signoff_add},
	{"GET", "/v1/reconcile/signoffs", "signoffs_list", BOOK_READERS, "read the fund's books",
	 BODY, READ, route_signoffs_list},
	{"POST", "/v1/reconcile/signoffs/{id}/reopen", "signoff_reopen", ADMIN,
	 "reopen a signed-off reconciliation", BODY, IDEMPOTENT, route_signoff_reopen},
	{"POST", "/v1/donors", "donor_add", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_donor_add},
	{"GET", "/v1/donors", "donors_list", BOOK_READERS, "read the fund's books", BODY, READ,
	 route_donors_list},
	{"POST", "/v1/pledges", "pledge_add", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_pledge_add},
	{"GET", "/v1/pledges", "pledges_list", BOOK_READERS, "read the fund's books", BODY, READ,
	 route_pledges_list},
	{"POST", "/v1/pledges/{id}/sign", "pledge_sign", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_pledge_sign},
	{"POST", "/v1/receipts", "receipt_add", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_receipt_add},
	{"GET", "/v1/receipts", "receipts_list", BOOK_READERS, "read the fund's books", BODY,
	 READ, route_receipts_list},
	{"POST", "/v1/in-kind", "inkind_add", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_inkind_add},
	{"GET", "/v1/in-kind", "inkind_list", BOOK_READERS, "read the fund's books", BODY, READ,
	 route_inkind_list},
	{"POST", "/v1/rates", "rates_import", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_rates_import},
	{"GET", "/v1/rates", "rates_list", BOOK_READERS, "read the fund's books", BODY, READ,
	 route_rates_list},
	{"GET", "/v1/funds/travel-available", "travel_available", EVERYONE,
	 "read the money available for travel", BODY, READ, route_travel_available},

	/* the funds control (fund/control.h, docs/controls.md) */
	{"GET", "/v1/funds/available", "funds_available", EVERYONE,
	 "read the money available", BODY, READ, route_funds_available},
	{"POST", "/v1/allocations", "allocation_add", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_allocation_add},
	{"GET", "/v1/allocations", "allocations_list", EVERYONE, "read the money available",
	 BODY, READ, route_allocations_list},
	{"POST", "/v1/overruns", "overrun_add", FINANCE, "countersign an overrun", BODY,
	 IDEMPOTENT, route_overrun_add},
	{"GET", "/v1/overruns", "overruns_list", EVERYONE, "read the money available", BODY,
	 READ, route_overruns_list},
	{"POST", "/v1/overdrafts", "overdraft_set", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_overdraft_set},
	{"GET", "/v1/overdrafts", "overdrafts_list", BOOK_READERS, "read the fund's books", BODY,
	 READ, route_overdrafts_list},
	/* month-end revaluation and rate corrections (fund/reval.h) */
	{"POST", "/v1/revaluations", "revalue", BOOKKEEPERS, "write the fund's books", BODY,
	 IDEMPOTENT, route_revalue},
	{"GET", "/v1/revaluations", "revaluations_list", BOOK_READERS, "read the fund's books",
	 BODY, READ, route_revaluations_list},
	{"GET", "/v1/revaluations/{month}", "revaluation_check", BOOK_READERS,
	 "read the fund's books", BODY, READ, route_revaluation_check},
	{"POST", "/v1/rates/corrections", "rate_correct", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_rate_correct},
	{"GET", "/v1/rates/corrections", "rate_corrections_list", BOOK_READERS,
	 "read the fund's books", BODY, READ, route_rate_corrections_list},
	/* annual budgets per budget line (fund/budget.h): finance sets them,
	 * everyone reads them and where they stand */
	{"POST", "/v1/budgets", "budget_set", BOOKKEEPERS, "set budgets", BODY, IDEMPOTENT,
	 route_budget_set},
	{"GET", "/v1/budgets", "budgets_list", EVERYONE, "read budgets", BODY, READ,
	 route_budgets_list},
	{"GET", "/v1/budgets/status", "budget_status", EVERYONE, "read budgets", BODY, READ,
	 route_budget_status},

	/* travel support; a what-if ranking stores nothing, storing one is
	 * SECRETARIAT's (checked by the handler) */
	{"POST", "/v1/meetings", "meeting_add", SECRETARIAT, "write travel support", BODY,
	 IDEMPOTENT, route_meeting_add},
	{"GET", "/v1/meetings", "meetings_list", TRAVEL_READERS, "read travel support", BODY,
	 READ, route_meetings_list},
	{"POST", "/v1/meetings/{id}/applicants", "applicants_import", SECRETARIAT,
	 "write travel support", BODY, IDEMPOTENT, route_applicants_import},
	{"GET", "/v1/meetings/{id}/applicants", "applicants_list", TRAVEL_READERS,
	 "read travel support", BODY, READ, route_applicants_list},
	{"POST", "/v1/meetings/{id}/rank", "meeting_rank", TRAVEL_READERS,
	 "rank travel support", BODY, IDEMPOTENT, route_meeting_rank},
	/* four eyes (travel.four_eyes, on by default): the handler then asks
	 * the approver role of a person who did not rank the run */
	{"POST", "/v1/meetings/{id}/approve", "meeting_approve",
	 ROLE_ADMIN | ROLE_SECRETARIAT | ROLE_APPROVER, "approve travel support", BODY,
	 IDEMPOTENT, route_meeting_approve},
	{"GET", "/v1/meetings/{id}/runs", "runs_list", TRAVEL_READERS | ROLE_APPROVER,
	 "read travel support", BODY, READ, route_runs_list},
	{"GET", "/v1/meetings/{id}/runs/{run}", "run_get", TRAVEL_READERS | ROLE_APPROVER,
	 "read travel support", BODY, READ, route_run_get},
	{"GET", "/v1/meetings/{id}/applicants/{applicant}", "applicant_get",
	 TRAVEL_READERS | ROLE_APPROVER, "read travel support", BODY, READ, route_applicant_get},
	{"PATCH", "/v1/meetings/{id}/applicants/{applicant}", "applicant_update", SECRETARIAT,
	 "write travel support", BODY, IDEMPOTENT, route_applicant_update},
	{"GET", "/v1/meetings/{id}/trips", "trips_list", TRAVEL_READERS, "read travel support",
	 BODY, READ, route_trips_list},
	{"POST", "/v1/meetings/{id}/trips/{applicant}/decline", "trip_decline", SECRETARIAT,
	 "write travel support", BODY, IDEMPOTENT, route_trip_decline},
	{"POST", "/v1/meetings/{id}/trips/{applicant}/cancel", "trip_cancel", SECRETARIAT,
	 "write travel support", BODY, IDEMPOTENT, route_trip_cancel},
	{"POST", "/v1/meetings/{id}/trips/{applicant}/report", "trip_report", SECRETARIAT,
	 "write travel support", BODY, IDEMPOTENT, route_trip_report},
	{"POST", "/v1/meetings/{id}/trips/{applicant}/settle", "trip_settle", SECRETARIAT,
	 "write travel support", BODY, IDEMPOTENT, route_trip_settle},

	/* closing the books (routes_close.c): reopening is the admin's */
	{"GET", "/v1/periods", "periods_list", BOOK_READERS, "read the fund's books", BODY, READ,
	 route_periods_list},
	{"POST", "/v1/periods/{month}/reopen", "period_reopen", ADMIN, "reopen a closed month",
	 BODY, IDEMPOTENT, route_period_reopen},
	{"POST", "/v1/periods/{month}/psc", "psc_charge", BOOKKEEPERS, "write the fund's books",
	 BODY, IDEMPOTENT, route_psc_charge},
	{"POST", "/v1/years/{year}/close", "year_close", BOOKKEEPERS, "close a year", BODY,
	 IDEMPOTENT, route_year_close},
	{"GET", "/v1/years", "years_list", BOOK_READERS, "read the fund's books", BODY, READ,
	 route_years_list},

	/* reports: which role reads which kind is routes_reports.c's table */
	{"GET", "/v1/reports/{kind}", "report",
	 ROLE_ADMIN | ROLE_FINANCE | ROLE_SECRETARIAT | ROLE_AUDITOR | ROLE_APPROVER,
	 "read reports", BODY, READ, route_report},

	/* what signatures verify with, and signed journal checkpoints
	 * (routes_signing.c, docs/signing.md) */
	{"GET", "/v1/signing/certificates", "signing_certificates", PUBLIC, NULL, BODY, READ,
	 route_signing_certificates},
	{"GET", "/v1/signing/certificate", "signing_certificate",
	 EVERYONE | ROLE_APPROVER, "read the signing certificate", BODY, READ,
	 route_signing_certificate},
	{"POST", "/v1/checkpoints", "checkpoint_create", BOOK_READERS, "issue a checkpoint", BODY,
	 IDEMPOTENT, route_checkpoint_create},
	{"GET", "/v1/checkpoints", "checkpoints_list", BOOK_READERS, "read checkpoints", BODY,
	 READ, route_checkpoints_list},
	{"GET", "/v1/checkpoints/{id}", "checkpoint_get", BOOK_READERS, "read checkpoints", BODY,
	 READ, route_checkpoint_get},
	{"GET", "/v1/journal/head", "journal_head", BOOK_READERS, "read checkpoints", BODY, READ,
	 route_journal_head},

	/* personal data (travel/privacy.h, docs/privacy.md): erasing applicants'
	 * personal fields after the retention period is the admin's; the
	 * auditor reads what was erased */
	{"POST", "/v1/privacy/erasures", "privacy_erase", ADMIN, "erase personal data", BODY,
	 IDEMPOTENT, route_privacy_erase},
	{"GET", "/v1/privacy/erasures", "privacy_erasures", ROLE_ADMIN | ROLE_AUDITOR,
	 "read what personal data was erased", BODY, READ, route_privacy_erasures},

	/* people (routes_people.c, docs/people.md): an admin makes and disables
	 * users and their tokens; the auditor reads who is who and the audit log */
	{"GET", "/v1/me", "me", SIGNED_IN, "ask who they are", BODY, READ, route_me},
	{"POST", "/v1/users", "user_create", ADMIN, "manage users", BODY, IDEMPOTENT,
	 route_user_create},
	{"GET", "/v1/users", "users_list", PEOPLE_READERS, "read users", BODY, READ,
	 route_users_list},
	{"GET", "/v1/users/{name}", "user_get", PEOPLE_READERS, "read users", BODY, READ,
	 route_user_get},
	{"POST", "/v1/users/{name}/roles", "user_roles", ADMIN, "manage users", BODY, IDEMPOTENT,
	 route_user_roles},
	{"POST", "/v1/users/{name}/disable", "user_disable", ADMIN, "manage users", BODY,
	 IDEMPOTENT, route_user_disable},
	/* an admin sets anyone's password, any other user only their own
	 * (route_user_password refuses the rest) */
	{"POST", "/v1/users/{name}/password", "user_password", SIGNED_IN, "set a password", BODY,
	 IDEMPOTENT, route_user_password},
	{"POST", "/v1/users/{name}/tokens", "user_token_create", ADMIN, "manage users", BODY,
	 IDEMPOTENT, route_user_token_create},
	{"GET", "/v1/users/{name}/tokens", "user_tokens", PEOPLE_READERS, "read users", BODY,
	 READ, route_user_tokens},
	{"POST", "/v1/tokens/{name}/revoke", "token_revoke", ADMIN, "manage users", BODY,
	 IDEMPOTENT, route_token_revoke},
	{"GET", "/v1/audit", "audit_list", PEOPLE_READERS, "read the audit log", BODY, READ,
	 route_audit_list},

	/* the web workspace's sessions (daemon/session.c, docs/workspace.md):
	 * signing in needs no token (it is how a browser gets its session);
	 * neither it nor the sign-out honours an Idempotency-Key: the sign-in's
	 * answer holds the session's secrets, which no record may keep, and a
	 * repeated sign-out finds its session ended (401) */
	{"POST", "/v1/sessions", "session_create", PUBLIC, NULL, BODY, READ,
	 route_session_create},
	{"GET", "/v1/session", "session_get", SIGNED_IN, "ask who is signed in", BODY, READ,
	 route_session_get},
	{"DELETE", "/v1/session", "session_end", SIGNED_IN, "sign out", BODY, READ,
	 route_session_end},
};

bool route_secret(const struct route *rt)
{
	return rt->handler == route_user_create || rt->handler == route_user_password;
}

bool route_appends(const struct route *rt)
{
	return rt->handler == route_entry_post || rt->handler == route_entry_batch;
}

bool route_spooled(const struct route *rt)
{
	return rt->handler == route_statements_import || rt->handler == route_rates_import;
}

const char *route_role_name(unsigned role)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (role == 1u << i)
			return role_names[i];
	return NULL;
}

unsigned route_role_of(const char *name)
{
	for (size_t i = 0; name && i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(name, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

/* Matches path against pattern one segment at a time ({x}: any non-empty
 * segment under 128 bytes, copied into args). */
static bool match(const char *pattern, const char *path, char args[ROUTE_ARGS_MAX][128])
{
	int n = 0;

	if (strcmp(pattern, "/") == 0) /* the root has no segment */
		return strcmp(path, "/") == 0;
	while (*pattern && *path) {
		size_t plen = strcspn(pattern + 1, "/") + 1, len = strcspn(path + 1, "/") + 1;

		if (*pattern != '/' || *path != '/' || len == 1)
			return false;
		if (pattern[1] == '{') {
			if (len - 1 >= 128 || n == ROUTE_ARGS_MAX)
				return false;
			memcpy(args[n], path + 1, len - 1);
			args[n++][len - 1] = '\0';
		} else if (plen != len || memcmp(pattern, path, len) != 0) {
			return false;
		}
		pattern += plen;
		path += len;
	}
	return !*pattern && (!*path || strcmp(path, "/") == 0); /* a trailing '/' is the same */
}

const struct route *route_match(const char *method, const char *path,
				char args[ROUTE_ARGS_MAX][128])
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(method, routes[i].method) == 0 && match(routes[i].path, path, args))
			return &routes[i];
	return NULL;
}

size_t route_methods(char *out, size_t size, const char *path)
{
	char args[ROUTE_ARGS_MAX][128];
	size_t n = 0, len = 0;

	ASSERT(size > 0);
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].path, path, args) || strstr(out, routes[i].method))
			continue;
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
					n ? ", " : "", routes[i].method);
		if (len >= size) { /* never: a path has a handful of methods */
			out[0] = '\0';
			return 0;
		}
		n++;
	}
	return n;
}

const struct route *daemon_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

/* --- the JSON body ------------------------------------------------------------------- */

int route_parse_body(json_t **out, struct req *q, enum MHD_Result *sent,
		     const char *const *nullable)
{
	if (http_parse_body(out, q, sent))
		return -1;
	if (fund_body_no_null(*out, nullable) < 0) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s", err_last());
		json_decref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
