/*
 * routes_ledger.c - tfledgerd's routes of the journal (ledger/ledger.h,
 * docs/openapi.yaml): accounts, entries (one, a batch, a reversal), their
 * listing, and verifying the hash chain (closing a month:
 * routes_close.c). Entries are
 * appended through the group-commit writer (http_append, server.c); the
 * other writes go through http_write. Roles, body limits and the
 * Idempotency-Key are the route table's (routes.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "ledger/ledger.h"

static int account_create_op(json_t **out, unsigned *status, PGconn *c,
			     const struct ledger_actor *who, void *ctx)
{
	const struct ledger_account *a = ctx;
	int rc = ledger_account_create(c, a, who, NULL, NULL, NULL);

	*status = 201;
	*out = rc < 0 ? NULL : ledger_account_json(a, 0);
	return rc < 0 ? rc : *out ? 0 : err_set(ERR_INTERNAL, "out of memory");
}

enum MHD_Result route_account_create(struct req *q, const char *const *args)
{
	static const char *const fields[] = {"code", "name", "type", "currency", NULL};
	static const char *const types[] = {"asset", "liability", "net_assets",
					    "revenue", "expense", "memo", NULL};
	struct ledger_account a = {0};
	enum MHD_Result sent;
	json_t *body = NULL;
	const char *v[4];

	(void)args;
	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	{
		const char *k;
		json_t *val;

		json_object_foreach(body, k, val) {
			size_t i;

			(void)val;
			for (i = 0; fields[i] && strcmp(fields[i], k) != 0; i++)
				;
			if (!fields[i]) {
				sent = http_send_error(q, EC_INVALID_FIELD, "%s: unknown field", k);
				goto cleanup;
			}
		}
	}
	for (int i = 0; i < 4; i++) {
		json_t *f = json_object_get(body, fields[i]);

		if (!json_is_string(f)) {
			sent = http_send_error(q, EC_INVALID_FIELD, "%s: %s", fields[i],
					       f ? "must be a string"
						 : "required field is missing");
			goto cleanup;
		}
		v[i] = json_string_value(f);
	}
	if (!ledger_code_valid(v[0])) {
		sent = http_send_error(
			q, EC_INVALID_FIELD,
			"code: 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit");
		goto cleanup;
	}
	if (strlen(v[1]) < 1 || strlen(v[1]) > 200) {
		sent = http_send_error(q, EC_INVALID_FIELD, "name: 1-200 bytes");
		goto cleanup;
	}
	{
		size_t i;

		for (i = 0; types[i] && strcmp(types[i], v[2]) != 0; i++)
			;
		if (!types[i]) {
			sent = http_send_error(
				q, EC_INVALID_FIELD,
				"type: asset, liability, net_assets, revenue, expense or memo");
			goto cleanup;
		}
	}
	if (!money_currency_valid(v[3])) {
		sent = http_send_error(q, EC_INVALID_FIELD,
				       "currency: not an ISO 4217 currency code");
		goto cleanup;
	}
	snprintf(a.code, sizeof(a.code), "%s", v[0]);
	snprintf(a.name, sizeof(a.name), "%s", v[1]);
	snprintf(a.type, sizeof(a.type), "%s", v[2]);
	snprintf(a.currency, sizeof(a.currency), "%s", v[3]);
	a.normal_debit = strcmp(a.type, "asset") == 0 || strcmp(a.type, "expense") == 0 ||
			 strcmp(a.type, "memo") == 0;
	sent = http_write(q, account_create_op, &a);
cleanup:
	json_decref(body);
	return sent;
}

static enum MHD_Result account_get(struct req *q, const char *code, bool balance_only)
{
	static const char *const bal_args[] = {"as_of", NULL};
	struct ledger_account a;
	const char *as_of = NULL, *bad;
	int64_t bal;
	int rc;

	if ((bad = http_unknown_arg(q, balance_only ? bal_args : http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (balance_only) {
		as_of = http_arg(q, "as_of");
		if (as_of && !date_valid(as_of))
			return http_send_error(q, EC_INVALID_FIELD,
					       "as_of: must be a date YYYY-MM-DD");
	}
	rc = ledger_account_balance(&a, &bal, http_db(q), code, as_of);
	if (rc < 0)
		return http_send_failure(q, rc);
	if (!balance_only)
		return http_send_json(q, 200, ledger_account_json(&a, bal));
	{
		char amount[MONEY_STR_MAX];

		money_format(amount, bal, a.currency);
		return http_send_json(q, 200,
				      json_pack("{s:s, s:s, s:s, s:o}", "account", a.code,
						"currency", a.currency, "balance", amount, "as_of",
						as_of ? json_string(as_of) : json_null()));
	}
}

enum MHD_Result route_account_get(struct req *q, const char *const *args)
{
	return account_get(q, args[0], false);
}

enum MHD_Result route_account_balance(struct req *q, const char *const *args)
{
	return account_get(q, args[0], true);
}

enum MHD_Result route_accounts_list(struct req *q, const char *const *args)
{
	json_t *arr = NULL;
	const char *bad;
	int rc;

	(void)args;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = ledger_accounts_list(&arr, http_db(q));
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, json_pack("{s:o}", "accounts", arr));
}

enum MHD_Result route_entry_post(struct req *q, const char *const *args)
{
	struct ledger_entry e = {0};
	enum MHD_Result sent;
	json_t *body = NULL;

	(void)args;
	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	if (ledger_entry_parse(&e, body, "") < 0)
		sent = http_send_failure(q, ERR_INVALID);
	else
		sent = http_append(q, &e, 1, false, "entry.post");
	ledger_entry_free(&e);
	json_decref(body);
	return sent;
}

enum MHD_Result route_entry_batch(struct req *q, const char *const *args)
{
	struct ledger_entry *e = NULL;
	enum MHD_Result sent;
	json_t *body = NULL;
	size_t n = 0;
	int rc;

	(void)args;
	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	rc = ledger_entries_parse(&e, &n, body);
	if (rc < 0)
		sent = http_send_failure(q, rc);
	else
		sent = http_append(q, e, n, true, "entry.batch");
	for (size_t i = 0; i < n; i++)
		ledger_entry_free(&e[i]);
	free(e);
	json_decref(body);
	return sent;
}

enum MHD_Result route_entry_get(struct req *q, const char *const *args)
{
	struct ledger_entry e;
	enum MHD_Result sent;
	const char *bad;
	int rc;

	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = ledger_entry_get(&e, http_db(q), args[0]);
	if (rc < 0)
		return http_send_failure(q, rc);
	sent = http_send_json(q, 200, ledger_entry_json(&e));
	ledger_entry_free(&e);
	return sent;
}

enum MHD_Result route_entries_list(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"account", "from", "to", "after", "limit", NULL};
	const char *account = http_arg(q, "account"), *from = http_arg(q, "from");
	const char *to = http_arg(q, "to");
	const char *bad;
	enum MHD_Result sent;
	json_t *out = NULL;
	int64_t after;
	int limit, rc;

	(void)path_args;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (account && !ledger_code_valid(account))
		return http_send_error(q, EC_INVALID_FIELD, "account: not an account code");
	if (from && !date_valid(from))
		return http_send_error(q, EC_INVALID_FIELD, "from: must be a date YYYY-MM-DD");
	if (to && !date_valid(to))
		return http_send_error(q, EC_INVALID_FIELD, "to: must be a date YYYY-MM-DD");
	if (route_page_args(&after, &limit, q, &sent) < 0)
		return sent;
	rc = ledger_entries_list(&out, http_db(q), account, from, to, after, limit);
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, out);
}

enum MHD_Result route_entry_reverse(struct req *q, const char *const *args)
{
	static const char *const fields[] = {"date", "memo", NULL};
	struct ledger_entry orig = {0}, rev = {0};
	enum MHD_Result sent;
	json_t *body = NULL, *v;
	const char *key, *date, *memo;
	const char *id = args[0];
	char defmemo[64];
	int rc;

	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	json_object_foreach(body, key, v) {
		size_t i;

		for (i = 0; fields[i] && strcmp(fields[i], key) != 0; i++)
			;
		if (!fields[i]) {
			sent = http_send_error(q, EC_INVALID_FIELD, "%s: unknown field", key);
			goto cleanup;
		}
		if (!json_is_string(v)) {
			sent = http_send_error(q, EC_INVALID_FIELD, "%s: must be a string", key);
			goto cleanup;
		}
	}
	date = json_string_value(json_object_get(body, "date"));
	if (!date || !date_valid(date)) {
		sent = http_send_error(q, EC_INVALID_FIELD, "date: %s",
				       date ? "must be a date YYYY-MM-DD (1900-9999)"
				       : "required field is missing");
		goto cleanup;
	}
	memo = json_string_value(json_object_get(body, "memo"));
	if (memo && strlen(memo) > LIMIT_MEMO_BYTES) {
		sent = http_send_error(q, EC_INVALID_FIELD, "memo: longer than %d bytes",
				       LIMIT_MEMO_BYTES);
		goto cleanup;
	}
	rc = ledger_entry_get(&orig, http_db(q), id);
	if (rc < 0) {
		sent = http_send_failure(q, rc);
		goto cleanup;
	}
	if (orig.reversed_by[0]) {
		sent = http_send_error(q, EC_ALREADY_REVERSED, "entry %s was reversed by %s", id,
				       orig.reversed_by);
		goto cleanup;
	}
	snprintf(defmemo, sizeof(defmemo), "Reversal of %s", orig.id);
	rev.memo = strdup(memo ? memo : defmemo);
	rev.reference = strdup(orig.reference);
	rev.postings = calloc(orig.n_postings, sizeof(*rev.postings));
	if (!rev.memo || !rev.reference || !rev.postings) {
		sent = http_send_error(q, EC_INTERNAL, "out of memory");
		goto cleanup;
	}
	memcpy(rev.date, date, 11);
	memcpy(rev.reverses, orig.id, sizeof(rev.reverses));
	rev.n_postings = orig.n_postings;
	for (size_t i = 0; i < orig.n_postings; i++) {
		rev.postings[i] = orig.postings[i];
		rev.postings[i].debit = !orig.postings[i].debit;
	}
	sent = http_append(q, &rev, 1, false, "entry.reverse");
cleanup:
	ledger_entry_free(&orig);
	ledger_entry_free(&rev);
	json_decref(body);
	return sent;
}

enum MHD_Result route_journal_verify(struct req *q, const char *const *args)
{
	struct ledger_verify_result v;
	json_t *out;
	int rc;

	(void)args;
	rc = ledger_verify(&v, http_db(q));
	if (rc < 0)
		return http_send_failure(q, rc);
	out = json_pack("{s:b, s:I, s:s}", "ok", v.ok, "entries", (json_int_t)v.entries,
			"head", v.head);
	if (out && !v.ok) {
		json_object_set_new(out, "first_bad_sequence", json_integer(v.bad_sequence));
		json_object_set_new(out, "reason", json_string(v.why));
	}
	return http_send_json(q, 200, out);
}

