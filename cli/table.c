/*
 * table.c - aligned tables of JSON rows (see table.h). Two passes over the
 * rows: widths first, then the lines. At most 16 columns. A cell that is
 * not text the ledger accepts (common/text.h) is printed as text_shown
 * shows it ("\u001B"): nothing in a table acts on the terminal.
 */
#include "cli/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text.h"

#define COLS_MAX 16

/* The cell text of o at key; numbers are written into buf. */
static const char *cell(json_t *o, const char *key, char buf[32])
{
	const char *dot = strchr(key, '.');
	json_t *v;

	if (dot) {
		char head[64];

		snprintf(head, sizeof(head), "%.*s", (int)(dot - key), key);
		o = json_object_get(o, head);
		key = dot + 1;
	}
	v = json_object_get(o, key);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return "-";
}

/* Prints the cell s in width w (right-aligned if right) after sep. */
static void print_cell(const char *sep, const char *s, size_t w, bool right)
{
	char *t = text_ok(s, strlen(s)) ? NULL : text_shown(s, strlen(s));

	printf("%s%*s", sep, right ? (int)w : -(int)w, t ? t : text_ok(s, strlen(s)) ? s : "?");
	free(t);
}

/* The width of cell s as print_cell prints it. */
static size_t cell_width(const char *s)
{
	char *t = text_ok(s, strlen(s)) ? NULL : text_shown(s, strlen(s));
	size_t n = strlen(t ? t : s);

	free(t);
	return n;
}

void cli_print_table(json_t *rows, const struct cli_col *cols)
{
	size_t w[COLS_MAX] = {0}, i, k;
	char buf[32];
	json_t *o;

	for (k = 0; cols[k].key; k++) {
		ASSERT(k < COLS_MAX);
		w[k] = strlen(cols[k].header);
	}
	json_array_foreach(rows, i, o)
		for (k = 0; cols[k].key; k++)
			if (cell_width(cell(o, cols[k].key, buf)) > w[k])
				w[k] = cell_width(cell(o, cols[k].key, buf));
	for (k = 0; cols[k].key; k++)
		printf("%s%*s", k ? "  " : "", cols[k].right ? (int)w[k] : -(int)w[k],
		       cols[k].header);
	putchar('\n');
	json_array_foreach(rows, i, o) {
		for (k = 0; cols[k].key; k++)
			print_cell(k ? "  " : "", cell(o, cols[k].key, buf), w[k], cols[k].right);
		putchar('\n');
	}
}
