/*
 * cli.h - the tfledger command line: one function per subcommand family,
 * each taking the arguments after the family's name (argv[0] is the family)
 * and returning the process exit status: 0 success, 1 usage or input error,
 * 2 any other failure (tfledger(1), EXIT STATUS).
 */
#ifndef TFLEDGER_CLI_H
#define TFLEDGER_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define CLI_OK 0
#define CLI_USAGE 1
#define CLI_FAIL 2

int cli_db(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_token(int argc, char **argv);
int cli_accounts(int argc, char **argv);
int cli_post(int argc, char **argv);
int cli_balance(int argc, char **argv);
int cli_entries(int argc, char **argv);
int cli_reverse(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_rank(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_verify_statement(int argc, char **argv);
/* checkpoints.c: signed journal checkpoints, through tfledgerd */
int cli_checkpoints(int argc, char **argv);
int cli_statements(int argc, char **argv);
int cli_fund(int argc, char **argv);
int cli_donors(int argc, char **argv);
int cli_pledges(int argc, char **argv);
int cli_receipts(int argc, char **argv);
int cli_inkind(int argc, char **argv);
int cli_rates(int argc, char **argv);
int cli_funds(int argc, char **argv);
/* reval.c: month-end revaluation */
int cli_revalue(int argc, char **argv);
int cli_revaluations(int argc, char **argv);
int cli_meetings(int argc, char **argv);
int cli_applicants(int argc, char **argv);
int cli_travel(int argc, char **argv);
int cli_reconcile(int argc, char **argv);
int cli_bank_accounts(int argc, char **argv);
int cli_allocations(int argc, char **argv);
int cli_overruns(int argc, char **argv);
int cli_overdrafts(int argc, char **argv);
int cli_budgets(int argc, char **argv);
int cli_periods(int argc, char **argv);
int cli_psc(int argc, char **argv);
int cli_year(int argc, char **argv);
/* privacy.c: erasing applicants' personal fields after retention */
int cli_privacy(int argc, char **argv);
/* user.c, token.c, audit.c: people (docs/people.md) */
int cli_user(int argc, char **argv);
int cli_whoami(int argc, char **argv);
int cli_audit(int argc, char **argv);

/*
 * user.c: how a people command (user, token) reaches the installation:
 * *direct true, connected to the database as the OS user acting as admin
 * (cli_run_connect), when --database is given, or no token is (neither
 * --token nor $TFLEDGER_TOKEN) and $TFLEDGER_DATABASE is set; else false,
 * through tfledgerd. Returns 0, or the exit status after saying why not.
 */
struct cli_run;
int cli_people_connect(struct cli_run *r, bool *direct);

/*
 * Prints "tfledger: <what>: <err_last()>" on stderr and returns the exit
 * status for rc (err_exit_status).
 */
int cli_fail(int rc, const char *what);

/* Prints a usage error "tfledger <cmd>: <msg> (see tfledger <cmd> --help)"
 * and returns CLI_USAGE (cli/args.c, which prints its refusals with it). */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
