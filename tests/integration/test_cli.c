/*
 * test_cli.c - the two programs as a person or a script meets them:
 * --help/--version, exit statuses, `tfledger db` on its own cluster,
 * `tfledger migrate`, and tfledgerd's refusal of an unmigrated database
 * (its serving /healthz is test_config.c's, beside --config).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "config.h"
#include "tests/harness/harness.h"

/* Runs tfledger with the given arguments. */
#define run1(out, err, ...) \
	harness_run(out, err, NULL, \
		    (const char *[]){harness_bin_tfledger(), __VA_ARGS__, NULL})

/* One run of a program and what it must answer. */
struct run_case {
	bool daemon;		/* tfledgerd, else tfledger */
	const char *args[6];	/* its arguments */
	int status;		/* its exit status */
	const char *out_is;	/* all of stdout, or NULL */
	const char *out_has[2]; /* in stdout */
	const char *err_has;	/* in stderr, or NULL */
};

static void expect_runs(const struct run_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct run_case *k = &cases[i];
		const char *argv[8] = {k->daemon ? harness_bin_tfledgerd() : harness_bin_tfledger()};
		char *out = NULL, *err = NULL;

		for (size_t j = 0; k->args[j]; j++)
			argv[j + 1] = k->args[j];
		ck_assert_msg(harness_run(&out, &err, NULL, argv) == k->status, "%s: %s", k->args[0],
			      err);
		if (k->out_is)
			ck_assert_str_eq(out, k->out_is);
		for (size_t j = 0; j < 2 && k->out_has[j]; j++)
			ck_assert_msg(strstr(out, k->out_has[j]), "%s: %s", k->args[0], out);
		if (k->err_has)
			ck_assert_msg(strstr(err, k->err_has), "%s: %s", k->args[0], err);
		free(out);
		free(err);
	}
}

START_TEST(test_cli__help_and_version_are_truthful)
{
	static const struct run_case cases[] = {
		{.args = {"--version"}, .out_is = "tfledger " PACKAGE_VERSION "\n"},
		{.args = {"--help"}, .out_has = {"db ", "migrate "}},
		{.args = {"--help"}, .out_has = {"through tfledgerd: every command takes --url URL",
						 "on the database itself: --database CONNINFO"}},
		{.daemon = true, .args = {"--version"}, .out_is = "tfledgerd " PACKAGE_VERSION "\n"},
		{.daemon = true, .args = {"--help"}, .out_has = {"--database", "--listen"}},
	};

	expect_runs(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

/* Every family answers `tfledger FAMILY --help` on stdout with exit 0: its
 * commands' synopses; those of a person's work name --url and --token and
 * never --database. */
START_TEST(test_cli__every_family_has_its_help)
{
	static const char *const work[] = {
		"bank-statements", "accounts", "post", "balance", "entries",
		"reverse", "fund", "donors", "pledges", "receipts", "in-kind", "rates", "funds",
		"revalue", "revaluations", "budgets", "reconcile", "periods", "psc", "year",
		"bank-accounts", "allocations", "overruns", "overdrafts",
	};
	static const char *const others[] = {"statements", "db", "migrate", "token", "verify", "rank",
					     "verify-statement", "report", "meetings",
					     "applicants", "travel"};

	for (size_t i = 0; i < HARNESS_N(work) + HARNESS_N(others); i++) {
		bool person = i < HARNESS_N(work);
		const char *f = person ? work[i] : others[i - HARNESS_N(work)];
		char *out = NULL, *err = NULL, want[64];

		ck_assert_msg(run1(&out, &err, f, "--help") == 0, "%s --help: %s", f, err);
		snprintf(want, sizeof(want), "Usage: tfledger %s", f);
		ck_assert_msg(strstr(out, want), "%s --help: %s", f, out);
		if (person)
			ck_assert_msg(strstr(out, "--url") && strstr(out, "--token") &&
					      !strstr(out, "--database"),
				      "%s --help: %s", f, out);
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(test_cli__usage_errors_exit_1)
{
	static const struct run_case cases[] = {
		{.args = {"no-such-command"}, .status = 1,
		 .err_has = "unknown command 'no-such-command'"},
		{.args = {"db", "start"}, .status = 1, .err_has = "--dir DIR is required"},
		{.args = {"db", "explode", "--dir", "/tmp/x"}, .status = 1,
		 .err_has = "unknown action 'explode'"},
		{.args = {"migrate", "--bogus"}, .status = 1},
	};

	expect_runs(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

/*
 * One parser (cli/args.c): the same mistake is refused the same way by every
 * command family, before any database is reached. Before it, fund and travel
 * each had a parser: an option name over 63 bytes was "unknown option" in
 * travel but cut to 63 bytes and sent to the database by fund, and neither
 * bounded a value.
 */
START_TEST(test_cli__over_long_option_or_value_refused_alike_by_every_family)
{
	/* a command's words, then an option of it that takes a value */
	static const char *const cmds[][4] = {
		{"pledges", "add", "--donor"},	  {"donors", "list", "--url"},
		{"reconcile", "--bank-account"},   {"travel", "approve", "--meeting"},
		{"meetings", "list", "--url"},	   {"db", "start", "--dir"},
		{"migrate", "--database"},	   {"token", "list", "--database"},
		{"bank-statements", "import", "--token"}, {"post", "--url"},
		{"verify", "--database"},	   {"rank", "--policy"},
		{"report", "trial-balance", "--from"}, {"report", "sign", "--key"},
	};
	char name[2 + 70 + 1] = "--", value[LIMIT_CLI_ARG_BYTES + 2] = "";

	memset(name + 2, 'x', 70);
	memset(value, '7', LIMIT_CLI_ARG_BYTES + 1);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *a[8] = {harness_bin_tfledger()};
		char *err = NULL, want[128];
		int n = 1, w;

		for (w = 0; cmds[i][w + 1]; w++)
			a[n++] = cmds[i][w];
		/* an unknown option, named cut to 64 bytes */
		a[n] = name;
		ck_assert_msg(harness_run(NULL, &err, NULL, a) == 1, "%s: %s", cmds[i][0], err);
		ck_assert_msg(strstr(err, ": --xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
					  "xxxxxxxxxxxxxxx...: unknown option (see tfledger "),
			      "%s: %s", cmds[i][0], err);
		free(err);
		/* a value one byte over the limit */
		a[n] = cmds[i][w];
		a[n + 1] = value;
		snprintf(want, sizeof(want), ": %s: longer than %d bytes (see tfledger ", cmds[i][w],
			 LIMIT_CLI_ARG_BYTES);
		ck_assert_msg(harness_run(NULL, &err, NULL, a) == 1, "%s: %s", cmds[i][0], err);
		ck_assert_msg(strstr(err, want), "%s: %s", cmds[i][0], err);
		free(err);
	}
}
END_TEST

START_TEST(test_cli_db__init_start_status_stop)
{
	char dir[4096], path[4200];
	char *out = NULL, *out2 = NULL, *err = NULL;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/c", dir);
	ck_assert_msg(run1(NULL, &err, "db", "init", "--dir", path) == 0, "%s", err);
	free(err);
	/* a second init refuses to touch the existing cluster */
	ck_assert_int_eq(run1(NULL, &err, "db", "init", "--dir", path), 1);
	ck_assert_ptr_nonnull(strstr(err, "already holds a PostgreSQL cluster"));
	free(err);
	ck_assert_int_eq(run1(&out, &err, "db", "status", "--dir", path), 0);
	ck_assert_msg(strncmp(out, "stopped\t", 8) == 0, "%s", out);
	free(out);
	free(err);
	ck_assert_msg(run1(&out, &err, "db", "start", "--dir", path) == 0, "%s", err);
	ck_assert_ptr_nonnull(strstr(out, "dbname=tfledger"));
	ck_assert_ptr_nonnull(strstr(out, path));
	free(err);
	/* start on a running cluster prints the same conninfo again */
	ck_assert_int_eq(run1(&out2, &err, "db", "start", "--dir", path), 0);
	ck_assert_str_eq(out, out2);
	free(out2);
	free(err);
	ck_assert_int_eq(run1(&out2, &err, "db", "status", "--dir", path), 0);
	ck_assert_msg(strncmp(out2, "running\t", 8) == 0, "%s", out2);
	free(out2);
	free(err);
	/* the conninfo works: migrate through it */
	out[strcspn(out, "\n")] = '\0';
	ck_assert_msg(run1(NULL, &err, "migrate", "--database", out) == 0, "%s", err);
	free(err);
	ck_assert_int_eq(run1(NULL, &err, "db", "stop", "--dir", path), 0);
	free(err);
	ck_assert_int_eq(run1(&out2, &err, "db", "status", "--dir", path), 0);
	ck_assert_msg(strncmp(out2, "stopped\t", 8) == 0, "%s", out2);
	free(out2);
	free(err);
	/* stop is idempotent */
	ck_assert_int_eq(run1(NULL, &err, "db", "stop", "--dir", path), 0);
	free(err);
	free(out);
}
END_TEST

START_TEST(test_cli_db__refuses_a_socket_path_too_long)
{
	char path[300];
	char *err = NULL;

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(run1(NULL, &err, "db", "init", "--dir", path), 1);
	ck_assert_ptr_nonnull(strstr(err, "too long for a unix socket path"));
	free(err);
}
END_TEST

START_TEST(test_cli_migrate__applies_then_no_op_then_status)
{
	char conninfo[4096];
	char *out = NULL, *err = NULL;

	harness_new_empty_db(conninfo, sizeof(conninfo));
	ck_assert_msg(run1(NULL, &err, "migrate", "--database", conninfo) == 0, "%s", err);
	ck_assert_ptr_null(strstr(err, " 0 migrations applied"));
	free(err);
	ck_assert_int_eq(run1(NULL, &err, "migrate", "--database", conninfo), 0);
	ck_assert_ptr_nonnull(strstr(err, "0 migrations applied"));
	free(err);
	ck_assert_int_eq(run1(&out, &err, "migrate", "--status", "--database", conninfo), 0);
	ck_assert_ptr_nonnull(strstr(out, "0001_init.sql"));
	ck_assert_ptr_nonnull(strstr(out, "applied"));
	ck_assert_ptr_null(strstr(out, "pending"));
	free(out);
	free(err);
}
END_TEST

START_TEST(test_cli_migrate__environment_and_unreachable_database)
{
	char *err = NULL;

	/* no --database and no TFLEDGER_DATABASE: a usage error */
	unsetenv("TFLEDGER_DATABASE");
	ck_assert_int_eq(run1(NULL, &err, "migrate"), 1);
	ck_assert_ptr_nonnull(strstr(err, "TFLEDGER_DATABASE"));
	free(err);
	/* a database that is not there: a failure, exit 2 */
	setenv("TFLEDGER_DATABASE", "host=/tmp/tfl-nowhere dbname=x user=postgres", 1);
	ck_assert_int_eq(run1(NULL, &err, "migrate"), 2);
	ck_assert_ptr_nonnull(strstr(err, "cannot connect"));
	free(err);
	unsetenv("TFLEDGER_DATABASE");
}
END_TEST

START_TEST(test_tfledgerd__refuses_an_unmigrated_database)
{
	char conninfo[4096];
	char *err = NULL;
	const char *argv[] = {harness_bin_tfledgerd(), "--database", conninfo,
			      "--listen", "127.0.0.1:1", NULL};

	harness_new_empty_db(conninfo, sizeof(conninfo));
	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv), 1);
	ck_assert_msg(strstr(err, "not applied yet"), "%s", err);
	free(err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("programs");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cli__help_and_version_are_truthful);
	tcase_add_test(tc, test_cli__every_family_has_its_help);
	tcase_add_test(tc, test_cli__usage_errors_exit_1);
	tcase_add_test(tc, test_cli__over_long_option_or_value_refused_alike_by_every_family);
	tcase_add_test(tc, test_cli_db__init_start_status_stop);
	tcase_add_test(tc, test_cli_db__refuses_a_socket_path_too_long);
	tcase_add_test(tc, test_cli_migrate__applies_then_no_op_then_status);
	tcase_add_test(tc, test_cli_migrate__environment_and_unreachable_database);
	tcase_add_test(tc, test_tfledgerd__refuses_an_unmigrated_database);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
