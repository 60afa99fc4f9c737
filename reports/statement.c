/*
 * statement.c - the account statement: for every account in scope (one, or
 * all) its opening and closing balance; then the journal itself from the
 * first entry dated in the period to the ledger head, each entry with every
 * field its hash covers and all of its postings, so that the hash chain can
 * be recomputed from the file alone (tfledger verify-statement). Postings
 * of entries dated in the period carry the running balance of their
 * account (if in scope), in journal (sequence) order. Entries in the chain
 * but dated outside the period are marked in-period="false" and move no
 * balance.
 *
 * Opening and closing balances come from the ledger's running balances
 * (as of the day before the period, and as of its end); the running
 * balances written beside the postings are summed here from the postings,
 * and the report is refused (ERR_INTERNAL) unless they end at the closing
 * balance: two independent sources that must agree.
 *
 * Streaming: entries are read in keyset pages of LIMIT_REPORT_PAGE_ENTRIES
 * (by sequence), each page one binary COPY of a row per posting with its
 * entry's columns (reports_st_page), taken a row at a time: the
 * server streams, and memory holds one row, the accounts and the output
 * buffer, never a page. The entries are written by hand (reports_raw,
 * writer.h) in exactly the bytes xmlTextWriter wrote for them: ids, dates,
 * created_at and numbers formatted here from their binary forms, amounts
 * with money_format. The rows must come in sequence order and, within an
 * entry, in line order starting at line 1; anything else is refused
 * (ERR_INTERNAL) rather than written.
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "common/text.h"
#include "ledger/ledger.h"
#include "reports/kinds.h"

/* --- statements (common/db.h) ------------------------------------------------------- */

/* LIMIT_REPORT_PAGE_ENTRIES as SQL text, at compile time */
#define STR_(x) #x
#define STR(x) STR_(x)
#define PAGE_ENTRIES STR(LIMIT_REPORT_PAGE_ENTRIES)

/* reports_st_first (the accounts in scope are report.c's reports_st_accounts) */
enum { FIRST_SEQUENCE, FIRST_NCOLS };
static const char *const first_cols[FIRST_NCOLS] = {[FIRST_SEQUENCE] = "first"};

/*
 * reports_st_page, a binary COPY: no names come with its rows, so its
 * columns are not checked at setup but counted in every row (read_message).
 * One row per posting; the entry's own columns are NULL on all but its
 * first posting's row.
 */
enum {
	C_SEQUENCE, C_DATE, C_ID, C_MEMO, C_REFERENCE, C_CREATED_AT, C_TOKEN_ID,
	C_IDEMPOTENCY_KEY, C_REQUEST_SHA256, C_REVERSES, C_PREV_HASH, C_HASH,
	C_LINE, C_ACCOUNT, C_SIDE, C_AMOUNT, C_CURRENCY, C_NCOLS
};

static const struct db_stmt stmts[] = {
	/* the first entry dated in the period */
	{"reports_st_first",
	 "SELECT min(sequence) AS first FROM entries"
	 " WHERE date BETWEEN $1::date AND $2::date", 2},
	/* a page of the entries: COPY takes no parameters, so the sequence the
	 * page starts after is set first, in the transaction, by
	 * reports_st_after. Each row one posting; the entry's columns only on
	 * its first posting's row (line 1), NULL on the others. LATERAL makes
	 * it one primary-key descent per entry (a plain join let the planner
	 * scan every posting once per page); the rows come in the order of the
	 * entries (sequence index) and, within each, of the subquery (line):
	 * write_row checks both and refuses anything else, which spares the
	 * server a sort. Binary: no output functions on the server (created_at,
	 * ids and dates are formatted here). */
	{"reports_st_after", "SELECT set_config('tfledger.statement_after', $1, true)", 1},
	/* and, once per statement, no JIT: a page's estimated cost passes
	 * jit_above_cost, and compiling it again for every page costs more
	 * than it saves on a plan that is index descents and sends */
	{"reports_st_nojit", "SELECT set_config('jit', 'off', true)", 0},
	{"reports_st_page",
	 "COPY (SELECT e.sequence, e.date,"
	 " CASE WHEN p.line = 1 THEN e.id END, CASE WHEN p.line = 1 THEN e.memo END,"
	 " CASE WHEN p.line = 1 THEN e.reference END, CASE WHEN p.line = 1 THEN e.created_at END,"
	 " CASE WHEN p.line = 1 THEN e.token_id END,"
	 " CASE WHEN p.line = 1 THEN e.idempotency_key END,"
	 " CASE WHEN p.line = 1 THEN e.request_sha256 END,"
	 " CASE WHEN p.line = 1 THEN e.reverses END,"
	 " CASE WHEN p.line = 1 THEN e.prev_hash END, CASE WHEN p.line = 1 THEN e.hash END,"
	 " p.line, p.account, p.side, p.amount, p.currency"
	 " FROM (SELECT * FROM entries"
	 "   WHERE sequence > current_setting('tfledger.statement_after')::bigint"
	 "   ORDER BY sequence LIMIT " PAGE_ENTRIES ") e"
	 " CROSS JOIN LATERAL (SELECT * FROM postings q WHERE q.entry_id = e.id"
	 "   ORDER BY q.line) p"
	 " ORDER BY e.sequence) TO STDOUT (FORMAT binary)", 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reports_st_first", first_cols),
};

int reports_statement_setup(PGconn *c)
{
	return db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
			sizeof(columns) / sizeof(columns[0]));
}

/* --- the accounts ----------------------------------------------------------------------- */

struct acct {
	const char *code; /* into the accounts result, which outlives the array */
	const char *currency;
	bool normal_debit;
	int64_t opening, closing; /* debits - credits, before and at the end */
	int64_t running;          /* debits - credits so far */
};

static int by_code(const void *key, const void *elem)
{
	return strcmp(key, ((const struct acct *)elem)->code);
}

/* The balance in the account's normal direction. */
static int64_t normal(const struct acct *a, int64_t debit_balance)
{
	return a->normal_debit ? debit_balance : -debit_balance;
}

static int write_accounts(struct reports_ctx *x, struct acct *a, size_t n, const PGresult *r)
{
	xmlTextWriterPtr w = x->w;
	int rc;

	if ((rc = reports_start(w, "accounts")) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = reports_start(w, "account")) < 0 ||
		    (rc = reports_attr(w, "code", a[i].code)) < 0 ||
		    (rc = reports_attr(w, "currency", a[i].currency)) < 0 ||
		    (rc = reports_attr(w, "type", PQgetvalue(r, (int)i, ACC_TYPE))) < 0 ||
		    (rc = reports_attr(w, "normal-side",
				       a[i].normal_debit ? "debit" : "credit")) < 0 ||
		    (rc = reports_write_text(w, "name", PQgetvalue(r, (int)i, ACC_NAME))) < 0 ||
		    (rc = reports_write_money(w, "opening-balance", normal(&a[i], a[i].opening),
					      a[i].currency)) < 0 ||
		    (rc = reports_write_money(w, "closing-balance", normal(&a[i], a[i].closing),
					      a[i].currency)) < 0 ||
		    (rc = reports_end(w, "account")) < 0)
			return rc;
	return reports_end(w, "accounts");
}

/* --- the entries: a binary COPY per page, written by hand --------------------------- */

struct field {
	const char *p;
	int32_t len; /* -1: NULL */
};

/* What the entries being written need from one page to the next. */
struct entries {
	struct reports_ctx *x;
	struct reports_raw *out;
	struct acct *a;
	size_t n_acct;
	int64_t sequence;  /* of the entry open (written up to its postings), 0: none */
	int32_t line;      /* its last posting's line */
	bool in_period;    /* and whether it is dated in the period */
	bool written;      /* anything yet (the first fragment starts the line) */
	int64_t last;      /* the last sequence of the page */
	int page_entries;  /* entries in the page */
	bool header_read;  /* the COPY's binary header, once per page */
};

static uint16_t be16(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint16_t)(u[0] << 8 | u[1]);
}

static uint32_t be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static int64_t be64(const char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

#define PUT(e, lit) reports_raw_put((e)->out, (lit), sizeof(lit) - 1)

/* Days since 2000-01-01 (PostgreSQL's epoch) as "YYYY-MM-DD" into out[10]
 * (civil_from_days, H. Hinnant). ERR_INTERNAL outside years 1-9999. */
static int format_day(char out[10], int64_t day)
{
	int64_t z = day + 10957 + 719468; /* days since 0000-03-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	if (y < 1 || y > 9999)
		return err_set(ERR_INTERNAL, "a date in year %" PRId64 " in the journal", y);
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	return 0;
}

/* Microseconds since 2000-01-01 00:00 UTC as "YYYY-MM-DDTHH:MM:SS.ffffffZ"
 * into out[27]: what to_char(.. 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') wrote. */
static int format_time(char out[27], int64_t us)
{
	int64_t day = us >= 0 ? us / 86400000000 : -((-us + 86399999999) / 86400000000);
	int64_t in_day = us - day * 86400000000;
	int64_t s = in_day / 1000000, frac = in_day % 1000000;
	int rc;

	if ((rc = format_day(out, day)) < 0)
		return rc;
	out[10] = 'T';
	out[11] = (char)('0' + s / 36000);
	out[12] = (char)('0' + s / 3600 % 10);
	out[13] = ':';
	out[14] = (char)('0' + s % 3600 / 600);
	out[15] = (char)('0' + s % 3600 / 60 % 10);
	out[16] = ':';
	out[17] = (char)('0' + s % 60 / 10);
	out[18] = (char)('0' + s % 10);
	out[19] = '.';
	for (int i = 25; i > 19; i--, frac /= 10)
		out[i] = (char)('0' + frac % 10);
	out[26] = 'Z';
	return 0;
}

/* A uuid's 16 bytes as PostgreSQL writes it, 8-4-4-4-12 lower-case hex. */
static void format_uuid(char out[36], const char *u)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[(unsigned char)u[i] >> 4];
		out[o++] = hex[(unsigned char)u[i] & 15];
	}
}

/* A NUL-terminated copy of a short text column into out[size]. */
static int column_str(char *out, size_t size, struct field f, const char *what)
{
	if (f.len < 0 || (size_t)f.len >= size)
		return err_set(ERR_INTERNAL, "account statement: %s is NULL or longer than %zu",
			       what, size - 1);
	memcpy(out, f.p, (size_t)f.len);
	out[f.len] = '\0';
	return 0;
}

/*
 * <name>text</name> on its own line inside an entry. Text stored before
 * the rule of common/text.h (a memo with U+0001) cannot be written in XML
 * as it is: the element then holds it as text_shown shows it and carries
 * the stored bytes in base64, <memo stored-base64="AQ==">\u0001</memo>,
 * which verify-statement hashes (and checks the shown text against).
 */
static int element(struct entries *e, const char *open, size_t open_len, struct field f,
		   const char *close, size_t close_len)
{
	char *b64 = NULL;
	int rc;

	if (!text_ok(f.p, (size_t)f.len)) {
		if (!(b64 = malloc(4 * ((size_t)f.len / 3 + 1) + 1)))
			return err_oom();
		EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)f.p, f.len);
		if ((rc = reports_raw_put(e->out, open, open_len - 1)) < 0 ||
		    (rc = reports_raw_attr(e->out, "stored-base64", b64, strlen(b64))) < 0 ||
		    (rc = reports_raw_put(e->out, ">", 1)) < 0)
			goto cleanup;
	} else if ((rc = reports_raw_put(e->out, open, open_len)) < 0) {
		goto cleanup;
	}
	if ((rc = reports_raw_text(e->out, f.p, (size_t)f.len)) == 0)
		rc = reports_raw_put(e->out, close, close_len);
cleanup:
	free(b64);
	return rc;
}

#define ELEMENT(e, name, f)                                                            \
	element((e), "      <" name ">", sizeof("      <" name ">") - 1, (f), "</" name ">\n", \
		sizeof("</" name ">\n") - 1)

static int end_entry(struct entries *e)
{
	if (!e->sequence)
		return 0;
	e->sequence = 0;
	return PUT(e, "    </entry>\n");
}

/* The start of an entry from its first posting's row: its attributes and
 * every field its hash covers. */
static int start_entry(struct entries *e, const struct field *f, int64_t sequence)
{
	const struct reports_request *rq = e->x->rq;
	char n[24], id[36], date[11], created[27];
	static const int required[] = {C_ID, C_MEMO, C_REFERENCE, C_CREATED_AT, C_TOKEN_ID,
				       C_PREV_HASH, C_HASH};
	int rc;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (f[required[i]].len < 0)
			return err_set(ERR_INTERNAL, "entry %" PRId64 ": its postings do not "
					  "start at line 1", sequence);
	if (f[C_ID].len != 16 || f[C_CREATED_AT].len != 8 || f[C_HASH].len != 64 ||
	    f[C_PREV_HASH].len != 64 || (f[C_REVERSES].len >= 0 && f[C_REVERSES].len != 16))
		return err_set(ERR_INTERNAL, "entry %" PRId64 ": unexpected column sizes",
			       sequence);
	if ((rc = format_day(date, (int32_t)be32(f[C_DATE].p))) < 0 ||
	    (rc = format_time(created, be64(f[C_CREATED_AT].p))) < 0)
		return rc;
	date[10] = '\0';
	e->in_period = strcmp(date, rq->from) >= 0 && strcmp(date, rq->to) <= 0;
	format_uuid(id, f[C_ID].p);
	if ((!e->written && (rc = PUT(e, "\n")) < 0) || (rc = PUT(e, "    <entry")) < 0 ||
	    (rc = reports_raw_attr(e->out, "sequence", n, reports_format_int(n, sequence))) < 0 ||
	    (rc = reports_raw_attr(e->out, "id", id, sizeof(id))) < 0 ||
	    (rc = reports_raw_attr(e->out, "date", date, 10)) < 0 ||
	    (rc = e->in_period ? PUT(e, " in-period=\"true\">\n")
			       : PUT(e, " in-period=\"false\">\n")) < 0 ||
	    (rc = ELEMENT(e, "created-at", ((struct field){created, sizeof(created)}))) < 0 ||
	    (rc = ELEMENT(e, "token-id", f[C_TOKEN_ID])) < 0 ||
	    (rc = ELEMENT(e, "memo", f[C_MEMO])) < 0 ||
	    (rc = ELEMENT(e, "reference", f[C_REFERENCE])) < 0 ||
	    (f[C_IDEMPOTENCY_KEY].len >= 0 &&
	     (rc = ELEMENT(e, "idempotency-key", f[C_IDEMPOTENCY_KEY])) < 0) ||
	    (f[C_REQUEST_SHA256].len >= 0 &&
	     (rc = ELEMENT(e, "request-sha256", f[C_REQUEST_SHA256])) < 0))
		return rc;
	if (f[C_REVERSES].len >= 0) {
		format_uuid(id, f[C_REVERSES].p);
		if ((rc = ELEMENT(e, "reverses", ((struct field){id, sizeof(id)}))) < 0)
			return rc;
	}
	if ((rc = ELEMENT(e, "prev-hash", f[C_PREV_HASH])) < 0 ||
	    (rc = ELEMENT(e, "hash", f[C_HASH])) < 0)
		return rc;
	e->written = true;
	e->sequence = sequence;
	e->line = 0;
	e->page_entries++;
	e->last = sequence;
	return 0;
}

/* One row: a posting, after its entry's start if it is the first. */
static int write_row(struct entries *e, const struct field *f)
{
	char n[24], account[LEDGER_CODE_BYTES], side[8], ccy[4], amount[MONEY_STR_MAX];
	int64_t sequence, value;
	int32_t line;
	struct acct *ac;
	int rc;

	if (f[C_SEQUENCE].len != 8 || f[C_DATE].len != 4 || f[C_LINE].len != 4 ||
	    f[C_AMOUNT].len != 8)
		return err_set(ERR_INTERNAL, "account statement: unexpected column sizes");
	sequence = be64(f[C_SEQUENCE].p);
	line = (int32_t)be32(f[C_LINE].p);
	value = be64(f[C_AMOUNT].p);
	if (sequence != e->sequence) {
		if (sequence <= e->last || line != 1)
			return err_set(ERR_INTERNAL, "entry %" PRId64 ": rows out of order, or its "
					  "postings do not start at line 1", sequence);
		if ((rc = end_entry(e)) < 0 || (rc = start_entry(e, f, sequence)) < 0)
			return rc;
	} else if (line <= e->line) {
		return err_set(ERR_INTERNAL, "entry %" PRId64 ": posting lines out of order",
			       sequence);
	}
	e->line = line;
	if ((rc = column_str(account, sizeof(account), f[C_ACCOUNT], "a posting's account")) < 0 ||
	    (rc = column_str(side, sizeof(side), f[C_SIDE], "a posting's side")) < 0 ||
	    (rc = column_str(ccy, sizeof(ccy), f[C_CURRENCY], "a posting's currency")) < 0 ||
	    (rc = money_format(amount, value, ccy)) < 0)
		return rc;
	ac = e->in_period ? bsearch(account, e->a, e->n_acct, sizeof(*e->a), by_code) : NULL;
	if ((rc = PUT(e, "      <posting")) < 0 ||
	    (rc = reports_raw_attr(e->out, "line", n, reports_format_int(n, line))) < 0 ||
	    (rc = reports_raw_attr(e->out, "account", account, strlen(account))) < 0 ||
	    (rc = reports_raw_attr(e->out, "side", side, strlen(side))) < 0 ||
	    (rc = reports_raw_attr(e->out, "amount", amount, strlen(amount))) < 0 ||
	    (rc = reports_raw_attr(e->out, "currency", ccy, strlen(ccy))) < 0)
		return rc;
	if (ac) {
		rc = side[0] == 'd' ? money_add(&ac->running, ac->running, value)
				    : money_sub(&ac->running, ac->running, value);
		if (rc < 0 || (rc = money_format(amount, normal(ac, ac->running), ccy)) < 0 ||
		    (rc = reports_raw_attr(e->out, "balance", amount, strlen(amount))) < 0)
			return rc;
	}
	return PUT(e, "/>\n");
}

/* One COPY message: the binary header on the first, then rows (one per
 * message as the server sends them, but any number is taken), or the
 * trailer. */
static int read_message(struct entries *e, const char *p, size_t n)
{
	static const char signature[11] = "PGCOPY\n\377\r\n";
	struct field f[C_NCOLS];
	int rc;

	if (!e->header_read) {
		size_t skip;

		if (n < 19 || memcmp(p, signature, sizeof(signature)) != 0)
			return err_set(ERR_INTERNAL, "account statement: not a binary COPY");
		skip = 19 + (size_t)be32(p + 15);
		if (skip > n)
			return err_set(ERR_INTERNAL, "account statement: short COPY header");
		p += skip;
		n -= skip;
		e->header_read = true;
	}
	while (n >= 2) {
		int16_t fields = (int16_t)be16(p);

		p += 2;
		n -= 2;
		if (fields == -1) /* the trailer */
			return n == 0 ? 0 : err_set(ERR_INTERNAL, "account statement: data after "
							      "the end of a COPY");
		if (fields != C_NCOLS)
			return err_set(ERR_INTERNAL, "account statement: %d columns", fields);
		for (int i = 0; i < C_NCOLS; i++) {
			if (n < 4)
				return err_set(ERR_INTERNAL, "account statement: short COPY row");
			f[i] = (struct field){p + 4, (int32_t)be32(p)};
			p += 4;
			n -= 4;
			if (f[i].len < -1 || (f[i].len > 0 && (size_t)f[i].len > n))
				return err_set(ERR_INTERNAL, "account statement: short COPY row");
			if (f[i].len > 0) {
				p += f[i].len;
				n -= (size_t)f[i].len;
			}
		}
		if ((rc = write_row(e, f)) < 0)
			return rc;
	}
	return n == 0 ? 0 : err_set(ERR_INTERNAL, "account statement: short COPY row");
}

/* Reads what is left of a COPY after a failure, so the connection can go on. */
static void drain(PGconn *c)
{
	PGresult *r;
	char *buf;

	while (PQgetCopyData(c, &buf, 0) > 0)
		PQfreemem(buf);
	while ((r = PQgetResult(c)))
		PQclear(r);
}

/* One page: the entries after sequence `after`, written. */
static int write_page(struct entries *e, int64_t after)
{
	PGconn *c = e->x->c;
	char s[24];
	PGresult *r = NULL;
	char *buf = NULL;
	int n, rc;

	s[reports_format_int(s, after)] = '\0';
	if ((rc = db_exec(NULL, c, "reports_st_after", 1, (const char *const[]){s})) < 0 ||
	    (rc = db_exec(NULL, c, "reports_st_page", 0, NULL)) < 0)
		return rc;
	e->header_read = false;
	e->page_entries = 0;
	while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
		rc = read_message(e, buf, (size_t)n);
		PQfreemem(buf);
		if (rc < 0) {
			drain(c);
			return rc;
		}
	}
	if (n == -2)
		rc = err_set(ERR_UNAVAILABLE, "account statement: %s", PQerrorMessage(c));
	while ((r = PQgetResult(c))) {
		int rc1 = db_result_check(c, r, "account statement page");

		if (rc == 0)
			rc = rc1;
		PQclear(r);
	}
	return rc < 0 ? rc : end_entry(e);
}

/* The journal from sequence first to the end of the snapshot, page by page
 * (keyset pages of LIMIT_REPORT_PAGE_ENTRIES entries), each page one binary
 * COPY read as a stream: memory holds one row and the output buffer. */
static int write_entries(struct reports_ctx *x, struct acct *a, size_t n_acct, int64_t first)
{
	struct entries e = {.x = x, .a = a, .n_acct = n_acct};
	int64_t after = first - 1;
	int rc;

	if ((rc = db_exec(NULL, x->c, "reports_st_nojit", 0, NULL)) < 0 ||
	    (rc = reports_raw_new(&e.out, x->w)) < 0)
		return rc;
	for (;;) {
		if ((rc = write_page(&e, after)) < 0)
			goto cleanup;
		if (e.page_entries < LIMIT_REPORT_PAGE_ENTRIES)
			break;
		after = e.last;
	}
	/* the writer indents the end tag of <entries> no more after raw text */
	if (e.written)
		rc = PUT(&e, "  ");
	if (rc == 0)
		rc = reports_raw_flush(e.out);
cleanup:
	reports_raw_free(e.out);
	return rc;
}

int reports_write_statement(struct reports_ctx *x)
{
	const struct reports_request *rq = x->rq;
	PGresult *r = NULL, *f = NULL;
	struct acct *a = NULL;
	int64_t first = 0;
	size_t n = 0;
	int rc;

	if ((rc = db_exec(&r, x->c, "reports_st_accounts", 3,
			  (const char *const[]){rq->from, rq->to, rq->account})) < 0 ||
	    (rc = db_exec(&f, x->c, "reports_st_first", 2,
			  (const char *const[]){rq->from, rq->to})) < 0)
		goto cleanup;
	n = (size_t)PQntuples(r);
	if (n && !(a = calloc(n, sizeof(*a)))) {
		rc = err_set(ERR_INTERNAL, "out of memory for %zu accounts", n);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = (struct acct){PQgetvalue(r, (int)i, ACC_CODE),
				     PQgetvalue(r, (int)i, ACC_CURRENCY),
				     strcmp(PQgetvalue(r, (int)i, ACC_NORMAL_SIDE), "debit") == 0,
				     reports_ll(r, (int)i, ACC_OPENING),
				     reports_ll(r, (int)i, ACC_CLOSING),
				     0};
	for (size_t i = 0; i < n; i++)
		a[i].running = a[i].opening;
	if (!PQgetisnull(f, 0, FIRST_SEQUENCE))
		first = reports_ll(f, 0, FIRST_SEQUENCE);
	if ((rc = reports_writer_begin(x->w, "account-statement", &x->h)) < 0 ||
	    (rc = reports_write_text(x->w, "scope", rq->account ? rq->account : "all")) < 0 ||
	    (rc = write_accounts(x, a, n, r)) < 0 || (rc = reports_start(x->w, "entries")) < 0)
		goto cleanup;
	if (first > 0 && (rc = write_entries(x, a, n, first)) < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		if (a[i].running != a[i].closing) {
			rc = err_set(ERR_INTERNAL,
				     "account %s: the running balance does not end "
				     "at the closing balance (journal changed under the snapshot?)",
				     a[i].code);
			goto cleanup;
		}
	rc = reports_end(x->w, "entries");
cleanup:
	free(a);
	PQclear(r);
	PQclear(f);
	return rc;
}
