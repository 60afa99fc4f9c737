/*
 * applicants.c - reading the applicant CSV of `tfledger rank` (docs/policy.md).
 *
 * The file is checked whole before anything is returned: every column of
 * every row, the currency, unknown countries, duplicate ids. The first fault
 * is reported as "file:line: column NAME: expected ..., got '...'"; on any
 * error the caller gets nothing. Dates are proleptic Gregorian, computed
 * with integers (days from civil, after H. Hinnant), never with the C
 * library's time zone machinery.
 */
#include "rules/rules_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/csv.h"
#include "common/limits.h"
#include "common/money.h"

/* ---- the CSV ----------------------------------------------------------------- */

enum col {
	C_ID, C_NAME, C_COUNTRY, C_CATEGORY, C_ROLE, C_FORMS, C_HEALTH, C_PRIOR_FUNDED,
	C_PRIOR_REPORTS, C_REQUEST, C_AMOUNT, C_CURRENCY, C_REQUESTED_ON,
	C_HEALTH_ATTESTED_ON, /* optional: the first column that may be missing */
	C_COUNT
};
#define C_REQUIRED C_HEALTH_ATTESTED_ON

static const char *const col_names[C_COUNT] = {
	"id", "name", "country", "category", "role", "forms_complete", "health_check",
	"prior_funded", "prior_reports_outstanding", "request", "amount", "currency",
	"requested_on", "health_attested_on",
};

struct reader {
	csv_reader *csv;
	size_t col[C_COUNT];
	size_t nheader;
};

static int fail(struct reader *r, enum col c, const char *what)
{
	const char *v = csv_field(r->csv, r->col[c], NULL);

	return err_set(ERR_INVALID, "%s:%zu: column %s (field %zu): %s, got '%.80s%s'",
		       csv_name(r->csv), csv_line(r->csv), col_names[c], r->col[c] + 1,
		       what, v, strlen(v) > 80 ? "..." : "");
}

static int read_header(struct reader *r)
{
	int rc = csv_next(r->csv);

	if (rc == 0)
		return err_set(ERR_INVALID, "%s:1: empty file, expected a header row "
				      "naming the columns", csv_name(r->csv));
	if (rc < 0)
		return rc;
	r->nheader = csv_nfields(r->csv);
	for (int c = 0; c < C_COUNT; c++)
		r->col[c] = SIZE_MAX;
	for (size_t i = 0; i < r->nheader; i++) {
		const char *h = csv_field(r->csv, i, NULL);

		for (int c = 0; c < C_COUNT; c++) {
			if (strcmp(h, col_names[c]) != 0)
				continue;
			if (r->col[c] != SIZE_MAX)
				return err_set(ERR_INVALID, "%s:%zu: column %s (field %zu): "
						      "named twice in the header",
					       csv_name(r->csv), csv_line(r->csv), h, i + 1);
			r->col[c] = i;
		}
	}
	for (int c = 0; c < C_REQUIRED; c++)
		if (r->col[c] == SIZE_MAX)
			return err_set(ERR_INVALID, "%s:%zu: column %s: missing from the "
					      "header", csv_name(r->csv), csv_line(r->csv),
				       col_names[c]);
	return 0;
}

static int choice(int *out, struct reader *r, enum col c, const char *a,
		  const char *b, const char *d, const char *what)
{
	const char *v = csv_field(r->csv, r->col[c], NULL);

	if (strcmp(v, a) == 0)
		*out = 0;
	else if (strcmp(v, b) == 0)
		*out = 1;
	else if (d && strcmp(v, d) == 0)
		*out = 2;
	else
		return fail(r, c, what);
	return 0;
}

static int count(int64_t *out, struct reader *r, enum col c)
{
	const char *v = csv_field(r->csv, r->col[c], NULL);
	size_t n = strlen(v);

	/* at most 9 digits: a count of meetings, never near int64 */
	if (n == 0 || n > 9 || strspn(v, "0123456789") != n || (v[0] == '0' && n > 1))
		return fail(r, c, "expected a whole number >= 0 (digits only)");
	*out = strtoll(v, NULL, 10);
	return 0;
}

/* Characters (code points) of valid UTF-8 text. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

static int read_row(struct rules_applicant *a, struct reader *r, const char *currency,
		    const rules_countries *countries)
{
	const char *v;
	size_t n;
	int k, rc;

	if (csv_nfields(r->csv) != r->nheader)
		return err_set(ERR_INVALID, "%s:%zu: %zu fields, but the header has %zu",
			       csv_name(r->csv), csv_line(r->csv),
			       csv_nfields(r->csv), r->nheader);
	a->line = csv_line(r->csv);
	v = csv_field(r->csv, r->col[C_ID], &n);
	if (n == 0 || chars(v) > 64 || strpbrk(v, "\t\r\n"))
		return fail(r, C_ID, "expected 1 to 64 characters on one line");
	v = csv_field(r->csv, r->col[C_COUNTRY], &n);
	if (!rules_country_known(countries, v))
		return fail(r, C_COUNTRY, "unknown country: expected an ISO 3166-1 "
					  "alpha-3 code such as KEN");
	memcpy(a->country, v, 4);
	if ((rc = choice(&k, r, C_CATEGORY, "mag", "individual", NULL,
			 "expected mag or individual")) < 0)
		return rc;
	a->category = k ? RULES_INDIVIDUAL : RULES_MAG;
	a->has_role = !blank(csv_field(r->csv, r->col[C_ROLE], NULL));
	if ((rc = choice(&k, r, C_FORMS, "no", "yes", NULL, "expected yes or no")) < 0)
		return rc;
	a->forms_complete = k;
	if ((rc = choice(&k, r, C_HEALTH, "no", "yes", NULL, "expected yes or no")) < 0)
		return rc;
	a->health_check = k;
	if ((rc = count(&a->prior_funded, r, C_PRIOR_FUNDED)) < 0 ||
	    (rc = count(&a->prior_reports_outstanding, r, C_PRIOR_REPORTS)) < 0)
		return rc;
	if ((rc = choice(&k, r, C_REQUEST, "full", "airfare", "dsa",
			 "expected full, airfare or dsa")) < 0)
		return rc;
	a->request = k == 0 ? RULES_FULL : k == 1 ? RULES_AIRFARE : RULES_DSA;
	if (strcmp(csv_field(r->csv, r->col[C_CURRENCY], NULL), currency) != 0) {
		char what[64];

		snprintf(what, sizeof(what), "expected %s, the --currency", currency);
		return fail(r, C_CURRENCY, what);
	}
	v = csv_field(r->csv, r->col[C_AMOUNT], NULL);
	if (money_parse_positive(&a->amount_minor, v, currency) < 0) {
		char what[160];

		snprintf(what, sizeof(what), "expected an amount > 0 (%s)", err_last());
		return fail(r, C_AMOUNT, what);
	}
	v = csv_field(r->csv, r->col[C_REQUESTED_ON], NULL);
	if (date_parse_time(&a->requested_s, &a->requested_ns, v) < 0)
		return fail(r, C_REQUESTED_ON, "expected a date YYYY-MM-DD or an RFC 3339 "
					       "timestamp like 2018-12-01T09:30:00Z");
	a->health_attested_on[0] = '\0';
	if (r->col[C_HEALTH_ATTESTED_ON] != SIZE_MAX) {
		/* the day of the health attestation: empty, or a date not after the request */
		const char *h = csv_field(r->csv, r->col[C_HEALTH_ATTESTED_ON], &n);

		if (n > 0 && !date_valid(h))
			return fail(r, C_HEALTH_ATTESTED_ON, "expected a date YYYY-MM-DD or nothing");
		if (n > 0 && !a->health_check)
			return fail(r, C_HEALTH_ATTESTED_ON,
				    "a date of a health attestation needs health_check yes");
		snprintf(a->health_attested_on, sizeof(a->health_attested_on), "%s", h);
	}
	/* one allocation for the four strings, owned by id */
	{
		size_t li, ln, lo, lr = strlen(v);
		const char *id = csv_field(r->csv, r->col[C_ID], &li);
		const char *name = csv_field(r->csv, r->col[C_NAME], &ln);
		const char *role = csv_field(r->csv, r->col[C_ROLE], &lo);
		char *p = malloc(li + ln + lr + lo + 4);

		if (!p)
			return err_set(ERR_SYSTEM, "out of memory");
		a->id = memcpy(p, id, li + 1);
		a->name = memcpy(p + li + 1, name, ln + 1);
		a->requested_on = memcpy(p + li + ln + 2, v, lr + 1);
		a->role = memcpy(p + li + ln + lr + 3, role, lo + 1);
	}
	return 0;
}

/* FNV-1a: a fast, fixed hash for the duplicate check below. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/*
 * Duplicate ids, in O(n) with an open-addressing set of row indexes; rows
 * are inserted in file order, so the one found is the first occurrence.
 */
static int check_unique(const struct rules_applicant *a, size_t n, const char *name)
{
	size_t cap = 16, *slot = NULL;
	int rc = 0;

	while (cap < 2 * n)
		cap *= 2;
	slot = malloc(cap * sizeof(*slot));
	if (!slot)
		return err_set(ERR_SYSTEM, "out of memory");
	for (size_t i = 0; i < cap; i++)
		slot[i] = SIZE_MAX;
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t k = (size_t)fnv1a(a[i].id) & (cap - 1);

		for (; slot[k] != SIZE_MAX; k = (k + 1) & (cap - 1)) {
			if (strcmp(a[slot[k]].id, a[i].id) == 0) {
				rc = err_set(ERR_INVALID, "%s:%zu: column id: duplicate id '%s' "
						      "(first on line %zu)", name, a[i].line,
					     a[i].id, a[slot[k]].line);
				break;
			}
		}
		slot[k] = i;
	}
	free(slot);
	return rc;
}

/* Reads every row of the opened csv (closed here) into *out. */
static int read_all(struct rules_applicant **out, size_t *n_out, csv_reader *csv,
		    const char *currency, const rules_countries *countries)
{
	struct reader r = {.csv = csv};
	struct rules_applicant *a = NULL;
	const char *path = csv_name(csv);
	size_t n = 0, cap = 0;
	int rc;

	if ((rc = read_header(&r)) < 0)
		goto cleanup;
	while ((rc = csv_next(r.csv)) > 0) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct rules_applicant *p;

			if (n == LIMIT_RANK_APPLICANTS) {
				rc = err_set(ERR_LIMIT, "%s:%zu: more than %d applicants "
						      "(LIMIT_RANK_APPLICANTS)", path,
					     csv_line(r.csv), LIMIT_RANK_APPLICANTS);
				goto cleanup;
			}
			p = realloc(a, ncap * sizeof(*a));
			if (!p) {
				rc = err_set(ERR_SYSTEM, "out of memory");
				goto cleanup;
			}
			a = p;
			cap = ncap;
		}
		memset(&a[n], 0, sizeof(a[n]));
		n++;
		if ((rc = read_row(&a[n - 1], &r, currency, countries)) < 0)
			goto cleanup;
	}
	if (rc < 0 || (rc = check_unique(a, n, csv_name(r.csv))) < 0)
		goto cleanup;
	*out = a;
	*n_out = n;
	a = NULL;
cleanup:
	rules_applicants_free(a, n);
	csv_close(r.csv);
	return rc;
}

int rules_applicants_read(struct rules_applicant **out, size_t *n_out,
			  const char *path, const char *currency,
			  const rules_countries *countries)
{
	csv_reader *csv = NULL;
	int rc;

	*out = NULL;
	*n_out = 0;
	if ((rc = csv_open(&csv, path)) < 0)
		return rc;
	return read_all(out, n_out, csv, currency, countries);
}

int rules_applicants_read_stream(struct rules_applicant **out, size_t *n_out, FILE *f,
				 const char *name, const char *currency,
				 const rules_countries *countries)
{
	csv_reader *csv = NULL;
	int rc;

	*out = NULL;
	*n_out = 0;
	if ((rc = csv_open_stream(&csv, f, name)) < 0)
		return rc;
	return read_all(out, n_out, csv, currency, countries);
}

void rules_applicants_free(struct rules_applicant *a, size_t n)
{
	if (!a)
		return;
	for (size_t i = 0; i < n; i++)
		free(a[i].id);  /* holds name and requested_on too */
	free(a);
}
