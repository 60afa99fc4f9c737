/*
 * fuzz_csv_applicants.c - the applicant CSV (POST /v1/meetings/{id}/
 * applicants, `tfledger applicants import`, `tfledger rank --applicants`):
 * rules_applicants_read_stream over the bytes (common/csv.c beneath it),
 * in a currency the input's size picks (0, 2 and 3 minor digits), with the
 * bundled country data; what it accepts is then ranked with the bundled
 * policy and written as the contract's JSON, as `tfledger rank` does.
 * Seeds: tests/data/rank, tests/data/travel, tests/data/csv.
 */
#include <stdio.h>

#include "common/date.h"
#include "fuzz/fuzz.h"
#include "rules/rules.h"

static rules_countries *countries;
static rules_policy *policy;
static FILE *sink;

int fuzz_setup(void)
{
	if (rules_countries_load_default(&countries) < 0 ||
	    rules_policy_load_default(&policy) < 0 || !(sink = fopen("/dev/null", "w")))
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* mostly the seeds' USD; JPY and KWD for 0 and 3 minor digits */
	static const char *const currencies[] = {"USD", "JPY", "USD", "KWD", "USD"};
	struct rules_applicant *a = NULL;
	struct rules_result r;
	const char *ccy;
	size_t n = 0;
	int32_t meeting;
	FILE *f;

	/* the route refuses an empty body before reading it */
	if (size == 0)
		return 0;
	ccy = currencies[size % 5];
	if (!(f = fmemopen((void *)data, size, "r")))
		return 0;
	if (rules_applicants_read_stream(&a, &n, f, "fuzz.csv", ccy, countries) < 0) {
		FUZZ_ASSERT(err_last()[0] != '\0');
		FUZZ_ASSERT(a == NULL && n == 0);
		fclose(f);
		return 0;
	}
	fclose(f);
	FUZZ_ASSERT(n == 0 || a != NULL);
	FUZZ_ASSERT(date_parse(&meeting, "2019-11-25") == 0);
	if (rules_rank(&r, policy, countries, a, n, meeting, 1000000, ccy) == 0) {
		int64_t granted = 0;

		FUZZ_ASSERT(r.n == n && r.n_eligible <= n);
		for (size_t i = 0; i < r.n; i++) {
			FUZZ_ASSERT(r.decisions[i].granted_minor >= 0);
			granted += r.decisions[i].granted_minor;
		}
		FUZZ_ASSERT(granted == r.allocated_minor && r.allocated_minor <= 1000000);
		FUZZ_ASSERT(r.allocated_minor + r.remaining_minor == 1000000);
		FUZZ_ASSERT(rules_write_json(sink, &r) == 0);
		rules_result_free(&r);
	}
	rules_applicants_free(a, n);
	return 0;
}
