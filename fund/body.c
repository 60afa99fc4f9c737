/*
 * body.c - request-body fields and row-to-JSON helpers shared by
 * fund/fund.c and travel/travel.c (see body.h).
 */
#include "fund/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/money.h"

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

int fund_body_str(const char **out, json_t *body, const char *key, bool required)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? fund_body_bad(key, "required", NULL) : 0;
	if (!json_is_string(v))
		return fund_body_bad(key, "expected a string", NULL);
	*out = json_string_value(v);
	return 0;
}

json_t *fund_body_money(int64_t minor, const char *ccy)
{
	char s[MONEY_STR_MAX];

	if (money_format(s, minor, ccy) < 0)
		return NULL;
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
