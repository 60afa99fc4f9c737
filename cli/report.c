/*
 * report.c - tfledger report SUBCOMMAND ...: signing, verification and the
 * demo signing key, and the report kinds (account-statement, trial-balance,
 * ...: one row each in `subcommands`, all run by run_kind, which reads the
 * database read-only through reports_write and signs with reports_sign_file).
 * Also `tfledger verify-statement FILE`, the offline check of an account
 * statement (exit 0 valid, 1 invalid, 2 could not read).
 *
 * `verify` exits 0 when the signature is valid, 1 when it is not (tampered,
 * wrong key, unsigned, malformed) with what failed on stderr, 2 when it
 * could not be checked (a file unreadable, a bad certificate file).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/output.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "reports/keys.h"
#include "reports/report.h"
#include "reports/sign.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand */
	const char *usage;
};

static int run_verify(int argc, char **argv);
static int run_sign(int argc, char **argv);
static int run_keygen(int argc, char **argv);
static int run_kind(int argc, char **argv);

#define KIND_USAGE "--from DATE --to DATE [--output FILE] [--sign KEY.pem --cert CERT.pem]\n" \
		   "      [--generated-at YYYY-MM-DDTHH:MM:SSZ] [--database CONNINFO]"

static const struct subcommand subcommands[] = {
	{"account-statement", run_kind, KIND_USAGE " [--account CODE]\n"
		"      postings with running balances and the hash chain (all accounts unless --account)"},
	{"trial-balance", run_kind, KIND_USAGE "\n"
		"      every account as of --to, per currency and in USD at UN rates"},
	{"donor-contributions", run_kind, KIND_USAGE "\n"
		"      donors by what they gave (USD): pledged, received, outstanding per currency"},
	{"in-kind", run_kind, KIND_USAGE "\n"
		"      services and goods in kind: fair values, donor, period"},
	{"trust-fund-statement", run_kind, KIND_USAGE "\n"
		"      opening and closing cash, contributions, receivables, expenses, obligations"},
	{"reconciliation", run_kind, KIND_USAGE "\n"
		"      --bank-account CODE [--statement-account IBAN]\n"
		"      bank lines as reconcile stored them (matched, suggested, unmatched) and\n"
		"      the bank's closing balance less the ledger's"},
	{"travel-allocation", run_kind, KIND_USAGE "\n"
		"      --meeting ID\n"
		"      a stored meeting's latest ranking as of --to (policy, budget, decisions\n"
		"      with reasons), its trips with the entries they made, totals tied to them"},
	{"iati-activities", run_kind, KIND_USAGE "\n"
		"      IATI 2.03 activity file: commitments, incoming funds, travel expenditure"},
	{"iati-organisation", run_kind, KIND_USAGE "\n"
		"      IATI 2.03 organisation file: total expenditure of the period"},
	{"verify", run_verify, "FILE [--cert CERT.pem]\n"
			       "      check FILE's signature (enveloped, or FILE.sig)"},
	{"sign", run_sign, "FILE --key KEY.pem --cert CERT.pem [--output OUT]\n"
			   "      sign an XML report (in place unless --output)"},
	{"keygen", run_keygen, "--key KEY.pem --cert CERT.pem [--subject \"CN=...\"]\n"
			       "      make a demo RSA 3072 key and self-signed certificate"},
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage:\n");
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(f, "  tfledger report %s %s\n", subcommands[i].name, subcommands[i].usage);
	fprintf(f, "\nSignatures are XML-DSig (exclusive C14N, RSA-SHA256, X.509 in KeyInfo);\n"
		   "reports over %lld bytes get a detached FILE.sig. See docs/reports.md.\n",
		(long long)LIMIT_REPORT_SIGN_INLINE_BYTES);
}

/* Options shared by the subcommands here; each takes what it needs. */
struct opts {
	const char *file, *key, *cert, *output, *subject;
};

/* Parses argv (argv[0] the subcommand) into o; one positional FILE if
 * want_file. Returns -1 after printing a usage error, 1 for --help, 0. */
static int parse(struct opts *o, int argc, char **argv, int want_file, const char *cmd)
{
	static const struct option longopts[] = {
		{"key", required_argument, NULL, 'k'},
		{"cert", required_argument, NULL, 'c'},
		{"output", required_argument, NULL, 'o'},
		{"subject", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k': o->key = optarg; break;
		case 'c': o->cert = optarg; break;
		case 'o': o->output = optarg; break;
		case 's': o->subject = optarg; break;
		case 'h': usage(stdout); return 1;
		default: cli_usage_error(cmd, "bad option"); return -1;
		}
	}
	if (want_file && optind < argc)
		o->file = argv[optind++];
	if (optind < argc) {
		cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (want_file && !o->file) {
		cli_usage_error(cmd, "FILE is required");
		return -1;
	}
	return 0;
}

static int run_verify(int argc, char **argv)
{
	struct reports_verify_result res;
	struct opts o;
	int rc = parse(&o, argc, argv, 1, "report verify");

	if (rc != 0)
		return rc > 0 ? CLI_OK : CLI_USAGE;
	if (o.key || o.output || o.subject)
		return cli_usage_error("report verify", "only --cert is allowed");
	rc = reports_verify_file(&res, o.file, o.cert);
	if (rc == ERR_INVALID || rc == ERR_LIMIT) {
		fprintf(stderr, "tfledger: report verify: INVALID: %s\n", err_last());
		return CLI_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, "tfledger: report verify: cannot check: %s\n", err_last());
		return CLI_FAIL;
	}
	printf("%s: valid %s signature by %s\n", o.file, res.detached ? "detached" : "enveloped",
	       res.subject);
	if (!res.trusted)
		printf("warning: checked only against the certificate in the file, not against "
		       "a trusted certificate; use --cert to check who signed\n");
	return CLI_OK;
}

static int run_sign(int argc, char **argv)
{
	struct opts o;
	bool detached;
	int rc = parse(&o, argc, argv, 1, "report sign");

	if (rc != 0)
		return rc > 0 ? CLI_OK : CLI_USAGE;
	if (!o.key || !o.cert)
		return cli_usage_error("report sign", "--key KEY.pem and --cert CERT.pem are required");
	if (o.subject)
		return cli_usage_error("report sign", "--subject is for keygen");
	if (!o.output)
		o.output = o.file;
	rc = reports_sign_file_ex(&detached, o.file, o.output, o.key, o.cert,
				  LIMIT_REPORT_SIGN_INLINE_BYTES);
	if (rc < 0)
		return cli_fail(rc, "report sign");
	if (detached)
		fprintf(stderr, "tfledger: %s is larger than %lld bytes: detached signature "
				"written to %s.sig\n", o.output,
			(long long)LIMIT_REPORT_SIGN_INLINE_BYTES, o.output);
	else
		fprintf(stderr, "tfledger: signed %s\n", o.output);
	return CLI_OK;
}

static int run_keygen(int argc, char **argv)
{
	struct opts o;
	int rc = parse(&o, argc, argv, 0, "report keygen");

	if (rc != 0)
		return rc > 0 ? CLI_OK : CLI_USAGE;
	if (!o.key || !o.cert)
		return cli_usage_error("report keygen", "--key KEY.pem and --cert CERT.pem are required");
	if (o.output)
		return cli_usage_error("report keygen", "--output is for sign");
	rc = reports_keys_generate(o.key, o.cert, o.subject);
	if (rc < 0)
		return cli_fail(rc, "report keygen");
	fprintf(stderr, "tfledger: wrote %s (mode 0600) and %s; for demos and tests only\n",
		o.key, o.cert);
	return CLI_OK;
}

int cli_report(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < N_SUBCOMMANDS; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tfledger report: unknown subcommand '%s'\n\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}

/* --- the report kinds ------------------------------------------------------------- */

struct kind_opts {
	struct reports_request rq;
	const char *output, *key, *cert, *database;
};

static int parse_kind(struct kind_opts *o, int argc, char **argv, const char *cmd)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"account", required_argument, NULL, 'a'},
		{"bank-account", required_argument, NULL, 'b'},
		{"statement-account", required_argument, NULL, 'i'},
		{"meeting", required_argument, NULL, 'm'},
		{"output", required_argument, NULL, 'o'},
		{"sign", required_argument, NULL, 'k'},
		{"cert", required_argument, NULL, 'c'},
		{"generated-at", required_argument, NULL, 'g'},
		{"database", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->rq.kind = argv[0];
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': o->rq.from = optarg; break;
		case 't': o->rq.to = optarg; break;
		case 'a': o->rq.account = optarg; break;
		case 'b': o->rq.bank_account = optarg; break;
		case 'i': o->rq.statement_account = optarg; break;
		case 'm': o->rq.meeting = optarg; break;
		case 'o': o->output = optarg; break;
		case 'k': o->key = optarg; break;
		case 'c': o->cert = optarg; break;
		case 'g': o->rq.generated_at = optarg; break;
		case 'd': o->database = optarg; break;
		case 'h': usage(stdout); return 1;
		default: cli_usage_error(cmd, "bad option"); return -1;
		}
	}
	if (optind < argc) {
		cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!o->rq.from || !o->rq.to) {
		cli_usage_error(cmd, "--from DATE and --to DATE are required");
		return -1;
	}
	if (!o->key != !o->cert || (o->key && !o->output)) {
		cli_usage_error(cmd, "--sign KEY.pem needs --cert CERT.pem and --output FILE");
		return -1;
	}
	return 0;
}

/* Connects and prepares what reports_write needs; *out is NULL on failure. */
static int connect_ro(PGconn **out, const char *database)
{
	int rc = db_connect(out, cfg_database(database));

	if (rc == 0 && ((rc = ledger_store_setup_owner(*out)) < 0 ||
			(rc = fund_setup(*out)) < 0 || (rc = reports_setup(*out)) < 0)) {
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
	const struct kind_opts *o;
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
static int run_kind(int argc, char **argv)
{
	char cmd[64];
	struct kind_opts o;
	struct stat st;
	PGconn *c = NULL;
	int rc = parse_kind(&o, argc, argv, "report");

	if (rc != 0)
		return rc > 0 ? CLI_OK : CLI_USAGE;
	snprintf(cmd, sizeof(cmd), "report %s", argv[0]);
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

int cli_verify_statement(int argc, char **argv)
{
	struct reports_statement_check res;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: tfledger verify-statement FILE.xml\n"
		       "Recomputes the hash chain of an account statement, offline, and checks it\n"
		       "against the ledger head it states (docs/reports.md lists what is checked).\n"
		       "Exit status: 0 valid, 1 invalid, 2 could not read.\n");
		return CLI_OK;
	}
	if (argc != 2)
		return cli_usage_error("verify-statement", "exactly one FILE.xml is required");
	rc = reports_verify_statement(&res, argv[1]);
	if (rc < 0)
		return cli_fail(rc, "verify-statement");
	if (!res.ok) {
		fprintf(stderr, "tfledger: verify-statement: INVALID: %s\n", res.why);
		return CLI_USAGE;
	}
	printf("%s: valid: %" PRId64 " entries (%" PRId64 " postings) from sequence %" PRId64
	       " chain to the stated head %" PRId64 " %s\n",
	       argv[1], res.entries, res.postings, res.first_sequence, res.head_sequence,
	       res.head_hash);
	return CLI_OK;
}
