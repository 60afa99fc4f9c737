/*
 * statements.c - tfledger bank-statements import FILE...: bank statements
 * (camt.053/052/054, MT940) into the books through tfledgerd
 * (docs/bank-statements.md): each file is one POST /v1/bank-statements
 * ?file=FILE with the file's bytes, through the one door (cli/http.h:
 * --url, --token, no database), read from the file as it is sent (never
 * held in memory whole). `statements import`, the contract's name, is the
 * same command, and keeps the contract's --database CONNINFO: given, the
 * operator's import straight into that database (bank/statements.c), no
 * server. The server reads and stores; this file sends,
 * prints figures and repeats the deviations the server tolerated as
 * warnings on stderr, as the reader logs them.
 *
 * Each file is all-or-nothing (one transaction on the server). Files are
 * imported in order; the first file refused stops the run: the files
 * before it stay imported and are printed, the file at fault stores
 * nothing, later files are not sent.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bank/statements.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/progress.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/money.h"

struct opts {
	const char *format;
	struct cli_http http;
	const char *database; /* statements import --database: the contract's operator path */
	PGconn *c;	      /* connected to it */
};

static const struct cli_args_opt opts[] = {
	CLI_ARGS_FORMAT(struct opts, format, "table|json"), CLI_ARGS_SERVER(struct opts, http),
	CLI_ARGS_END};
/* The contract's `statements import` also takes --database CONNINFO
 * (CONTRACT.md): given, the files go into that database directly, as the
 * operator's import, with no server; not given, through tfledgerd. */
static const struct cli_args_opt contract_opts[] = {
	CLI_ARGS_FORMAT(struct opts, format, "table|json"), CLI_ARGS_SERVER(struct opts, http),
	CLI_ARGS_OPT_STR("database", struct opts, database, "CONNINFO",
			 "the operator's import straight into this database, no server", 0),
	CLI_ARGS_END};

#define IMPORT_HELP                                                                       \
	"Imports bank statements (ISO 20022 camt.053 001.02 to 001.08, camt.052\n"       \
	"and camt.054; MT940) through tfledgerd and stores each bank line once:\n"        \
	"importing a file again stores nothing new. Each file is imported whole or\n"     \
	"not at all; the first file refused stops the run (the files before it stay\n"   \
	"imported).\n\n"                                                                  \
	"Exit status: 0 imported, 1 a file refused (stderr names file:line: field),\n"    \
	"2 any other failure. See docs/bank-statements.md."

static const struct cli_args_cmd cmds[] = {
	{"bank-statements import", opts, NULL, "FILE.xml...", "statement files, imported in order",
	 1, -1, IMPORT_HELP},
	{"statements import", contract_opts, NULL, "FILE.xml...",
	 "statement files, imported in order", 1, -1,
	 IMPORT_HELP "\n\n`statements import` is `bank-statements import` (the contract's name);\n"
	 "with --database (never from $TFLEDGER_DATABASE alone) it is the operator's\n"
	 "import straight into that database, no server, as the contract has it."},
};
static const char notes[] =
	IMPORT_HELP "\n\nThe options: tfledger bank-statements import --help.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

/* The value of key in o as text, integers in decimal. */
static void cell(char *out, size_t size, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else
		snprintf(out, size, "%s", json_string_value(v) ? json_string_value(v) : "");
}

static void print_table(json_t *rows)
{
	static const char *const head[] = {"FILE", "STATEMENT", "ACCOUNT", "CCY", "ENTRIES",
					   "CREDITS", "DEBITS", "NEW", "DUPLICATES"};
	static const char *const keys[] = {"file", "id", "account", "currency", "entries",
					   "credits", "debits", "new", "duplicates"};
	char cells[9][LIMIT_PATH_BYTES];
	int w[9];
	json_t *row;
	size_t i;

	for (int k = 0; k < 9; k++)
		w[k] = (int)strlen(head[k]);
	json_array_foreach(rows, i, row)
		for (int k = 0; k < 9; k++) {
			cell(cells[k], sizeof(cells[k]), row, keys[k]);
			if ((int)strlen(cells[k]) > w[k])
				w[k] = (int)strlen(cells[k]);
		}
	printf("%-*s  %-*s  %-*s  %-*s  %*s  %*s  %*s  %*s  %*s\n", w[0], head[0], w[1], head[1],
	       w[2], head[2], w[3], head[3], w[4], head[4], w[5], head[5], w[6], head[6], w[7],
	       head[7], w[8], head[8]);
	json_array_foreach(rows, i, row) {
		for (int k = 0; k < 9; k++)
			cell(cells[k], sizeof(cells[k]), row, keys[k]);
		printf("%-*s  %-*s  %-*s  %-*s  %*s  %*s  %*s  %*s  %*s\n", w[0], cells[0], w[1],
		       cells[1], w[2], cells[2], w[3], cells[3], w[4], cells[4], w[5], cells[5],
		       w[6], cells[6], w[7], cells[7], w[8], cells[8]);
	}
}

/* Opens path for sending: *out the file (the caller closes it), *len its
 * size, *ctype what its first bytes say it is: XML (camt) if the first byte
 * past a BOM and white space is '<', else text (MT940). ERR_INVALID naming
 * path if it cannot be read, ERR_LIMIT beyond the route's body limit. */
static int open_file(FILE **out, size_t *len, const char **ctype, const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char head[64];
	struct stat st;
	size_t n, i;

	*out = NULL;
	if (!f)
		return err_sys(ERR_INVALID, "%s", path);
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return err_set(ERR_INVALID, "%s: not a regular file", path);
	}
	if (st.st_size > LIMIT_HTTP_STATEMENT_BYTES) {
		fclose(f);
		return err_set(ERR_LIMIT, "%s: larger than %d bytes", path,
			       LIMIT_HTTP_STATEMENT_BYTES);
	}
	n = fread(head, 1, sizeof(head), f);
	i = n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < n && strchr(" \t\r\n", head[i]))
		i++;
	*ctype = i < n && head[i] == '<' ? "application/xml" : "text/plain";
	if (ferror(f) || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return err_sys(ERR_INVALID, "%s", path);
	}
	*out = f;
	*len = (size_t)st.st_size;
	return 0;
}

/* Logs the deviations the server tolerated in a file, as the reader does. */
static void warn_deviations(json_t *answer)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(answer, "deviations"), i, d)
		log_warn(json_string_value(json_object_get(d, "message")), "at",
			 json_string_value(json_object_get(d, "at")), "field",
			 json_string_value(json_object_get(d, "field")), "kind",
			 json_string_value(json_object_get(d, "kind")), "what",
			 json_string_value(json_object_get(d, "what")), NULL);
}

/* The operator's import of one file straight into o->c (statements import
 * --database): its statements' rows appended to rows as the route answers
 * them; the reader logs its deviations itself. Returns the exit status. */
static int import_db(json_t *rows, const char *file, struct opts *o, const char *what)
{
	struct bank_statements_file *f = NULL;
	struct cli_progress *bar = cli_progress_watch_file(file, file);
	int rc = bank_statements_import(&f, o->c, file);

	cli_progress_end(bar);
	for (size_t i = 0; rc == 0 && i < f->n; i++) {
		const struct bank_statements_result *r = &f->stmts[i];
		char credits[MONEY_STR_MAX], debits[MONEY_STR_MAX];

		money_format(credits, r->credits_minor, r->currency);
		money_format(debits, r->debits_minor, r->currency);
		if (json_array_append_new(
			    rows, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I}",
					    "file", file, "id", r->id, "account", r->account,
					    "currency", r->currency, "entries", (json_int_t)r->entries,
					    "credits", credits, "debits", debits, "new",
					    (json_int_t)r->new_lines, "duplicates",
					    (json_int_t)r->duplicates, "collisions",
					    (json_int_t)r->collisions, "review",
					    (json_int_t)r->review)) < 0)
			rc = err_set(ERR_SYSTEM, "out of memory");
	}
	bank_statements_file_free(f);
	return rc < 0 ? cli_fail(rc, what) : CLI_OK;
}

/* Sends one file; its statements' rows appended to rows. Returns the exit
 * status (the refusal printed). */
static int import_one(json_t *rows, const char *file, struct opts *o, const char *what)
{
	char path[LIMIT_PATH_BYTES * 3 + 64] = "/v1/bank-statements";
	json_t *q = json_pack("{s:s}", "file", file), *answer = NULL, *st;
	const char *ctype = NULL;
	size_t len = 0, alen = 0, i;
	FILE *doc = NULL;
	char *ans = NULL;
	json_error_t e;
	int rc, status = CLI_OK;

	if (!q || (rc = cli_http_query(path, sizeof(path), q)) < 0 ||
	    (rc = open_file(&doc, &len, &ctype, file)) < 0) {
		json_decref(q);
		return cli_fail(q ? rc : err_set(ERR_SYSTEM, "out of memory"), what);
	}
	json_decref(q);
	o->http.progress = cli_progress_start(file, (int64_t)len);
	o->http.body_file = doc;
	status = cli_http_raw(&ans, &alen, &o->http, what, "POST", path, ctype, NULL, len, NULL,
			      0);
	cli_progress_end(o->http.progress);
	o->http.progress = NULL;
	o->http.body_file = NULL;
	fclose(doc);
	if (status != CLI_OK)
		return status;
	answer = cli_http_load(ans, alen, &e);
	free(ans);
	if (!answer) {
		fprintf(stderr, "tfledger: %s: the answer is not JSON: %s\n", what, e.text);
		return CLI_FAIL;
	}
	warn_deviations(answer);
	json_array_foreach(json_object_get(answer, "statements"), i, st) {
		json_object_set_new(st, "file", json_string(file));
		json_array_append(rows, st);
	}
	json_decref(answer);
	return status;
}

/* bank-statements import FILE...: files are argv[0..nfiles). */
static int import(char **files, size_t nfiles, struct opts *o, const char *what)
{
	json_t *rows = json_array(), *root;
	size_t done = 0;
	int status = CLI_OK;

	if (!rows)
		return cli_fail(err_set(ERR_SYSTEM, "out of memory"), what);
	if (o->database && *o->database) {
		int rc = db_connect(&o->c, o->database);

		if (rc == 0)
			rc = bank_statements_prepare(o->c);
		if (rc < 0) {
			json_decref(rows);
			return cli_fail(rc, what);
		}
	}
	for (; done < nfiles; done++) {
		status = o->c ? import_db(rows, files[done], o, what)
			      : import_one(rows, files[done], o, what);
		if (status != CLI_OK) {
			fprintf(stderr, "tfledger: %s: %s refused, nothing of it stored; %zu "
				"earlier file%s imported, %zu later not read\n", what, files[done],
				done, done == 1 ? "" : "s", nfiles - done - 1);
			break;
		}
	}
	if (strcmp(o->format, "json") == 0) {
		root = json_pack("{s:O}", "statements", rows);
		if (root && json_dumpf(root, stdout, JSON_PRESERVE_ORDER) == 0)
			putchar('\n');
		json_decref(root);
	} else if (json_array_size(rows) > 0) { /* no table when the first file was refused */
		print_table(rows);
	}
	json_decref(rows);
	PQfinish(o->c);
	o->c = NULL;
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
	cli_http_defaults(&o.http);
	return import(argv + words, (size_t)npos, &o, cmd->name);
}
