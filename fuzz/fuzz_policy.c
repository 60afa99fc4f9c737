/*
 * fuzz_policy.c - a policy XML (the what-if rankings' policy_xml, allowed
 * to the read-only auditor; `tfledger rank --policy`): the bytes through
 * rules_policy_load_buffer (common/xml.c's bounds, libxml2, the schema
 * rules/policy.xsd, then the policy's own reading); a policy it accepts
 * ranks the applicants of tests/data/rank/gates.csv, as a what-if does.
 * Seeds: rules/policies, the policies of tests/data/rank and tests/data/travel.
 * Run with -max_len=262144.
 */
#include <limits.h>
#include <stdio.h>

#include "common/cfg.h"
#include "common/date.h"
#include "fuzz/fuzz.h"
#include "rules/rules.h"

static rules_countries *countries;
static struct rules_applicant *applicants;
static size_t n_applicants;
static FILE *sink;

int fuzz_setup(void)
{
	char gates[PATH_MAX];

	if (rules_countries_load_default(&countries) < 0 ||
	    cfg_data_path(gates, sizeof(gates), "tests/data/rank/gates.csv") < 0 ||
	    rules_applicants_read(&applicants, &n_applicants, gates, "USD", countries) < 0 ||
	    !(sink = fopen("/dev/null", "w")))
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rules_policy *p = NULL;
	struct rules_result r;
	int32_t meeting;

	if (rules_policy_load_buffer(&p, (const char *)data, size, "fuzz.xml") < 0) {
		FUZZ_ASSERT(err_last()[0] != '\0');
		FUZZ_ASSERT(p == NULL);
		return 0;
	}
	FUZZ_ASSERT(p && rules_policy_id(p) && rules_policy_version(p));
	FUZZ_ASSERT(strlen(rules_policy_sha256(p)) == 64);
	FUZZ_ASSERT(rules_policy_effective_from(p) <= rules_policy_effective_until(p));
	FUZZ_ASSERT(date_parse(&meeting, "2019-11-25") == 0);
	if (rules_rank(&r, p, countries, applicants, n_applicants, meeting, 500000, "USD") == 0) {
		FUZZ_ASSERT(r.n == n_applicants && r.allocated_minor <= 500000);
		FUZZ_ASSERT(rules_write_json(sink, &r) == 0);
		FUZZ_ASSERT(rules_write_xml(sink, &r) == 0);
		rules_result_free(&r);
	}
	rules_policy_free(p);
	return 0;
}
