/*
 * db.h - PostgreSQL through libpq: connecting, prepared statement tables,
 * result checking with SQLSTATE mapping, and a transaction helper that
 * retries serialization failures and deadlocks a bounded number of times.
 *
 * Queries are never built with sprintf: each module keeps one table of
 * {name, sql, nparams} that db_prepare() prepares once per connection, and
 * runs them with db_exec().
 *
 * Result columns are read by an enum kept beside the SQL, never by a bare
 * number nor by PQfnumber (a lookup by name costs in every row of a loop).
 * Just above the module's statement table, each statement whose rows are
 * read has, in the order of its SELECT list, an enum ending in a count,
 * and the names the server gives those columns, paired by the enum:
 *
 *	(idem_get)
 *	enum { IDEM_SHA256, IDEM_STATUS, IDEM_RESPONSE, IDEM_NCOLS };
 *	static const char *const idem_cols[IDEM_NCOLS] = {
 *		[IDEM_SHA256] = "request_sha256", [IDEM_STATUS] = "status",
 *		[IDEM_RESPONSE] = "response"};
 *
 * and the code reads PQgetvalue(r, i, IDEM_STATUS). An expression gets an
 * alias (AS balance) so that its column has a name; statements that share
 * a select list share its enum (ledger/store.c, ENTRY_COLS). Just below the
 * statement table, a table of struct db_columns ({statement, names,
 * count}, written with DB_COLUMNS) goes with the statement table to
 * db_setup(), which prepares the statements and then runs
 * db_columns_verify(): once per connection, at setup, it asks the server
 * how it names each column and refuses (ERR_INTERNAL naming the statement) a count
 * or a name that differs, so a SELECT list edited without its enum fails
 * the first test that connects. Nothing is checked per query or per row.
 * A statement whose rows are not read (RETURNING 1, FOR UPDATE) needs none.
 * (The names are a table of their own, not fields of struct db_stmt, so
 * that tables written {name, sql, nparams} still build under -Wextra.)
 */
#ifndef TFLEDGER_DB_H
#define TFLEDGER_DB_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
};

enum db_isolation { DB_READ_COMMITTED, DB_REPEATABLE_READ, DB_SERIALIZABLE };

/*
 * Opens a connection. On failure *out is NULL and ERR_UNAVAILABLE is
 * returned with libpq's message. The caller owns the connection (PQfinish).
 * Sets client_encoding UTF8, TimeZone UTC and DateStyle ISO.
 */
int db_connect(PGconn **out, const char *conninfo);

/*
 * db_connect, tried LIMIT_RECONNECT_TRIES times with pauses doubling from
 * LIMIT_RECONNECT_PAUSE_MS while it fails: a failover's gap (the primary
 * gone, the standby not yet promoted, as libpq's target_session_attrs=
 * read-write sees it) is bridged, and a database that stays away costs the
 * caller under two seconds. Returns as db_connect.
 */
int db_connect_retry(PGconn **out, const char *conninfo);

/*
 * Whether c still looks connected, found without waiting: reads what the
 * server sent (PQconsumeInput), so a connection whose server went away (a
 * crash, a failover) is known dead before a request is sent on it. c must
 * be idle (no query in progress).
 */
bool db_alive(PGconn *c);

/* Prepares every statement of the table on c, in one round trip (see
 * db_columns_verify). ERR_INTERNAL on failure. */
int db_prepare(PGconn *c, const struct db_stmt *stmts, size_t n);

/* The columns a statement's rows are read by (see the top of this file). */
struct db_columns {
	const char *stmt;         /* the prepared statement's name */
	const char *const *names; /* names[k]: what the server calls column k */
	int n;                    /* how many: the statement returns exactly these */
};

/* {stmt, names, count} from a names array of known size. */
#define DB_COLUMNS(stmt, names) {(stmt), (names), (int)(sizeof(names) / sizeof((names)[0]))}

/*
 * 0 if r has exactly n columns named names[0..n-1] (PQfname) in that order;
 * else ERR_INTERNAL naming what (the statement) and the first column that
 * differs. Looks only at r's description: rows do not matter, r may come
 * from PQdescribePrepared.
 */
int db_columns_check(const PGresult *r, const char *what, const char *const *names, int n);

/*
 * Describes each statement of the table, prepared on c, and checks its
 * columns with db_columns_check; meant for a connection's setup, right
 * after db_prepare. One round trip for the whole table (a pipeline; with a
 * libpq older than 14, one per statement). ERR_INTERNAL for a statement
 * that is not prepared or whose columns differ.
 */
int db_columns_verify(PGconn *c, const struct db_columns *cols, size_t n);

/* A module's setup of c: db_prepare of its statements, then
 * db_columns_verify of the columns it reads, all in one round trip (with a
 * libpq older than 14, one per statement). */
int db_setup(PGconn *c, const struct db_stmt *stmts, size_t n_stmts,
	     const struct db_columns *cols, size_t n_cols);

/*
 * Maps a result to a code: 0 for PGRES_COMMAND_OK/TUPLES_OK/COPY_*, else
 * ERR_RETRY (40001, 40P01), ERR_CONFLICT (23505; TL001 with its code, below), ERR_UNAVAILABLE (the
 * connection is gone, 08xxx, 57P01-57P03), ERR_INVALID (22xxx, 23xxx other
 * than 23505, P0001 raised by our own triggers), ERR_INTERNAL otherwise.
 * On error the server's whole message (with its SQLSTATE) is logged, and
 * the error's message names what in words that a client may read: the
 * connection lost; a unique violation as the table and key already taken;
 * P0001's own words (our triggers'); a refused value (22xxx, 23xxx) its
 * SQLSTATE and rule, never the server's text (it may quote SQL or PL/pgSQL
 * source). Only ERR_INTERNAL keeps the server's text (the program's own
 * fault, e.g. a migration's syntax; tfledgerd answers a 500 in words).
 * Does not clear r.
 */
int db_result_check(const PGconn *c, const PGresult *r, const char *what);

/* Raised by migration 0042's trigger when a signed-off reconciliation's
 * bank line would change: db_result_check makes it ERR_CONFLICT with the
 * code EC_RECONCILIATION_LOCKED (409 reconciliation-locked). */
#define DB_SQLSTATE_RECONCILIATION_LOCKED "TL001"

/* The SQLSTATE of a failed result, or "" */
const char *db_sqlstate(const PGresult *r);

/*
 * Runs the prepared statement name with n text parameters (NULL entries are
 * SQL NULL). On success *out (if out is not NULL) holds the result, which
 * the caller must PQclear; on error nothing is left to free.
 */
int db_exec(PGresult **out, PGconn *c, const char *name, int n,
	    const char *const *params);

/*
 * What the server said of the last failure db_result_check saw on this
 * thread: the constraint it names, its primary message and its SQLSTATE
 * ("" if none).
 */
const char *db_last_constraint(void);
const char *db_last_primary(void);
const char *db_last_sqlstate(void);

/*
 * Runs the prepared statement name (as db_exec) and makes *out a JSON array
 * of its rows, row i turned into a value by row_json(r, i) (NULL: out of
 * memory). On error *out is NULL.
 */
int db_rows_json(json_t **out, PGconn *c, const char *name, int n, const char *const *params,
		 json_t *(*row_json)(const PGresult *r, int i));

/*
 * Feeds a COPY ... FROM STDIN that the server has just started (a result
 * in PGRES_COPY_IN) its whole input, len bytes, and ends it; the server's
 * answer, a refusal of a row included, comes with the next PQgetResult.
 */
int db_copy_feed(PGconn *c, const char *data, size_t len);

/* Runs one or more SQL commands with no parameters; discards results. */
int db_exec_sql(PGconn *c, const char *sql);

/*
 * Runs fn(c, ctx) inside BEGIN ... COMMIT at the given isolation level.
 * If fn or COMMIT fails with ERR_RETRY the transaction is rolled back and
 * run again, at most LIMIT_TX_RETRIES times; any other failure rolls back
 * and is returned. fn must be safe to run more than once.
 *
 * Called inside a transaction already open on c (a caller that adds its
 * own rows to the same commit, such as an Idempotency-Key record), fn
 * joins it instead: it runs under a SAVEPOINT that is released on success
 * and rolled back on failure (so the caller's transaction stays usable),
 * iso is the caller's, and nothing is retried or committed here: the
 * failure, ERR_RETRY included, goes to the caller's db_tx.
 */
int db_tx(PGconn *c, enum db_isolation iso, int (*fn)(PGconn *c, void *ctx),
	  void *ctx);

#endif
