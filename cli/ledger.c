/*
 * ledger.c - the ledger commands for people, talking to tfledgerd over HTTP
 * (libcurl): accounts add|list, post FILE.json, balance CODE [--as-of],
 * entries [--account --from --to], reverse ID; and verify, which reads the
 * database itself (--database) so that it can check a journal whatever the
 * daemon says. Tables are aligned for a terminal; --format json prints the
 * daemon's answer as is, for scripts.
 *
 * Exit status: 0 success, 1 when the daemon refused the input (4xx) or on
 * a usage error, 2 otherwise (daemon unreachable, 5xx, a broken chain).
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "common/date.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "ledger/ledger.h"

struct opts {
	const char *url, *token, *token_file, *format, *database;
	const char *as_of, *account, *from, *to, *date, *memo, *key;
	const char *name, *type, *currency;
};

/* The options of the commands that talk to tfledgerd. */
static const struct cli_args_opt http_opts[] = {
	CLI_ARGS_OPT_STR("url", struct opts, url, "URL",
			 "tfledgerd (default $TFLEDGER_URL, else http://127.0.0.1:8080)", 0),
	CLI_ARGS_OPT_STR("token", struct opts, token, "TOKEN", "API token (default $TFLEDGER_TOKEN)",
			 0),
	CLI_ARGS_OPT_STR("token-file", struct opts, token_file, "FILE",
			 "read the token from FILE (mode 0600) instead: out of ps", 0),
	CLI_ARGS_FORMAT(struct opts, format, "table|json"),
	CLI_ARGS_END};

#define KEY_OPT                                                              \
	CLI_ARGS_OPT_STR("idempotency-key", struct opts, key, "KEY",        \
			 "a retry with the same KEY stores nothing new", 0)
static const struct cli_args_opt account_add_opts[] = {
	CLI_ARGS_OPT_STR("name", struct opts, name, "NAME", "the account's name", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("type", struct opts, type, "TYPE",
			 "asset, liability, net_assets, revenue, expense or memo",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("currency", struct opts, currency, "CCY", "ISO 4217", CLI_ARGS_REQUIRED),
	KEY_OPT,
	CLI_ARGS_END};
static const struct cli_args_opt post_opts[] = {KEY_OPT, CLI_ARGS_END};
static const struct cli_args_opt balance_opts[] = {
	CLI_ARGS_OPT_STR("as-of", struct opts, as_of, "YYYY-MM-DD", "the balance at that day's end",
			 0),
	CLI_ARGS_END};
static const struct cli_args_opt entries_opts[] = {
	CLI_ARGS_OPT_STR("account", struct opts, account, "CODE", "only entries that post to it", 0),
	CLI_ARGS_OPT_STR("from", struct opts, from, "DATE", "the first day", 0),
	CLI_ARGS_OPT_STR("to", struct opts, to, "DATE", "the last day", 0),
	CLI_ARGS_END};
static const struct cli_args_opt reverse_opts[] = {
	CLI_ARGS_OPT_STR("date", struct opts, date, "YYYY-MM-DD", "the reversal's date",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("memo", struct opts, memo, "TEXT", "the reversal's memo", 0),
	KEY_OPT,
	CLI_ARGS_END};
#undef KEY_OPT
static const struct cli_args_opt verify_opts[] = {
	CLI_ARGS_FORMAT(struct opts, format, "table|json"), CLI_ARGS_DATABASE(struct opts, database),
	CLI_ARGS_OPT_STR("url", struct opts, url, "URL",
			 "ask tfledgerd instead (GET /v1/journal/verify)", 0),
	CLI_ARGS_OPT_STR("token", struct opts, token, "TOKEN", "API token (default $TFLEDGER_TOKEN)",
			 0),
	CLI_ARGS_OPT_STR("token-file", struct opts, token_file, "FILE",
			 "read the token from FILE (mode 0600) instead: out of ps", 0),
	CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"accounts add", account_add_opts, http_opts, "CODE", "the account's code", 1, 1, NULL},
	{"accounts list", NULL, http_opts, NULL, NULL, 0, 0, NULL},
	{"post", post_opts, http_opts, "FILE.json",
	 "one entry as in POST /v1/entries, or {\"entries\":[...]} for a batch", 1, 1, NULL},
	{"balance", balance_opts, http_opts, "CODE", "the account", 1, 1, NULL},
	{"entries", entries_opts, http_opts, NULL, NULL, 0, 0, "The journal, oldest first."},
	{"reverse", reverse_opts, http_opts, "ID", "the entry to reverse", 1, 1, NULL},
	{"verify", verify_opts, NULL, NULL, NULL, 0, 0,
	 "Recomputes the journal's hash chain. With --database (or $TFLEDGER_DATABASE\n"
	 "and no --url) from the database itself, whatever the daemon says: the\n"
	 "operator's check, the default because it trusts no server. With --url (or\n"
	 "when no database is configured) tfledgerd recomputes it (GET\n"
	 "/v1/journal/verify, any role's token): what a person without database\n"
	 "access can ask. Exit 2 when the chain is broken."},
};

static const char notes[] =
	"Common options: --url URL (default $TFLEDGER_URL, else http://127.0.0.1:8080),\n"
	"--token TOKEN (default $TFLEDGER_TOKEN), --format table|json.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

struct body {
	char *p;
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t k = size * n;
	char *q;

	if (b->len + k > LIMIT_HTTP_BODY_BYTES)
		return 0;
	q = realloc(b->p, b->len + k + 1);
	if (!q)
		return 0;
	memcpy(q + b->len, p, k);
	b->p = q;
	b->len += k;
	q[b->len] = '\0';
	return k;
}

/* One request; *out is the parsed answer (or NULL). Returns the exit status. */
static int call(json_t **out, const struct opts *o, const char *method, const char *path,
		const char *body)
{
	char url[2048], auth[256], idem[320];
	struct curl_slist *hdr = NULL;
	struct body b = {0};
	long status = 0;
	CURL *c = curl_easy_init();
	CURLcode cc;
	json_error_t jerr;
	int rc = CLI_OK;

	*out = NULL;
	if (!c)
		return cli_fail(ERR_INTERNAL, "curl");
	snprintf(url, sizeof(url), "%s%s", o->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	if (o->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
		hdr = curl_slist_append(hdr, auth);
	}
	if (o->key) {
		snprintf(idem, sizeof(idem), "Idempotency-Key: %s", o->key);
		hdr = curl_slist_append(hdr, idem);
	}
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		fprintf(stderr, "tfledger: %s: %s\n", url, curl_easy_strerror(cc));
		rc = CLI_FAIL;
		goto cleanup;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	*out = b.p ? cli_http_load(b.p, strlen(b.p), &jerr) : NULL;
	if (status >= 400) {
		json_t *e = json_object_get(*out, "error");

		fprintf(stderr, "tfledger: %s %s: %ld %s: %s\n", method, path, status,
			json_string_value(json_object_get(e, "code")) ?: "error",
			json_string_value(json_object_get(e, "message")) ?: "(no error message)");
		rc = status < 500 ? CLI_USAGE : CLI_FAIL;
		json_decref(*out);
		*out = NULL;
	} else if (!*out) {
		fprintf(stderr, "tfledger: %s: the answer is not JSON\n", url);
		rc = CLI_FAIL;
	}
cleanup:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	free(b.p);
	return rc;
}

static const char *s(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
}

static void print_entries(json_t *arr)
{
	size_t i, k;
	json_t *e, *p;

	printf("%-8s  %-10s  %-36s  %-8s  %-6s  %20s  %-3s  %s\n", "SEQ", "DATE", "ID", "ACCOUNT",
	       "SIDE", "AMOUNT", "CCY", "MEMO");
	json_array_foreach(arr, i, e) {
		json_array_foreach(json_object_get(e, "postings"), k, p) {
			if (k == 0)
				printf("%-8lld  %-10s  %-36s  ",
				       (long long)json_integer_value(json_object_get(e, "sequence")),
				       s(e, "date"), s(e, "id"));
			else
				printf("%-8s  %-10s  %-36s  ", "", "", "");
			printf("%-8s  %-6s  %20s  %-3s  %s\n", s(p, "account"), s(p, "side"),
			       s(p, "amount"), s(p, "currency"), k == 0 ? s(e, "memo") : "");
		}
	}
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, n;

	if (!f) {
		err_sys(ERR_INVALID, "%s", path);
		return NULL;
	}
	buf = malloc(LIMIT_HTTP_BODY_BYTES + 1);
	if (buf) {
		n = fread(buf, 1, LIMIT_HTTP_BODY_BYTES + 1, f);
		len = n;
		if (len > LIMIT_HTTP_BODY_BYTES) {
			err_set(ERR_LIMIT, "%s: larger than %d bytes", path, LIMIT_HTTP_BODY_BYTES);
			free(buf);
			buf = NULL;
		} else {
			buf[len] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* verify through tfledgerd: its answer as the database's check would print. */
static int verify_by_url(const struct opts *o)
{
	json_t *out = NULL;
	int rc = call(&out, o, "GET", "/v1/journal/verify", NULL);
	bool ok = json_is_true(json_object_get(out, "ok"));

	if (rc != CLI_OK)
		return rc;
	if (strcmp(o->format, "json") == 0)
		print_json(out);
	else if (ok)
		printf("ok: %lld entries, head %s\n",
		       (long long)json_integer_value(json_object_get(out, "entries")),
		       s(out, "head"));
	else
		printf("BROKEN at sequence %lld: %s\n",
		       (long long)json_integer_value(json_object_get(out, "first_bad_sequence")),
		       s(out, "reason"));
	json_decref(out);
	return ok ? CLI_OK : CLI_FAIL;
}

/* verify: the database's own check when --database is given, or
 * $TFLEDGER_DATABASE and no --url; else tfledgerd's (url_given: --url was). */
static int verify(const struct opts *o, bool url_given)
{
	struct ledger_verify_result v;
	const char *conninfo;
	PGconn *c = NULL;
	int rc;

	if (o->database && url_given)
		return cli_usage_error("verify", "--database or --url, not both");
	conninfo = url_given ? NULL : cfg_database(o->database);
	if (!conninfo) {
		err_clear();
		return verify_by_url(o);
	}
	rc = db_connect(&c, conninfo);
	if (rc == 0)
		rc = ledger_store_setup_owner(c);
	if (rc == 0)
		rc = ledger_verify(&v, c);
	PQfinish(c);
	if (rc < 0)
		return cli_fail(rc, "verify");
	if (strcmp(o->format, "json") == 0) {
		json_t *j = json_pack("{s:b, s:I, s:s}", "ok", v.ok, "entries",
				      (json_int_t)v.entries, "head", v.head);

		if (!v.ok) {
			json_object_set_new(j, "first_bad_sequence", json_integer(v.bad_sequence));
			json_object_set_new(j, "reason", json_string(v.why));
		}
		print_json(j);
		json_decref(j);
	} else if (v.ok) {
		printf("ok: %lld entries, head %s\n", (long long)v.entries, v.head);
	} else {
		printf("BROKEN at sequence %lld: %s\n", (long long)v.bad_sequence, v.why);
	}
	return v.ok ? CLI_OK : CLI_FAIL;
}

static int run(int argc, char **argv)
{
	struct opts o = {.format = "table"};
	const struct cli_args_cmd *c;
	const char *cmd;
	char path[1024];
	json_t *out = NULL, *req = NULL;
	char *text = NULL;
	int words, npos, rc;
	bool url_given;
	char **pos;

	rc = cli_args_parse_family(&c, &words, &npos, &family, &o, NULL, argc, argv);
	if (rc != 0)
		return cli_args_status(rc);
	url_given = o.url != NULL;
	if (!o.url)
		o.url = getenv("TFLEDGER_URL") && *getenv("TFLEDGER_URL") ? getenv("TFLEDGER_URL")
									   : "http://127.0.0.1:8080";
	if (o.token && o.token_file)
		return cli_usage_error(c->name, "give --token or --token-file, not both");
	if (o.token_file && cli_http_token_file(&o.token, o.token_file) < 0)
		return cli_fail(ERR_INVALID, c->name);
	if (!o.token)
		o.token = getenv("TFLEDGER_TOKEN");
	cmd = c->name;
	pos = argv + words;
	/* Path parts come from the command line: allow only safe characters. */
	for (int i = 0; i < npos; i++)
		if (strcmp(cmd, "post") != 0 && strpbrk(pos[i], "/?#%& "))
			return cli_usage_error(cmd, "'%s': unexpected characters", pos[i]);

	if (strcmp(cmd, "verify") == 0)
		return verify(&o, url_given);
	if (strcmp(cmd, "accounts list") == 0) {
		rc = call(&out, &o, "GET", "/v1/accounts", NULL);
		if (rc == CLI_OK && strcmp(o.format, "table") == 0) {
			size_t i;
			json_t *a;

			printf("%-12s  %-30s  %-10s  %-3s  %20s\n", "CODE", "NAME", "TYPE", "CCY",
			       "BALANCE");
			json_array_foreach(json_object_get(out, "accounts"), i, a)
				printf("%-12s  %-30s  %-10s  %-3s  %20s\n", s(a, "code"), s(a, "name"),
				       s(a, "type"), s(a, "currency"), s(a, "balance"));
		}
	} else if (strcmp(cmd, "accounts add") == 0) {
		req = json_pack("{s:s, s:s, s:s, s:s}", "code", pos[0], "name", o.name, "type",
				o.type, "currency", o.currency);
		text = json_dumps(req, JSON_COMPACT);
		rc = call(&out, &o, "POST", "/v1/accounts", text);
		if (rc == CLI_OK && strcmp(o.format, "table") == 0)
			printf("account %s (%s, %s) created\n", s(out, "code"), s(out, "type"),
			       s(out, "currency"));
	} else if (strcmp(cmd, "post") == 0) {
		json_error_t jerr;

		text = read_file(pos[0]);
		if (!text)
			return cli_fail(ERR_INVALID, "post");
		req = json_loads(text, 0, &jerr);
		if (!json_is_object(req)) {
			fprintf(stderr, "tfledger post: %s:%d:%d: %s\n", pos[0], jerr.line, jerr.column,
				req ? "expected a JSON object" : jerr.text);
			rc = CLI_USAGE;
		} else {
			bool batch = json_object_get(req, "entries") != NULL;

			rc = call(&out, &o, "POST", batch ? "/v1/entries/batch" : "/v1/entries", text);
			if (rc == CLI_OK && strcmp(o.format, "table") == 0) {
				json_t *one = batch ? json_incref(json_object_get(out, "entries"))
						    : json_pack("[O]", out);

				print_entries(one);
				json_decref(one);
			}
		}
	} else if (strcmp(cmd, "balance") == 0) {
		if (o.as_of && !date_valid(o.as_of))
			return cli_usage_error(cmd, "--as-of: a date YYYY-MM-DD");
		snprintf(path, sizeof(path), "/v1/accounts/%s/balance%s%s", pos[0],
			 o.as_of ? "?as_of=" : "", o.as_of ? o.as_of : "");
		rc = call(&out, &o, "GET", path, NULL);
		if (rc == CLI_OK && strcmp(o.format, "table") == 0)
			printf("%s  %s %s%s%s\n", s(out, "account"), s(out, "balance"),
			       s(out, "currency"), o.as_of ? "  as of " : "", o.as_of ? o.as_of : "");
	} else if (strcmp(cmd, "entries") == 0) {
		json_t *all = json_array();
		long long after = 0;

		/* Follow the cursor to the end. */
		for (;;) {
			json_t *next;

			snprintf(path, sizeof(path), "/v1/entries?limit=%d&after=%lld%s%s%s%s%s%s",
				 LIMIT_LIST_ROWS, after, o.account ? "&account=" : "",
				 o.account ? o.account : "", o.from ? "&from=" : "",
				 o.from ? o.from : "", o.to ? "&to=" : "", o.to ? o.to : "");
			if ((o.account && strpbrk(o.account, "&#% ")) || (o.from && !date_valid(o.from)) ||
			    (o.to && !date_valid(o.to))) {
				json_decref(all);
				return cli_usage_error(cmd, "--account is a code, --from/--to dates");
			}
			rc = call(&out, &o, "GET", path, NULL);
			if (rc != CLI_OK)
				break;
			json_array_extend(all, json_object_get(out, "entries"));
			next = json_object_get(out, "next");
			after = json_integer_value(next);
			json_decref(out);
			out = NULL;
			if (!json_is_integer(next))
				break;
		}
		if (rc == CLI_OK)
			out = json_pack("{s:o, s:n}", "entries", all, "next");
		else
			json_decref(all);
		if (rc == CLI_OK && strcmp(o.format, "table") == 0)
			print_entries(json_object_get(out, "entries"));
	} else {
		ASSERT(strcmp(cmd, "reverse") == 0);
		req = o.memo ? json_pack("{s:s, s:s}", "date", o.date, "memo", o.memo)
			     : json_pack("{s:s}", "date", o.date);
		text = json_dumps(req, JSON_COMPACT);
		snprintf(path, sizeof(path), "/v1/entries/%s/reverse", pos[0]);
		rc = call(&out, &o, "POST", path, text);
		if (rc == CLI_OK && strcmp(o.format, "table") == 0) {
			json_t *one = json_pack("[O]", out);

			print_entries(one);
			json_decref(one);
		}
	}
	if (rc == CLI_OK && strcmp(o.format, "json") == 0)
		print_json(out);
	json_decref(out);
	json_decref(req);
	free(text);
	return rc;
}

int cli_accounts(int argc, char **argv) { return run(argc, argv); }
int cli_post(int argc, char **argv) { return run(argc, argv); }
int cli_balance(int argc, char **argv) { return run(argc, argv); }
int cli_entries(int argc, char **argv) { return run(argc, argv); }
int cli_reverse(int argc, char **argv) { return run(argc, argv); }
int cli_verify(int argc, char **argv) { return run(argc, argv); }
