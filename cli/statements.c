/*
 * statements.c - tfledger statements import FILE.xml...: camt.053 bank
 * statements into the database (docs/bank-statements.md). The work
 * is bank/statements.c's; this file parses options and prints figures.
 *
 * Each file is all-or-nothing (one transaction). Files are imported in
 * order; the first file refused stops the run: the files before it stay
 * imported and are printed, the file at fault stores nothing, later files
 * are not read.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "bank/statements.h"

struct row {
	const char *file;
	const struct bank_statements_result *r;
	char credits[MONEY_STR_MAX], debits[MONEY_STR_MAX];
};

struct opts {
	const char *format, *database;
};

static const struct cli_args_opt opts[] = {
	CLI_ARGS_FORMAT(struct opts, format, "table|json"), CLI_ARGS_DATABASE(struct opts, database),
	CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"statements import", opts, NULL, "FILE.xml...", "camt.053 files, imported in order", 1, -1,
	 "Imports ISO 20022 camt.053 bank statements (001.02 to 001.08) and\n"
	 "stores each bank line once: importing a file again stores nothing new.\n"
	 "Each file is imported whole or not at all; the first file refused stops\n"
	 "the run (the files before it stay imported).\n\n"
	 "Exit status: 0 imported, 1 a file refused (stderr names file:line: field),\n"
	 "2 any other failure. See docs/bank-statements.md."},
};
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, NULL);

static int print_json(const struct row *rows, size_t n)
{
	json_t *list = json_array();
	json_t *root = json_object();
	int rc = 0;

	if (!list || !root) {
		json_decref(list);
		json_decref(root);
		return err_set(ERR_SYSTEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const struct bank_statements_result *r = rows[i].r;
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I}",
				      "file", rows[i].file, "id", r->id, "account", r->account,
				      "currency", r->currency, "entries", (json_int_t)r->entries,
				      "credits", rows[i].credits, "debits", rows[i].debits,
				      "new", (json_int_t)r->new_lines,
				      "duplicates", (json_int_t)r->duplicates,
				      "collisions", (json_int_t)r->collisions,
				      "review", (json_int_t)r->review);

		if (!o || json_array_append_new(list, o) < 0) {
			rc = err_set(ERR_SYSTEM, "out of memory");
			break;
		}
	}
	json_object_set_new(root, "statements", list);
	if (rc == 0 && json_dumpf(root, stdout, JSON_PRESERVE_ORDER) == 0)
		putchar('\n');
	json_decref(root);
	return rc;
}

static void print_table(const struct row *rows, size_t n)
{
	static const char *const head[] = {"FILE", "STATEMENT", "ACCOUNT", "CCY", "ENTRIES",
					   "CREDITS", "DEBITS", "NEW", "DUPLICATES"};
	char cells[9][32 + LIMIT_CAMT_FIELD_BYTES];
	int w[9];

	for (int k = 0; k < 9; k++)
		w[k] = (int)strlen(head[k]);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			printf("%-*s  %-*s  %-*s  %-*s  %*s  %*s  %*s  %*s  %*s\n", w[0], head[0],
			       w[1], head[1], w[2], head[2], w[3], head[3], w[4], head[4], w[5],
			       head[5], w[6], head[6], w[7], head[7], w[8], head[8]);
		for (size_t i = 0; i < n; i++) {
			const struct bank_statements_result *r = rows[i].r;

			snprintf(cells[0], sizeof(cells[0]), "%s", rows[i].file);
			snprintf(cells[1], sizeof(cells[1]), "%s", r->id);
			snprintf(cells[2], sizeof(cells[2]), "%s", r->account);
			snprintf(cells[3], sizeof(cells[3]), "%s", r->currency);
			snprintf(cells[4], sizeof(cells[4]), "%ld", r->entries);
			snprintf(cells[5], sizeof(cells[5]), "%s", rows[i].credits);
			snprintf(cells[6], sizeof(cells[6]), "%s", rows[i].debits);
			snprintf(cells[7], sizeof(cells[7]), "%ld", r->new_lines);
			snprintf(cells[8], sizeof(cells[8]), "%ld", r->duplicates);
			for (int k = 0; k < 9 && pass == 0; k++)
				if ((int)strlen(cells[k]) > w[k])
					w[k] = (int)strlen(cells[k]);
			if (pass == 1)
				printf("%-*s  %-*s  %-*s  %-*s  %*s  %*s  %*s  %*s  %*s\n", w[0],
				       cells[0], w[1], cells[1], w[2], cells[2], w[3], cells[3],
				       w[4], cells[4], w[5], cells[5], w[6], cells[6], w[7],
				       cells[7], w[8], cells[8]);
		}
	}
}

/* Flattens the statements of the imported files into printable rows. */
static int rows_of(struct row **out, size_t *n_out, char **files,
		   struct bank_statements_file **done, size_t ndone)
{
	struct row *rows = NULL;
	size_t n = 0, cap = 0;

	for (size_t f = 0; f < ndone; f++)
		cap += done[f]->n;
	rows = calloc(cap ? cap : 1, sizeof(*rows));
	if (!rows)
		return err_set(ERR_SYSTEM, "out of memory");
	for (size_t f = 0; f < ndone; f++)
		for (size_t i = 0; i < done[f]->n; i++, n++) {
			rows[n].file = files[f];
			rows[n].r = &done[f]->stmts[i];
			money_format(rows[n].credits, rows[n].r->credits_minor, rows[n].r->currency);
			money_format(rows[n].debits, rows[n].r->debits_minor, rows[n].r->currency);
		}
	*out = rows;
	*n_out = n;
	return 0;
}

/* statements import FILE.xml...: files are argv[0..nfiles). */
static int import(char **files, size_t nfiles, const struct opts *o)
{
	struct bank_statements_file **done = NULL;
	struct row *rows = NULL;
	const char *database = o->database, *format = o->format, *conninfo;
	size_t ndone = 0, nrows = 0;
	PGconn *c = NULL;
	int rc = 0, status = CLI_OK;

	conninfo = cfg_database(database);
	if (!conninfo)
		return cli_fail(ERR_INVALID, "statements import");
	done = calloc(nfiles, sizeof(*done));
	if (!done)
		return cli_fail(err_set(ERR_SYSTEM, "out of memory"), "statements import");
	rc = db_connect(&c, conninfo);
	if (rc == 0)
		rc = bank_statements_prepare(c);
	if (rc < 0) {
		status = cli_fail(rc, "statements import");
		goto cleanup;
	}
	for (; ndone < nfiles; ndone++) {
		struct cli_progress *bar = cli_progress_watch_file(files[ndone], files[ndone]);

		rc = bank_statements_import(&done[ndone], c, files[ndone]);
		cli_progress_end(bar);
		if (rc < 0) {
			status = cli_fail(rc, "statements import");
			fprintf(stderr, "tfledger: statements import: %s refused, nothing of it "
				"stored; %zu earlier file%s imported, %zu later not read\n",
				files[ndone], ndone, ndone == 1 ? "" : "s", nfiles - ndone - 1);
			break;
		}
	}
	rc = rows_of(&rows, &nrows, files, done, ndone);
	if (rc == 0 && strcmp(format, "json") == 0)
		rc = print_json(rows, nrows);
	else if (rc == 0 && nrows > 0) /* no table when the first file was refused */
		print_table(rows, nrows);
	if (rc < 0 && status == CLI_OK)
		status = cli_fail(rc, "statements import");
cleanup:
	for (size_t i = 0; i < nfiles; i++)
		bank_statements_file_free(done[i]);
	free(done);
	free(rows);
	PQfinish(c);
	return status;
}

int cli_statements(int argc, char **argv)
{
	const struct cli_args_cmd *cmd;
	struct opts o = {.format = "table"};
	int rc, words, npos;

	rc = cli_args_parse_family(&cmd, &words, &npos, &family, &o, NULL, argc, argv);
	if (rc != 0)
		return cli_args_status(rc);
	return import(argv + words, (size_t)npos, &o);
}
