/*
 * body.c - request-body fields and row-to-JSON helpers shared by
 * ledger/fund.c and ledger/travel.c (see body.h).
 */
#include "ledger/body.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/money.h"

int ledger_body_bad(const char **code, const char *field, const char *what,
		    const char *value)
{
	*code = "invalid-field";
	return err_set(ERR_INVALID, "%s: %s%s", field, what, value ? value : "");
}

int ledger_body_only_fields(json_t *body, const char *const *allowed, const char **code)
{
	const char *key;
	json_t *v;

	if (!json_is_object(body))
		return ledger_body_bad(code, "body", "expected a JSON object", NULL);
	json_object_foreach(body, key, v) {
		size_t i = 0;

		while (allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (!allowed[i])
			return ledger_body_bad(code, key, "unknown field", NULL);
	}
	return 0;
}

int ledger_body_str(const char **out, json_t *body, const char *key, bool required,
		    const char **code)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? ledger_body_bad(code, key, "required", NULL) : 0;
	if (!json_is_string(v))
		return ledger_body_bad(code, key, "expected a string", NULL);
	*out = json_string_value(v);
	return 0;
}

json_t *ledger_body_money(int64_t minor, const char *ccy)
{
	char s[MONEY_STR_MAX];

	if (money_format(s, minor, ccy) < 0)
		return NULL;
	return json_string(s);
}

int64_t ledger_body_int64(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

json_t *ledger_body_str_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? json_null() : json_string(PQgetvalue(r, row, col));
}
