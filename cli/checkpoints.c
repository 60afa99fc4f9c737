/*
 * checkpoints.c - tfledger checkpoints create|list|get: signed journal
 * checkpoints through the one door (POST /v1/checkpoints, GET
 * /v1/checkpoints, GET /v1/checkpoints/{id}; docs/signing.md). An auditor
 * keeps the XML of `get` (or `create --output`) and later checks a
 * statement against it offline with `tfledger verify-statement FILE
 * --checkpoint CP.xml --cert CERT.pem`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "common/err.h"
#include "common/output.h"

struct opts {
	struct cli_http http;
	const char *format, *output, *after, *limit, *key;
};

static const struct cli_args_opt common[] = {CLI_ARGS_SERVER(struct opts, http), CLI_ARGS_END};
static const struct cli_args_opt create_opts[] = {
	CLI_ARGS_FORMAT(struct opts, format, "table|json"),
	CLI_ARGS_OPT_STR("output", struct opts, output, "FILE",
			 "also write the signed checkpoint's XML there", 0),
	CLI_ARGS_OPT_STR("idempotency-key", struct opts, key, "KEY",
			 "retry safely: the same key answers the first checkpoint again", 0),
	CLI_ARGS_END};
static const struct cli_args_opt list_opts[] = {
	CLI_ARGS_FORMAT(struct opts, format, "table|json"),
	CLI_ARGS_OPT_STR("after", struct opts, after, "ID", "the page after this id", 0),
	CLI_ARGS_OPT_STR("limit", struct opts, limit, "N", "at most N (1-500, default 100)", 0),
	CLI_ARGS_END};
static const struct cli_args_opt get_opts[] = {
	CLI_ARGS_OPT_STR("output", struct opts, output, "FILE",
			 "write the signed XML there, whole (default stdout)", 0),
	CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"checkpoints create", create_opts, common, NULL, NULL, 0, 0,
	 "Issues a signed journal checkpoint now (admin, finance, auditor)."},
	{"checkpoints list", list_opts, common, NULL, NULL, 0, 0,
	 "Lists the checkpoints, oldest first, a page at a time."},
	{"checkpoints get", get_opts, common, "ID", "the checkpoint's id", 1, 1,
	 "Fetches a checkpoint's signed XML, as the server stored it."},
};

static const char notes[] =
	"A checkpoint states the journal's head (sequence and hash) at a time, signed by\n"
	"tfledgerd's key; one is also issued at each month's close. Keep its XML and check\n"
	"a later account statement against it: tfledger verify-statement STATEMENT.xml\n"
	"--checkpoint CP.xml --cert CERT.pem. See docs/signing.md.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

/* output_write_fn: a NUL-terminated string. */
static int put_text(FILE *f, void *arg)
{
	const char *s = arg;
	size_t n = strlen(s);

	return fwrite(s, 1, n, f) == n ? 0 : err_sys(ERR_SYSTEM, "write failed");
}

/* GET /v1/checkpoints/{id} into path (NULL: stdout). */
static int fetch(const struct opts *o, const char *what, const char *id, const char *path)
{
	char url[128];
	char *doc = NULL;
	int rc;

	if ((rc = cli_http_segment_ok(what, id)) != 0)
		return rc;
	snprintf(url, sizeof(url), "/v1/checkpoints/%s", id);
	if ((rc = cli_http_raw(&doc, NULL, &o->http, what, "GET", url, NULL, NULL, 0, NULL, 0)))
		return rc;
	if (path)
		rc = output_write(path, put_text, doc);
	else if ((rc = put_text(stdout, doc)) == 0 && fflush(stdout) != 0)
		rc = err_sys(ERR_SYSTEM, "stdout: write failed");
	free(doc);
	return rc < 0 ? cli_fail(rc, what) : CLI_OK;
}

static void print_row(const json_t *c)
{
	const json_t *m = json_object_get(c, "month");

	printf("%-6" JSON_INTEGER_FORMAT " %-10" JSON_INTEGER_FORMAT " %-20s %-8s %-7s %-16s %s\n",
	       json_integer_value(json_object_get(c, "id")),
	       json_integer_value(json_object_get(c, "sequence")),
	       json_string_value(json_object_get(c, "at")),
	       json_string_value(json_object_get(c, "reason")),
	       json_is_string(m) ? json_string_value(m) : "-",
	       json_string_value(json_object_get(c, "created_by")),
	       json_string_value(json_object_get(c, "head_hash")));
}

static void print_header(void)
{
	printf("%-6s %-10s %-20s %-8s %-7s %-16s %s\n", "ID", "SEQUENCE", "AT", "REASON", "MONTH",
	       "BY", "HEAD HASH");
}

static int print_json(const json_t *j)
{
	return json_dumpf(j, stdout, JSON_INDENT(2)) == 0 && putchar('\n') != EOF ? CLI_OK
										   : CLI_FAIL;
}

static int run_create(struct opts *o)
{
	json_t *out = NULL;
	char id[32];
	int rc;

	o->http.key = o->key;
	if ((rc = cli_http_json(&out, &o->http, "checkpoints create", "POST", "/v1/checkpoints",
				NULL)))
		return rc;
	if (o->format && strcmp(o->format, "json") == 0) {
		rc = print_json(out);
	} else {
		print_header();
		print_row(out);
	}
	snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(out, "id")));
	json_decref(out);
	if (rc == 0 && o->output)
		rc = fetch(o, "checkpoints create", id, o->output);
	return rc;
}

static int run_list(struct opts *o)
{
	json_t *q = json_object(), *out = NULL;
	char path[256] = "/v1/checkpoints";
	int rc;

	if (!q)
		return cli_fail(err_set(ERR_SYSTEM, "out of memory"), "checkpoints list");
	if (o->after)
		json_object_set_new(q, "after", json_string(o->after));
	if (o->limit)
		json_object_set_new(q, "limit", json_string(o->limit));
	rc = cli_http_query(path, sizeof(path), q);
	json_decref(q);
	if (rc < 0)
		return cli_usage_error("checkpoints list", "%s", err_last());
	if ((rc = cli_http_json(&out, &o->http, "checkpoints list", "GET", path, NULL)))
		return rc;
	if (o->format && strcmp(o->format, "json") == 0) {
		rc = print_json(out);
	} else {
		const json_t *arr = json_object_get(out, "checkpoints"), *c, *next;
		size_t i;

		print_header();
		json_array_foreach(arr, i, c)
			print_row(c);
		next = json_object_get(out, "next");
		if (json_is_integer(next))
			printf("(more: --after %" JSON_INTEGER_FORMAT ")\n",
			       json_integer_value(next));
	}
	json_decref(out);
	return rc;
}

int cli_checkpoints(int argc, char **argv)
{
	const struct cli_args_cmd *cmd;
	struct opts o = {.format = "table"};
	int rc, words, npos;

	rc = cli_args_parse_family(&cmd, &words, &npos, &family, &o, NULL, argc, argv);
	if (rc != 0)
		return cli_args_status(rc);
	cli_http_defaults(&o.http);
	if (strcmp(cmd->name, "checkpoints create") == 0)
		return run_create(&o);
	if (strcmp(cmd->name, "checkpoints list") == 0)
		return run_list(&o);
	return fetch(&o, "checkpoints get", argv[words], o.output);
}
