/*
 * harness.h - the throwaway PostgreSQL cluster for integration tests, and
 * small helpers that every test program shares.
 *
 * harness_main() starts one private cluster per test program (mkdtemp
 * under /tmp, fsync off, unix socket only, via common/cluster.c as the CLI
 * does), applies the migrations once to a template database, runs the
 * suite, prints the server log if any test failed, then stops the cluster
 * and removes its directory. Each test takes a fresh database cloned from
 * the template with harness_new_db().
 */
#ifndef TFLEDGER_HARNESS_H
#define TFLEDGER_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger.h"

/*
 * Runs suite s (with a cluster when needs_db), libcurl initialised around
 * it; returns the exit status.
 */
int harness_main(Suite *s, bool needs_db);

/* One test of a table: loops > 0 makes it a loop test over 0..loops-1. */
struct harness_test {
	const TTest *test;
	int loops;
};

#define HARNESS_N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Adds to s a tcase called name holding the n tests, with the checked
 * fixture setup/teardown (NULL: none) and a timeout in seconds (0: Check's).
 */
void harness_add_tcase(Suite *s, const char *name, SFun setup, SFun teardown, double timeout,
		       const struct harness_test *tests, size_t n);

/* The cluster's directory (only while harness_main runs). */
const char *harness_dir(void);

/* A new database cloned from the migrated template; conninfo into out. */
void harness_new_db(char *out, size_t size);

/* A new empty database (no migrations); conninfo into out. */
void harness_new_empty_db(char *out, size_t size);

/* Connects to conninfo or fails the test. */
PGconn *harness_connect(const char *conninfo);

/* Runs sql (no parameters) and returns the first column of the first row,
 * as a new string (free it), or NULL for no rows. Fails the test on error. */
char *harness_query_value(PGconn *c, const char *sql);

/*
 * Runs argv (argv[0] is a path) with optional stdin text; captures stdout
 * and stderr into new strings (free them; NULL allowed to discard). Returns
 * the exit status (128+signal if killed).
 */
int harness_run(char **out, char **err, const char *input,
		const char *const *argv);

/* Runs tfledger with the NULL-terminated arguments from first on (at most
 * 30); its exit status, stderr into *err (NULL to discard), stdout dropped. */
int harness_tfledger(char **err, const char *first, ...);

/*
 * harness_run of `tfledger ARGS... --database db` (args NULL-terminated, at
 * most 28 of them).
 */
int harness_tfledger_db(char **out, char **err, const char *db, const char *const *args);

/* The program under test: $TFLEDGER_BIN or $TFLEDGERD_BIN. */
const char *harness_bin_tfledger(void);
const char *harness_bin_tfledgerd(void);

/* A new empty directory under /tmp (removed by harness_main at the end). */
void harness_tmpdir(char *out, size_t size);

/*
 * The whole file at path as a new NUL-terminated string (free it); *len, if
 * len is not NULL, its length. Fails the test if it cannot be read.
 */
char *harness_slurp(const char *path, size_t *len);

/* Writes len bytes of data to path (created or truncated), or fails the test. */
void harness_spit(const char *path, const void *data, size_t len);

/* harness_spit of a NUL-terminated text. */
void harness_spit_text(const char *path, const char *text);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int harness_free_port(void);

/*
 * GET url with libcurl (10 s timeout); the first 1023 bytes of the body go
 * into body. Returns the HTTP status, or 0 if nothing answered.
 */
long harness_http_get(const char *url, char body[1024]);

/* Removes a directory tree; returns 0 or -1. */
int harness_rmtree(const char *path);

/*
 * A FIFO made at path, drained by a thread from now on, so that a program
 * under test can open it and write without blocking (as a reader of
 * `--output FIFO` would). harness_fifo_finish, called once every writer has
 * exited, stops the thread and returns everything read, as a new string
 * (free it; *len, if len is not NULL, its length). Fails the test if the
 * FIFO cannot be made or opened.
 */
struct harness_fifo;
struct harness_fifo *harness_fifo_start(const char *path);
char *harness_fifo_finish(struct harness_fifo *ff, size_t *len);

/* The fixtures of tests/data/camt that the camt reader refuses whole:
 * hostile XML and files bad in their figures. */
#define HARNESS_CAMT_REFUSED_N 11
extern const char *const harness_camt_refused[HARNESS_CAMT_REFUSED_N];

/* Case i of a table of refused runs: exit status rc is 1, the stderr text
 * err (freed here) holds want, and nothing was written at output. */
void harness_expect_run_refused(size_t i, int rc, char *err, const char *want,
				const char *output);

/* Asserts two outputs are the same bytes; on a difference names the offset
 * and shows a little of each (Check cannot carry whole outputs). */
void harness_same_bytes(const char *a, const char *b);

/* The next number of a seeded xorshift64* sequence (the same on every
 * machine); state must not be 0. */
uint64_t harness_xorshift(uint64_t *state);

/* --- the books, through the library (fund, travel and reports tests) ------ */

/* An operation of fund/ or travel/: a JSON body in, the answer out. */
typedef int (*harness_op_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);

/* Runs op as who on a JSON text (printf format); fails the test unless it
 * succeeds; returns the answer (the caller's). */
json_t *harness_op_ok(PGconn *c, harness_op_fn op, const struct ledger_actor *who,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Runs op as who on a JSON text expecting refusal want_rc, with contract
 * code want_code and a message containing want, and no answer. */
void harness_op_refused(PGconn *c, harness_op_fn op, const struct ledger_actor *who,
			const char *text, int want_rc, const char *want_code, const char *want);

/* The first column of sql's first row equals want, or the test fails. */
void harness_expect_value(PGconn *c, const char *sql, const char *want);

/* The current debit balance of account (minor units, as text) is want. */
void harness_expect_balance(PGconn *c, const char *account, const char *want);

/* Each row's account has its balance (harness_expect_balance). */
struct harness_balance {
	const char *account, *want;
};
void harness_expect_balances(PGconn *c, const struct harness_balance *rows, size_t n);

/* sql (no parameters) fails with a message containing want, or the test fails. */
void harness_sql_refused(PGconn *c, const char *sql, const char *want);

/* Every currency's postings and every currency's balances sum to exactly 0. */
void harness_expect_trial_balance_zero(PGconn *c);

/* ledger_verify passes over entries entries (< 0: as many as the table holds). */
void harness_expect_verified(PGconn *c, long long entries);

/* The string value of key in o, or the test fails. */
const char *harness_str(json_t *o, const char *key);

/*
 * The ledger, fund and travel stores set up, the fund's chart made, and
 * 8000.00 USD received for travel from donor "fin" (pledge TF-2018-1).
 */
void harness_travel_fund(PGconn *c, const struct ledger_actor *who);

/*
 * For fixtures that pay before the receipt that covers it: lets every bank
 * account of the chart (10NN-CCY) go down to -10,000,000,000 minor units
 * (account_overdrafts, migration 0050), as finance would configure it.
 * Tests of the bank accounts' floor itself do not call it.
 */
void harness_allow_overdrafts(const char *conninfo);

/*
 * Sets travel.four_eyes (migration 0060, on by default) to on or off, as
 * an installation would: fixtures whose one actor ranks and approves turn
 * it off; the four-eyes tests keep it on.
 */
void harness_four_eyes(const char *conninfo, bool on);

/* The string value of an XPath expression (printf format; prefix r: the
 * reports' namespace) in doc; free it with xmlFree. */
char *harness_xpath(xmlDocPtr doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
