/*
 * rank.c - tfledger rank: the offline ranking of travel-support applicants
 * (docs/policy.md, "Running it"). Needs no database.
 *
 * Everything is read and checked before anything is written: a bad
 * argument, policy or CSV row is exit 1 with the file, line and column on
 * stderr and nothing on stdout. With --output the result goes through
 * output_write (common/output.h): a regular FILE is either whole or
 * untouched, and a device or FIFO is written into, never replaced.
 * A what-if is the same command with another --budget or --policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/date.h"
#include "common/err.h"
#include "common/money.h"
#include "common/output.h"
#include "rules/rules.h"

enum format { FMT_TABLE, FMT_JSON, FMT_XML };

struct args {
	const char *applicants, *meeting, *budget, *currency, *policy, *format, *output;
};

static const struct cli_args_opt opts[] = {
	CLI_ARGS_OPT_STR("applicants", struct args, applicants, "FILE",
			 "CSV (UTF-8, RFC 4180, header row); '-' is stdin", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("meeting-date", struct args, meeting, "YYYY-MM-DD",
			 "the meeting's first day (deadline and LDC list)", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("budget", struct args, budget, "AMOUNT",
			 "e.g. 60000.00, with the currency's minor digits", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("currency", struct args, currency, "CCY",
			 "ISO 4217; every row's currency must be this one", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("policy", struct args, policy, "FILE.xml",
			 "default: rules/policies/igf-travel.xml, bundled", 0),
	CLI_ARGS_FORMAT(struct args, format, "table|json|xml"),
	CLI_ARGS_OPT_STR("output", struct args, output, "FILE",
			 "write there instead of stdout (whole or not at all)", 0),
	CLI_ARGS_END};

static const struct cli_args_cmd cmd = {
	"rank", opts, NULL, NULL, NULL, 0, 0,
	"Ranks travel-support applicants under a policy and allocates the budget.\n"
	"Needs no database. --format xml is the travel-allocation report\n"
	"(reports/schemas/travel-allocation.xsd).\n\n"
	"Exit status: 0 success, 1 usage or input error, 2 other failure."};

static int write_result(FILE *f, enum format fmt, const struct rules_result *r)
{
	return fmt == FMT_JSON  ? rules_write_json(f, r)
	       : fmt == FMT_XML ? rules_write_xml(f, r)
				: rules_write_table(f, r);
}

struct result_out {
	enum format fmt;
	const struct rules_result *r;
};

/* output_write_fn: the result in its format. */
static int put_result(FILE *f, void *arg)
{
	const struct result_out *o = arg;

	return write_result(f, o->fmt, o->r);
}

/* A file the user named that cannot be opened is the user's input error. */
static int user_file(int rc)
{
	return rc == ERR_SYSTEM ? ERR_INVALID : rc;
}

int cli_rank(int argc, char **argv)
{
	struct rules_result result = {.decisions = NULL};
	struct rules_applicant *apps = NULL;
	rules_countries *countries = NULL;
	rules_policy *policy = NULL;
	struct args a = {.format = "table"};
	enum format fmt;
	size_t n = 0;
	int64_t budget = 0;
	int32_t meeting = 0;
	int rc, npos, status = CLI_OK;

	if ((rc = cli_args_parse(&npos, &cmd, &a, NULL, argc - 1, argv + 1)) != 0)
		return cli_args_status(rc);
	fmt = strcmp(a.format, "json") == 0 ? FMT_JSON
	      : strcmp(a.format, "xml") == 0 ? FMT_XML
					     : FMT_TABLE;
	if (!money_currency_valid(a.currency))
		return cli_usage_error("rank", "--currency: '%s' is not an ISO 4217 "
				       "currency code with minor units", a.currency);
	if (money_parse(&budget, a.budget, a.currency) < 0 || budget < 0)
		return cli_usage_error("rank", "--budget: %s",
				       budget < 0 ? "must not be negative" : err_last());
	if (date_parse(&meeting, a.meeting) < 0)
		return cli_usage_error("rank", "--meeting-date: %s", err_last());

	rc = a.policy ? rules_policy_load(&policy, a.policy)
		      : rules_policy_load_default(&policy);
	if (rc < 0) {
		status = cli_fail(a.policy ? user_file(rc) : rc, "rank: policy");
		goto cleanup;
	}
	if ((rc = rules_countries_load_default(&countries)) < 0) {
		status = cli_fail(rc == ERR_INVALID ? ERR_INTERNAL : rc, "rank: country data");
		goto cleanup;
	}
	rc = rules_applicants_read(&apps, &n, a.applicants, a.currency, countries);
	if (rc < 0) {
		status = cli_fail(user_file(rc), "rank");
		goto cleanup;
	}
	if ((rc = rules_rank(&result, policy, countries, apps, n, meeting, budget,
			     a.currency)) < 0) {
		status = cli_fail(rc, "rank");
		goto cleanup;
	}
	if (!result.policy_in_effect)
		fprintf(stderr, "tfledger rank: warning: policy %s %s is not in effect on "
				"%s (see its <effective> dates)\n",
			rules_policy_id(policy), rules_policy_version(policy), a.meeting);
	/* one large buffer: the output can be 100,000 lines */
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	rc = a.output ? output_write(a.output, put_result, &(struct result_out){fmt, &result})
		      : write_result(stdout, fmt, &result);
	if (rc < 0)
		status = cli_fail(rc, "rank");
cleanup:
	rules_result_free(&result);
	rules_applicants_free(apps, n);
	rules_countries_free(countries);
	rules_policy_free(policy);
	return status;
}
