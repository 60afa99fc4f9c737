/*
 * args.c - the one argument parser of tfledger's commands (see args.h),
 * and the one printer of their usage errors, cli_usage_error.
 *
 * Every argument is read once, in one role (option, option value or
 * positional), and checked against LIMIT_CLI_ARG_BYTES there, so an
 * over-long argument is refused the same way whatever the command. A
 * refusal names the option and never repeats a long value in full.
 */
#include "cli/args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/err.h"
#include "common/limits.h"

/* An option or value quoted in a message is cut to this many bytes. */
#define SHOWN_BYTES 64

/* Options in one table: one bit each in the "given already" mask. */
#define TABLE_MAX 64

/* A body field's name: the option's name with dashes as underscores. */
#define FIELD_BYTES 64

/* Synopses wrap before this column; continuation lines are indented. */
#define WRAP_COLUMN 79
#define WRAP_INDENT "                "

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tfledger %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see tfledger %s --help)\n", cmd);
	return CLI_USAGE;
}

/* The option of table named by the len bytes at name, or NULL. */
static const struct cli_args_opt *lookup(const struct cli_args_opt *table, const char *name,
					 size_t len)
{
	for (const struct cli_args_opt *o = table; o && o->name; o++)
		if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

/* Whether value is one of the words of o->meta ("table|json"). */
static bool one_of(const struct cli_args_opt *o, const char *value)
{
	size_t len = strlen(value);

	if (len == 0 || strchr(value, '|'))
		return false;
	for (const char *w = o->meta; w; w = strchr(w, '|') ? strchr(w, '|') + 1 : NULL)
		if (strncmp(w, value, len) == 0 && (w[len] == '|' || w[len] == '\0'))
			return true;
	return false;
}

/* "--format: expected table or json, got 'csv'" from o->meta. */
static int not_one_of(const struct cli_args_opt *o, const char *value)
{
	char words[256];
	size_t k = 0;

	for (const char *p = o->meta; *p && k + 8 < sizeof(words); p++) {
		if (*p != '|') {
			words[k++] = *p;
			continue;
		}
		/* the last bar reads " or ", the others ", " */
		k += (size_t)snprintf(words + k, sizeof(words) - k, "%s",
				      strchr(p + 1, '|') ? ", " : " or ");
	}
	words[k] = '\0';
	return err_set(ERR_INVALID, "--%s: expected %s, got '%.*s'", o->name, words, SHOWN_BYTES,
		       value);
}

/* Stores value (NULL for a flag) where o says. */
static int store(const struct cli_args_opt *o, const char *value, void *dest, json_t *body)
{
	char field[FIELD_BYTES];
	json_t *v = NULL;

	if (o->type == CLI_ARGS_STRING && (o->flags & CLI_ARGS_ONE_OF) && !one_of(o, value))
		return not_one_of(o, value);
	if (o->at != CLI_ARGS_IN_BODY) {
		ASSERT(dest != NULL && o->type != CLI_ARGS_INTEGER);
		if (o->type == CLI_ARGS_FLAG)
			*(bool *)((char *)dest + o->at) = true;
		else
			*(const char **)((char *)dest + o->at) = value;
		return 0;
	}
	ASSERT(body != NULL);
	snprintf(field, sizeof(field), "%s", o->name);
	for (char *p = field; *p; p++)
		if (*p == '-')
			*p = '_';
	if (o->type == CLI_ARGS_FLAG) {
		v = json_true();
	} else if (o->type == CLI_ARGS_INTEGER) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno == ERANGE)
			return err_set(ERR_INVALID, "--%s: expected an integer, got '%.*s'", o->name,
				       SHOWN_BYTES, value);
		v = json_integer(n);
	} else if (!(v = json_string(value))) {
		return err_set(ERR_INVALID, "--%s: not UTF-8 text", o->name);
	}
	if (json_object_set_new(body, field, v) < 0)
		return err_set(ERR_SYSTEM, "--%s: out of memory", o->name);
	return 0;
}

/*
 * Reads the option at argv[*i] ("--name", "--name=value"), and its value
 * from argv[*i + 1] when it takes one and has no "=".
 */
static int option(const struct cli_args_cmd *cmd, uint64_t seen[2], void *dest,
		  json_t *body, int argc, char **argv, int *i)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '='), *value = NULL;
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_args_opt *tables[2] = {cmd->opts, cmd->common}, *o = NULL;
	int t;

	for (t = 0; t < 2 && !o; t++)
		o = lookup(tables[t], name, len);
	if (!o)
		return err_set(ERR_INVALID, "--%.*s%s: unknown option",
			       (int)(len < SHOWN_BYTES ? len : SHOWN_BYTES), name,
			       len > SHOWN_BYTES ? "..." : "");
	t--;
	if (seen[t] & (UINT64_C(1) << (o - tables[t])))
		return err_set(ERR_INVALID, "--%s: given twice", o->name);
	seen[t] |= UINT64_C(1) << (o - tables[t]);
	if (o->type == CLI_ARGS_FLAG) {
		if (eq)
			return err_set(ERR_INVALID, "--%s: takes no value", o->name);
		return store(o, NULL, dest, body);
	}
	if (eq)
		value = eq + 1;
	else if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0)
		value = argv[++*i];
	else
		return err_set(ERR_INVALID, "--%s: needs a value (%s)", o->name, o->meta);
	if (strlen(value) > LIMIT_CLI_ARG_BYTES)
		return err_set(ERR_LIMIT, "--%s: longer than %d bytes", o->name,
			       LIMIT_CLI_ARG_BYTES);
	return store(o, value, dest, body);
}

/* The first required option of table not in seen, or NULL. */
static const struct cli_args_opt *missing(const struct cli_args_opt *table, uint64_t seen)
{
	for (const struct cli_args_opt *o = table; o && o->name; o++)
		if ((o->flags & CLI_ARGS_REQUIRED) && !(seen & (UINT64_C(1) << (o - table))))
			return o;
	return NULL;
}

static size_t table_size(const struct cli_args_opt *table)
{
	size_t n = 0;

	while (table && table[n].name)
		n++;
	return n;
}

/* A table a command may declare: a value's name for every option that
 * takes one and for no flag, no required flag, short names, few rows. */
static bool table_valid(const struct cli_args_opt *table)
{
	for (const struct cli_args_opt *o = table; o && o->name; o++)
		if ((o->type == CLI_ARGS_FLAG) != (o->meta == NULL) || !o->help ||
		    (o->type == CLI_ARGS_FLAG && (o->flags & CLI_ARGS_REQUIRED)) ||
		    o->name[0] == '\0' || strlen(o->name) >= FIELD_BYTES)
			return false;
	return table_size(table) <= TABLE_MAX;
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int cli_args_parse(int *npos, const struct cli_args_cmd *cmd, void *dest, json_t *body,
		   int argc, char **argv)
{
	const struct cli_args_opt *o;
	uint64_t seen[2] = {0, 0};
	bool options = true;
	int n = 0, rc = 0;

	*npos = 0;
	ASSERT(table_valid(cmd->opts) && table_valid(cmd->common));
	ASSERT(!cmd->args == (cmd->args_max == 0) && cmd->args_min >= 0);
	/* --help wins over any mistake beside it */
	for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (is_help(argv[i])) {
			cli_args_help(stdout, cmd);
			return CLI_ARGS_HELP;
		}
	for (int i = 0; i < argc && rc == 0; i++) {
		const char *a = argv[i];

		if (options && strcmp(a, "--") == 0) {
			options = false;
		} else if (options && strncmp(a, "--", 2) == 0) {
			rc = option(cmd, seen, dest, body, argc, argv, &i);
		} else if (options && a[0] == '-' && a[1] != '\0') {
			rc = err_set(ERR_INVALID, "%.*s: unknown option", SHOWN_BYTES, a);
		} else if (!cmd->args || (cmd->args_max >= 0 && n >= cmd->args_max)) {
			rc = err_set(ERR_INVALID, "unexpected argument '%.*s%s'", SHOWN_BYTES, a,
				     strlen(a) > SHOWN_BYTES ? "..." : "");
		} else if (strlen(a) > LIMIT_CLI_ARG_BYTES) {
			rc = err_set(ERR_LIMIT, "%s: longer than %d bytes", cmd->args,
				     LIMIT_CLI_ARG_BYTES);
		} else {
			argv[n++] = argv[i];
		}
	}
	if (rc == 0 && n < cmd->args_min)
		rc = err_set(ERR_INVALID, "%s is required: %s", cmd->args, cmd->args_help);
	if (rc == 0 && ((o = missing(cmd->opts, seen[0])) || (o = missing(cmd->common, seen[1]))))
		rc = err_set(ERR_INVALID, "--%s %s is required", o->name, o->meta);
	if (rc < 0) {
		cli_usage_error(cmd->name, "%s", err_last());
		return rc;
	}
	*npos = n;
	return 0;
}

int cli_args_status(int rc)
{
	return rc == CLI_ARGS_HELP ? CLI_OK : err_exit_status(rc);
}

/* Appends a word of a synopsis to f, wrapping at WRAP_COLUMN; *col is the column. */
static void word(FILE *f, size_t *col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void word(FILE *f, size_t *col, const char *fmt, ...)
{
	char w[256];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(w, sizeof(w), fmt, ap);
	va_end(ap);
	len = strlen(w);
	if (*col + 1 + len > WRAP_COLUMN) {
		fprintf(f, "\n%s%s", WRAP_INDENT, w);
		*col = strlen(WRAP_INDENT) + len;
	} else {
		fprintf(f, " %s", w);
		*col += 1 + len;
	}
}

/* The options of table in a synopsis: "--name META", optional ones in []. */
static void synopsis_opts(FILE *f, size_t *col, const struct cli_args_opt *table)
{
	for (const struct cli_args_opt *o = table; o && o->name; o++) {
		bool req = o->flags & CLI_ARGS_REQUIRED;

		if (o->type == CLI_ARGS_FLAG)
			word(f, col, "%s--%s%s", req ? "" : "[", o->name, req ? "" : "]");
		else
			word(f, col, "%s--%s %s%s", req ? "" : "[", o->name, o->meta,
			     req ? "" : "]");
	}
}

/* "lead tfledger NAME ARGS --opt ..." and a newline; common options too if asked. */
static void synopsis(FILE *f, const char *lead, const struct cli_args_cmd *cmd, bool common)
{
	size_t col;

	fprintf(f, "%stfledger %s", lead, cmd->name);
	col = strlen(lead) + strlen("tfledger ") + strlen(cmd->name);
	if (cmd->args)
		word(f, &col, cmd->args_min > 0 ? "%s" : "[%s]", cmd->args);
	synopsis_opts(f, &col, cmd->opts);
	if (common)
		synopsis_opts(f, &col, cmd->common);
	fputc('\n', f);
}

/* One line per option: "  --name META   help". */
static void describe(FILE *f, const struct cli_args_opt *table, int width)
{
	char left[128];

	for (const struct cli_args_opt *o = table; o && o->name; o++) {
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->meta ? " " : "",
			 o->meta ? o->meta : "");
		fprintf(f, "  %-*s  %s\n", width, left, o->help);
	}
}

static int widest(const struct cli_args_opt *table, int width)
{
	for (const struct cli_args_opt *o = table; o && o->name; o++) {
		int w = (int)(2 + strlen(o->name) + (o->meta ? 1 + strlen(o->meta) : 0));

		if (w > width)
			width = w;
	}
	return width;
}

void cli_args_help(FILE *f, const struct cli_args_cmd *cmd)
{
	int width = widest(cmd->common, widest(cmd->opts, cmd->args ? (int)strlen(cmd->args) : 0));

	synopsis(f, "Usage: ", cmd, true);
	if (cmd->summary)
		fprintf(f, "\n%s\n", cmd->summary);
	if (cmd->args || table_size(cmd->opts) + table_size(cmd->common) > 0)
		fprintf(f, "\n");
	if (cmd->args)
		fprintf(f, "  %-*s  %s\n", width, cmd->args, cmd->args_help);
	describe(f, cmd->opts, width);
	describe(f, cmd->common, width);
}

/* How many words of cmd's name begin argv; 0 if not all of them. */
static int words_of(const struct cli_args_cmd *cmd, int argc, char **argv)
{
	const char *w = cmd->name;
	int k = 0;

	while (*w) {
		size_t len = strcspn(w, " ");

		if (k >= argc || strlen(argv[k]) != len || strncmp(argv[k], w, len) != 0)
			return 0;
		k++;
		w += len;
		w += *w == ' ';
	}
	return k;
}

/* Whether the first word of cmd's name is word. */
static bool in_family(const struct cli_args_cmd *cmd, const char *word)
{
	size_t len = strlen(word);

	return strncmp(cmd->name, word, len) == 0 &&
	       (cmd->name[len] == ' ' || cmd->name[len] == '\0');
}

int cli_args_parse_family(const struct cli_args_cmd **cmd, int *words, int *npos,
			  const struct cli_args_family *family, void *dest, json_t *body,
			  int argc, char **argv)
{
	bool help = argc >= 2 && is_help(argv[1]);
	FILE *f = help ? stdout : stderr;
	size_t members = 0;
	bool first = true;

	*cmd = NULL;
	*words = 0;
	*npos = 0;
	for (size_t i = 0; i < family->n; i++) {
		int k = words_of(&family->cmds[i], argc, argv);

		members += in_family(&family->cmds[i], argv[0]);
		if (k > *words) {
			*words = k;
			*cmd = &family->cmds[i];
		}
	}
	/* "report" and "report --help" are the family's usage, though "report
	 * KIND" is a command of it */
	if (*cmd && !(*words == 1 && members > 1 && (argc == 1 || help)))
		return cli_args_parse(npos, *cmd, dest, body, argc - *words, argv + *words);
	*cmd = NULL;
	if (argc >= 2 && argv[1][0] != '-') {
		err_set(ERR_INVALID, "unknown action '%.*s'", SHOWN_BYTES, argv[1]);
		cli_usage_error(argv[0], "%s", err_last());
		return ERR_INVALID;
	}
	/* the usage of the family argv[0] names: its commands' synopses */
	for (size_t i = 0; i < family->n; i++)
		if (in_family(&family->cmds[i], argv[0])) {
			synopsis(f, first ? "Usage: " : "       ", &family->cmds[i], false);
			first = false;
		}
	if (family->notes)
		fprintf(f, "\n%s", family->notes);
	return help ? CLI_ARGS_HELP : err_set(ERR_INVALID, "%s: an action is required", argv[0]);
}
