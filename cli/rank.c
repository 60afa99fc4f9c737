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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/date.h"
#include "common/err.h"
#include "common/money.h"
#include "common/output.h"
#include "rules/rules.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfledger rank --applicants FILE.csv --meeting-date YYYY-MM-DD\n"
		"                     --budget AMOUNT --currency CCY [--policy FILE.xml]\n"
		"                     [--format table|json|xml] [--output FILE]\n\n"
		"Ranks travel-support applicants under a policy and allocates the budget.\n"
		"Needs no database.\n\n"
		"  --applicants FILE   CSV (UTF-8, RFC 4180, header row); '-' is stdin\n"
		"  --meeting-date D    the meeting's first day (deadline and LDC list)\n"
		"  --budget AMOUNT     e.g. 60000.00, with the currency's minor digits\n"
		"  --currency CCY      ISO 4217; every row's currency must be this one\n"
		"  --policy FILE       default: the bundled IGF travel-support policy\n"
		"                      (rules/policies/igf-travel.xml)\n"
		"  --format F          table (default), json, or xml (travel-allocation\n"
		"                      report, reports/schemas/travel-allocation.xsd)\n"
		"  --output FILE       write there instead of stdout (whole or not at all)\n\n"
		"Exit status: 0 success, 1 usage or input error, 2 other failure.\n");
}

enum format { FMT_TABLE, FMT_JSON, FMT_XML };

struct args {
	const char *applicants, *meeting, *budget, *currency, *policy, *output;
	enum format format;
};

static int parse_args(struct args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"applicants", required_argument, NULL, 'a'},
		{"meeting-date", required_argument, NULL, 'm'},
		{"budget", required_argument, NULL, 'b'},
		{"currency", required_argument, NULL, 'c'},
		{"policy", required_argument, NULL, 'p'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a': a->applicants = optarg; break;
		case 'm': a->meeting = optarg; break;
		case 'b': a->budget = optarg; break;
		case 'c': a->currency = optarg; break;
		case 'p': a->policy = optarg; break;
		case 'o': a->output = optarg; break;
		case 'f':
			if (strcmp(optarg, "table") == 0)
				a->format = FMT_TABLE;
			else if (strcmp(optarg, "json") == 0)
				a->format = FMT_JSON;
			else if (strcmp(optarg, "xml") == 0)
				a->format = FMT_XML;
			else
				return cli_usage_error("rank", "--format: expected table, "
						       "json or xml, got '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_usage_error("rank", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("rank", "unexpected argument '%s'", argv[optind]);
	if (!a->applicants || !a->meeting || !a->budget || !a->currency)
		return cli_usage_error("rank", "--applicants, --meeting-date, --budget "
				       "and --currency are required");
	return 0;
}

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
	struct args a;
	size_t n = 0;
	int64_t budget = 0;
	int32_t meeting = 0;
	int rc, status = CLI_OK;

	if ((rc = parse_args(&a, argc, argv)) != 0)
		return rc < 0 ? CLI_OK : rc;
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
	rc = a.output ? output_write(a.output, put_result,
				     &(struct result_out){a.format, &result})
		      : write_result(stdout, a.format, &result);
	if (rc < 0)
		status = cli_fail(rc, "rank");
cleanup:
	rules_result_free(&result);
	rules_applicants_free(apps, n);
	rules_countries_free(countries);
	rules_policy_free(policy);
	return status;
}
