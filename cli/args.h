/*
 * args.h - the one argument parser of tfledger's commands. A command
 * declares its options in a table (name, what it takes, where the value
 * goes, help text, whether it is required) and cli_args_parse fills them
 * in, refusing unknown options, missing values, options given twice and
 * arguments longer than LIMIT_CLI_ARG_BYTES with one message that names
 * the option: "tfledger pledges add: --amount: ...". --help is written
 * from the same table, so it cannot drift from what the parser accepts.
 *
 * A value goes either into a member of the caller's struct (CLI_ARGS_OPT_*,
 * the member's type checked at compile time) or into a JSON body under the
 * option's name with dashes as underscores (CLI_ARGS_BODY_*: --bank-account
 * becomes "bank_account"), the object an HTTP route would receive.
 */
#ifndef TFLEDGER_CLI_ARGS_H
#define TFLEDGER_CLI_ARGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What an option takes. */
enum cli_args_type {
	CLI_ARGS_STRING,  /* --name VALUE or --name=VALUE */
	CLI_ARGS_INTEGER, /* the same, a decimal integer: a JSON integer in the body */
	CLI_ARGS_FLAG     /* --name alone: true */
};

/* Option flags. */
#define CLI_ARGS_REQUIRED 1u /* the command refuses to run without it */
#define CLI_ARGS_ONE_OF 2u   /* the value is one of meta's words: "table|json" */

/* An option's "at" when its value goes into the body. */
#define CLI_ARGS_IN_BODY SIZE_MAX

struct cli_args_opt {
	const char *name; /* "bank-account" for --bank-account; NULL ends a table */
	enum cli_args_type type;
	size_t at;	  /* offset in the caller's struct, or CLI_ARGS_IN_BODY */
	const char *meta; /* the value in help ("CODE"); NULL for a flag */
	const char *help; /* one line */
	unsigned flags;	  /* CLI_ARGS_REQUIRED, CLI_ARGS_ONE_OF */
};

/* offsetof(T, m), refused at compile time unless T's member m is a type. */
#define CLI_ARGS_AT(T, m, type) \
	(offsetof(T, m) + 0 * sizeof(char[_Generic(((T *)0)->m, type: 1, default: -1)]))

/* --name VALUE into T's `const char *m`. */
#define CLI_ARGS_OPT_STR(name, T, m, meta, help, flags) \
	{name, CLI_ARGS_STRING, CLI_ARGS_AT(T, m, const char *), meta, help, flags}
/* --name into T's `bool m`. */
#define CLI_ARGS_OPT_FLAG(name, T, m, help) \
	{name, CLI_ARGS_FLAG, CLI_ARGS_AT(T, m, bool), NULL, help, 0}
/* --name VALUE into the body as a string, an integer; --name as true. */
#define CLI_ARGS_BODY_STR(name, meta, help, flags) \
	{name, CLI_ARGS_STRING, CLI_ARGS_IN_BODY, meta, help, flags}
#define CLI_ARGS_BODY_INT(name, meta, help, flags) \
	{name, CLI_ARGS_INTEGER, CLI_ARGS_IN_BODY, meta, help, flags}
#define CLI_ARGS_BODY_FLAG(name, help) {name, CLI_ARGS_FLAG, CLI_ARGS_IN_BODY, NULL, help, 0}
#define CLI_ARGS_END {NULL, CLI_ARGS_STRING, 0, NULL, NULL, 0}

/* --format FORMATS ("table|json"), the same in every command that takes it. */
#define CLI_ARGS_FORMAT(T, m, formats) \
	CLI_ARGS_OPT_STR("format", T, m, formats, "output (default table)", CLI_ARGS_ONE_OF)

/* --database CONNINFO, the same in every command that takes it. */
#define CLI_ARGS_DATABASE(T, m) \
	CLI_ARGS_OPT_STR("database", T, m, "CONNINFO", \
			 "libpq conninfo (default $TFLEDGER_DATABASE)", 0)

/* A command: its words, its options and its positional arguments. */
struct cli_args_cmd {
	const char *name;		   /* "pledges add": after "tfledger" in messages and help */
	const struct cli_args_opt *opts;   /* its own options, ended by CLI_ARGS_END */
	const struct cli_args_opt *common; /* options its family shares, or NULL */
	const char *args;		   /* positional arguments in help: "FILE.csv"; NULL: none */
	const char *args_help;		   /* what they are: "the pledge ID" */
	int args_min, args_max;		   /* how many; args_max -1: no limit */
	const char *summary;		   /* what it does, for its --help; may be NULL */
};

/* cli_args_parse's answer when it printed the help: the command exits 0. */
#define CLI_ARGS_HELP 1

/*
 * Reads argv[0..argc) (what follows the command's words) under cmd: values
 * into dest (CLI_ARGS_OPT_*) or body (CLI_ARGS_BODY_*; body may be NULL
 * when the tables have none), the positional arguments moved to
 * argv[0..*npos) in their order. "--" ends the options; "-" is positional
 * (stdin). Members of dest that no option set keep their values (defaults).
 *
 * Returns 0; CLI_ARGS_HELP after writing cmd's help on stdout (--help or -h
 * anywhere before "--"); or ERR_INVALID (ERR_LIMIT for an argument over
 * LIMIT_CLI_ARG_BYTES) after writing "tfledger NAME: what (see ...)" on
 * stderr, the what also in err_last(). Values point into argv.
 */
int cli_args_parse(int *npos, const struct cli_args_cmd *cmd, void *dest, json_t *body,
		   int argc, char **argv);

/* The exit status for cli_args_parse's answer rc != 0: 0 after help, 1
 * after a refusal (2 if memory ran out). */
int cli_args_status(int rc);

/* Writes cmd's help: the synopsis, the summary, every option with its help. */
void cli_args_help(FILE *f, const struct cli_args_cmd *cmd);

/* The commands of one file: a family that shares a first word (db init,
 * db start, ...) or several (fund.c: fund, donors, pledges, ...). */
struct cli_args_family {
	const struct cli_args_cmd *cmds;
	size_t n;
	const char *notes; /* after the synopses in a family's usage; may be NULL */
};
#define CLI_ARGS_FAMILY(cmds, notes) {cmds, sizeof(cmds) / sizeof(cmds[0]), notes}

/*
 * Reads the argv of a family's command (argv[0] is the family's word, as
 * main passes it): finds the command whose name's words begin argv (the
 * longest match), sets *cmd and *words (how many of argv its name took) and
 * parses what follows as cli_args_parse does, so the positional arguments
 * are at argv[*words..*words + *npos). Without such a command, writes the
 * usage of the family argv[0] names (its commands' synopses, then notes):
 * on stdout returning CLI_ARGS_HELP for --help or -h, else on stderr
 * returning ERR_INVALID; or refuses an unknown action with ERR_INVALID.
 */
int cli_args_parse_family(const struct cli_args_cmd **cmd, int *words, int *npos,
			  const struct cli_args_family *family, void *dest, json_t *body,
			  int argc, char **argv);

#endif
