/*
 * append.c - storing entries: the one way rows get into the journal.
 *
 * An append is two simple-query messages (migrations/0006):
 *
 *   copy:   [BEGIN; SELECT ledger_tokens_hold(...);]
 *           COPY entries ... FROM STDIN (FORMAT binary);
 *           COPY postings ...; COPY idempotency_keys ...; COPY audit ...
 *   finish: SELECT ledger_append() [; COMMIT]
 *
 * The bracketed parts are the writer's, whose append is a transaction of
 * its own: it first checks that every submit's token still holds
 * (migration 0070; tfledgerd takes an append's token from memory).
 *
 * The entries are chained beforehand from the head the caller expects,
 * and the four COPYs are fed their rows in PostgreSQL's binary format: no
 * quoting, no parsing of numbers or dates on the server. The tables' own
 * triggers check references and closed months; ledger_append() takes the
 * head lock, checks that the new entries follow the head without a gap
 * (else "chain-mismatch": the expectation was stale, ERR_RETRY), checks
 * their balance, moves the running balances and the head. Nothing holds
 * the head lock while copying, so several appends can copy at once (the
 * writer's lanes, writer.c) and only their finishes take turns; a second
 * append of the same sequences waits on the first's unique index entries
 * and then fails as a retry, never a deadlock, because no append waits
 * for anything while it holds the head lock.
 *
 * Binary COPY format: PostgreSQL documentation, "COPY", section "Binary
 * Format"; each field is a 32-bit length (-1 for NULL) and the type's
 * binary representation (big-endian integers; date = days and timestamptz
 * = microseconds since 2000-01-01; uuid = 16 bytes; text = the bytes).
 */
#include "ledger/ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "common/limits.h"

#define COPY_ENTRIES_SQL                                                                  \
	"COPY entries (id, sequence, date, memo, reference, created_at, token_id,"        \
	" idempotency_key, request_sha256, reverses, prev_hash, hash)"                    \
	" FROM STDIN (FORMAT binary);"                                                    \
	"COPY postings (entry_id, line, account, side, amount, currency)"                 \
	" FROM STDIN (FORMAT binary);"
#define COPY_KEYS_SQL                                                                     \
	"COPY idempotency_keys (key, request_sha256, status, response)"                   \
	" FROM STDIN (FORMAT binary);"
#define COPY_AUDIT_SQL                                                                    \
	"COPY audit (token_name, role, action, object, request_id, user_name)"            \
	" FROM STDIN (FORMAT binary)"
#define FINISH_SQL ";SELECT ledger_append()"

/* The messages: copy, finish or both, without or with idempotency keys.
 * In its own transaction (the writer's), an append's first message begins
 * with "BEGIN;" and its tokens check (build_tokens), its last ends with
 * "; COMMIT". */
static const char *const SQL[3][2] = {
	{COPY_ENTRIES_SQL COPY_AUDIT_SQL, COPY_ENTRIES_SQL COPY_KEYS_SQL COPY_AUDIT_SQL},
	{"SELECT ledger_append()", "SELECT ledger_append()"},
	{COPY_ENTRIES_SQL COPY_AUDIT_SQL FINISH_SQL,
	 COPY_ENTRIES_SQL COPY_KEYS_SQL COPY_AUDIT_SQL FINISH_SQL},
};
enum { MSG_COPY, MSG_FINISH, MSG_BOTH };

enum { COPY_ENTRIES, COPY_POSTINGS, COPY_IDEMPOTENCY, COPY_AUDIT, N_COPIES };

/* --- binary COPY data ---------------------------------------------------------- */

struct bin {
	unsigned char *p;
	size_t len, cap;
	bool failed;
};

static unsigned char *room(struct bin *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *p;

		while (b->len + n > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	b->len += n;
	return b->p + b->len - n;
}

static void put_be(struct bin *b, uint64_t v, size_t n)
{
	unsigned char *p = room(b, n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static void put_bytes(struct bin *b, const void *s, size_t n)
{
	unsigned char *p;

	put_be(b, n, 4);
	p = room(b, n);
	if (p && n)
		memcpy(p, s, n);
}

static void put_text(struct bin *b, const char *s)
{
	put_bytes(b, s, strlen(s));
}

/* NULL for a missing or empty optional value. */
static void put_text_or_null(struct bin *b, const char *s)
{
	if (s && *s)
		put_text(b, s);
	else
		put_be(b, UINT32_MAX, 4);
}

static void put_int(struct bin *b, int64_t v, size_t n)
{
	put_be(b, n, 4);
	put_be(b, (uint64_t)v, n);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void put_uuid(struct bin *b, const char *s)
{
	unsigned char u[16];
	size_t k = 0;

	for (const char *c = s; *c && k < 32; c++) {
		int v = hexval(*c);

		if (v < 0)
			continue; /* the dashes; the id was made by ledger_entry_stamp */
		u[k / 2] = (unsigned char)(k % 2 ? (u[k / 2] | v) : (v << 4));
		k++;
	}
	ASSERT(k == 32);
	put_bytes(b, u, sizeof(u));
}

static void put_uuid_or_null(struct bin *b, const char *s)
{
	if (*s)
		put_uuid(b, s);
	else
		put_be(b, UINT32_MAX, 4);
}

#define PG_EPOCH_DAYS 10957 /* 2000-01-01 in days from 1970-01-01 */

/* "YYYY-MM-DD", checked by ledger_date_valid: days from 2000-01-01 */
static int64_t pg_days(const char *date)
{
	int32_t day = 0;
	int rc = date_parse(&day, date);

	ASSERT(rc == 0);
	return (int64_t)day - PG_EPOCH_DAYS;
}

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ", as ledger_now writes it: microseconds
 * from 2000-01-01 00:00 UTC */
static int64_t pg_micros(const char *t)
{
	int64_t s = 0;
	int32_t ns = 0;
	int rc = date_parse_time(&s, &ns, t);

	ASSERT(rc == 0);
	return (s - (int64_t)PG_EPOCH_DAYS * 86400) * 1000000 + ns / 1000;
}

static void put_header(struct bin *b)
{
	static const unsigned char sig[11] = "PGCOPY\n\377\r\n";
	unsigned char *p = room(b, sizeof(sig));

	if (p)
		memcpy(p, sig, sizeof(sig));
	put_be(b, 0, 4); /* flags */
	put_be(b, 0, 4); /* header extension length */
}

static void put_entry_rows(struct bin *entries, struct bin *postings,
			   const struct ledger_entry *e)
{
	put_be(entries, 12, 2);
	put_uuid(entries, e->id);
	put_int(entries, e->sequence, 8);
	put_int(entries, pg_days(e->date), 4);
	put_text(entries, e->memo ? e->memo : "");
	put_text(entries, e->reference ? e->reference : "");
	put_int(entries, pg_micros(e->created_at), 8);
	put_text(entries, e->token_id);
	put_text_or_null(entries, e->idempotency_key);
	put_text_or_null(entries, e->request_sha256);
	put_uuid_or_null(entries, e->reverses);
	put_text(entries, e->prev_hash);
	put_text(entries, e->hash);
	for (size_t i = 0; i < e->n_postings; i++) {
		const struct ledger_posting *p = &e->postings[i];

		put_be(postings, 6, 2);
		put_uuid(postings, e->id);
		put_int(postings, (int64_t)(i + 1), 4);
		put_text(postings, p->account);
		put_text(postings, p->debit ? "debit" : "credit");
		put_int(postings, p->amount_minor, 8);
		put_text(postings, p->currency);
	}
}

/* --- an append -------------------------------------------------------------------- */

struct ledger_append {
	struct ledger_submit *const *subs;
	size_t n;
	bool own_tx;
	bool keys; /* some submit has an idempotency key */
	struct bin data[N_COPIES];
	struct bin tokens;        /* own_tx: "BEGIN;SELECT ledger_tokens_hold(...);" */
	struct ledger_head last; /* the head after the group */
};

/* Appends the C string t to b (no length, no terminator). */
static void put_sql(struct bin *b, const char *t)
{
	unsigned char *p = room(b, strlen(t));

	if (p)
		memcpy(p, t, strlen(t));
}

/* Token ids and role names are made by tfledger (16 hex digits, a name of
 * ledger_role_names): nothing in them needs quoting in the SQL. */
static bool plain(const char *t)
{
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9')))
			return false;
	return true;
}

/*
 * The writer's transaction begins by checking the tokens its submits came
 * with (migration 0070): "BEGIN;SELECT ledger_tokens_hold('{\"ID ROLE\",
 * ...}');", each token and role once, NUL-terminated.
 */
static int build_tokens(struct ledger_append *a)
{
	struct bin *b = &a->tokens;

	b->len = 0;
	b->failed = false;
	put_sql(b, "BEGIN;SELECT ledger_tokens_hold('{");
	for (size_t j = 0; j < a->n; j++) {
		const struct ledger_actor *who = &a->subs[j]->who;
		bool seen = false;

		ASSERT(plain(who->token_id) && plain(who->role));
		for (size_t i = 0; i < j && !seen; i++)
			seen = strcmp(a->subs[i]->who.token_id, who->token_id) == 0 &&
			       strcmp(a->subs[i]->who.role, who->role) == 0;
		if (seen)
			continue;
		put_sql(b, j ? ",\"" : "\"");
		put_sql(b, who->token_id);
		put_sql(b, " ");
		put_sql(b, who->role);
		put_sql(b, "\"");
	}
	put_sql(b, "}');");
	{
		unsigned char *nul = room(b, 1);

		if (nul)
			*nul = '\0';
	}
	return b->failed ? ERR_INTERNAL : 0;
}

/* Chains every entry from head and writes all the rows. */
static int build(struct ledger_append *a, const struct ledger_head *head)
{
	int64_t seq = head->sequence;
	const char *prev = head->hash;

	for (int k = 0; k < N_COPIES; k++) {
		a->data[k].len = 0;
		a->data[k].failed = false;
		put_header(&a->data[k]);
	}
	for (size_t j = 0; j < a->n; j++) {
		struct ledger_submit *s = a->subs[j];
		char object[96];

		for (size_t i = 0; i < s->n; i++) {
			struct ledger_entry *e = &s->entries[i];
			int rc = ledger_entry_chain(e, ++seq, prev);

			if (rc < 0)
				return rc;
			prev = e->hash;
			put_entry_rows(&a->data[COPY_ENTRIES], &a->data[COPY_POSTINGS], e);
		}
		free(s->response);
		s->response = ledger_entries_text(s->entries, s->n, s->batch);
		if (!s->response)
			return err_set(ERR_INTERNAL, "out of memory");
		if (s->idempotency_key) {
			struct bin *b = &a->data[COPY_IDEMPOTENCY];

			a->keys = true;
			put_be(b, 4, 2);
			put_text(b, s->idempotency_key);
			put_text(b, s->request_sha256);
			put_int(b, 201, 4);
			put_text(b, s->response);
		}
		if (s->n == 1)
			snprintf(object, sizeof(object), "%s", s->entries[0].id);
		else
			snprintf(object, sizeof(object), "%s +%zu", s->entries[0].id, s->n - 1);
		put_be(&a->data[COPY_AUDIT], 6, 2);
		put_text(&a->data[COPY_AUDIT], s->who.token_name);
		put_text(&a->data[COPY_AUDIT], s->who.role);
		put_text(&a->data[COPY_AUDIT], s->action);
		put_text(&a->data[COPY_AUDIT], object);
		put_text(&a->data[COPY_AUDIT], s->who.request_id);
		put_text(&a->data[COPY_AUDIT], ledger_actor_user(&s->who));
	}
	for (int k = 0; k < N_COPIES; k++) {
		put_be(&a->data[k], UINT16_MAX, 2); /* trailer: -1 */
		if (a->data[k].failed)
			return err_set(ERR_INTERNAL, "out of memory");
	}
	if (a->own_tx && build_tokens(a) < 0)
		return err_set(ERR_INTERNAL, "out of memory");
	a->last.sequence = seq;
	snprintf(a->last.hash, sizeof(a->last.hash), "%s", prev);
	return 0;
}

/*
 * ledger_append()'s refusal of a bank account below its floor (migration
 * 0050), "ACCOUNT DAY DEBIT_BALANCE LIMIT CURRENCY", in words: the
 * account, the day, the balance it would have, the amount short.
 */
static int insufficient(const char *words)
{
	char account[LEDGER_CODE_BYTES] = "", day[11] = "", ccy[4] = "";
	char bal[MONEY_STR_MAX] = "?", lim[MONEY_STR_MAX] = "?", sh[MONEY_STR_MAX] = "?";
	long long balance = 0, limit = 0;
	int64_t shortfall = 0;

	if (sscanf(words, "%32s %10s %lld %lld %3s", account, day, &balance, &limit, ccy) == 5) {
		(void)money_format(bal, balance, ccy);
		(void)money_format(lim, limit, ccy);
		if (money_add(&shortfall, -(int64_t)balance, -(int64_t)limit) == 0)
			(void)money_format(sh, shortfall, ccy);
	}
	return err_code_set(ERR_CONFLICT, EC_INSUFFICIENT_FUNDS,
			    "bank account %s would be %s %s on %s, %s %s short (overdraft"
			    " allowed: %s %s); nothing was stored",
			    account, bal, ccy, day, sh, ccy, lim, ccy);
}

/*
 * The refusal of postings that would take a currency's sum of debit
 * postings, the bound of every report total (migration 0067), beyond 64
 * bits: "CURRENCY HAD ADDED" in words.
 */
static int currency_total(const char *words)
{
	char ccy[4] = "", had[MONEY_STR_MAX] = "?";
	long long have = 0;

	if (sscanf(words, "%3s %lld", ccy, &have) == 2)
		(void)money_format(had, have, ccy);
	return err_code_set(ERR_INVALID, EC_AMOUNT_OVERFLOW,
			    "postings: the %s postings of the journal would add up to more than"
			    " %" PRId64 " minor units (64 bits), the bound of every report total;"
			    " %s %s are booked already; nothing was stored",
			    ccy, INT64_MAX, had, ccy);
}

/* A refusal by the database that belongs to one request, in the contract's
 * words; a stale chain as ERR_RETRY; else the database error as it came. */
static int refusal(int rc)
{
	const char *why = db_last_primary();
	const char *constraint = db_last_constraint();

	if (strncmp(why, "period-closed ", 14) == 0) {
		ledger_closed_forget(); /* closed by another process: reload */
		return err_code_set(ERR_INVALID, EC_PERIOD_CLOSED, "date: the period %s is closed",
				    why + 14);
	}
	if (strncmp(why, "insufficient-funds ", 19) == 0)
		return insufficient(why + 19);
	if (strncmp(why, "currency-total ", 15) == 0)
		return currency_total(why + 15);
	if (strncmp(why, "token-refused ", 14) == 0)
		return err_code_set(ERR_NOTFOUND, EC_UNAUTHENTICATED,
				    "unknown or revoked token, or disabled user; nothing was stored");
	if (strncmp(why, "role-refused ", 13) == 0)
		return err_code_set(ERR_CONFLICT, EC_FORBIDDEN,
				    "the user no longer holds the role %s; nothing was stored",
				    strchr(why + 13, ' ') ? strchr(why + 13, ' ') + 1 : "?");
	if (strcmp(db_last_sqlstate(), "22003") == 0) /* bigint out of range */
		return err_code_set(ERR_INVALID, EC_AMOUNT_OVERFLOW,
				    "postings: an account's running balance would go beyond %" PRId64
				    " minor units either way (64 bits); nothing was stored",
				    INT64_MAX);
	if (strcmp(constraint, "entries_reverses_key") == 0) {
		return err_code_set(ERR_INVALID, EC_ALREADY_REVERSED,
				    "the entry was already reversed");
	}
	if (strcmp(constraint, "idempotency_keys_pkey") == 0) {
		return err_code_set(ERR_CONFLICT, EC_IDEMPOTENCY_KEY_TAKEN,
				    "the Idempotency-Key was used meanwhile");
	}
	if (strncmp(why, "chain-mismatch", 14) == 0 ||
	    strcmp(constraint, "entries_sequence_key") == 0 ||
	    strcmp(constraint, "entries_pkey") == 0 || rc == ERR_RETRY) {
		return err_code_set(ERR_RETRY, EC_UNAVAILABLE,
				    "another append moved the journal meanwhile; try again");
	}
	return rc == ERR_UNAVAILABLE ? rc
				     : err_wrap(ERR_INTERNAL, "the database refused the entries");
}

/* Sends sql (one of the two messages) and collects its results, feeding
 * each COPY the next of the group's row sets. */
static int exchange(PGconn *c, struct ledger_append *a, const char *sql)
{
	PGresult *r;
	int rc = 0, copies = 0;
	bool failed = false;

	if (!PQsendQuery(c, sql))
		return refusal(
			err_set(PQstatus(c) == CONNECTION_OK ? ERR_INTERNAL : ERR_UNAVAILABLE,
				"append: %s", PQerrorMessage(c)));
	while ((r = PQgetResult(c)) != NULL) {
		int rc1 = db_result_check(c, r, "append");

		if (rc1 < 0) {
			if (!failed)
				rc = refusal(rc1);
			failed = true;
		} else if (PQresultStatus(r) == PGRES_COPY_IN) {
			/* in order: entries, postings, keys (if any), audit */
			int k = copies == COPY_IDEMPOTENCY && !a->keys ? COPY_AUDIT : copies;

			if (failed || k >= N_COPIES)
				PQputCopyEnd(c, "the client gave up");
			else if ((rc = db_copy_feed(c, (const char *)a->data[k].p,
						    a->data[k].len)) < 0)
				failed = true;
			copies = k + 1;
		}
		PQclear(r);
	}
	if (PQstatus(c) != CONNECTION_OK) { /* even after a refusal: the outcome is unknown */
		return err_code_set(ERR_UNAVAILABLE, EC_UNAVAILABLE,
				    "append: the database connection was lost");
	}
	return failed ? (rc < 0 ? rc : err_set(ERR_INTERNAL, "append failed")) : 0;
}

int ledger_append_prepare(struct ledger_append **out, struct ledger_submit *const *subs,
			  size_t n, bool own_tx, const struct ledger_head *from)
{
	struct ledger_append *a = calloc(1, sizeof(*a));
	int rc;

	*out = NULL;
	if (!a)
		return err_set(ERR_INTERNAL, "out of memory");
	a->subs = subs;
	a->n = n;
	a->own_tx = own_tx;
	rc = build(a, from);
	if (rc < 0) {
		ledger_append_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

const struct ledger_head *ledger_append_last(const struct ledger_append *a)
{
	return &a->last;
}

static int send_msg(PGconn *c, struct ledger_append *a, int msg)
{
	const char *begin = a->own_tx && msg != MSG_FINISH ? (const char *)a->tokens.p : "";
	const char *commit = a->own_tx && msg != MSG_COPY ? "; COMMIT" : "";
	const char *body = SQL[msg][a->keys];
	char *sql = malloc(strlen(begin) + strlen(body) + strlen(commit) + 1);
	int rc;

	if (!sql)
		return err_set(ERR_INTERNAL, "out of memory");
	sprintf(sql, "%s%s%s", begin, body, commit);
	rc = exchange(c, a, sql);
	free(sql);
	return rc;
}

int ledger_append_copy(PGconn *c, struct ledger_append *a)
{
	return send_msg(c, a, MSG_COPY);
}

int ledger_append_finish(PGconn *c, struct ledger_append *a)
{
	return send_msg(c, a, MSG_FINISH);
}

int ledger_append_store(PGconn *c, struct ledger_append *a)
{
	return send_msg(c, a, MSG_BOTH);
}

void ledger_append_abandon(PGconn *c, struct ledger_append *a)
{
	if (a->own_tx && PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
		(void)db_exec_sql(c, "ROLLBACK");
	for (size_t j = 0; j < a->n; j++) {
		free(a->subs[j]->response);
		a->subs[j]->response = NULL;
	}
}

void ledger_append_free(struct ledger_append *a)
{
	if (!a)
		return;
	for (int k = 0; k < N_COPIES; k++)
		free(a->data[k].p);
	free(a->tokens.p);
	free(a);
}

int ledger_append_in_tx(PGconn *c, struct ledger_submit *s)
{
	struct ledger_submit *one[] = {s};
	struct ledger_append *a = NULL;
	struct ledger_head head;
	int rc = ledger_head_read(c, &head);

	if (rc < 0)
		return rc;
	rc = ledger_append_prepare(&a, one, 1, false, &head);
	if (rc == 0)
		rc = ledger_append_store(c, a);
	if (rc < 0)
		ledger_append_abandon(c, a ? a : &(struct ledger_append){.subs = one, .n = 1});
	ledger_append_free(a);
	return rc;
}
