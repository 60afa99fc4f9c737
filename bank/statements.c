/*
 * statements.c - camt.053 files into bank_statements and bank_lines
 * (migrations 0010 and 0040), see statements.h.
 *
 * A file is one transaction. Its lines are streamed with COPY into a
 * session temporary table while bank/camt.c reads them, each with the
 * base hash and fingerprint of bank_statements_line_identity. At each
 * </Stmt> the database finishes the keys (bank_line_key: the base and the
 * occurrence among the statement's equal lines), tells duplicates
 * (key and fingerprint stored) from different lines whose key is taken
 * (stored under key~n, with a warning: no line is ever dropped), and moves
 * the rest into bank_lines. Memory holds one COPY buffer: nothing per line.
 */
#include "bank/statements.h"

#include "bank/deviations.h"
#include "bank/read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/db.h"
#include "common/err.h"
#include "common/log.h"
#include "common/money.h"

#define COPY_BUF_BYTES (256 * 1024)
#define ROW_MAX_BYTES (32 * 1024) /* a row escapes to well under this */
/* Different lines with one key in one account before an import gives up:
 * each needs one more round trip; a real bank reuses a key a few times. */
#define KEY_TAKEN_ROUNDS_MAX 64

/*
 * Two session tables: bank_lines_in, the lines as COPY gives them (wide,
 * written once), and bank_keys_in, one narrow row per line with its key
 * and state, which the rounds below rewrite (rewriting the wide rows made
 * an import of 100,000 entries three times slower: bench/README.md).
 */
static const char temp_table_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS bank_keys_in ("
	" seq bigint, line bigint, content char(64), key0 text, line_key text,"
	" attempt integer NOT NULL DEFAULT 0, state text NOT NULL DEFAULT 'pending');"
	"CREATE TEMP TABLE IF NOT EXISTS bank_lines_in ("
	" seq bigint, line bigint, base_key text,"
	" entry_index integer, tx_index integer, amount_minor bigint, currency char(3),"
	" own_amount_minor bigint, own_currency char(3), account_amount_from text,"
	" exchange_rate text, review text, side text, reversal boolean,"
	" status text, booking_date date, value_date date, bank_ref text, ntry_ref text,"
	" tx_ref text, end_to_end_id text, bank_tx_code text, remittance text,"
	" remittance_refs text, debtor_name text, creditor_name text, instructed_minor bigint,"
	" instructed_currency char(3), charges_minor bigint, charges_currency char(3),"
	" content_sha256 char(64))";

/* What the COPY gives for each line, after seq, line and base_key. */
#define DATA_COLUMNS \
	"entry_index, tx_index, amount_minor, currency, own_amount_minor, own_currency," \
	" account_amount_from, exchange_rate, review, side, reversal, status," \
	" booking_date, value_date, bank_ref, ntry_ref, tx_ref, end_to_end_id," \
	" bank_tx_code, remittance, remittance_refs, debtor_name, creditor_name," \
	" instructed_minor, instructed_currency, charges_minor, charges_currency," \
	" content_sha256"

/*
 * The columns of each statement whose rows are read, in the order of its
 * SELECT list, and the names the server gives them (common/db.h): the code
 * reads the enum, bank_statements_prepare checks the names once per
 * connection.
 */

/* camt_stmt_insert: the new statement's id (RETURNING id) */
enum { STMT_ID, STMT_INSERTED_NCOLS };
static const char *const stmt_inserted_cols[STMT_INSERTED_NCOLS] = {[STMT_ID] = "id"};

/* camt_stmt_find: the id, as camt_stmt_insert's, then the currency */
enum { STMT_CURRENCY = STMT_INSERTED_NCOLS, STMT_FOUND_NCOLS };
static const char *const stmt_found_cols[STMT_FOUND_NCOLS] = {[STMT_ID] = "id",
							       [STMT_CURRENCY] = "currency"};

/* camt_lines_taken: lines found stored (duplicates), lines whose key was
 * taken by a different line (moved on to the next key) */
enum { TAKEN_DUPLICATES, TAKEN_MOVED, TAKEN_NCOLS };
static const char *const taken_cols[TAKEN_NCOLS] = {[TAKEN_DUPLICATES] = "duplicates",
						     [TAKEN_MOVED] = "moved"};

/* camt_lines_clash: lines moved on because an earlier line of the
 * statement (a different one: the occurrence tells equal ones apart)
 * has their key */
enum { CLASH_MOVED, CLASH_NCOLS };
static const char *const clash_cols[CLASH_NCOLS] = {[CLASH_MOVED] = "moved"};

/* camt_lines_move: lines stored, and of them those under a key~n */
enum { MOVE_NEW, MOVE_COLLISIONS, MOVE_NCOLS };
static const char *const move_cols[MOVE_NCOLS] = {[MOVE_NEW] = "new_lines",
						  [MOVE_COLLISIONS] = "collisions"};

/* camt_lines_collided: where each line stored under a key~n is in the file */
enum { COLLIDED_LINE, COLLIDED_KEY, COLLIDED_NCOLS };
static const char *const collided_cols[COLLIDED_NCOLS] = {[COLLIDED_LINE] = "line",
							  [COLLIDED_KEY] = "line_key"};

static const struct db_stmt stmts[] = {
	{"camt_stmt_insert",
	 "INSERT INTO bank_statements (account, statement_id, currency, camt_version,"
	 " file_name, file_sha256, format) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	 " ON CONFLICT (account, statement_id) DO NOTHING RETURNING id", 7},
	{"camt_stmt_find",
	 "SELECT id, currency FROM bank_statements WHERE account = $1 AND statement_id = $2",
	 2},
	{"camt_stmt_finish",
	 "UPDATE bank_statements SET entries = $2, credits_minor = $3, debits_minor = $4,"
	 " opening_minor = $5, opening_date = $6, closing_minor = $7, closing_date = $8"
	 " WHERE id = $1", 8},
	/* the key: the base and the occurrence among the statement's lines
	 * with that base and that content (equal lines), in file order */
	{"camt_lines_key",
	 "INSERT INTO bank_keys_in (seq, line, content, key0, line_key)"
	 " SELECT seq, line, content_sha256, key, key"
	 " FROM (SELECT seq, line, content_sha256, bank_line_key(base_key, row_number() OVER"
	 " (PARTITION BY base_key, content_sha256 ORDER BY seq) - 1) AS key"
	 " FROM bank_lines_in) k", 0},
	/* one round: a line whose key is stored is a duplicate if the stored
	 * line has its fingerprint, else it moves on to key~(attempt + 1) */
	{"camt_lines_taken",
	 "WITH u AS (UPDATE bank_keys_in i SET"
	 " state = CASE WHEN b.content_sha256 = i.content THEN 'duplicate'"
	 " ELSE 'pending' END,"
	 " attempt = i.attempt + CASE WHEN b.content_sha256 = i.content THEN 0"
	 " ELSE 1 END,"
	 " line_key = CASE WHEN b.content_sha256 = i.content THEN i.line_key"
	 " ELSE i.key0 || '~' || (i.attempt + 1) END"
	 " FROM bank_lines b WHERE i.state = 'pending' AND b.account = $1"
	 " AND b.line_key = i.line_key RETURNING i.state)"
	 " SELECT count(*) FILTER (WHERE state = 'duplicate') AS duplicates,"
	 " count(*) FILTER (WHERE state = 'pending') AS moved FROM u", 1},
	/* one round: of the statement's lines with one key, the first keeps
	 * it, the n-th moves on n keys */
	{"camt_lines_clash",
	 "WITH d AS (SELECT seq, row_number() OVER (PARTITION BY line_key ORDER BY seq) - 1"
	 " AS later FROM bank_keys_in WHERE state = 'pending'),"
	 " u AS (UPDATE bank_keys_in i SET attempt = i.attempt + d.later,"
	 " line_key = i.key0 || '~' || (i.attempt + d.later)"
	 " FROM d WHERE d.seq = i.seq AND d.later > 0 RETURNING 1)"
	 " SELECT count(*) AS moved FROM u", 0},
	{"camt_lines_move",
	 "WITH ins AS (INSERT INTO bank_lines (statement, account, line_key, " DATA_COLUMNS ")"
	 " SELECT $1, $2, k.line_key, " DATA_COLUMNS " FROM bank_lines_in"
	 " JOIN bank_keys_in k USING (seq) WHERE k.state = 'pending' ORDER BY seq"
	 " ON CONFLICT (account, line_key) DO NOTHING RETURNING line_key)"
	 " SELECT count(*) AS new_lines, count(*) FILTER (WHERE line_key LIKE '%~%')"
	 " AS collisions FROM ins", 2},
	{"camt_lines_collided",
	 "SELECT line, line_key FROM bank_keys_in WHERE state = 'pending' AND attempt > 0"
	 " ORDER BY seq LIMIT $1", 1},
	{"camt_lines_clear", "TRUNCATE bank_lines_in, bank_keys_in", 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("camt_stmt_insert", stmt_inserted_cols),
	DB_COLUMNS("camt_stmt_find", stmt_found_cols),
	DB_COLUMNS("camt_lines_taken", taken_cols),
	DB_COLUMNS("camt_lines_clash", clash_cols),
	DB_COLUMNS("camt_lines_move", move_cols),
	DB_COLUMNS("camt_lines_collided", collided_cols),
};

struct import {
	PGconn *c;
	const char *path;     /* the file read (NULL: doc) */
	const char *name;     /* what messages and file_name call it */
	const char *doc;      /* NULL: read path */
	size_t doc_len;
	char sha256[HASH_HEX_BYTES];
	struct bank_statements_file *file;
	char stmt_db_id[24];
	bool stmt_created;
	bool copying;
	long seq;
	long lines_in_stmt;
	long review_in_stmt;
	char *buf;
	size_t len;
};

int bank_statements_prepare(PGconn *c)
{
	PGresult *r = PQdescribePrepared(c, "camt_lines_clear");
	bool ready = PQresultStatus(r) == PGRES_COMMAND_OK;
	int rc;

	PQclear(r);
	if (ready)
		return 0;
	rc = db_exec_sql(c, temp_table_sql);
	return rc < 0 ? rc : db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
				      sizeof(columns) / sizeof(columns[0]));
}

/* True if the line carries a reference of the bank or the payer
 * (NOTPROVIDED is what banks write for an end-to-end id there is not). */
static bool referenced(const struct bank_camt_line *l)
{
	return l->bank_ref[0] || l->tx_ref[0] ||
	       (l->end_to_end_id[0] && strcmp(l->end_to_end_id, "NOTPROVIDED") != 0);
}

int bank_statements_line_identity(char out_base[HASH_HEX_BYTES],
				  char out_content[HASH_HEX_BYTES], const char *account,
				  const struct bank_camt_line *l)
{
	char buf[LIMIT_CAMT_REMITTANCE_BYTES + 12 * LIMIT_CAMT_FIELD_BYTES];
	bool own = !referenced(l);
	int w, rc;

	ASSERT(l->own_currency[0]);
	w = snprintf(buf, sizeof(buf),
		     "line-1\x1f%s\x1f%s\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s"
		     "\x1f%s\x1f%s\x1f%s\x1f%s",
		     account, l->own_currency, (long long)l->own_amount_minor,
		     l->side == LEDGER_CAMT_CREDIT ? "credit" : "debit",
		     l->reversal ? "reversal" : "",
		     l->value_date[0] ? l->value_date : l->booking_date, l->bank_ref,
		     l->tx_ref, l->end_to_end_id, own ? l->remittance : "",
		     own ? l->remittance_refs : "", own ? l->debtor_name : "",
		     own ? l->creditor_name : "");
	ASSERT(w > 0 && (size_t)w < sizeof(buf));
	rc = hash_sha256_hex(out_base, buf, (size_t)w);
	if (rc < 0)
		return rc;
	w = snprintf(buf, sizeof(buf), "content-1\x1f%s\x1f%s\x1f%s\x1f%s", l->debtor_name,
		     l->creditor_name, l->remittance, l->remittance_refs);
	ASSERT(w > 0 && (size_t)w < sizeof(buf));
	return hash_sha256_hex(out_content, buf, (size_t)w);
}

static int copy_flush(struct import *im)
{
	if (im->len && PQputCopyData(im->c, im->buf, (int)im->len) != 1)
		return err_set(ERR_UNAVAILABLE, "COPY bank lines: %s", PQerrorMessage(im->c));
	im->len = 0;
	return 0;
}

/* Appends one COPY text field: \N for NULL or "", else escaped. */
static void field(struct import *im, const char *s, bool last)
{
	char *p = im->buf + im->len;

	if (!s || !*s) {
		memcpy(p, "\\N", 2);
		p += 2;
	}
	for (; s && *s; s++) {
		switch (*s) {
		case '\\': *p++ = '\\'; *p++ = '\\'; break;
		case '\n': *p++ = '\\'; *p++ = 'n'; break;
		case '\r': *p++ = '\\'; *p++ = 'r'; break;
		case '\t': *p++ = '\\'; *p++ = 't'; break;
		default: *p++ = *s;
		}
	}
	*p++ = last ? '\n' : '\t';
	im->len = (size_t)(p - im->buf);
}

static void field_int(struct import *im, long long v, bool present)
{
	char n[32];

	snprintf(n, sizeof(n), "%lld", v);
	field(im, present ? n : NULL, false);
}

static int on_begin(void *ctx, const struct bank_camt_statement *s)
{
	struct import *im = ctx;
	const char *version = bank_camt_version_name(s->version);
	const char *params[7] = {s->account, s->id, s->currency, version, im->name,
				 im->sha256, bank_format_name(s->format)};
	struct bank_statements_file *f = im->file;
	struct bank_statements_result *r;
	PGresult *res = NULL;
	int rc;

	r = realloc(f->stmts, (f->n + 1) * sizeof(*r));
	if (!r)
		return err_set(ERR_SYSTEM, "out of memory");
	f->stmts = r;
	r = &f->stmts[f->n++];
	memset(r, 0, sizeof(*r));
	memcpy(r->id, s->id, sizeof(r->id));
	memcpy(r->account, s->account, sizeof(r->account));
	memcpy(r->currency, s->currency, sizeof(r->currency));

	rc = db_exec(&res, im->c, "camt_stmt_insert", 7, params);
	if (rc < 0)
		return err_wrap(rc, "%s:%ld: Stmt", im->name, s->line);
	im->stmt_created = PQntuples(res) == 1;
	if (!im->stmt_created) {
		PQclear(res);
		rc = db_exec(&res, im->c, "camt_stmt_find", 2, params);
		if (rc < 0)
			return err_wrap(rc, "%s:%ld: Stmt", im->name, s->line);
		if (PQntuples(res) != 1 ||
		    strcmp(PQgetvalue(res, 0, STMT_CURRENCY), s->currency) != 0) {
			rc = err_set(ERR_CONFLICT,
				     "%s:%ld: Stmt/Id: statement '%s' of account "
				     "%s was imported before in %s, not %s",
				     im->name, s->line, s->id, s->account,
				     PQntuples(res) == 1 ? PQgetvalue(res, 0, STMT_CURRENCY) : "?",
				     s->currency);
			PQclear(res);
			return rc;
		}
	}
	snprintf(im->stmt_db_id, sizeof(im->stmt_db_id), "%s", PQgetvalue(res, 0, STMT_ID));
	PQclear(res);
	im->lines_in_stmt = 0;
	im->review_in_stmt = 0;
	res = PQexec(im->c, "COPY bank_lines_in (seq, line, base_key, " DATA_COLUMNS
		     ") FROM STDIN");
	rc = PQresultStatus(res) == PGRES_COPY_IN ? 0
	     : db_result_check(im->c, res, "COPY bank_lines_in");
	if (rc == 0 && PQresultStatus(res) != PGRES_COPY_IN)
		rc = err_set(ERR_INTERNAL, "COPY bank_lines_in did not start");
	PQclear(res);
	im->copying = rc == 0;
	return rc;
}

static int on_line(void *ctx, const struct bank_camt_statement *s,
		   const struct bank_camt_line *l)
{
	struct import *im = ctx;
	char base[HASH_HEX_BYTES], content[HASH_HEX_BYTES];
	int rc = bank_statements_line_identity(base, content, s->account, l);

	if (rc < 0)
		return rc;
	if (im->len + ROW_MAX_BYTES > COPY_BUF_BYTES && (rc = copy_flush(im)) < 0)
		return rc;
	field_int(im, im->seq++, true);
	field_int(im, l->line, true);
	field(im, base, false);
	field_int(im, l->entry_index, true);
	field_int(im, l->tx_index, true);
	field_int(im, l->amount_minor, true);
	field(im, l->currency, false);
	field_int(im, l->own_amount_minor, true);
	field(im, l->own_currency, false);
	field(im, l->account_amount_from, false);
	field(im, l->exchange_rate, false);
	field(im, l->review, false);
	field(im, l->side == LEDGER_CAMT_CREDIT ? "credit" : "debit", false);
	field(im, l->reversal ? "t" : "f", false);
	field(im, l->status, false);
	field(im, l->booking_date, false);
	field(im, l->value_date, false);
	field(im, l->bank_ref, false);
	field(im, l->ntry_ref, false);
	field(im, l->tx_ref, false);
	field(im, l->end_to_end_id, false);
	field(im, l->bank_tx_code, false);
	field(im, l->remittance, false);
	field(im, l->remittance_refs, false);
	field(im, l->debtor_name, false);
	field(im, l->creditor_name, false);
	field_int(im, l->instructed_minor, l->has_instructed);
	field(im, l->has_instructed ? l->instructed_currency : NULL, false);
	field_int(im, l->charges_minor, l->has_charges);
	field(im, l->has_charges ? l->charges_currency : NULL, false);
	field(im, content, true);
	im->lines_in_stmt++;
	im->review_in_stmt += l->review[0] != '\0';
	return 0;
}

static int copy_end(struct import *im, const char *abort_msg)
{
	PGresult *res;
	int rc = abort_msg ? 0 : copy_flush(im);

	im->copying = false;
	im->len = 0;
	if (PQputCopyEnd(im->c, rc < 0 ? "flush failed" : abort_msg) != 1 && rc == 0)
		rc = err_set(ERR_UNAVAILABLE, "COPY bank lines: %s", PQerrorMessage(im->c));
	while ((res = PQgetResult(im->c)) != NULL) {
		int rc1 = abort_msg ? 0 : db_result_check(im->c, res, "COPY bank_lines_in");

		if (rc == 0)
			rc = rc1;
		PQclear(res);
	}
	return rc;
}

/* Reads the first count of a one-row result. */
static long count_at(const PGresult *res, int col)
{
	return atol(PQgetvalue(res, 0, col));
}

/* Warns for each line (up to the per-kind limit) stored under a key~n. */
static int warn_collisions(struct import *im, long collisions)
{
	char limit[24];
	const char *params[1] = {limit};
	PGresult *res = NULL;
	int rc;

	snprintf(limit, sizeof(limit), "%d", LIMIT_CAMT_WARNINGS_PER_KIND);
	rc = db_exec(&res, im->c, "camt_lines_collided", 1, params);
	if (rc < 0)
		return rc;
	for (int i = 0; i < PQntuples(res); i++) {
		char at[LIMIT_PATH_BYTES + 32];

		snprintf(at, sizeof(at), "%s:%s", im->name, PQgetvalue(res, i, COLLIDED_LINE));
		char what[LIMIT_CAMT_FIELD_BYTES + 16];

		snprintf(what, sizeof(what), "key %s", PQgetvalue(res, i, COLLIDED_KEY));
		log_warn("bank line stored under another key: a different line has its key",
			 "at", at, "kind", "key-collision", "key",
			 PQgetvalue(res, i, COLLIDED_KEY), NULL);
		bank_deviations_keep("bank line stored under another key: a different line has "
				     "its key", at, "", "key-collision", what);
	}
	PQclear(res);
	im->file->summary.warnings += collisions;
	return 0;
}

/*
 * Finishes the keys of the statement's lines in bank_lines_in, settles
 * which are duplicates and which move on to key~n, and stores the rest.
 * Each round, a line whose key is stored is a duplicate if the stored line
 * has its content, else it moves on to the next key; of the statement's
 * lines left with one key the first keeps it and the others move on. The
 * rounds end when no line moved: every key left is free and unique.
 */
static int store_lines(struct import *im, struct bank_statements_result *r,
		       const struct bank_camt_statement *s)
{
	const char *move[2] = {im->stmt_db_id, s->account};
	const char *account[1] = {s->account};
	PGresult *res = NULL;
	long moved = 1;
	int rc = db_exec(NULL, im->c, "camt_lines_key", 0, NULL);

	for (int round = 0; rc == 0 && moved > 0; round++) {
		if (round == KEY_TAKEN_ROUNDS_MAX)
			return err_set(ERR_LIMIT, "more than %d different lines of account %s "
				       "share one key", KEY_TAKEN_ROUNDS_MAX, s->account);
		rc = db_exec(&res, im->c, "camt_lines_taken", 1, account);
		if (rc == 0)
			moved = count_at(res, TAKEN_MOVED);
		PQclear(res);
		res = NULL;
		if (rc == 0)
			rc = db_exec(&res, im->c, "camt_lines_clash", 0, NULL);
		if (rc == 0)
			moved += count_at(res, CLASH_MOVED);
		PQclear(res);
		res = NULL;
	}
	if (rc == 0)
		rc = db_exec(&res, im->c, "camt_lines_move", 2, move);
	if (rc < 0)
		return rc;
	r->new_lines = count_at(res, MOVE_NEW);
	r->collisions = count_at(res, MOVE_COLLISIONS);
	r->duplicates = im->lines_in_stmt - r->new_lines;
	r->review = im->review_in_stmt;
	PQclear(res);
	if (r->collisions > 0 && (rc = warn_collisions(im, r->collisions)) < 0)
		return rc;
	return db_exec(NULL, im->c, "camt_lines_clear", 0, NULL);
}

static int on_end(void *ctx, const struct bank_camt_statement *s)
{
	struct import *im = ctx;
	struct bank_statements_result *r = &im->file->stmts[im->file->n - 1];
	char entries[24], credits[24], debits[24], opening[24], closing[24];
	const char *finish[8] = {im->stmt_db_id, entries, credits, debits,
				 s->has_opening ? opening : NULL,
				 s->has_opening && s->opening_date[0] ? s->opening_date : NULL,
				 s->has_closing ? closing : NULL,
				 s->has_closing && s->closing_date[0] ? s->closing_date : NULL};
	int rc = copy_end(im, NULL);

	if (rc == 0)
		rc = store_lines(im, r, s);
	if (rc < 0)
		return err_wrap(rc, "%s:%ld: Stmt", im->name, s->line);
	r->entries = s->entries;
	r->credits_minor = s->credits_minor;
	r->debits_minor = s->debits_minor;
	if (im->stmt_created) {
		snprintf(entries, sizeof(entries), "%ld", s->entries);
		snprintf(credits, sizeof(credits), "%lld", (long long)s->credits_minor);
		snprintf(debits, sizeof(debits), "%lld", (long long)s->debits_minor);
		snprintf(opening, sizeof(opening), "%lld", (long long)s->opening_minor);
		snprintf(closing, sizeof(closing), "%lld", (long long)s->closing_minor);
		rc = db_exec(NULL, im->c, "camt_stmt_finish", 8, finish);
	}
	return rc;
}

static int import_tx(PGconn *c, void *ctx)
{
	static const struct bank_camt_handler none;
	struct import *im = ctx;
	struct bank_camt_handler h = none;
	int rc;

	(void)c;
	im->file->n = 0;
	im->seq = 0;
	im->len = 0;
	h.statement_begin = on_begin;
	h.line = on_line;
	h.statement_end = on_end;
	h.ctx = im;
	rc = db_exec(NULL, im->c, "camt_lines_clear", 0, NULL);
	/* the keys' window and the move's ORDER BY sort a statement's lines:
	 * in memory, not in temporary files (LIMIT_CAMT_SORT_MEMORY) */
	if (rc == 0)
		rc = db_exec_sql(im->c, "SET LOCAL work_mem = '" LIMIT_CAMT_SORT_MEMORY "'");
	if (rc == 0)
		rc = im->doc ? bank_read_memory(&im->file->summary, im->doc, im->doc_len,
						     im->name, &h)
			     : bank_read_named(&im->file->summary, im->path, im->name, &h);
	if (im->copying)
		(void)copy_end(im, "import failed");
	return rc;
}

/* Imports the file at path, or (path NULL) the doc_len bytes at doc;
 * messages and file_name call it name. */
static int import_any(struct bank_statements_file **out, PGconn *c, const char *path,
		      const char *name, const char *doc, size_t doc_len)
{
	struct import im = {.c = c, .path = path, .name = name, .doc = doc, .doc_len = doc_len};
	struct stat st;
	int rc;

	*out = NULL;
	im.file = calloc(1, sizeof(*im.file));
	im.buf = malloc(COPY_BUF_BYTES);
	if (!im.file || !im.buf) {
		rc = err_set(ERR_SYSTEM, "out of memory");
		goto cleanup;
	}
	/* the reader checks the size too; hashing must not read a huge file first */
	if ((path && stat(path, &st) == 0 && st.st_size > LIMIT_CAMT_BYTES) ||
	    (!path && doc_len > LIMIT_CAMT_BYTES)) {
		rc = err_set(ERR_LIMIT, "%s: larger than %lld bytes (LIMIT_CAMT_BYTES)",
			     name, (long long)LIMIT_CAMT_BYTES);
		goto cleanup;
	}
	rc = path ? hash_file_sha256_hex(im.sha256, path) : hash_sha256_hex(im.sha256, doc, doc_len);
	if (rc < 0) {
		rc = err_wrap(ERR_INVALID, "%s", name);
		goto cleanup;
	}
	rc = db_tx(c, DB_READ_COMMITTED, import_tx, &im);
	if (rc < 0)
		goto cleanup;
	*out = im.file;
	im.file = NULL;
cleanup:
	bank_statements_file_free(im.file);
	free(im.buf);
	return rc;
}

int bank_statements_import(struct bank_statements_file **out, PGconn *c,
			   const char *path)
{
	return import_any(out, c, path, path, NULL, 0);
}

int bank_statements_import_named(struct bank_statements_file **out, PGconn *c,
				 const char *path, const char *name)
{
	return import_any(out, c, path, name, NULL, 0);
}

int bank_statements_import_memory(struct bank_statements_file **out, PGconn *c,
				  const char *doc, size_t len, const char *name)
{
	return import_any(out, c, NULL, name, doc ? doc : "", len);
}

void bank_statements_file_free(struct bank_statements_file *f)
{
	if (!f)
		return;
	free(f->stmts);
	free(f);
}
