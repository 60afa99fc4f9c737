/*
 * main.c - tfledger, the command line for people: dispatches to the
 * subcommand families in cli/. Global options: --help, --version.
 *
 * Each family says which door it uses: a person's work goes through
 * tfledgerd (--url, --token; no database), operating the installation
 * reaches the database itself (--database), and offline work needs
 * neither. `tfledger --help` lists them under those three headings.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/err.h"
#include "config.h"

/* How a family reaches the ledger. */
enum door {
	WORK = 0, /* through tfledgerd: --url, --token */
	OPERATOR, /* the database itself: --database */
	OFFLINE,  /* files only */
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* The families that do not go through tfledgerd; every other is WORK. */
static const struct {
	const char *name;
	enum door door;
} doors[] = {
	{"db", OPERATOR},   {"migrate", OPERATOR},	  {"verify", OPERATOR},
	{"rank", OFFLINE}, {"verify-statement", OFFLINE},
};

static enum door door_of(const char *name)
{
	for (size_t i = 0; i < sizeof(doors) / sizeof(doors[0]); i++)
		if (strcmp(doors[i].name, name) == 0)
			return doors[i].door;
	return WORK;
}

static const struct command commands[] = {
	{"db", cli_db, "init|start|stop|status|promote --dir DIR: a private cluster and its standby"},
	{"migrate", cli_migrate, "[--status]: apply schema migrations"},
	{"bank-statements", cli_statements, "import FILE...: import bank statements (camt.053/052/054, MT940)"},
	{"statements", cli_statements, "import FILE...: the same as bank-statements import (the contract's name)"},
	{"rank", cli_rank, "--applicants CSV --meeting-date D --budget A --currency C: rank travel support"},
	{"report", cli_report, "KIND|verify|sign|keygen ...: write, sign and verify XML reports"},
	{"verify-statement", cli_verify_statement, "FILE.xml [--checkpoint CP.xml --cert CERT.pem]: check an account statement's hash chain (and against a signed checkpoint), offline"},
	{"checkpoints", cli_checkpoints, "create [--output CP.xml] | list | get ID [--output FILE]: signed journal checkpoints"},
	{"token", cli_token, "create --user U [--name L] | list | revoke --name N: a user's API tokens"},
	{"accounts", cli_accounts, "add CODE --name N --type T --currency C | list: the chart of accounts"},
	{"post", cli_post, "FILE.json: post an entry (or {\"entries\":[...]}, a batch)"},
	{"balance", cli_balance, "CODE [--as-of DATE]: an account's balance"},
	{"entries", cli_entries, "[--account C] [--from D] [--to D]: the journal, oldest first"},
	{"reverse", cli_reverse, "ID --date D [--memo M]: reverse an entry"},
	{"verify", cli_verify, "[--url URL | --database CONNINFO]: the journal's hash chain"},
	{"fund", cli_fund, "init | chart: the fund's chart of accounts"},
	{"donors", cli_donors, "add --id --name --org-type [--country] | list: donors, by what they gave"},
	{"pledges", cli_pledges, "add | sign ID | list: pledges and contribution agreements"},
	{"receipts", cli_receipts, "add --pledge --date --bank-account --amount | list: contributions received"},
	{"in-kind", cli_inkind, "add --donor --kind service|goods ... | list: contributions in kind"},
	{"rates", cli_rates, "import FILE.csv | list | correct | corrections: UN operational rates (USD per unit)"},
	{"funds", cli_funds, "available | travel-available --as-of DATE: money available, per source; for travel"},
	{"revalue", cli_revalue, "--month YYYY-MM: month-end revaluation at UN operational rates"},
	{"revaluations", cli_revaluations, "list | check --month YYYY-MM: month-end revaluations"},
	{"budgets", cli_budgets, "set | list | status --year Y [--as-of D]: annual budgets"},
	{"meetings", cli_meetings, "add --id --name --starts-on --ends-on --place --currency | list: meetings"},
	{"applicants", cli_applicants, "import FILE.csv --meeting ID: a meeting's travel-support requests"},
	{"travel", cli_travel, "rank|approve|decline|cancel|settle|list --meeting ID: travel support"},
	{"reconcile", cli_reconcile, "--bank-account CODE | queue|confirm|reject|unmatch|record|signoff|signoffs|reopen: bank reconciliation"},
	{"periods", cli_periods, "list | close MONTH [ITEM=REASON...] | reopen MONTH --reason T: months closed and reopened"},
	{"psc", cli_psc, "charge --month M: a month's programme support costs"},
	{"year", cli_year, "close --year Y [ITEM=REASON...] | list: the year-end close"},
	{"bank-accounts", cli_bank_accounts, "link --iban IBAN --account CODE | list: statement accounts of the bank accounts"},
	{"allocations", cli_allocations, "add --date --source-earmark --source-currency --amount [--meeting|--line] | list: money set aside"},
	{"overruns", cli_overruns, "add --meeting --amount --reason | list: countersigned overruns (finance)"},
	{"overdrafts", cli_overdrafts, "set --account --limit --reason | list: bank accounts allowed below zero"},
	{"privacy", cli_privacy, "erase --before D [--dry-run] | list: erase applicants' personal fields after retention"},
	{"user", cli_user, "add --name N --role R[,R] | list | show | disable | roles: the people and their roles"},
	{"whoami", cli_whoami, "[--url U --token T]: the person your token belongs to, their roles"},
	{"audit", cli_audit, "[--user --from --to --action --object]: the audit log (auditor, admin)"},
};

/* The commands of one door under its heading. */
static void list(FILE *f, enum door door, const char *heading)
{
	fprintf(f, "\n%s\n", heading);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (door_of(commands[i].name) == door)
			fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: tfledger COMMAND [OPTIONS]\n"
		   "       tfledger COMMAND --help\n"
		   "       tfledger --help | --version\n\n"
		   "The command line of tfledger, the IGF Trust Fund ledger.\n");
	list(f, WORK,
	     "Your work, through tfledgerd: every command takes --url URL (default\n"
	     "$TFLEDGER_URL, else http://127.0.0.1:8080) and --token TOKEN (default\n"
	     "$TFLEDGER_TOKEN), and needs no database:");
	list(f, OPERATOR,
	     "Operating the installation, on the database itself: --database CONNINFO\n"
	     "(default $TFLEDGER_DATABASE); verify also takes --url; user add and\n"
	     "token create take --database too, for the first admin:");
	list(f, OFFLINE, "Offline, files only (no server, no database; also report verify):");
	fprintf(f, "\nRun 'tfledger COMMAND --help' for a command's actions and options.\n"
		   "Exit status: 0 success, 1 usage or input error, 2 other failure.\n");
}

int cli_fail(int rc, const char *what)
{
	fprintf(stderr, "tfledger: %s: %s\n", what, err_last());
	return err_exit_status(rc);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tfledger %s\n", PACKAGE_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tfledger: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
