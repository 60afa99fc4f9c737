/*
 * db.c - libpq helpers (see db.h). Every PGresult is checked and cleared
 * here or handed to the caller; no SQL is assembled from strings.
 */
#include "common/db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/limits.h"
#include "common/log.h"

int db_connect(PGconn **out, const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	int rc;

	*out = NULL;
	if (!c)
		return err_set(ERR_UNAVAILABLE, "out of memory connecting to the database");
	if (PQstatus(c) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(c);
		size_t len = strlen(msg);

		while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			len--;
		rc = err_set(ERR_UNAVAILABLE, "cannot connect to the database: %.*s",
			     (int)len, msg);
		PQfinish(c);
		return rc;
	}
	rc = db_exec_sql(c, "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC';"
			    " SET DateStyle = 'ISO, YMD'; SET client_min_messages = warning");
	if (rc < 0) {
		PQfinish(c);
		return rc;
	}
	*out = c;
	return 0;
}

int db_connect_retry(PGconn **out, const char *conninfo)
{
	long pause_ms = LIMIT_RECONNECT_PAUSE_MS;
	int rc = db_connect(out, conninfo);

	for (int i = 1; rc == ERR_UNAVAILABLE && i < LIMIT_RECONNECT_TRIES; i++) {
		struct timespec t = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};

		while (nanosleep(&t, &t) != 0 && errno == EINTR)
			;
		pause_ms *= 2;
		rc = db_connect(out, conninfo);
	}
	return rc;
}

bool db_alive(PGconn *c)
{
	return c && PQstatus(c) == CONNECTION_OK && PQconsumeInput(c) &&
	       PQstatus(c) == CONNECTION_OK;
}

const char *db_sqlstate(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

/* What the server said of this thread's last failure (db_last_*). */
static _Thread_local char last_constraint[128], last_primary[LIMIT_ERR_BYTES];
static _Thread_local char last_sqlstate[6], last_table[128];

const char *db_last_constraint(void)
{
	return last_constraint;
}

const char *db_last_primary(void)
{
	return last_primary;
}

const char *db_last_sqlstate(void)
{
	return last_sqlstate;
}

static void remember_failure(const PGresult *r)
{
	const char *k = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *t = r ? PQresultErrorField(r, PG_DIAG_TABLE_NAME) : NULL;

	snprintf(last_constraint, sizeof(last_constraint), "%s", k ? k : "");
	snprintf(last_primary, sizeof(last_primary), "%s", m ? m : "");
	snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", db_sqlstate(r));
	snprintf(last_table, sizeof(last_table), "%s", t ? t : "");
}

static int code_for(const PGconn *c, const char *state)
{
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return ERR_RETRY;
	if (strcmp(state, "23505") == 0 ||
	    strcmp(state, DB_SQLSTATE_RECONCILIATION_LOCKED) == 0)
		return ERR_CONFLICT;
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0 ||
	    PQstatus(c) != CONNECTION_OK)
		return ERR_UNAVAILABLE;
	if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
	    strcmp(state, "P0001") == 0)
		return ERR_INVALID;
	return ERR_INTERNAL;
}

/* msg's length without its trailing newlines and spaces. */
static size_t trimmed(const char *msg)
{
	size_t len = strlen(msg);

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	return len;
}

int db_result_check(const PGconn *c, const PGresult *r, const char *what)
{
	const char *state;
	const char *msg;
	int code;

	if (r) {
		switch (PQresultStatus(r)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
		case PGRES_SINGLE_TUPLE:
			return 0;
		default:
			break;
		}
	}
	state = db_sqlstate(r);
	remember_failure(r);
	msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
	if (!msg || !*msg)
		msg = PQerrorMessage(c);
	code = code_for(c, state);
	log_write(code == ERR_RETRY ? LOG_DEBUG : LOG_WARN, "database error",
		  "what", what, "sqlstate", state, "code", err_name(code), "error", msg, NULL);
	if (strcmp(state, DB_SQLSTATE_RECONCILIATION_LOCKED) == 0)
		return err_code_set(code, EC_RECONCILIATION_LOCKED, "%s: %s", what, last_primary);
	if (strcmp(state, "P0001") == 0) /* our triggers' own words */
		return err_set(code, "%s: %s", what, last_primary);
	if (code == ERR_UNAVAILABLE)
		return err_set(code, "%s: the database connection was lost", what);
	if (strcmp(state, "23505") == 0)
		return err_set(code, "%s: conflicts with what is stored: %s already holds a"
				     " row with the same key (%s)",
			       what, last_table[0] ? last_table : "the table",
			       last_constraint[0] ? last_constraint : "its unique key");
	if (strcmp(state, "22003") == 0)
		return err_set(code, "%s: a figure is beyond the database's range", what);
	if (code == ERR_INVALID)
		return err_set(code, "%s: the database refused a value (SQLSTATE %s%s%s)", what,
			       state, last_constraint[0] ? ", rule " : "", last_constraint);
	/* the program's own fault (a migration's syntax, a statement's): the
	 * server's text helps whoever reads it, and tfledgerd answers a 500
	 * in words (daemon/server.c), so it reaches no client */
	return err_set(code, "%s: %.*s", what, (int)trimmed(msg), msg);
}

int db_columns_check(const PGresult *r, const char *what, const char *const *names, int n)
{
	int have = PQnfields(r);

	if (have != n)
		return err_set(ERR_INTERNAL, "%s: the statement returns %d columns, the code "
			       "reads %d (its SELECT list and column enum differ)", what, have, n);
	for (int k = 0; k < n; k++) {
		const char *got = PQfname(r, k);

		if (!names[k])
			return err_set(ERR_INTERNAL, "%s: column %d has no name in the code's list",
				       what, k);
		if (!got || strcmp(got, names[k]) != 0)
			return err_set(ERR_INTERNAL,
				       "%s: column %d is \"%s\", the code reads it as "
				       "\"%s\" (its SELECT list and column enum differ)",
				       what, k, got ? got : "", names[k]);
	}
	return 0;
}

/* The name of the i-th statement of a setup: stmts, then cols. */
static const char *setup_name(const struct db_stmt *stmts, size_t n_stmts,
			      const struct db_columns *cols, size_t i)
{
	return i < n_stmts ? stmts[i].name : cols[i - n_stmts].stmt;
}

/* The answer to the i-th request of a setup (a Prepare, then a Describe). */
static int setup_check(PGconn *c, PGresult *r, const struct db_stmt *stmts, size_t n_stmts,
		       const struct db_columns *cols, size_t i)
{
	int rc = db_result_check(c, r, setup_name(stmts, n_stmts, cols, i));

	if (rc == 0 && i >= n_stmts)
		rc = db_columns_check(r, cols[i - n_stmts].stmt, cols[i - n_stmts].names,
				      cols[i - n_stmts].n);
	return rc;
}

#ifdef LIBPQ_HAS_PIPELINING
/*
 * A setup in one round trip (libpq 14 and later): every Prepare, then
 * every Describe sent in a pipeline, one Sync, then each answer read in
 * turn. After the first failure the server answers the rest
 * PGRES_PIPELINE_ABORTED; only the first failure is reported. A pooled
 * connection prepares some 200 statements: one round trip each made a new
 * connection cost about 100 ms on a busy machine, which the first requests
 * after a start waited for (bench/README.md, issue 18).
 */
static int setup_pipelined(PGconn *c, const struct db_stmt *stmts, size_t n_stmts,
			   const struct db_columns *cols, size_t n_cols)
{
	size_t n = n_stmts + n_cols, sent = 0;
	PGresult *r;
	int rc = 0, synced;

	while (sent < n &&
	       (sent < n_stmts ? PQsendPrepare(c, stmts[sent].name, stmts[sent].sql,
					       stmts[sent].nparams, NULL)
			       : PQsendDescribePrepared(c, cols[sent - n_stmts].stmt)))
		sent++;
	synced = PQpipelineSync(c);
	if (sent < n || !synced)
		rc = err_set(PQstatus(c) == CONNECTION_OK ? ERR_INTERNAL : ERR_UNAVAILABLE,
			     "preparing %s: %s",
			     sent < n ? setup_name(stmts, n_stmts, cols, sent) : "statements",
			     PQerrorMessage(c));
	for (size_t i = 0; synced && i < sent; i++)
		while ((r = PQgetResult(c)) != NULL) {
			if (rc == 0)
				rc = setup_check(c, r, stmts, n_stmts, cols, i);
			PQclear(r);
		}
	if (synced && (r = PQgetResult(c)) != NULL) { /* PGRES_PIPELINE_SYNC */
		if (rc == 0 && PQresultStatus(r) != PGRES_PIPELINE_SYNC)
			rc = err_set(ERR_INTERNAL, "preparing statements: %s where the end of "
				     "the pipeline was due", PQresStatus(PQresultStatus(r)));
		PQclear(r);
	}
	if (!PQexitPipelineMode(c) && rc == 0)
		rc = err_set(ERR_INTERNAL, "preparing statements: %s", PQerrorMessage(c));
	return rc;
}
#endif

/* Prepares stmts and describes cols, in one round trip where libpq can. */
static int setup(PGconn *c, const struct db_stmt *stmts, size_t n_stmts,
		 const struct db_columns *cols, size_t n_cols)
{
#ifdef LIBPQ_HAS_PIPELINING
	if (n_stmts + n_cols > 1 && PQenterPipelineMode(c))
		return setup_pipelined(c, stmts, n_stmts, cols, n_cols);
#endif
	for (size_t i = 0; i < n_stmts + n_cols; i++) {
		PGresult *r = i < n_stmts ? PQprepare(c, stmts[i].name, stmts[i].sql,
						      stmts[i].nparams, NULL)
					  : PQdescribePrepared(c, cols[i - n_stmts].stmt);
		int rc = setup_check(c, r, stmts, n_stmts, cols, i);

		PQclear(r);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int db_prepare(PGconn *c, const struct db_stmt *stmts, size_t n)
{
	return setup(c, stmts, n, NULL, 0);
}

int db_columns_verify(PGconn *c, const struct db_columns *cols, size_t n)
{
	return setup(c, NULL, 0, cols, n);
}

int db_exec(PGresult **out, PGconn *c, const char *name, int n,
	    const char *const *params)
{
	PGresult *r = PQexecPrepared(c, name, n, params, NULL, NULL, 0);
	int rc = db_result_check(c, r, name);

	if (out)
		*out = NULL;
	if (rc < 0 || !out) {
		PQclear(r);
		return rc;
	}
	*out = r;
	return 0;
}

int db_exec_sql(PGconn *c, const char *sql)
{
	PGresult *r;
	int rc = 0;

	if (!PQsendQuery(c, sql))
		return err_set(PQstatus(c) == CONNECTION_OK ? ERR_INTERNAL : ERR_UNAVAILABLE,
			       "%s", PQerrorMessage(c));
	while ((r = PQgetResult(c)) != NULL) {
		int rc1 = db_result_check(c, r, "sql");

		if (rc1 < 0 && rc == 0)
			rc = rc1;
		PQclear(r);
	}
	if (rc == 0 && PQstatus(c) != CONNECTION_OK)
		rc = err_set(ERR_UNAVAILABLE, "database connection lost");
	return rc;
}

int db_copy_feed(PGconn *c, const char *data, size_t len)
{
	/* libpq sends in pieces of its own; a piece is an int of bytes at most */
	for (size_t off = 0; off < len; off += LIMIT_COPY_PIECE_BYTES) {
		size_t n = len - off < LIMIT_COPY_PIECE_BYTES ? len - off : LIMIT_COPY_PIECE_BYTES;

		if (PQputCopyData(c, data + off, (int)n) != 1)
			return err_set(ERR_UNAVAILABLE, "copy: %s", PQerrorMessage(c));
	}
	if (PQputCopyEnd(c, NULL) != 1)
		return err_set(ERR_UNAVAILABLE, "copy: %s", PQerrorMessage(c));
	return 0;
}

static const char *begin_sql(enum db_isolation iso)
{
	switch (iso) {
	case DB_SERIALIZABLE: return "BEGIN ISOLATION LEVEL SERIALIZABLE";
	case DB_REPEATABLE_READ: return "BEGIN ISOLATION LEVEL REPEATABLE READ";
	default: return "BEGIN";
	}
}

static void backoff(int attempt)
{
	struct timespec ts = {0, (long)(1 + attempt * attempt) * 1000000L};

	nanosleep(&ts, NULL);
}

int db_tx(PGconn *c, enum db_isolation iso, int (*fn)(PGconn *c, void *ctx),
	  void *ctx)
{
	PGTransactionStatusType ts = PQtransactionStatus(c);
	int rc = 0;

	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
		rc = db_exec_sql(c, "SAVEPOINT db_tx");
		if (rc < 0)
			return rc;
		rc = fn(c, ctx);
		if (rc < 0)
			(void)db_exec_sql(c, "ROLLBACK TO SAVEPOINT db_tx");
		ts = PQtransactionStatus(c);
		if (ts == PQTRANS_INTRANS) {
			int rel = db_exec_sql(c, "RELEASE SAVEPOINT db_tx");

			if (rc == 0)
				rc = rel;
		}
		return rc;
	}
	for (int attempt = 0; attempt <= LIMIT_TX_RETRIES; attempt++) {
		rc = db_exec_sql(c, begin_sql(iso));
		if (rc < 0)
			return rc;
		rc = fn(c, ctx);
		if (rc == 0)
			rc = db_exec_sql(c, "COMMIT");
		if (rc == 0)
			return 0;
		if (PQtransactionStatus(c) != PQTRANS_IDLE)
			(void)db_exec_sql(c, "ROLLBACK");
		if (rc != ERR_RETRY)
			return rc;
		log_debug("transaction retried", NULL);
		backoff(attempt);
	}
	return err_wrap(rc, "gave up after %d retries", LIMIT_TX_RETRIES);
}

int db_setup(PGconn *c, const struct db_stmt *stmts, size_t n_stmts,
	     const struct db_columns *cols, size_t n_cols)
{
	return setup(c, stmts, n_stmts, cols, n_cols);
}

int db_rows_json(json_t **out, PGconn *c, const char *name, int n, const char *const *params,
		 json_t *(*row_json)(const PGresult *r, int i))
{
	PGresult *r = NULL;
	json_t *arr;
	int rc = db_exec(&r, c, name, n, params);

	*out = NULL;
	if (rc < 0)
		return rc;
	arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++)
		if (json_array_append_new(arr, row_json(r, i)) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	PQclear(r);
	if (!arr)
		return err_set(ERR_INTERNAL, "out of memory");
	*out = arr;
	return 0;
}
