/*
 * body.c - the write-path kit (see body.h): request-body field readers,
 * the entry builder and the audit insert that fund/fund.c, bank/ and
 * travel/travel.c share, and row-to-JSON helpers. It keeps no state; it
 * must not decide what an operation books, only how a field is read and
 * how an entry is put together.
 */
#include "fund/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "fund/fund.h"

/* A JSON null is not taken for an absent field (issue 16): leave it out. */
#define NULL_REFUSED "null is not a value here (leave the field out)"

int fund_body_bad(const char *field, const char *what,
		  const char *value)
{
	return err_set(ERR_INVALID, "%s: %s%s", field, what, value ? value : "");
}

int fund_body_only_fields(json_t *body, const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(body))
		return fund_body_bad("body", "expected a JSON object", NULL);
	json_object_foreach(body, key, v) {
		size_t i = 0;

		while (allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (!allowed[i])
			return fund_body_bad(key, "unknown field", NULL);
	}
	return 0;
}

/* The first null at or under v (at path, len bytes of it used) whose key is
 * not in nullable, as a refusal naming its path; else 0. */
static int find_null(json_t *v, const char *key, const char *const *nullable, char *path,
		     size_t len, size_t size)
{
	const char *k;
	json_t *x;
	size_t i;
	int rc = 0;

	if (json_is_null(v)) {
		for (i = 0; key && nullable && nullable[i]; i++)
			if (strcmp(nullable[i], key) == 0)
				return 0;
		return fund_body_bad(len ? path : "body", NULL_REFUSED, NULL);
	}
	json_object_foreach(v, k, x) {
		int n = snprintf(path + len, size - len, "%s%s", len ? "." : "", k);
		size_t end = len + (size_t)n < size ? len + (size_t)n : size - 1;

		if ((rc = find_null(x, k, nullable, path, end, size)) < 0)
			return rc;
		path[len] = '\0';
	}
	json_array_foreach(v, i, x) {
		int n = snprintf(path + len, size - len, "[%zu]", i);
		size_t end = len + (size_t)n < size ? len + (size_t)n : size - 1;

		if ((rc = find_null(x, NULL, nullable, path, end, size)) < 0)
			return rc;
		path[len] = '\0';
	}
	return 0;
}

int fund_body_no_null(json_t *body, const char *const *nullable)
{
	char path[256] = "";

	return find_null(body, NULL, nullable, path, 0, sizeof(path));
}

int fund_body_str(const char **out, json_t *body, const char *key, bool required)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (json_is_null(v))
		return fund_body_bad(key, NULL_REFUSED, NULL);
	if (!v)
		return required ? fund_body_bad(key, "required", NULL) : 0;
	if (!json_is_string(v))
		return fund_body_bad(key, "expected a string", NULL);
	*out = json_string_value(v);
	return 0;
}

int fund_body_text(const char **out, json_t *body, const char *key, bool required,
		   size_t max_bytes)
{
	int rc = fund_body_str(out, body, key, required);
	size_t n = *out ? strlen(*out) : 0;

	if (rc == 0 && *out && (n < 1 || n > max_bytes)) {
		char what[80];

		snprintf(what, sizeof(what), "expected 1 to %zu bytes, got %zu", max_bytes, n);
		rc = fund_body_bad(key, what, NULL);
	}
	return rc;
}

int fund_body_slug(const char **out, json_t *body, const char *key)
{
	int rc = fund_body_str(out, body, key, true);
	size_t n;

	if (rc < 0)
		return rc;
	n = strlen(*out);
	for (size_t i = 0; i < n && n <= 32; i++) {
		char ch = (*out)[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-')))
			n = 0;
	}
	if (n < 1 || n > 32)
		return fund_body_bad(key, "expected 1 to 32 of a-z 0-9 . _ - (starting a-z 0-9),"
				     " got ", *out);
	return 0;
}

int fund_body_date(const char **out, json_t *body, const char *key, bool required,
		   char today[FUND_BODY_DATE_BYTES])
{
	int rc = fund_body_str(out, body, key, required);

	if (rc == 0 && *out && !date_valid(*out))
		rc = fund_body_bad(key, "expected a date YYYY-MM-DD, got ", *out);
	if (rc == 0 && !*out && today) {
		char now[LEDGER_TIME_BYTES];

		ledger_now(now);
		snprintf(today, FUND_BODY_DATE_BYTES, "%.10s", now);
		*out = today;
	}
	return rc;
}

int fund_body_amount_text(int64_t *out, const char *s, const char *key, const char *ccy,
			  enum fund_body_sign sign)
{
	int rc = sign == FUND_BODY_POSITIVE ? money_parse_positive(out, s, ccy)
					    : money_parse(out, s, ccy);

	if (rc < 0) {
		*out = 0;
		return err_wrap(ERR_INVALID, "%s", key);
	}
	if (*out < 0) {
		*out = 0;
		return fund_body_bad(key, "expected an amount >= 0, got ", s);
	}
	return 0;
}

int fund_body_amount(int64_t *out, json_t *body, const char *key, bool required,
		     const char *ccy, enum fund_body_sign sign)
{
	const char *s;
	int rc = fund_body_str(&s, body, key, required);

	*out = 0;
	if (rc < 0 || !s)
		return rc;
	return fund_body_amount_text(out, s, key, ccy, sign);
}

int fund_body_currency(const char **out, PGconn *c, json_t *body, const char *key,
		       bool required, const char *account_prefix, const char *books)
{
	struct ledger_account a;
	char acct[LEDGER_CODE_BYTES];
	int rc = fund_body_str(out, body, key, required);

	if (rc < 0 || !*out)
		return rc;
	if (!money_currency_valid(*out))
		return fund_body_bad(key, "not an ISO 4217 currency: ", *out);
	snprintf(acct, sizeof(acct), "%s-%s", account_prefix, *out);
	rc = ledger_account_get(&a, c, acct);
	if (rc == ERR_NOTFOUND) {
		return err_set(ERR_INVALID,
			       "%s: the fund keeps no %s in %s (no account %s;"
			       " tfledger fund init makes USD, EUR and CHF)",
			       key, books, *out, acct);
	}
	return rc;
}

int fund_body_id(long long *out, json_t *body, const char *key, bool required)
{
	json_t *v = json_object_get(body, key);

	*out = 0;
	if (json_is_null(v))
		return fund_body_bad(key, NULL_REFUSED, NULL);
	if (!v)
		return required ? fund_body_bad(key, "required", NULL) : 0;
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return fund_body_bad(key, "expected a positive integer", NULL);
	*out = json_integer_value(v);
	return 0;
}

int fund_body_bool(bool *out, json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);

	*out = false;
	if (json_is_null(v))
		return fund_body_bad(key, NULL_REFUSED, NULL);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fund_body_bad(key, "expected true or false", NULL);
	*out = json_is_true(v);
	return 0;
}

/* --- the entry builder --------------------------------------------------------------- */

int fund_body_entry_begin(struct ledger_entry *e, const char *date, const char *memo,
			  const char *reference)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->date, sizeof(e->date), "%s", date);
	e->memo = strndup(memo, LIMIT_MEMO_BYTES);
	e->reference = strndup(reference ? reference : "", LIMIT_REFERENCE_BYTES);
	e->postings = calloc(FUND_BODY_POSTINGS_MAX, sizeof(*e->postings));
	if (!e->memo || !e->reference || !e->postings) {
		ledger_entry_free(e);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	return 0;
}

void fund_body_entry_add(struct ledger_entry *e, const char *account, const char *ccy,
			 bool debit, int64_t amount)
{
	struct ledger_posting *p;

	if (amount == 0)
		return;
	ASSERT(amount > 0 && e->n_postings < FUND_BODY_POSTINGS_MAX);
	p = &e->postings[e->n_postings++];
	if (strchr(account, '-'))
		snprintf(p->account, sizeof(p->account), "%s", account);
	else
		snprintf(p->account, sizeof(p->account), "%s-%s", account, ccy);
	p->debit = debit;
	p->amount_minor = amount;
	snprintf(p->currency, sizeof(p->currency), "%s", ccy);
}

int fund_body_entry_done(char id_out[LEDGER_UUID_BYTES], PGconn *c, struct ledger_entry *e,
			 const struct ledger_actor *who, const char *action)
{
	int rc = fund_append(c, e, who, action);

	if (rc == 0)
		snprintf(id_out, LEDGER_UUID_BYTES, "%s", e->id);
	ledger_entry_free(e);
	return rc;
}

/* --- rows as JSON ---------------------------------------------------------------------- */

json_t *fund_body_money(int64_t minor, const char *ccy)
{
	char s[MONEY_STR_MAX];

	if (money_format(s, minor, ccy) < 0)
		return NULL;
	return json_string(s);
}

json_t *fund_body_rate(struct money_rate x)
{
	char s[MONEY_STR_MAX + 8];

	money_rate_format(s, x);
	return json_string(s);
}

int64_t fund_body_int64(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

json_t *fund_body_str_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? json_null() : json_string(PQgetvalue(r, row, col));
}

/* --- where in a JSON text ------------------------------------------------- */

struct frame {
	bool object;
	bool want_key; /* object: the next string is a key */
	size_t index;  /* array: the element being read */
	char key[64];  /* object: the key being read */
};

static void path_of(char *out, size_t size, const struct frame *f, int depth, bool in_key)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < depth && n < size; i++) {
		int w;

		if (i == depth - 1 && in_key)
			break;
		if (f[i].object)
			w = snprintf(out + n, size - n, "%s%s", n ? "." : "", f[i].key);
		else
			w = snprintf(out + n, size - n, "[%zu]", f[i].index);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	if (in_key && n < size)
		snprintf(out + n, size - n, "%sa key", n ? ": " : "");
}

void fund_body_path_at(char *out, size_t size, const char *text, size_t len,
		       size_t offset)
{
	struct frame f[32];
	int depth = 0;

	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < len && i <= offset; i++) {
		char ch = text[i];
		struct frame *top = depth > 0 ? &f[depth - 1] : NULL;

		if (ch == '{' || ch == '[') {
			if (depth == 32)
				return;
			f[depth] = (struct frame){.object = ch == '{', .want_key = ch == '{'};
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (depth > 0)
				depth--;
		} else if (ch == ',' && top) {
			if (top->object)
				top->want_key = true;
			else
				top->index++;
		} else if (ch == ':' && top && top->object) {
			top->want_key = false;
		} else if (ch == '"') {
			size_t end = i + 1;
			bool key = top && top->object && top->want_key;

			while (end < len && text[end] != '"')
				end += text[end] == '\\' ? 2 : 1;
			if (offset <= end) { /* the offset is in this string */
				path_of(out, size, f, depth, key);
				return;
			}
			if (key) {
				size_t n = end - i - 1;

				if (n > sizeof(top->key) - 1)
					n = sizeof(top->key) - 1;
				memcpy(top->key, text + i + 1, n);
				top->key[n] = '\0';
			}
			i = end;
		}
	}
}
