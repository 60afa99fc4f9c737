/*
 * report.c - tfledger report SUBCOMMAND ...: the report kinds
 * (account-statement, trial-balance, ...), fetched from tfledgerd through
 * the one door (--url, --token: GET /v1/reports/KIND, signed by the server
 * when it has a key) and written whole to --output or stdout; and the
 * offline tools: verification, signing a file with a local key, the demo
 * signing key. Also `tfledger verify-statement FILE [--checkpoint CP.xml
 * [--cert CERT.pem]]`, the offline check of an account statement, and of
 * the statement against a signed journal checkpoint (exit 0 valid and
 * consistent, 1 invalid, 2 could not read or history rewritten since the
 * checkpoint).
 *
 * `report KIND --database CONNINFO` still reads the database directly (the
 * operator's path, with --sign KEY --cert CERT to sign locally); without
 * --database a report always goes through tfledgerd.
 *
 * `verify` exits 0 when the signature is valid, 1 when it is not (tampered,
 * wrong key, unsigned, malformed) with what failed on stderr, 2 when it
 * could not be checked (a file unreadable, a bad certificate file).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bank/reconcile.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/progress.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/output.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "reports/checkpoint.h"
#include "reports/keys.h"
#include "reports/report.h"
#include "reports/sign.h"

/* The options of every report command; each command's table says which. */
struct opts {
	struct reports_request rq;
	const char *file, *key, *cert, *output, *subject, *database;
	struct cli_http http;
};

/* The kinds share one table: reports_write names an option given to a kind
 * that does not take it ("--meeting is for travel-allocation, ..."). */
static const struct cli_args_opt kind_opts[] = {
	CLI_ARGS_OPT_STR("from", struct opts, rq.from, "DATE", "the first day", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("to", struct opts, rq.to, "DATE", "the last day", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("account", struct opts, rq.account, "CODE",
			 "account-statement: one account (default: all)", 0),
	CLI_ARGS_OPT_STR("bank-account", struct opts, rq.bank_account, "CODE",
			 "reconciliation: the bank account (10xx-CCY)", 0),
	CLI_ARGS_OPT_STR("statement-account", struct opts, rq.statement_account, "IBAN",
			 "reconciliation: its statement account (default: linked)", 0),
	CLI_ARGS_OPT_STR("meeting", struct opts, rq.meeting, "ID", "travel-allocation: the meeting",
			 0),
	CLI_ARGS_OPT_STR("output", struct opts, output, "FILE",
			 "write there, whole or not at all (default stdout)", 0),
	CLI_ARGS_OPT_STR("generated-at", struct opts, rq.generated_at, "YYYY-MM-DDTHH:MM:SSZ",
			 "the time the report states (default now)", 0),
	CLI_ARGS_SERVER(struct opts, http),
	CLI_ARGS_OPT_STR("database", struct opts, database, "CONNINFO",
			 "the operator's path: read this database directly, not tfledgerd", 0),
	CLI_ARGS_OPT_STR("sign", struct opts, key, "KEY.pem",
			 "with --database: sign FILE with this key (needs --cert)", 0),
	CLI_ARGS_OPT_STR("cert", struct opts, cert, "CERT.pem", "the key's certificate", 0),
	CLI_ARGS_END};
static const struct cli_args_opt verify_opts[] = {
	CLI_ARGS_OPT_STR("cert", struct opts, cert, "CERT.pem",
			 "a trusted certificate to check who signed", 0),
	CLI_ARGS_END};
static const struct cli_args_opt sign_opts[] = {
	CLI_ARGS_OPT_STR("key", struct opts, key, "KEY.pem", "the private key", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("cert", struct opts, cert, "CERT.pem", "its certificate", CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("output", struct opts, output, "OUT", "the signed copy (default: in place)",
			 0),
	CLI_ARGS_END};
static const struct cli_args_opt keygen_opts[] = {
	CLI_ARGS_OPT_STR("key", struct opts, key, "KEY.pem", "the key to write (mode 0600)",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("cert", struct opts, cert, "CERT.pem", "the certificate to write",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("subject", struct opts, subject, "\"CN=...\"", "the certificate's subject",
			 0),
	CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"report", kind_opts, NULL, "KIND", "the kind of report (tfledger report --help lists them)", 1,
	 1, NULL},
	{"report verify", verify_opts, NULL, "FILE", "the signed report", 1, 1,
	 "Checks FILE's signature (enveloped, or FILE.sig)."},
	{"report sign", sign_opts, NULL, "FILE", "the XML report", 1, 1,
	 "Signs an XML report (in place unless --output)."},
	{"report keygen", keygen_opts, NULL, NULL, NULL, 0, 0,
	 "Makes a demo RSA 3072 key and self-signed certificate."},
};

static const char notes[] =
	"KIND is one of:\n"
	"  account-statement     postings with running balances and the hash chain\n"
	"                        (all accounts unless --account)\n"
	"  trial-balance         every account as of --to, per currency and in USD at\n"
	"                        UN rates\n"
	"  donor-contributions   donors by what they gave (USD): pledged, received,\n"
	"                        outstanding per currency\n"
	"  in-kind               services and goods in kind: fair values, donor, period\n"
	"  trust-fund-statement  opening and closing cash, contributions, receivables,\n"
	"                        expenses, obligations\n"
	"  reconciliation        bank lines as reconcile stored them (matched,\n"
	"                        suggested, unmatched) and the bank's closing balance\n"
	"                        less the ledger's (--bank-account)\n"
	"  travel-allocation     a stored meeting's latest ranking as of --to (policy,\n"
	"                        budget, decisions with reasons), its trips with the\n"
	"                        entries they made, totals tied to them (--meeting)\n"
	"  iati-activities       IATI 2.03 activity file: commitments, incoming funds,\n"
	"                        travel expenditure\n"
	"  iati-organisation     IATI 2.03 organisation file: total expenditure of the\n"
	"                        period\n"
	"  financial-position    IPSAS 1: assets, liabilities, net assets at --to in USD\n"
	"                        (whole months, as the next three)\n"
	"  financial-performance IPSAS 1: revenue and expenses month by month in USD\n"
	"  changes-in-net-assets opening, surplus, reserve transfers, revaluation not\n"
	"                        posted, closing\n"
	"  cash-flow             IPSAS 2 (direct): receipts and payments by bank account\n"
	"                        and month, effect of exchange rates, opening/closing cash\n"
	"  budget-status         the budget of --to's year as of --to per line and\n"
	"                        meeting: budget, obligations, expenditure, balance\n"
	"  budget-comparison     IPSAS 24 budget and actual amounts (UN budget basis)\n"
	"                        of --to's year, per line, in USD\n\n"
	"A report comes from tfledgerd (--url, --token), which signs it when it has a\n"
	"signing key; the certificates it signs with are at GET /v1/signing/certificates.\n"
	"verify exits 0 when the signature is valid, 1 when it is not, 2 when it could\n"
	"not be checked. Signatures are XML-DSig (exclusive C14N, RSA-SHA256, X.509 in\n"
	"KeyInfo); a report too large to sign in place gets a detached FILE.sig.\n"
	"See docs/reports.md and docs/signing.md.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

static int run_verify(const struct opts *o)
{
	struct reports_verify_result res;
	int rc = reports_verify_file(&res, o->file, o->cert);

	if (rc == ERR_INVALID || rc == ERR_LIMIT) {
		fprintf(stderr, "tfledger: report verify: INVALID: %s\n", err_last());
		return CLI_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, "tfledger: report verify: cannot check: %s\n", err_last());
		return CLI_FAIL;
	}
	printf("%s: valid %s signature by %s\n", o->file, res.detached ? "detached" : "enveloped",
	       res.subject);
	if (!res.trusted)
		printf("warning: checked only against the certificate in the file, not against "
		       "a trusted certificate; use --cert to check who signed\n");
	return CLI_OK;
}

static int run_sign(const struct opts *o)
{
	const char *output = o->output ? o->output : o->file;
	bool detached;
	int rc = reports_sign_file_ex(&detached, o->file, output, o->key, o->cert,
				      LIMIT_REPORT_SIGN_INLINE_BYTES);

	if (rc < 0)
		return cli_fail(rc, "report sign");
	if (detached)
		fprintf(stderr, "tfledger: %s is larger than %lld bytes: detached signature "
				"written to %s.sig\n", output,
			(long long)LIMIT_REPORT_SIGN_INLINE_BYTES, output);
	else
		fprintf(stderr, "tfledger: signed %s\n", output);
	return CLI_OK;
}

static int run_keygen(const struct opts *o)
{
	int rc = reports_keys_generate(o->key, o->cert, o->subject);

	if (rc < 0)
		return cli_fail(rc, "report keygen");
	fprintf(stderr, "tfledger: wrote %s (mode 0600) and %s; for demos and tests only\n",
		o->key, o->cert);
	return CLI_OK;
}

static int run_kind(struct opts o);

/* output_write_fn: the bytes of struct bytes. */
struct bytes {
	const char *p;
	size_t len;
};

static int put_bytes(FILE *f, void *arg)
{
	const struct bytes *b = arg;

	if (b->len && fwrite(b->p, 1, b->len, f) != b->len)
		return err_sys(ERR_SYSTEM, "write failed");
	return 0;
}

/* Writes len bytes of p to path whole (output_write), or to stdout. */
static int write_out(const char *path, const char *p, size_t len)
{
	struct bytes b = {p, len};

	if (path)
		return output_write(path, put_bytes, &b);
	if (put_bytes(stdout, &b) < 0 || fflush(stdout) != 0)
		return err_sys(ERR_SYSTEM, "stdout: write failed");
	return 0;
}

/* The one door: GET /v1/reports/KIND?... from tfledgerd, written whole. */
static int run_kind_http(struct opts *o)
{
	char cmd[64], path[2048];
	json_t *q = json_pack("{s:s, s:s}", "from", o->rq.from, "to", o->rq.to);
	char *body = NULL;
	size_t len = 0;
	int rc;

	snprintf(cmd, sizeof(cmd), "report %s", o->rq.kind);
	if (!q)
		return cli_fail(err_set(ERR_SYSTEM, "out of memory"), cmd);
	if (o->rq.account)
		json_object_set_new(q, "account", json_string(o->rq.account));
	if (o->rq.bank_account)
		json_object_set_new(q, "bank_account", json_string(o->rq.bank_account));
	if (o->rq.statement_account)
		json_object_set_new(q, "statement_account", json_string(o->rq.statement_account));
	if (o->rq.meeting)
		json_object_set_new(q, "meeting", json_string(o->rq.meeting));
	if (o->rq.generated_at)
		json_object_set_new(q, "generated_at", json_string(o->rq.generated_at));
	cli_http_defaults(&o->http);
	snprintf(path, sizeof(path), "/v1/reports/%s", o->rq.kind);
	if (cli_http_query(path, sizeof(path), q) < 0) {
		json_decref(q);
		return cli_usage_error(cmd, "%s", err_last());
	}
	json_decref(q);
	rc = cli_http_raw(&body, &len, &o->http, cmd, "GET", path, NULL, NULL, 0, NULL, 0);
	if (rc != 0)
		return rc;
	rc = write_out(o->output, body, len);
	free(body);
	return rc < 0 ? cli_fail(rc, cmd) : CLI_OK;
}

int cli_report(int argc, char **argv)
{
	const struct cli_args_cmd *cmd;
	struct opts o = {.rq.kind = NULL};
	int rc, words, npos;

	rc = cli_args_parse_family(&cmd, &words, &npos, &family, &o, NULL, argc, argv);
	if (rc != 0)
		return cli_args_status(rc);
	o.file = o.rq.kind = argv[words];
	if (strcmp(cmd->name, "report verify") == 0)
		return run_verify(&o);
	if (strcmp(cmd->name, "report sign") == 0)
		return run_sign(&o);
	if (strcmp(cmd->name, "report keygen") == 0)
		return run_keygen(&o);
	if (!reports_kind_valid(o.rq.kind))
		return cli_usage_error("report", "unknown subcommand '%s'", o.rq.kind);
	if (!o.database && (o.key || o.cert))
		return cli_usage_error("report", "--sign and --cert sign locally, with --database; "
				       "through tfledgerd the server signs");
	if (!o.key != !o.cert || (o.key && !o.output))
		return cli_usage_error("report", "--sign KEY.pem needs --cert CERT.pem and --output FILE");
	if (!o.database)
		return run_kind_http(&o);
	return run_kind(o);
}

/* --- the report kinds ------------------------------------------------------------- */

/* Connects and prepares what reports_write needs; *out is NULL on failure. */
static int connect_ro(PGconn **out, const char *database)
{
	int rc = db_connect(out, cfg_database(database));

	if (rc == 0 && ((rc = ledger_store_setup_owner(*out)) < 0 ||
			(rc = fund_setup(*out)) < 0 || (rc = bank_reconcile_setup(*out)) < 0 ||
			(rc = reports_setup(*out)) < 0)) {
		PQfinish(*out);
		*out = NULL;
	}
	return rc;
}

/* The report's output: stdio, counting the bytes for the progress bar. */
struct counted_out {
	FILE *f;
	int64_t bytes;
	struct cli_progress *bar;
};

static int counted_write(void *ctx, const char *buf, int len)
{
	struct counted_out *o = ctx;

	if (len > 0 && fwrite(buf, 1, (size_t)len, o->f) != (size_t)len)
		return -1;
	o->bytes += len;
	cli_progress_update(o->bar, o->bytes);
	return len;
}

static int counted_close(void *ctx)
{
	struct counted_out *o = ctx;

	return fflush(o->f) == 0 ? 0 : -1;
}

/* What put_report needs besides the stream. */
struct kind_out {
	const char *cmd;
	PGconn *c;
	const struct opts *o;
};

/* output_write_fn, and for stdout: writes the report to f, with a progress
 * bar unless f is the terminal the bar would be drawn on. */
static int put_report(FILE *f, void *arg)
{
	const struct kind_out *k = arg;
	struct counted_out out = {f, 0, NULL};
	int rc;

	if (!isatty(fileno(f)))
		out.bar = cli_progress_start(k->cmd, 0);
	/* 1 MiB of stdio buffer: libxml2 flushes its own every 4 KB */
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	rc = reports_write(k->c, &k->o->rq,
			   xmlOutputBufferCreateIO(counted_write, counted_close, &out, NULL));
	cli_progress_end(out.bar);
	return rc;
}

/*
 * Writes the report to stdout, or to FILE with output_write (a regular file
 * is replaced once the report is complete, so an interrupted report never
 * looks finished; a device or FIFO is written into), then signs FILE in
 * place when asked, which needs FILE to be a regular file.
 */
static int run_kind(struct opts o)
{
	char cmd[64];
	struct stat st;
	PGconn *c = NULL;
	int rc;

	snprintf(cmd, sizeof(cmd), "report %s", o.rq.kind);
	if (o.key && stat(o.output, &st) == 0 && !S_ISREG(st.st_mode))
		return cli_usage_error(cmd, "--output %s: --sign signs the report in place, "
				       "so it must be a regular file", o.output);
	if ((rc = connect_ro(&c, o.database)) == 0) {
		struct kind_out k = {cmd, c, &o};

		if (o.output)
			rc = output_write(o.output, put_report, &k);
		else if ((rc = put_report(stdout, &k)) == 0 && fflush(stdout) != 0)
			rc = err_sys(ERR_SYSTEM, "stdout: write failed");
	}
	PQfinish(c);
	if (rc == 0 && o.key)
		rc = reports_sign_file(o.output, o.output, o.key, o.cert);
	return rc < 0 ? cli_fail(rc, cmd) : CLI_OK;
}

/* verify-statement's options. */
struct vs_opts {
	const char *checkpoint, *cert;
};

static const struct cli_args_opt vs_opts_table[] = {
	CLI_ARGS_OPT_STR("checkpoint", struct vs_opts, checkpoint, "CP.xml",
			 "a signed journal checkpoint kept earlier: the statement's chain must "
			 "pass through its head", 0),
	CLI_ARGS_OPT_STR("cert", struct vs_opts, cert, "CERT.pem",
			 "the server's certificate: the checkpoint's signature is checked "
			 "against it (trusted)", 0),
	CLI_ARGS_END};

static const struct cli_args_cmd verify_statement_cmd = {
	"verify-statement", vs_opts_table, NULL, "FILE.xml", "an account statement", 1, 1,
	"Recomputes the hash chain of an account statement, offline, and checks it\n"
	"against the ledger head it states (docs/reports.md lists what is checked).\n"
	"With --checkpoint, also checks the checkpoint's signature (with --cert:\n"
	"against that certificate) and that the statement's chain holds the\n"
	"checkpoint's head: the entry at the checkpoint's sequence has the hash the\n"
	"checkpoint states (docs/signing.md).\n"
	"Exit status: 0 valid (and consistent with the checkpoint), 1 invalid or not\n"
	"comparable, 2 could not read, or history was rewritten since the checkpoint."};

/*
 * The statement res (valid) against the checkpoint file at path: its
 * signature, then the hash its chain gives the checkpoint's sequence.
 */
static int check_against(const char *file, const struct vs_opts *o)
{
	struct reports_statement_check res;
	struct reports_verify_result sig;
	struct reports_checkpoint cp;
	int rc = reports_checkpoint_read(&cp, &sig, o->checkpoint, o->cert);

	if (rc == ERR_INVALID || rc == ERR_LIMIT) {
		fprintf(stderr, "tfledger: verify-statement: the checkpoint is INVALID: %s\n",
			err_last());
		return CLI_USAGE;
	}
	if (rc < 0)
		return cli_fail(rc, "verify-statement");
	if (!sig.trusted)
		printf("warning: the checkpoint's signature was checked only against the "
		       "certificate in it; use --cert to check who signed\n");
	if ((rc = reports_verify_statement_at(&res, file, cp.sequence)) < 0)
		return cli_fail(rc, "verify-statement");
	if (!res.ok) { /* read again: the first reading passed */
		fprintf(stderr, "tfledger: verify-statement: INVALID: %s\n", res.why);
		return CLI_USAGE;
	}
	if (cp.sequence > res.head_sequence) {
		fprintf(stderr, "tfledger: verify-statement: cannot compare: the checkpoint "
				"(sequence %" PRId64 ", %s) is later than the statement's head "
				"(%" PRId64 "); fetch a statement made after the checkpoint\n",
			cp.sequence, cp.at, res.head_sequence);
		return CLI_USAGE;
	}
	if (!res.at_found) {
		fprintf(stderr, "tfledger: verify-statement: cannot compare: the statement's "
				"chain starts at sequence %" PRId64 ", after the checkpoint's "
				"%" PRId64 "; ask for a statement whose period starts before %s\n",
			res.first_sequence, cp.sequence, cp.at);
		return CLI_USAGE;
	}
	if (strcmp(res.at_hash, cp.head_hash) != 0) {
		fprintf(stderr, "tfledger: verify-statement: history was rewritten since the "
				"checkpoint of %s (reason %s): the statement's entry %" PRId64
				" has hash %s, the signed checkpoint says %s\n",
			cp.at, cp.reason, cp.sequence, res.at_hash, cp.head_hash);
		return CLI_FAIL;
	}
	printf("%s: consistent with checkpoint of %s (reason %s%s%s, fund %s): entry %" PRId64
	       " has hash %s, signed by %s%s\n",
	       file, cp.at, cp.reason, cp.month[0] ? ", month " : "", cp.month, cp.fund,
	       cp.sequence, cp.head_hash, sig.subject, sig.trusted ? " (trusted)" : "");
	return CLI_OK;
}

int cli_verify_statement(int argc, char **argv)
{
	struct reports_statement_check res;
	struct vs_opts o = {NULL, NULL};
	int rc, npos;

	if ((rc = cli_args_parse(&npos, &verify_statement_cmd, &o, NULL, argc - 1, argv + 1)) != 0)
		return cli_args_status(rc);
	if (o.cert && !o.checkpoint)
		return cli_usage_error("verify-statement", "--cert checks a --checkpoint's "
				       "signature; give --checkpoint too");
	rc = reports_verify_statement(&res, argv[1]);
	if (rc < 0)
		return cli_fail(rc, "verify-statement");
	if (!res.ok) {
		fprintf(stderr, "tfledger: verify-statement: INVALID: %s\n", res.why);
		return CLI_USAGE;
	}
	printf("%s: valid: %" PRId64 " entries (%" PRId64 " postings) from sequence %" PRId64
	       " chain to the stated head %" PRId64 " %s\n",
	       argv[1], res.entries, res.postings, res.first_sequence,
	       res.head_sequence, res.head_hash);
	return o.checkpoint ? check_against(argv[1], &o) : CLI_OK;
}
