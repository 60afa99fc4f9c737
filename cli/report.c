/*
 * report.c - tfledger report SUBCOMMAND ...: signing, verification and the
 * demo signing key here; the report kinds (trust-fund-statement,
 * trial-balance, ...) join the table `subcommands` below, one row and one
 * function each, and call reports/ to write (and reports_sign_file to sign).
 *
 * `verify` exits 0 when the signature is valid, 1 when it is not (tampered,
 * wrong key, unsigned, malformed) with what failed on stderr, 2 when it
 * could not be checked (a file unreadable, a bad certificate file).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/err.h"
#include "reports/keys.h"
#include "reports/sign.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand */
	const char *usage;
};

static int run_verify(int argc, char **argv);
static int run_sign(int argc, char **argv);
static int run_keygen(int argc, char **argv);

static const struct subcommand subcommands[] = {
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
