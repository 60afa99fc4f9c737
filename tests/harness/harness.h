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
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Runs suite s (with a cluster when needs_db); returns the exit status. */
int harness_main(Suite *s, bool needs_db);

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

#endif
