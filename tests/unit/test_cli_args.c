/*
 * test_cli_args.c - cli/args.c, the one argument parser of tfledger's
 * commands, on tables of arguments and no database: the same mistake is
 * refused with the same message whatever the command (unknown option,
 * missing value, over-long value, option given twice), values land where
 * the table says (a struct member, a body field), positional arguments,
 * --flag=value and --flag value, and --help written from the table.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/err.h"
#include "common/limits.h"
#include "tests/harness/harness.h"

struct opts {
	const char *database, *format, *amount, *output;
	bool what_if;
};

static const struct cli_args_opt common[] = {
	CLI_ARGS_OPT_STR("format", struct opts, format, "table|json", "output", CLI_ARGS_ONE_OF),
	CLI_ARGS_OPT_STR("database", struct opts, database, "CONNINFO", "libpq conninfo", 0),
	CLI_ARGS_END,
};

/* A command whose values go into a JSON body, as the fund's do. */
static const struct cli_args_opt pledge_opts[] = {
	CLI_ARGS_BODY_STR("amount", "A", "the amount", CLI_ARGS_REQUIRED),
	CLI_ARGS_BODY_INT("pledge", "ID", "the pledge", 0),
	CLI_ARGS_BODY_FLAG("allow-overpayment", "accept more than is open"),
	CLI_ARGS_BODY_STR("bank-account", "CODE", "the bank account", 0),
	CLI_ARGS_END,
};
/* A command whose values go into a struct, with one optional FILE. */
static const struct cli_args_opt rank_opts[] = {
	CLI_ARGS_OPT_STR("amount", struct opts, amount, "A", "the budget", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("output", struct opts, output, "FILE", "where to write", 0),
	CLI_ARGS_OPT_FLAG("what-if", struct opts, what_if, "store nothing"),
	CLI_ARGS_END,
};
/* A command of one or more FILEs. */
static const struct cli_args_opt import_opts[] = {
	CLI_ARGS_OPT_STR("amount", struct opts, amount, "A", "a figure", 0),
	CLI_ARGS_END,
};

static const struct cli_args_cmd cmds[] = {
	{"pledges add", pledge_opts, common, NULL, NULL, 0, 0, "Adds a pledge."},
	{"pledges sign", pledge_opts, common, "ID", "the pledge ID", 1, 1, NULL},
	{"rank", rank_opts, common, "FILE.csv", "the applicants", 0, 1, NULL},
	{"statements import", import_opts, common, "FILE.xml...", "the statements", 1, -1, NULL},
};
#define PLEDGES_ADD (&cmds[0])
#define RANK (&cmds[2])
#define IMPORT (&cmds[3])

/* The result of one parse. */
struct parsed {
	int rc, npos;
	struct opts o;
	json_t *body;
	char *argv[32];
	char err[LIMIT_ERR_BYTES];
};

static void parse(struct parsed *p, const struct cli_args_cmd *cmd, const char *const *args)
{
	int argc = 0;

	memset(p, 0, sizeof(*p));
	p->o.format = "table";
	p->body = json_object();
	while (args[argc]) {
		ck_assert_int_lt(argc, 31);
		p->argv[argc] = (char *)args[argc];
		argc++;
	}
	err_clear();
	p->rc = cli_args_parse(&p->npos, cmd, &p->o, p->body, argc, p->argv);
	snprintf(p->err, sizeof(p->err), "%s", p->rc < 0 ? err_last() : "");
}

/* Runs f(ctx) with fd (1 or 2) going to a file; returns what it wrote. */
static char *captured(FILE *stream, int fd, void (*f)(void *), void *ctx)
{
	FILE *tmp = tmpfile();
	int saved = dup(fd);
	char *text;
	long len;

	ck_assert(tmp && saved >= 0);
	fflush(stream);
	ck_assert_int_ge(dup2(fileno(tmp), fd), 0);
	f(ctx);
	fflush(stream);
	ck_assert_int_ge(dup2(saved, fd), 0);
	close(saved);
	len = ftell(tmp);
	text = calloc(1, (size_t)len + 1);
	rewind(tmp);
	ck_assert_int_eq(fread(text, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	return text;
}

static char long_name[2 + 70 + 1], long_value[LIMIT_CLI_ARG_BYTES + 2],
	long_pair[sizeof("--amount=") + LIMIT_CLI_ARG_BYTES + 1];

static void make_long_args(void)
{
	memset(long_name, 0, sizeof(long_name));
	memcpy(long_name, "--", 2);
	memset(long_name + 2, 'x', 70);
	memset(long_value, '7', LIMIT_CLI_ARG_BYTES + 1);
	long_value[LIMIT_CLI_ARG_BYTES + 1] = '\0';
	snprintf(long_pair, sizeof(long_pair), "--amount=%s", long_value);
}

START_TEST(test_cli_args_parse__refuses_the_same_mistake_alike_in_every_command)
{
	static char at_limit[LIMIT_CLI_ARG_BYTES + 1];
	static const struct {
		const char *args[8];
		int rc;
		const char *want;
	} cases[] = {
		{{"--amount", "1", "--bogus", "v"}, ERR_INVALID, "--bogus: unknown option"},
		{{"--amount", "1", "--bogus=v"}, ERR_INVALID, "--bogus: unknown option"},
		{{"--amount", "1", "-x"}, ERR_INVALID, "-x: unknown option"},
		{{"--amount", "1", long_name}, ERR_INVALID,
		 "--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...: unknown option"},
		{{"--amount"}, ERR_INVALID, "--amount: needs a value (A)"},
		{{"--amount", "--format", "json"}, ERR_INVALID, "--amount: needs a value (A)"},
		{{"--amount", long_value}, ERR_LIMIT, "--amount: longer than 4352 bytes"},
		{{long_pair}, ERR_LIMIT, "--amount: longer than 4352 bytes"},
		{{"--amount", "1", "--database", long_value}, ERR_LIMIT,
		 "--database: longer than 4352 bytes"},
		{{"--amount", "1", "--amount=2"}, ERR_INVALID, "--amount: given twice"},
		{{"--amount", "1", "--format", "csv"}, ERR_INVALID,
		 "--format: expected table or json, got 'csv'"},
		{{"--amount", "1", "--format="}, ERR_INVALID,
		 "--format: expected table or json, got ''"},
		{{"--amount", "1", "--format=table|json"}, ERR_INVALID,
		 "--format: expected table or json, got 'table|json'"},
		{{"--amount", "1", "--format", "tab"}, ERR_INVALID,
		 "--format: expected table or json, got 'tab'"},
		{{"--amount", at_limit, "--database", "d"}, 0, ""},
	};
	const struct cli_args_cmd *three[] = {PLEDGES_ADD, RANK, IMPORT};
	const char *files[] = {"a.xml", NULL};

	memset(at_limit, '7', LIMIT_CLI_ARG_BYTES);
	make_long_args();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t k = 0; k < 3; k++) {
			const char *args[12] = {NULL};
			struct parsed p;
			size_t n = 0;

			/* statements import needs a FILE: give it one, first */
			if (three[k] == IMPORT)
				args[n++] = files[0];
			for (size_t j = 0; cases[i].args[j]; j++)
				args[n++] = cases[i].args[j];
			parse(&p, three[k], args);
			ck_assert_msg(p.rc == cases[i].rc, "case %zu, %s: rc %d, want %d (%s)", i,
				      three[k]->name, p.rc, cases[i].rc, p.err);
			ck_assert_msg(strcmp(p.err, cases[i].want) == 0,
				      "case %zu, %s: '%s', want '%s'", i, three[k]->name, p.err,
				      cases[i].want);
			json_decref(p.body);
		}
}
END_TEST

/* A parse of pledges add, for captured. */
struct written {
	const char *const *args;
	struct parsed p;
};

static void parse_pledges_add(void *ctx)
{
	struct written *w = ctx;

	parse(&w->p, PLEDGES_ADD, w->args);
}

/* Parses args as pledges add and expects its answer rc, the exit status
 * for it and all that it wrote on stream (fd) to be want. */
static void expect_written(FILE *stream, int fd, const char *const *args, int rc, int status,
			   const char *want)
{
	struct written w = {.args = args};
	char *text = captured(stream, fd, parse_pledges_add, &w);

	ck_assert_int_eq(w.p.rc, rc);
	ck_assert_int_eq(cli_args_status(w.p.rc), status);
	ck_assert_str_eq(text, want);
	free(text);
	json_decref(w.p.body);
}

/* The refusal on stderr: the command, the option, what to read. */
START_TEST(test_cli_args_parse__refusal_names_command_and_option_on_stderr)
{
	make_long_args();
	expect_written(stderr, STDERR_FILENO, (const char *[]){"--amount", long_value, NULL},
		       ERR_LIMIT, CLI_USAGE,
		       "tfledger pledges add: --amount: longer than 4352 bytes "
		       "(see tfledger pledges add --help)\n");
}
END_TEST

START_TEST(test_cli_args_parse__values_land_where_the_table_says)
{
	struct parsed p;
	char *text;

	/* --flag value and --flag=value, into the body with dashes as underscores */
	parse(&p, PLEDGES_ADD,
	      (const char *[]){"--amount", "1.00", "--pledge=7", "--allow-overpayment",
			       "--bank-account=1010-EUR", "--format", "json", "--database=",
			       NULL});
	ck_assert_msg(p.rc == 0, "%s", p.err);
	ck_assert_int_eq(p.npos, 0);
	text = json_dumps(p.body, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_str_eq(text, "{\"allow_overpayment\":true,\"amount\":\"1.00\","
			       "\"bank_account\":\"1010-EUR\",\"pledge\":7}");
	free(text);
	ck_assert_str_eq(p.o.format, "json");
	ck_assert_str_eq(p.o.database, "");
	json_decref(p.body);

	/* into the struct; members no option set keep their defaults */
	parse(&p, RANK, (const char *[]){"a.csv", "--amount=-5.00", "--what-if", NULL});
	ck_assert_msg(p.rc == 0, "%s", p.err);
	ck_assert_int_eq(p.npos, 1);
	ck_assert_str_eq(p.argv[0], "a.csv");
	ck_assert_str_eq(p.o.amount, "-5.00");
	ck_assert(p.o.what_if);
	ck_assert_str_eq(p.o.format, "table");
	ck_assert_ptr_null(p.o.output);
	ck_assert_int_eq(json_object_size(p.body), 0);
	json_decref(p.body);
}
END_TEST

START_TEST(test_cli_args_parse__refuses_what_a_type_or_table_forbids)
{
	static const struct {
		const struct cli_args_cmd *cmd;
		const char *args[8];
		const char *want;
	} cases[] = {
		{PLEDGES_ADD, {"--amount", "1", "--pledge", "7x"}, "--pledge: expected an integer, got '7x'"},
		{PLEDGES_ADD, {"--amount", "1", "--pledge="}, "--pledge: expected an integer, got ''"},
		{PLEDGES_ADD, {"--amount", "1", "--pledge", "99999999999999999999"},
		 "--pledge: expected an integer, got '99999999999999999999'"},
		{PLEDGES_ADD, {"--amount", "1", "--allow-overpayment=yes"},
		 "--allow-overpayment: takes no value"},
		{PLEDGES_ADD, {"--amount", "\xff"}, "--amount: not UTF-8 text"},
		{PLEDGES_ADD, {"--pledge", "7"}, "--amount A is required"},
		{PLEDGES_ADD, {"--amount", "1", "x"}, "unexpected argument 'x'"},
		{&cmds[1], {"--amount", "1"}, "ID is required: the pledge ID"},
		{RANK, {"a.csv", "b.csv", "--amount", "1"}, "unexpected argument 'b.csv'"},
		{RANK, {"--what-if", "--what-if", "--amount", "1"}, "--what-if: given twice"},
		{RANK, {"--output", "o"}, "--amount A is required"},
		{IMPORT, {"--amount", "1"}, "FILE.xml... is required: the statements"},
		{IMPORT, {long_value}, "FILE.xml...: longer than 4352 bytes"},
	};

	make_long_args();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed p;

		parse(&p, cases[i].cmd, cases[i].args);
		ck_assert_msg(p.rc < 0, "case %zu: accepted", i);
		ck_assert_msg(strcmp(p.err, cases[i].want) == 0, "case %zu: '%s', want '%s'", i,
			      p.err, cases[i].want);
		json_decref(p.body);
	}
}
END_TEST

START_TEST(test_cli_args_parse__positional_args_in_order_and_after_double_dash)
{
	struct parsed p;

	parse(&p, IMPORT, (const char *[]){"a.xml", "--amount", "1", "b.xml", "--", "--c.xml",
					   "-", "--help", NULL});
	ck_assert_msg(p.rc == 0, "%s", p.err);
	ck_assert_int_eq(p.npos, 5);
	ck_assert_str_eq(p.argv[0], "a.xml");
	ck_assert_str_eq(p.argv[1], "b.xml");
	ck_assert_str_eq(p.argv[2], "--c.xml");
	ck_assert_str_eq(p.argv[3], "-");
	ck_assert_str_eq(p.argv[4], "--help");
	ck_assert_str_eq(p.o.amount, "1");
	json_decref(p.body);
}
END_TEST

START_TEST(test_cli_args_parse__help_from_the_table_wins_over_mistakes)
{
	expect_written(stdout, STDOUT_FILENO, (const char *[]){"--bogus", "--amount", "--help", NULL},
		       CLI_ARGS_HELP, CLI_OK,
		       "Usage: tfledger pledges add --amount A [--pledge ID] [--allow-overpayment]\n"
		       "                [--bank-account CODE] [--format table|json]\n"
		       "                [--database CONNINFO]\n"
		       "\n"
		       "Adds a pledge.\n"
		       "\n"
		       "  --amount A           the amount\n"
		       "  --pledge ID          the pledge\n"
		       "  --allow-overpayment  accept more than is open\n"
		       "  --bank-account CODE  the bank account\n"
		       "  --format table|json  output\n"
		       "  --database CONNINFO  libpq conninfo\n");
}
END_TEST

struct found {
	const char *args[8];
	const struct cli_args_cmd *cmd;
	int rc, words, npos;
	char *argv[8];
};

static void find(void *ctx)
{
	static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, "Notes.\n");
	struct found *f = ctx;
	struct opts o = {NULL};
	json_t *body = json_object();
	int argc = 0;

	while (f->args[argc]) {
		f->argv[argc] = (char *)f->args[argc];
		argc++;
	}
	f->rc = cli_args_parse_family(&f->cmd, &f->words, &f->npos, &family, &o, body, argc,
				      f->argv);
	json_decref(body);
}

START_TEST(test_cli_args_parse_family__finds_the_command_or_writes_the_family_usage)
{
	struct found f = {.args = {"pledges", "sign", "--amount", "1", "7"}};
	char *out, *err;

	/* the command's words come first; then its arguments, parsed */
	find(&f);
	ck_assert_int_eq(f.rc, 0);
	ck_assert_ptr_eq(f.cmd, &cmds[1]);
	ck_assert_int_eq(f.words, 2);
	ck_assert_int_eq(f.npos, 1);
	ck_assert_str_eq(f.argv[f.words], "7");
	f = (struct found){.args = {"statements", "import", "a.xml", "--amount"}};
	find(&f);
	ck_assert_ptr_eq(f.cmd, IMPORT);
	ck_assert_int_eq(f.rc, ERR_INVALID);
	ck_assert_str_eq(err_last(), "--amount: needs a value (A)");

	f = (struct found){.args = {"pledges", "--help"}};
	out = captured(stdout, STDOUT_FILENO, find, &f);
	ck_assert_ptr_null(f.cmd);
	ck_assert_int_eq(f.rc, CLI_ARGS_HELP);
	ck_assert_int_eq(cli_args_status(f.rc), CLI_OK);
	ck_assert_str_eq(out, "Usage: tfledger pledges add --amount A [--pledge ID] [--allow-overpayment]\n"
			      "                [--bank-account CODE]\n"
			      "       tfledger pledges sign ID --amount A [--pledge ID] [--allow-overpayment]\n"
			      "                [--bank-account CODE]\n"
			      "\nNotes.\n");
	free(out);

	f = (struct found){.args = {"pledges", "frobnicate"}};
	err = captured(stderr, STDERR_FILENO, find, &f);
	ck_assert_ptr_null(f.cmd);
	ck_assert_int_eq(cli_args_status(f.rc), CLI_USAGE);
	ck_assert_str_eq(err, "tfledger pledges: unknown action 'frobnicate' "
			      "(see tfledger pledges --help)\n");
	free(err);

	f = (struct found){.args = {"pledges"}};
	err = captured(stderr, STDERR_FILENO, find, &f);
	ck_assert_ptr_null(f.cmd);
	ck_assert_int_eq(cli_args_status(f.rc), CLI_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "Usage: tfledger pledges add"));
	free(err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cli_args");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cli_args_parse__refuses_the_same_mistake_alike_in_every_command);
	tcase_add_test(tc, test_cli_args_parse__refusal_names_command_and_option_on_stderr);
	tcase_add_test(tc, test_cli_args_parse__values_land_where_the_table_says);
	tcase_add_test(tc, test_cli_args_parse__refuses_what_a_type_or_table_forbids);
	tcase_add_test(tc, test_cli_args_parse__positional_args_in_order_and_after_double_dash);
	tcase_add_test(tc, test_cli_args_parse__help_from_the_table_wins_over_mistakes);
	tcase_add_test(tc, test_cli_args_parse_family__finds_the_command_or_writes_the_family_usage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
