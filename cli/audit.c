/*
 * audit.c - tfledger audit: the audit log read through tfledgerd (GET
 * /v1/audit; auditor, admin), filtered by person, time, action and
 * object, oldest first. It follows the answer's cursor until the log is
 * read to its end, printing each page as it comes (table) or gathering
 * the rows into one {"audit":[...]} (json).
 */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/session.h"
#include "common/err.h"

static void print_rows(json_t *rows)
{
	json_t *a;
	size_t i;

	json_array_foreach(rows, i, a)
		printf("%-8lld  %-27s  %-16s  %-11s  %-24s  %s\n",
		       (long long)json_integer_value(json_object_get(a, "id")),
		       json_string_value(json_object_get(a, "at")),
		       json_string_value(json_object_get(a, "user")),
		       json_string_value(json_object_get(a, "role")),
		       json_string_value(json_object_get(a, "action")),
		       json_string_value(json_object_get(a, "object")));
}

static int run(struct cli_run *r)
{
	bool json = strcmp(r->format, "json") == 0;
	json_t *all = json_array(), *out = NULL;
	int rc = all ? 0 : cli_fail(err_set(ERR_SYSTEM, "out of memory"), "audit");
	bool first = true;

	while (rc == 0) {
		json_t *next;

		rc = cli_run_request(r, "GET", "/v1/audit", &out);
		if (rc != 0)
			break;
		if (!json && first)
			printf("%-8s  %-27s  %-16s  %-11s  %-24s  %s\n", "ID", "AT", "USER",
			       "ROLE", "ACTION", "OBJECT");
		first = false;
		if (json)
			json_array_extend(all, json_object_get(out, "audit"));
		else
			print_rows(json_object_get(out, "audit"));
		next = json_object_get(out, "next");
		if (!json_is_integer(next))
			break;
		json_object_set(r->body, "after", next);
		json_decref(out);
		out = NULL;
	}
	if (rc == 0 && json) {
		json_t *doc = json_pack("{s:O}", "audit", all);

		json_dumpf(doc, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(doc);
	}
	json_decref(out);
	json_decref(all);
	cli_run_close(r);
	return rc;
}

static const struct cli_args_opt opts[] = {
	CLI_ARGS_BODY_STR("user", "NAME", "only what this person did", 0),
	CLI_ARGS_BODY_STR("from", "DATE|TIME", "from this day or RFC 3339 instant on", 0),
	CLI_ARGS_BODY_STR("to", "DATE|TIME", "up to this day (all of it) or instant", 0),
	CLI_ARGS_BODY_STR("action", "ACTION", "only this kind: user.create, entry.post, ...", 0),
	CLI_ARGS_BODY_STR("object", "PREFIX", "only objects that begin so", 0),
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_SERVER(struct cli_run, http),
	CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"audit", opts, NULL, NULL, NULL, 0, 0,
	 "who did what, oldest first: every write, naming the person (auditor, admin)"},
};
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, NULL);

int cli_audit(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger ", run);
}
