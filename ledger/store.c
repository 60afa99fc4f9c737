/*
 * store.c - the ledger's side of PostgreSQL: its prepared statements (one
 * table, with the columns of each read by an enum beside it), reading
 * accounts, balances, entries and the journal head, the checks that need
 * the database (accounts exist, periods open; closing and reopening them
 * is fund/close.c's), idempotency records and the verification of the hash
 * chain (tokens and users: people.c).
 *
 * Appending entries is ledger_append's (append.c), for the writer (writer.c)
 * and the fund's commands.
 * Every write here runs in one transaction with its audit row.
 */
#include "ledger/ledger.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "ledger/people.h"

/*
 * The columns of each statement whose rows are read, in the order of its
 * SELECT list, and the names the server gives them (common/db.h): the code
 * reads the enum, ledger_store_setup checks the names once per connection.
 */

/* acct_get; the first columns of acct_lookup, acct_list and acct_balance_* */
#define ACCOUNT_COLS "code, name, type, currency, normal_side"
enum { ACCT_CODE, ACCT_NAME, ACCT_TYPE, ACCT_CURRENCY, ACCT_NORMAL_SIDE, ACCT_NCOLS };
#define ACCOUNT_NAMES                                                                   \
	[ACCT_CODE] = "code", [ACCT_NAME] = "name", [ACCT_TYPE] = "type",                    \
	[ACCT_CURRENCY] = "currency", [ACCT_NORMAL_SIDE] = "normal_side"
static const char *const acct_cols[ACCT_NCOLS] = {ACCOUNT_NAMES};

/* acct_lookup: an account, then the first closed month among the dates */
enum { LOOKUP_CLOSED = ACCT_NCOLS, LOOKUP_NCOLS };
static const char *const lookup_cols[LOOKUP_NCOLS] = {ACCOUNT_NAMES, [LOOKUP_CLOSED] = "closed"};

/* acct_list, acct_balance_now, acct_balance_asof: an account, then its
 * debit balance */
enum { ACCT_DEBIT_BALANCE = ACCT_NCOLS, ACCT_BALANCE_NCOLS };
static const char *const acct_balance_cols[ACCT_BALANCE_NCOLS] = {
	ACCOUNT_NAMES, [ACCT_DEBIT_BALANCE] = "debit_balance"};

/* balance_now, balance_asof */
enum { BALANCE_DEBIT, BALANCE_NCOLS };
static const char *const balance_cols[BALANCE_NCOLS] = {[BALANCE_DEBIT] = "debit_balance"};

/* head_get */
enum { HEAD_SEQUENCE, HEAD_HASH, HEAD_NCOLS };
static const char *const head_cols[HEAD_NCOLS] = {[HEAD_SEQUENCE] = "sequence",
						   [HEAD_HASH] = "hash"};

/* closed_all */
enum { CLOSED_MONTH, CLOSED_NCOLS };
static const char *const closed_cols[CLOSED_NCOLS] = {[CLOSED_MONTH] = "month"};

/* idem_get */
enum { IDEM_SHA256, IDEM_STATUS, IDEM_RESPONSE, IDEM_NCOLS };
static const char *const idem_cols[IDEM_NCOLS] = {
	[IDEM_SHA256] = "request_sha256", [IDEM_STATUS] = "status", [IDEM_RESPONSE] = "response"};

/* entry_get, entries_list, verify_page: an entry, its postings as one JSON
 * array, and the entry that reverses it (NULL in verify_page) */
#define ENTRY_COLS                                                                 \
	"e.id, e.sequence, e.date, e.memo, e.reference,"                           \
	" to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" \
	" AS created_at,"                                                          \
	" e.token_id, e.idempotency_key, e.request_sha256, e.reverses, e.prev_hash,"  \
	" e.hash, (SELECT json_agg(json_build_array(p.account, p.side, p.amount::text," \
	" p.currency) ORDER BY p.line) FROM postings p WHERE p.entry_id = e.id) AS postings"
#define REVERSED_BY "(SELECT r.id FROM entries r WHERE r.reverses = e.id) AS reversed_by"
enum {
	ENTRY_ID, ENTRY_SEQUENCE, ENTRY_DATE, ENTRY_MEMO, ENTRY_REFERENCE, ENTRY_CREATED_AT,
	ENTRY_TOKEN_ID, ENTRY_IDEMPOTENCY_KEY, ENTRY_REQUEST_SHA256, ENTRY_REVERSES,
	ENTRY_PREV_HASH, ENTRY_HASH, ENTRY_POSTINGS, ENTRY_REVERSED_BY, ENTRY_NCOLS
};
static const char *const entry_cols[ENTRY_NCOLS] = {
	[ENTRY_ID] = "id", [ENTRY_SEQUENCE] = "sequence", [ENTRY_DATE] = "date",
	[ENTRY_MEMO] = "memo", [ENTRY_REFERENCE] = "reference",
	[ENTRY_CREATED_AT] = "created_at", [ENTRY_TOKEN_ID] = "token_id",
	[ENTRY_IDEMPOTENCY_KEY] = "idempotency_key", [ENTRY_REQUEST_SHA256] = "request_sha256",
	[ENTRY_REVERSES] = "reverses", [ENTRY_PREV_HASH] = "prev_hash", [ENTRY_HASH] = "hash",
	[ENTRY_POSTINGS] = "postings", [ENTRY_REVERSED_BY] = "reversed_by"};

/* verify_counts: the rows of the journal's tables, and its head */
enum { COUNTS_ENTRIES, COUNTS_POSTINGS, COUNTS_HEAD_SEQUENCE, COUNTS_HEAD_HASH, COUNTS_NCOLS };
static const char *const counts_cols[COUNTS_NCOLS] = {
	[COUNTS_ENTRIES] = "entries", [COUNTS_POSTINGS] = "postings",
	[COUNTS_HEAD_SEQUENCE] = "sequence", [COUNTS_HEAD_HASH] = "hash"};

static const struct db_stmt stmts[] = {
	{"acct_get", "SELECT " ACCOUNT_COLS " FROM accounts WHERE code = $1", 1},
	/* The accounts entries name, each row with the first closed month
	 * among their dates ($2): ledger_entries_check in one round trip. */
	{"acct_lookup",
	 "SELECT " ACCOUNT_COLS ", (SELECT to_char(month, 'YYYY-MM') FROM closed_periods"
	 " WHERE month IN (SELECT date_trunc('month', d::date)::date"
	 "  FROM jsonb_array_elements_text($2::jsonb) d) ORDER BY 1 LIMIT 1) AS closed"
	 " FROM accounts WHERE code IN (SELECT jsonb_array_elements_text($1::jsonb))", 2},
	{"acct_list",
	 "SELECT " ACCOUNT_COLS ", COALESCE((SELECT b.debit_balance FROM balances b"
	 " WHERE b.account = a.code ORDER BY b.day DESC LIMIT 1), 0) AS debit_balance"
	 " FROM accounts a ORDER BY code", 0},
	{"acct_insert",
	 "INSERT INTO accounts (code, name, type, currency) VALUES ($1, $2, $3, $4)"
	 " ON CONFLICT DO NOTHING RETURNING code", 4},
	{"balance_now",
	 "SELECT debit_balance FROM balances WHERE account = $1"
	 " ORDER BY day DESC LIMIT 1", 1},
	{"balance_asof",
	 "SELECT debit_balance FROM balances WHERE account = $1 AND day <= $2::date"
	 " ORDER BY day DESC LIMIT 1", 2},
	/* The account and its balance in one round trip (GET .../balance). */
	{"acct_balance_now",
	 "SELECT " ACCOUNT_COLS ", COALESCE((SELECT b.debit_balance FROM balances b"
	 " WHERE b.account = a.code ORDER BY b.day DESC LIMIT 1), 0) AS debit_balance"
	 " FROM accounts a WHERE a.code = $1", 1},
	{"acct_balance_asof",
	 "SELECT " ACCOUNT_COLS ", COALESCE((SELECT b.debit_balance FROM balances b"
	 " WHERE b.account = a.code AND b.day <= $2::date ORDER BY b.day DESC LIMIT 1), 0)"
	 " AS debit_balance FROM accounts a WHERE a.code = $1", 2},
	{"head_get", "SELECT sequence, hash FROM ledger_head", 0},
	{"closed_all",
	 "SELECT to_char(month, 'YYYY-MM') AS month FROM closed_periods ORDER BY 1", 0},
	{"audit_insert",
	 "INSERT INTO audit (token_name, role, action, object, request_id, user_name)"
	 " VALUES ($1, $2, $3, $4, $5, $6)", 6},
	{"idem_insert",
	 "INSERT INTO idempotency_keys (key, request_sha256, status, response)"
	 " VALUES ($1, $2, $3::int, $4)", 4},
	{"idem_get",
	 "SELECT request_sha256, status, response FROM idempotency_keys WHERE key = $1", 1},
	{"entry_get",
	 "SELECT " ENTRY_COLS ", " REVERSED_BY " FROM entries e"
	 " WHERE e.id = $1::uuid", 1},
	{"entries_list",
	 "SELECT " ENTRY_COLS ", " REVERSED_BY " FROM entries e WHERE e.sequence > $1"
	 " AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM postings p"
	 "      WHERE p.entry_id = e.id AND p.account = $2))"
	 " AND ($3::date IS NULL OR e.date >= $3::date)"
	 " AND ($4::date IS NULL OR e.date <= $4::date)"
	 " ORDER BY e.sequence LIMIT $5", 5},
	{"verify_page",
	 "SELECT " ENTRY_COLS ", NULL AS reversed_by FROM entries e WHERE e.sequence > $1"
	 " ORDER BY e.sequence LIMIT $2", 2},
	{"verify_counts",
	 "SELECT (SELECT count(*) FROM entries) AS entries,"
	 " (SELECT count(*) FROM postings) AS postings, sequence, hash FROM ledger_head", 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("acct_get", acct_cols),
	DB_COLUMNS("acct_lookup", lookup_cols),
	DB_COLUMNS("acct_list", acct_balance_cols),
	DB_COLUMNS("balance_now", balance_cols),
	DB_COLUMNS("balance_asof", balance_cols),
	DB_COLUMNS("acct_balance_now", acct_balance_cols),
	DB_COLUMNS("acct_balance_asof", acct_balance_cols),
	DB_COLUMNS("head_get", head_cols),
	DB_COLUMNS("closed_all", closed_cols),
	DB_COLUMNS("idem_get", idem_cols),
	DB_COLUMNS("entry_get", entry_cols),
	DB_COLUMNS("entries_list", entry_cols),
	DB_COLUMNS("verify_page", entry_cols),
	DB_COLUMNS("verify_counts", counts_cols),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The ledger's statements and people's (people.c: tokens, users, the audit log). */
static int setup_owner(PGconn *c)
{
	int rc = db_setup(c, stmts, N(stmts), columns, N(columns));

	return rc < 0 ? rc : ledger_people_setup(c);
}

int ledger_store_setup(PGconn *c)
{
	int rc = db_exec_sql(c, "SET ROLE tfledger_daemon");

	if (rc < 0)
		return err_wrap(rc, "the daemon works as role tfledger_daemon");
	return setup_owner(c);
}

/* --- accounts and balances -------------------------------------------------- */

static void account_from_row(struct ledger_account *a, const PGresult *r, int row)
{
	snprintf(a->code, sizeof(a->code), "%s", PQgetvalue(r, row, ACCT_CODE));
	snprintf(a->name, sizeof(a->name), "%s", PQgetvalue(r, row, ACCT_NAME));
	snprintf(a->type, sizeof(a->type), "%s", PQgetvalue(r, row, ACCT_TYPE));
	snprintf(a->currency, sizeof(a->currency), "%s", PQgetvalue(r, row, ACCT_CURRENCY));
	a->normal_debit = strcmp(PQgetvalue(r, row, ACCT_NORMAL_SIDE), "debit") == 0;
}

json_t *ledger_account_json(const struct ledger_account *a, int64_t balance)
{
	char amount[MONEY_STR_MAX];

	money_format(amount, balance, a->currency);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "code", a->code, "name",
			 a->name, "type", a->type, "currency", a->currency, "normal_side",
			 a->normal_debit ? "debit" : "credit", "balance", amount);
}

struct account_tx {
	const struct ledger_account *a;
	const struct ledger_actor *who;
	const char *key, *sha, *response;
	bool exists;
};

static int audit(PGconn *c, const struct ledger_actor *who, const char *action,
		 const char *object)
{
	const char *p[] = {who->token_name, who->role, action, object, who->request_id,
			   ledger_actor_user(who)};

	return db_exec(NULL, c, "audit_insert", 6, p);
}

const char *ledger_actor_user(const struct ledger_actor *who)
{
	if (who->user && *who->user)
		return who->user;
	if (who->token_name && *who->token_name)
		return who->token_name;
	return who->token_id && *who->token_id ? who->token_id : "unknown";
}

static int remember(PGconn *c, const char *key, const char *sha, const char *response)
{
	return key ? ledger_idempotency_put(c, key, sha, 201, response) : 0;
}

static int account_tx_run(PGconn *c, void *ctx)
{
	struct account_tx *t = ctx;
	const char *p[] = {t->a->code, t->a->name, t->a->type, t->a->currency};
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "acct_insert", 4, p);

	if (rc < 0)
		return rc;
	t->exists = PQntuples(r) == 0;
	PQclear(r);
	if (t->exists)
		return err_set(ERR_CONFLICT, "account '%s' already exists", t->a->code);
	rc = audit(c, t->who, "account.create", t->a->code);
	return rc < 0 ? rc : remember(c, t->key, t->sha, t->response);
}

int ledger_account_create(PGconn *c, const struct ledger_account *a,
			  const struct ledger_actor *who, const char *key,
			  const char *request_sha256, const char *response)
{
	struct account_tx t = {a, who, key, request_sha256, response, false};

	return db_tx(c, DB_READ_COMMITTED, account_tx_run, &t);
}

int ledger_account_get(struct ledger_account *out, PGconn *c, const char *code)
{
	const char *p[] = {code};
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "acct_get", 1, p);

	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "no account '%s'", code);
	else
		account_from_row(out, r, 0);
	PQclear(r);
	return rc;
}

static int normal(int64_t *out, const struct ledger_account *a, int64_t debit_balance)
{
	if (a->normal_debit) {
		*out = debit_balance;
		return 0;
	}
	return money_negate(out, debit_balance);
}

int ledger_balance(int64_t *out, PGconn *c, const struct ledger_account *a,
		   const char *as_of)
{
	const char *p[] = {a->code, as_of};
	PGresult *r = NULL;
	int64_t debit = 0;
	int rc = db_exec(&r, c, as_of ? "balance_asof" : "balance_now", as_of ? 2 : 1, p);

	if (rc < 0)
		return rc;
	if (PQntuples(r) > 0)
		debit = strtoll(PQgetvalue(r, 0, BALANCE_DEBIT), NULL, 10);
	PQclear(r);
	return normal(out, a, debit);
}

int ledger_account_balance(struct ledger_account *out, int64_t *balance, PGconn *c,
			   const char *code, const char *as_of)
{
	const char *p[] = {code, as_of};
	PGresult *r = NULL;
	int rc = db_exec(&r, c, as_of ? "acct_balance_asof" : "acct_balance_now",
			 as_of ? 2 : 1, p);

	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0) {
		rc = err_set(ERR_NOTFOUND, "no account '%s'", code);
	} else {
		account_from_row(out, r, 0);
		rc = normal(balance, out, strtoll(PQgetvalue(r, 0, ACCT_DEBIT_BALANCE), NULL, 10));
	}
	PQclear(r);
	return rc;
}

int ledger_accounts_list(json_t **out, PGconn *c)
{
	PGresult *r = NULL;
	json_t *arr = NULL;
	int rc = db_exec(&r, c, "acct_list", 0, NULL);

	*out = NULL;
	if (rc < 0)
		return rc;
	arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		struct ledger_account a;
		int64_t bal;

		account_from_row(&a, r, i);
		normal(&bal, &a, strtoll(PQgetvalue(r, i, ACCT_DEBIT_BALANCE), NULL, 10));
		json_array_append_new(arr, ledger_account_json(&a, bal));
	}
	PQclear(r);
	if (!arr)
		return err_set(ERR_INTERNAL, "out of memory");
	*out = arr;
	return 0;
}

/* --- checks that need the database ------------------------------------------- */

/*
 * What the checks of an append read, remembered by the process so that a
 * single-entry POST needs no round trip before the writer's:
 * - accounts (code, currency): never re-keyed or deleted (no UPDATE or
 *   DELETE privilege, 0002; triggers, 0006), so a remembered one is never wrong; a code not
 *   remembered is looked up;
 * - the closed months: loaded whole, forgotten when this process closes or
 *   reopens a month or the database refuses a closed month to ledger_append
 *   (another process closed it); an entry in a month remembered closed is
 *   checked by the database, so a month another process reopened is taken
 *   at once. The database checks closed months again under the head lock,
 *   so a stale cache costs a refusal there, never a wrong entry.
 */
static struct {
	pthread_mutex_t mu;
	char db[LIMIT_CONNINFO_BYTES]; /* host:port/dbname it was read from */
	size_t n_accounts;
	struct {
		char code[LEDGER_CODE_BYTES];
		char currency[4];
	} accounts[LIMIT_ACCOUNT_CACHE];
	bool closed_loaded;
	size_t n_closed;
	char closed[LIMIT_CLOSED_CACHE][8]; /* YYYY-MM */
} known = {.mu = PTHREAD_MUTEX_INITIALIZER};

void ledger_closed_forget(void)
{
	pthread_mutex_lock(&known.mu);
	known.closed_loaded = false;
	pthread_mutex_unlock(&known.mu);
}

/* Caller holds known.mu. Forgets everything if c is another database than
 * the one the memory was read from (a process may talk to several). */
static void known_for(PGconn *c)
{
	char db[LIMIT_CONNINFO_BYTES];

	snprintf(db, sizeof(db), "%s:%s/%s", PQhost(c) ? PQhost(c) : "",
		 PQport(c) ? PQport(c) : "", PQdb(c) ? PQdb(c) : "");
	if (strcmp(db, known.db) != 0) {
		memcpy(known.db, db, sizeof(db));
		known.n_accounts = 0;
		known.closed_loaded = false;
	}
}

/* Caller holds known.mu. The remembered account code, or NULL. */
static bool known_account(struct ledger_account *out, const char *code)
{
	for (size_t i = 0; i < known.n_accounts; i++)
		if (strcmp(known.accounts[i].code, code) == 0) {
			memset(out, 0, sizeof(*out));
			memcpy(out->code, known.accounts[i].code, sizeof(out->code));
			memcpy(out->currency, known.accounts[i].currency, 4);
			return true;
		}
	return false;
}

static void remember_account(PGconn *c, const struct ledger_account *a)
{
	struct ledger_account dummy;

	pthread_mutex_lock(&known.mu);
	known_for(c);
	if (!known_account(&dummy, a->code) && known.n_accounts < LIMIT_ACCOUNT_CACHE) {
		memcpy(known.accounts[known.n_accounts].code, a->code, LEDGER_CODE_BYTES);
		memcpy(known.accounts[known.n_accounts].currency, a->currency, 4);
		known.n_accounts++;
	}
	pthread_mutex_unlock(&known.mu);
}

static int load_closed(PGconn *c)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "closed_all", 0, NULL);

	if (rc < 0)
		return rc;
	pthread_mutex_lock(&known.mu);
	known_for(c);
	if (PQntuples(r) <= LIMIT_CLOSED_CACHE) {
		known.n_closed = (size_t)PQntuples(r);
		for (size_t i = 0; i < known.n_closed; i++)
			snprintf(known.closed[i], sizeof(known.closed[i]), "%s",
				 PQgetvalue(r, (int)i, CLOSED_MONTH));
		known.closed_loaded = true;
	}
	pthread_mutex_unlock(&known.mu);
	PQclear(r);
	return 0;
}

/*
 * The checks of ledger_entries_check from memory. 1: answered (rc in *out),
 * 0: something is not remembered, ask the database.
 */
static int check_known(int *out, PGconn *c, struct ledger_entry *e, size_t n, bool batch)
{
	struct ledger_account acc_rows[LIMIT_KNOWN_CHECK_POSTINGS];
	const struct ledger_account *acc[LIMIT_KNOWN_CHECK_POSTINGS];
	int answered = 0;

	pthread_mutex_lock(&known.mu);
	if (c)
		known_for(c);
	if (!known.closed_loaded)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		char where[48] = "";

		if (e[i].n_postings > LIMIT_KNOWN_CHECK_POSTINGS)
			goto cleanup;
		for (size_t k = 0; k < e[i].n_postings; k++) {
			if (!known_account(&acc_rows[k], e[i].postings[k].account))
				goto cleanup;
			acc[k] = &acc_rows[k];
		}
		if (batch)
			snprintf(where, sizeof(where), "entries[%zu].", i);
		if ((*out = ledger_entry_check(&e[i], acc, where)) < 0) {
			answered = 1;
			goto cleanup;
		}
	}
	/* A month remembered closed is asked of the database again (another
	 * process may have reopened it, fund/close.c), which names the
	 * earliest closed month and reloads the memory: a refusal costs one
	 * query, an accepted entry none. */
	for (size_t m = 0; m < known.n_closed; m++)
		for (size_t i = 0; i < n; i++)
			if (strncmp(e[i].date, known.closed[m], 7) == 0)
				goto cleanup;
	*out = 0;
	answered = 1;
cleanup:
	pthread_mutex_unlock(&known.mu);
	return answered;
}

static int entries_check_db(PGconn *c, struct ledger_entry *e, size_t n, bool batch);

bool ledger_entries_check_known(int *rc, struct ledger_entry *e, size_t n, bool batch)
{
	return check_known(rc, NULL, e, n, batch) == 1;
}

int ledger_entries_check(PGconn *c, struct ledger_entry *e, size_t n, bool batch)
{
	int known_rc;

	if (check_known(&known_rc, c, e, n, batch))
		return known_rc;
	return entries_check_db(c, e, n, batch);
}

/* ledger_entries_check asking the database, and remembering what it read. */
static int entries_check_db(PGconn *c, struct ledger_entry *e, size_t n, bool batch)
{
	const struct ledger_account **acc = NULL;
	struct ledger_account *rows = NULL;
	json_t *codes = json_array(), *dates = json_array();
	PGresult *r = NULL;
	char *param = NULL, *param_dates = NULL;
	char closed[16] = "";
	size_t max_postings = 0;
	int nrows = 0;
	int rc;

	if (!codes || !dates) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(dates, json_string(e[i].date));
		for (size_t k = 0; k < e[i].n_postings; k++)
			json_array_append_new(codes, json_string(e[i].postings[k].account));
		if (e[i].n_postings > max_postings)
			max_postings = e[i].n_postings;
	}
	param = json_dumps(codes, JSON_COMPACT);
	param_dates = json_dumps(dates, JSON_COMPACT);
	rc = param && param_dates
		     ? db_exec(&r, c, "acct_lookup", 2, (const char *const[]){param, param_dates})
		     : err_set(ERR_INTERNAL, "out of memory");
	if (rc < 0)
		goto cleanup;
	nrows = PQntuples(r);
	rows = calloc((size_t)nrows + 1, sizeof(*rows));
	acc = calloc(max_postings + 1, sizeof(*acc));
	if (!rows || !acc) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	for (int i = 0; i < nrows; i++) {
		account_from_row(&rows[i], r, i);
		remember_account(c, &rows[i]);
	}
	/* Every entry names an account, so with no row the loop below fails
	 * with unknown-account before the closed month would matter. */
	if (nrows > 0 && !PQgetisnull(r, 0, LOOKUP_CLOSED))
		snprintf(closed, sizeof(closed), "%s", PQgetvalue(r, 0, LOOKUP_CLOSED));
	PQclear(r);
	r = NULL;
	for (size_t i = 0; i < n; i++) {
		char where[48] = "";

		if (batch)
			snprintf(where, sizeof(where), "entries[%zu].", i);
		for (size_t k = 0; k < e[i].n_postings; k++) {
			acc[k] = NULL;
			for (int j = 0; j < nrows; j++)
				if (strcmp(rows[j].code, e[i].postings[k].account) == 0)
					acc[k] = &rows[j];
		}
		rc = ledger_entry_check(&e[i], acc, where);
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = load_closed(c)) < 0) /* rarely: the cache missed */
		goto cleanup;
	if (closed[0]) {
		rc = err_code_set(ERR_INVALID, EC_PERIOD_CLOSED, "date: the period %s is closed",
				  closed);
		goto cleanup;
	}
cleanup:
	PQclear(r);
	free(param);
	free(param_dates);
	free(rows);
	free(acc);
	json_decref(codes);
	json_decref(dates);
	return rc;
}

/* --- entries ----------------------------------------------------------------------- */

static char *dup_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

static void copy(char *dst, size_t size, const PGresult *r, int row, int col)
{
	snprintf(dst, size, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

/* Reads row of an entry_cols result (entry_get, entries_list, verify_page) into *e. */
static int entry_from_row(struct ledger_entry *e, const PGresult *r, int row)
{
	json_t *postings = NULL;
	json_error_t jerr;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	copy(e->id, sizeof(e->id), r, row, ENTRY_ID);
	e->sequence = strtoll(PQgetvalue(r, row, ENTRY_SEQUENCE), NULL, 10);
	copy(e->date, sizeof(e->date), r, row, ENTRY_DATE);
	e->memo = strdup(PQgetvalue(r, row, ENTRY_MEMO));
	e->reference = strdup(PQgetvalue(r, row, ENTRY_REFERENCE));
	copy(e->created_at, sizeof(e->created_at), r, row, ENTRY_CREATED_AT);
	copy(e->token_id, sizeof(e->token_id), r, row, ENTRY_TOKEN_ID);
	e->idempotency_key = dup_or_null(r, row, ENTRY_IDEMPOTENCY_KEY);
	copy(e->request_sha256, sizeof(e->request_sha256), r, row, ENTRY_REQUEST_SHA256);
	copy(e->reverses, sizeof(e->reverses), r, row, ENTRY_REVERSES);
	copy(e->prev_hash, sizeof(e->prev_hash), r, row, ENTRY_PREV_HASH);
	copy(e->hash, sizeof(e->hash), r, row, ENTRY_HASH);
	copy(e->reversed_by, sizeof(e->reversed_by), r, row, ENTRY_REVERSED_BY);
	if (!PQgetisnull(r, row, ENTRY_POSTINGS)) {
		postings = json_loads(PQgetvalue(r, row, ENTRY_POSTINGS), 0, &jerr);
		if (!json_is_array(postings)) {
			rc = err_set(ERR_INTERNAL, "entry %s: unreadable postings", e->id);
			goto cleanup;
		}
		e->n_postings = json_array_size(postings);
		e->postings = calloc(e->n_postings + 1, sizeof(*e->postings));
		if (!e->postings) {
			rc = err_set(ERR_INTERNAL, "out of memory");
			goto cleanup;
		}
		for (size_t i = 0; i < e->n_postings; i++) {
			struct ledger_posting *p = &e->postings[i];
			json_t *a = json_array_get(postings, i);

			snprintf(p->account, sizeof(p->account), "%s",
				 json_string_value(json_array_get(a, 0)));
			p->debit = strcmp(json_string_value(json_array_get(a, 1)), "debit") == 0;
			p->amount_minor =
				strtoll(json_string_value(json_array_get(a, 2)), NULL, 10);
			snprintf(p->currency, sizeof(p->currency), "%s",
				 json_string_value(json_array_get(a, 3)));
		}
	}
	if (!e->memo || !e->reference)
		rc = err_set(ERR_INTERNAL, "out of memory");
cleanup:
	json_decref(postings);
	if (rc < 0)
		ledger_entry_free(e);
	return rc;
}

static bool uuid_valid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = s[i];

		if (dash ? ch != '-'
			 : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
			     (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

int ledger_entry_get(struct ledger_entry *out, PGconn *c, const char *id)
{
	PGresult *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!uuid_valid(id))
		return err_set(ERR_NOTFOUND, "no entry '%s'", id);
	rc = db_exec(&r, c, "entry_get", 1, (const char *const[]){id});
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "no entry '%s'", id);
	else
		rc = entry_from_row(out, r, 0);
	PQclear(r);
	return rc;
}

int ledger_entries_list(json_t **out, PGconn *c, const char *account,
			const char *from, const char *to, int64_t after, int limit)
{
	char after_s[24], limit_s[16];
	const char *p[] = {after_s, account, from, to, limit_s};
	json_t *arr = json_array();
	PGresult *r = NULL;
	int rc, n;

	*out = NULL;
	snprintf(after_s, sizeof(after_s), "%" PRId64, after);
	snprintf(limit_s, sizeof(limit_s), "%d", limit + 1);
	rc = arr ? db_exec(&r, c, "entries_list", 5, p) : err_set(ERR_INTERNAL, "out of memory");
	if (rc < 0)
		goto cleanup;
	n = PQntuples(r);
	for (int i = 0; i < n && i < limit; i++) {
		struct ledger_entry e;

		rc = entry_from_row(&e, r, i);
		if (rc < 0)
			goto cleanup;
		json_array_append_new(arr, ledger_entry_json(&e));
		ledger_entry_free(&e);
	}
	*out = json_pack("{s:O, s:o}", "entries", arr,
			 "next", n > limit ? json_integer(strtoll(PQgetvalue(r, limit - 1,
										  ENTRY_SEQUENCE),
								  NULL, 10))
					   : json_null());
	if (!*out)
		rc = err_set(ERR_INTERNAL, "out of memory");
cleanup:
	PQclear(r);
	json_decref(arr);
	return rc;
}

/* --- the journal head ---------------------------------------------------------------- */

int ledger_head_read(PGconn *c, struct ledger_head *out)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "head_get", 0, NULL);

	if (rc < 0)
		return rc;
	out->sequence = strtoll(PQgetvalue(r, 0, HEAD_SEQUENCE), NULL, 10);
	snprintf(out->hash, sizeof(out->hash), "%s", PQgetvalue(r, 0, HEAD_HASH));
	PQclear(r);
	return 0;
}

/* --- idempotency ------------------------------------------------------------------ */

int ledger_idempotency_get(bool *found, char sha[HASH_HEX_BYTES], int *status,
			   char **response, PGconn *c, const char *key)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "idem_get", 1, (const char *const[]){key});

	*found = false;
	*response = NULL;
	if (rc < 0)
		return rc;
	if (PQntuples(r) > 0) {
		*found = true;
		snprintf(sha, HASH_HEX_BYTES, "%s", PQgetvalue(r, 0, IDEM_SHA256));
		*status = atoi(PQgetvalue(r, 0, IDEM_STATUS));
		*response = strdup(PQgetvalue(r, 0, IDEM_RESPONSE));
		if (!*response)
			rc = err_set(ERR_INTERNAL, "out of memory");
	}
	PQclear(r);
	return rc;
}

int ledger_audit(PGconn *c, const struct ledger_actor *who, const char *action,
		 const char *object)
{
	return audit(c, who, action, object);
}

int ledger_idempotency_put(PGconn *c, const char *key, const char *request_sha256,
			   int status, const char *response)
{
	char st[8];

	int rc;

	snprintf(st, sizeof(st), "%d", status);
	rc = db_exec(NULL, c, "idem_insert", 4,
		     (const char *const[]){key, request_sha256, st, response});
	if (rc == ERR_CONFLICT)
		rc = err_code_set(ERR_CONFLICT, EC_IDEMPOTENCY_KEY_TAKEN,
				  "the Idempotency-Key '%s' was used meanwhile", key);
	return rc;
}

/* --- verification ------------------------------------------------------------------- */

static int fail_at(struct ledger_verify_result *v, int64_t seq, const char *why)
{
	v->ok = false;
	v->bad_sequence = seq;
	snprintf(v->why, sizeof(v->why), "%s", why);
	return 0;
}

int ledger_verify(struct ledger_verify_result *out, PGconn *c)
{
	char prev[HASH_HEX_BYTES];
	int64_t expect = 1, postings = 0, n_entries, n_postings, head_seq;
	char head_hash[HASH_HEX_BYTES];
	PGresult *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(prev, '0', 64);
	prev[64] = '\0';
	rc = db_exec_sql(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (rc < 0)
		return rc;
	rc = db_exec(&r, c, "verify_counts", 0, NULL);
	if (rc < 0)
		goto cleanup;
	n_entries = strtoll(PQgetvalue(r, 0, COUNTS_ENTRIES), NULL, 10);
	n_postings = strtoll(PQgetvalue(r, 0, COUNTS_POSTINGS), NULL, 10);
	head_seq = strtoll(PQgetvalue(r, 0, COUNTS_HEAD_SEQUENCE), NULL, 10);
	snprintf(head_hash, sizeof(head_hash), "%s", PQgetvalue(r, 0, COUNTS_HEAD_HASH));
	PQclear(r);
	r = NULL;
	out->ok = true;
	for (;;) {
		char after[24];
		int n;

		snprintf(after, sizeof(after), "%" PRId64, expect - 1);
		rc = db_exec(&r, c, "verify_page", 2, (const char *const[]){after, "1000"});
		if (rc < 0)
			goto cleanup;
		n = PQntuples(r);
		for (int i = 0; i < n && out->ok; i++) {
			struct ledger_entry e;
			char h[HASH_HEX_BYTES];

			rc = entry_from_row(&e, r, i);
			if (rc < 0)
				goto cleanup;
			if (e.sequence != expect)
				fail_at(out, expect, "entry missing: the sequence has a gap");
			else if (strcmp(e.prev_hash, prev) != 0)
				fail_at(out, expect, "prev_hash does not match the entry before");
			else if ((rc = ledger_entry_hash(h, &e)) < 0)
				;
			else if (!hash_equal_ct(h, e.hash, 64))
				fail_at(out, expect, "hash does not match the entry's contents");
			memcpy(prev, e.hash, HASH_HEX_BYTES);
			postings += (int64_t)e.n_postings;
			ledger_entry_free(&e);
			if (rc < 0)
				goto cleanup;
			if (out->ok)
				expect++;
		}
		PQclear(r);
		r = NULL;
		if (n < 1000 || !out->ok)
			break;
	}
	out->entries = expect - 1;
	snprintf(out->head, sizeof(out->head), "%s", prev);
	if (!out->ok)
		goto cleanup;
	if (head_seq != expect - 1 || strcmp(head_hash, prev) != 0)
		fail_at(out, expect - 1 < head_seq ? expect : head_seq + 1,
			"the journal head does not match the last entry (entries deleted or added)");
	else if (n_entries != expect - 1)
		fail_at(out, expect, "entries outside the sequence");
	else if (n_postings != postings)
		fail_at(out, 0, "postings that belong to no entry");
cleanup:
	PQclear(r);
	(void)db_exec_sql(c, rc < 0 ? "ROLLBACK" : "COMMIT");
	return rc;
}

int ledger_store_setup_owner(PGconn *c)
{
	return setup_owner(c);
}
