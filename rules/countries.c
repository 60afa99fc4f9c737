/*
 * countries.c - the country data the gates and keys need: each ISO 3166-1
 * alpha-3 code with its UN WESP class, and the UN LDC list with the day each
 * graduate left it (rules/data/, see its README.md for sources).
 *
 * Codes index a flat 26*26*26 table, so a lookup is one array access. A code
 * that is not in economies.csv is unknown: an input error for callers.
 */
#include "rules/rules_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/cfg.h"
#include "common/csv.h"
#include "common/limits.h"

#define NCODES (26 * 26 * 26)

struct country {
	char *name;
	bool known;
	enum rules_wesp wesp;
	bool ldc;
	int32_t ldc_until;  /* first day off the list; INT32_MAX if still on */
};

struct rules_countries {
	struct country c[NCODES];
};

static int code_index(const char *s)
{
	if (!s || strlen(s) != 3)
		return -1;
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return -1;
	return ((s[0] - 'A') * 26 + (s[1] - 'A')) * 26 + (s[2] - 'A');
}

/* Finds the header's columns named in want[0..n) into col[]. */
static int header(size_t *col, csv_reader *r, const char *const *want, size_t n)
{
	int rc = csv_next(r);

	if (rc == 0)
		return err_set(ERR_INVALID, "%s: empty, a header row was expected",
			       csv_name(r));
	if (rc < 0)
		return rc;
	for (size_t w = 0; w < n; w++) {
		col[w] = SIZE_MAX;
		for (size_t i = 0; i < csv_nfields(r); i++)
			if (strcmp(csv_field(r, i, NULL), want[w]) == 0)
				col[w] = i;
		if (col[w] == SIZE_MAX)
			return err_set(ERR_INVALID, "%s:%zu: missing column '%s'",
				       csv_name(r), csv_line(r), want[w]);
	}
	return 0;
}

static int bad(csv_reader *r, const char *column, const char *what, const char *v)
{
	return err_set(ERR_INVALID, "%s:%zu: column %s: %s, got '%s'", csv_name(r),
		       csv_line(r), column, what, v);
}

static int load_economies(rules_countries *c, const char *path)
{
	static const char *const want[] = {"iso3", "name", "wesp_class"};
	static const char *const classes[] = {"developed", "transition", "developing",
					      "unclassified"};
	csv_reader *r = NULL;
	size_t col[3];
	int rc;

	if ((rc = csv_open(&r, path)) < 0 || (rc = header(col, r, want, 3)) < 0)
		goto cleanup;
	while ((rc = csv_next(r)) > 0) {
		const char *iso = csv_field(r, col[0], NULL);
		const char *name = csv_field(r, col[1], NULL);
		const char *cls = csv_field(r, col[2], NULL);
		int k = code_index(iso);
		int w = -1;

		if (!iso || !name || !cls) {
			rc = err_set(ERR_INVALID, "%s:%zu: too few fields", path, csv_line(r));
			goto cleanup;
		}
		if (k < 0 || c->c[k].known) {
			rc = bad(r, "iso3", k < 0 ? "expected three capital letters"
						  : "code listed twice", iso);
			goto cleanup;
		}
		for (int i = 0; i < 4; i++)
			if (strcmp(cls, classes[i]) == 0)
				w = i;
		if (w < 0) {
			rc = bad(r, "wesp_class", "expected developed, transition, "
						  "developing or unclassified", cls);
			goto cleanup;
		}
		c->c[k].known = true;
		c->c[k].wesp = (enum rules_wesp)w;
		if (!(c->c[k].name = strdup(name))) {
			rc = err_set(ERR_SYSTEM, "out of memory");
			goto cleanup;
		}
	}
cleanup:
	csv_close(r);
	return rc;
}

static int load_ldc(rules_countries *c, const char *path)
{
	static const char *const want[] = {"iso3", "ldc_until"};
	csv_reader *r = NULL;
	size_t col[2];
	int rc;

	if ((rc = csv_open(&r, path)) < 0 || (rc = header(col, r, want, 2)) < 0)
		goto cleanup;
	while ((rc = csv_next(r)) > 0) {
		const char *iso = csv_field(r, col[0], NULL);
		const char *until = csv_field(r, col[1], NULL);
		int k = code_index(iso);

		if (!iso || !until) {
			rc = err_set(ERR_INVALID, "%s:%zu: too few fields", path, csv_line(r));
			goto cleanup;
		}
		if (k < 0 || !c->c[k].known || c->c[k].ldc) {
			rc = bad(r, "iso3", k < 0 || !c->c[k].known
						    ? "expected a code of economies.csv"
						    : "code listed twice", iso);
			goto cleanup;
		}
		c->c[k].ldc = true;
		c->c[k].ldc_until = INT32_MAX;
		if (until[0] && date_parse(&c->c[k].ldc_until, until) < 0) {
			rc = bad(r, "ldc_until", "expected empty or YYYY-MM-DD", until);
			goto cleanup;
		}
	}
cleanup:
	csv_close(r);
	return rc;
}

int rules_countries_load(rules_countries **out, const char *economies_csv,
			 const char *ldc_csv)
{
	rules_countries *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return err_set(ERR_SYSTEM, "out of memory");
	if ((rc = load_economies(c, economies_csv)) < 0 ||
	    (rc = load_ldc(c, ldc_csv)) < 0) {
		rules_countries_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int rules_countries_load_default(rules_countries **out)
{
	char eco[LIMIT_PATH_BYTES], ldc[LIMIT_PATH_BYTES];
	int rc;

	*out = NULL;
	if ((rc = cfg_data_path(eco, sizeof(eco), "rules/data/economies.csv")) < 0 ||
	    (rc = cfg_data_path(ldc, sizeof(ldc), "rules/data/ldc.csv")) < 0)
		return rc;
	return rules_countries_load(out, eco, ldc);
}

void rules_countries_free(rules_countries *c)
{
	if (!c)
		return;
	for (int i = 0; i < NCODES; i++)
		free(c->c[i].name);
	free(c);
}

static const struct country *find(const rules_countries *c, const char *iso3)
{
	int k = code_index(iso3);

	return k >= 0 && c->c[k].known ? &c->c[k] : NULL;
}

bool rules_country_known(const rules_countries *c, const char *iso3)
{
	return find(c, iso3) != NULL;
}

const char *rules_country_name(const rules_countries *c, const char *iso3)
{
	const struct country *k = find(c, iso3);

	return k ? k->name : iso3;
}

enum rules_wesp rules_country_wesp(const rules_countries *c, const char *iso3)
{
	const struct country *k = find(c, iso3);

	return k ? k->wesp : RULES_WESP_UNCLASSIFIED;
}

bool rules_country_is_ldc(const rules_countries *c, const char *iso3, int32_t day)
{
	const struct country *k = find(c, iso3);

	return k && k->ldc && day < k->ldc_until;
}
