/*
 * routes_fund.c - tfledgerd's routes of the fund's books (ledger/fund.h,
 * docs/fund.md "For the HTTP routes"): donors, pledges, receipts, gifts in
 * kind, rates, and the money available for travel. finance (and admin)
 * write; finance, auditor and admin read; the secretariat also reads the
 * money available for travel (the budget of its rankings).
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "ledger/fund.h"
#include "ledger/http.h"

static const char *const writers[] = {"admin", "finance", NULL};
static const char *const readers[] = {"admin", "finance", "auditor", NULL};
static const char *const travel_readers[] = {"admin", "finance", "auditor", "secretariat",
					     NULL};

typedef int (*add_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *,
		      const char **);
typedef int (*list_fn)(json_t **, PGconn *, const char **);

/* A write: the body goes to fn as it is; 201 with its answer. */
static enum MHD_Result add(struct req *q, add_fn fn)
{
	struct ledger_actor who;
	enum MHD_Result sent;
	json_t *body = NULL, *out = NULL;
	const char *code = NULL;
	int rc;

	if (http_authorise(q, writers, "write the fund's books", &sent) ||
	    http_no_idempotency(q, &sent) || http_parse_body(&body, q, &sent))
		return sent;
	who = http_actor(q);
	rc = fn(&out, http_db(q), body, &who, &code);
	json_decref(body);
	return rc < 0 ? http_send_failure(q, rc, code) : http_send_json(q, 201, out);
}

/* A list: {"key": [...]}. */
static enum MHD_Result list(struct req *q, list_fn fn, const char *key)
{
	enum MHD_Result sent;
	const char *code = NULL, *bad;
	json_t *out = NULL;
	int rc;

	if (http_authorise(q, readers, "read the fund's books", &sent))
		return sent;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, "invalid-field", "%s: unknown query parameter", bad);
	rc = fn(&out, http_db(q), &code);
	if (rc < 0)
		return http_send_failure(q, rc, code);
	return http_send_json(q, 200, json_pack("{s:o}", key, out));
}

static enum MHD_Result pledge_sign(struct req *q, const char *id_s)
{
	struct ledger_actor who;
	enum MHD_Result sent;
	json_t *body = NULL, *out = NULL;
	const char *code = NULL;
	char *end;
	long long id;
	int rc;

	if (http_authorise(q, writers, "write the fund's books", &sent) ||
	    http_no_idempotency(q, &sent))
		return sent;
	id = strtoll(id_s, &end, 10);
	if (*id_s < '0' || *id_s > '9' || *end || id < 1)
		return http_send_error(q, "not-found", "no pledge %s", id_s);
	if (http_parse_body(&body, q, &sent))
		return sent;
	who = http_actor(q);
	rc = ledger_fund_pledge_sign(&out, http_db(q), id, body, &who, &code);
	json_decref(body);
	return rc < 0 ? http_send_failure(q, rc, code) : http_send_json(q, 200, out);
}

static enum MHD_Result travel_available(struct req *q)
{
	static const char *const args[] = {"as_of", NULL};
	enum MHD_Result sent;
	const char *as_of = http_arg(q, "as_of"), *code = NULL, *bad;
	json_t *out = NULL;
	int rc;

	if (http_authorise(q, travel_readers, "read the money available for travel", &sent))
		return sent;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, "invalid-field", "%s: unknown query parameter", bad);
	if (!as_of || !ledger_date_valid(as_of))
		return http_send_error(q, "invalid-field", "as_of: %s",
				       as_of ? "must be a date YYYY-MM-DD"
					     : "required query parameter is missing");
	rc = ledger_fund_travel_available(&out, http_db(q), as_of, &code);
	return rc < 0 ? http_send_failure(q, rc, code) : http_send_json(q, 200, out);
}

bool http_routes_fund(struct req *q, bool get, bool post, int n, char s[][128],
		      enum MHD_Result *sent)
{
	static const struct {
		const char *name, *add_route, *list_route;
		add_fn add;
		list_fn list;
	} books[] = {
		{"donors", "donor_add", "donors_list", ledger_fund_donor_add,
		 ledger_fund_donors_list},
		{"pledges", "pledge_add", "pledges_list", ledger_fund_pledge_add,
		 ledger_fund_pledges_list},
		{"receipts", "receipt_add", "receipts_list", ledger_fund_receipt_add,
		 ledger_fund_receipts_list},
		{"inkind", "inkind_add", "inkind_list", ledger_fund_inkind_add,
		 ledger_fund_inkind_list},
		{"rates", NULL, "rates_list", NULL, ledger_fund_rates_list},
	};

	for (size_t i = 0; n == 2 && i < sizeof(books) / sizeof(books[0]); i++) {
		if (strcmp(s[1], books[i].name) != 0)
			continue;
		if (post && books[i].add) {
			http_route(q, books[i].add_route);
			*sent = add(q, books[i].add);
			return true;
		}
		if (get) {
			http_route(q, books[i].list_route);
			*sent = list(q, books[i].list, books[i].name);
			return true;
		}
	}
	if (n == 4 && post && strcmp(s[1], "pledges") == 0 && strcmp(s[3], "sign") == 0) {
		http_route(q, "pledge_sign");
		*sent = pledge_sign(q, s[2]);
		return true;
	}
	if (n == 4 && get && strcmp(s[1], "funds") == 0 && strcmp(s[2], "travel") == 0 &&
	    strcmp(s[3], "available") == 0) {
		http_route(q, "travel_available");
		*sent = travel_available(q);
		return true;
	}
	return false;
}
