/*
 * statements.c - camt.053 files into bank_statements and bank_lines
 * (migrations/0010_bank_statements.sql), see statements.h.
 *
 * A file is one transaction. Its lines are streamed with COPY into a
 * session temporary table while bank/camt.c reads them, and moved into
 * bank_lines at each </Stmt> with INSERT ... ON CONFLICT DO NOTHING, which
 * tells new lines from duplicates. Memory holds one COPY buffer and, for
 * lines without a bank reference, one hash per such line of the current
 * statement (the occurrence count of the fallback key).
 */
#include "bank/statements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/db.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/money.h"

#define COPY_BUF_BYTES (256 * 1024)
#define ROW_MAX_BYTES (32 * 1024) /* a row escapes to well under this */

static const char temp_table_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS bank_lines_in ("
	" seq bigint, line_key text, entry_index integer, tx_index integer,"
	" amount_minor bigint, currency char(3), side text, reversal boolean,"
	" status text, booking_date date, value_date date, bank_ref text,"
	" tx_ref text, end_to_end_id text, remittance text, remittance_refs text,"
	" debtor_name text, creditor_name text, instructed_minor bigint,"
	" instructed_currency char(3), charges_minor bigint, charges_currency char(3))";

#define LINE_COLUMNS \
	"line_key, entry_index, tx_index, amount_minor, currency, side, reversal," \
	" status, booking_date, value_date, bank_ref, tx_ref, end_to_end_id," \
	" remittance, remittance_refs, debtor_name, creditor_name, instructed_minor," \
	" instructed_currency, charges_minor, charges_currency"

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

static const struct db_stmt stmts[] = {
	{"camt_stmt_insert",
	 "INSERT INTO bank_statements (account, statement_id, currency, camt_version,"
	 " file_name, file_sha256) VALUES ($1, $2, $3, $4, $5, $6)"
	 " ON CONFLICT (account, statement_id) DO NOTHING RETURNING id", 6},
	{"camt_stmt_find",
	 "SELECT id, currency FROM bank_statements WHERE account = $1 AND statement_id = $2",
	 2},
	{"camt_stmt_finish",
	 "UPDATE bank_statements SET entries = $2, credits_minor = $3, debits_minor = $4,"
	 " opening_minor = $5, opening_date = $6, closing_minor = $7, closing_date = $8"
	 " WHERE id = $1", 8},
	{"camt_lines_move",
	 "INSERT INTO bank_lines (statement, account, " LINE_COLUMNS ")"
	 " SELECT $1, $2, " LINE_COLUMNS " FROM bank_lines_in ORDER BY seq"
	 " ON CONFLICT (account, line_key) DO NOTHING", 2},
	{"camt_lines_clear", "DELETE FROM bank_lines_in", 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("camt_stmt_insert", stmt_inserted_cols),
	DB_COLUMNS("camt_stmt_find", stmt_found_cols),
};

/* Occurrences of each fallback base hash within one statement. */
struct occurrence {
	char hex[HASH_HEX_BYTES];
	long count;
};

struct import {
	PGconn *c;
	const char *path;     /* the file, or the name of buf in messages */
	const char *doc;      /* NULL: read path */
	size_t doc_len;
	char sha256[HASH_HEX_BYTES];
	struct bank_statements_file *file;
	char stmt_db_id[24];
	bool stmt_created;
	bool copying;
	long seq;
	long lines_in_stmt;
	char *buf;
	size_t len;
	struct occurrence *occ;
	size_t occ_n, occ_cap;
};

int bank_statements_prepare(PGconn *c)
{
	int rc = db_exec_sql(c, temp_table_sql);

	return rc < 0 ? rc : db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
				      sizeof(columns) / sizeof(columns[0]));
}

/* The count of earlier lines with this base hash (0 the first time). */
static int occurrence(long *out, struct import *im, const char *hex)
{
	size_t i;

	if (im->occ_n * 2 >= im->occ_cap) {
		size_t cap = im->occ_cap ? im->occ_cap * 2 : 64;
		struct occurrence *t = calloc(cap, sizeof(*t));

		if (!t)
			return err_set(ERR_SYSTEM, "out of memory");
		for (size_t j = 0; j < im->occ_cap; j++) {
			if (!im->occ[j].hex[0])
				continue;
			i = strtoul(im->occ[j].hex + 48, NULL, 16) % cap;
			while (t[i].hex[0])
				i = (i + 1) % cap;
			t[i] = im->occ[j];
		}
		free(im->occ);
		im->occ = t;
		im->occ_cap = cap;
	}
	i = strtoul(hex + 48, NULL, 16) % im->occ_cap;
	while (im->occ[i].hex[0] && strcmp(im->occ[i].hex, hex) != 0)
		i = (i + 1) % im->occ_cap;
	if (!im->occ[i].hex[0]) {
		memcpy(im->occ[i].hex, hex, HASH_HEX_BYTES);
		im->occ_n++;
	}
	*out = im->occ[i].count++;
	return 0;
}

/*
 * The line key (docs/bank-statements.md): "ref:" AcctSvcrRef ["/" tx_index],
 * else "txref:" TxDtls/Refs/AcctSvcrRef, else "sha256:" of the fields that
 * tell a payment apart and its occurrence among identical ones.
 */
static int line_key(char *out, size_t size, struct import *im,
		    const struct bank_camt_statement *s,
		    const struct bank_camt_line *l)
{
	char base[LIMIT_CAMT_REMITTANCE_BYTES + 8 * LIMIT_CAMT_FIELD_BYTES];
	char hex[HASH_HEX_BYTES];
	long n = 0;
	int rc, w;

	if (l->bank_ref[0]) {
		if (l->tx_index)
			snprintf(out, size, "ref:%s/%d", l->bank_ref, l->tx_index);
		else
			snprintf(out, size, "ref:%s", l->bank_ref);
		return 0;
	}
	if (l->tx_ref[0]) {
		snprintf(out, size, "txref:%s", l->tx_ref);
		return 0;
	}
	w = snprintf(base, sizeof(base), "%s\x1f%s\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
		     s->account, l->booking_date[0] ? l->booking_date : l->value_date,
		     (long long)l->amount_minor,
		     l->side == LEDGER_CAMT_CREDIT ? "credit" : "debit", s->currency,
		     l->end_to_end_id, l->remittance, l->remittance_refs);
	ASSERT(w > 0 && (size_t)w < sizeof(base));
	rc = hash_sha256_hex(hex, base, (size_t)w);
	if (rc == 0)
		rc = occurrence(&n, im, hex);
	if (rc < 0)
		return rc;
	w = snprintf(base, sizeof(base), "%s\x1f%ld", hex, n);
	rc = hash_sha256_hex(hex, base, (size_t)w);
	if (rc < 0)
		return rc;
	snprintf(out, size, "sha256:%s", hex);
	return 0;
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
	const char *params[6] = {s->account, s->id, s->currency, version, im->path,
				 im->sha256};
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

	rc = db_exec(&res, im->c, "camt_stmt_insert", 6, params);
	if (rc < 0)
		return err_wrap(rc, "%s:%ld: Stmt", im->path, s->line);
	im->stmt_created = PQntuples(res) == 1;
	if (!im->stmt_created) {
		PQclear(res);
		rc = db_exec(&res, im->c, "camt_stmt_find", 2, params);
		if (rc < 0)
			return err_wrap(rc, "%s:%ld: Stmt", im->path, s->line);
		if (PQntuples(res) != 1 ||
		    strcmp(PQgetvalue(res, 0, STMT_CURRENCY), s->currency) != 0) {
			rc = err_set(ERR_CONFLICT,
				     "%s:%ld: Stmt/Id: statement '%s' of account "
				     "%s was imported before in %s, not %s",
				     im->path, s->line, s->id, s->account,
				     PQntuples(res) == 1 ? PQgetvalue(res, 0, STMT_CURRENCY) : "?",
				     s->currency);
			PQclear(res);
			return rc;
		}
	}
	snprintf(im->stmt_db_id, sizeof(im->stmt_db_id), "%s", PQgetvalue(res, 0, STMT_ID));
	PQclear(res);
	im->lines_in_stmt = 0;
	im->occ_n = 0;
	if (im->occ)
		memset(im->occ, 0, im->occ_cap * sizeof(*im->occ));
	res = PQexec(im->c, "COPY bank_lines_in (seq, " LINE_COLUMNS ") FROM STDIN");
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
	char key[LIMIT_CAMT_FIELD_BYTES + 32];
	int rc = line_key(key, sizeof(key), im, s, l);

	if (rc < 0)
		return rc;
	if (im->len + ROW_MAX_BYTES > COPY_BUF_BYTES && (rc = copy_flush(im)) < 0)
		return rc;
	field_int(im, im->seq++, true);
	field(im, key, false);
	field_int(im, l->entry_index, true);
	field_int(im, l->tx_index, true);
	field_int(im, l->amount_minor, true);
	field(im, s->currency, false);
	field(im, l->side == LEDGER_CAMT_CREDIT ? "credit" : "debit", false);
	field(im, l->reversal ? "t" : "f", false);
	field(im, l->status, false);
	field(im, l->booking_date, false);
	field(im, l->value_date, false);
	field(im, l->bank_ref, false);
	field(im, l->tx_ref, false);
	field(im, l->end_to_end_id, false);
	field(im, l->remittance, false);
	field(im, l->remittance_refs, false);
	field(im, l->debtor_name, false);
	field(im, l->creditor_name, false);
	field_int(im, l->instructed_minor, l->has_instructed);
	field(im, l->has_instructed ? l->instructed_currency : NULL, false);
	field_int(im, l->charges_minor, l->has_charges);
	field(im, l->has_charges ? l->charges_currency : NULL, true);
	im->lines_in_stmt++;
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

static int on_end(void *ctx, const struct bank_camt_statement *s)
{
	struct import *im = ctx;
	struct bank_statements_result *r = &im->file->stmts[im->file->n - 1];
	char entries[24], credits[24], debits[24], opening[24], closing[24];
	const char *move[2] = {im->stmt_db_id, s->account};
	const char *finish[8] = {im->stmt_db_id, entries, credits, debits,
				 s->has_opening ? opening : NULL,
				 s->has_opening && s->opening_date[0] ? s->opening_date : NULL,
				 s->has_closing ? closing : NULL,
				 s->has_closing && s->closing_date[0] ? s->closing_date : NULL};
	PGresult *res = NULL;
	int rc = copy_end(im, NULL);

	if (rc == 0)
		rc = db_exec(&res, im->c, "camt_lines_move", 2, move);
	if (rc < 0)
		return err_wrap(rc, "%s:%ld: Stmt", im->path, s->line);
	r->entries = s->entries;
	r->credits_minor = s->credits_minor;
	r->debits_minor = s->debits_minor;
	r->new_lines = atol(PQcmdTuples(res));
	r->duplicates = im->lines_in_stmt - r->new_lines;
	PQclear(res);
	rc = db_exec(NULL, im->c, "camt_lines_clear", 0, NULL);
	if (rc == 0 && im->stmt_created) {
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
	if (rc == 0)
		rc = im->doc ? bank_camt_read_memory(&im->file->summary, im->doc, im->doc_len,
						     im->path, &h)
			     : bank_camt_read(&im->file->summary, im->path, &h);
	if (im->copying)
		(void)copy_end(im, "import failed");
	return rc;
}

/* Imports path, or (doc not NULL) the doc_len bytes at doc named path. */
static int import_any(struct bank_statements_file **out, PGconn *c, const char *path,
		      const char *doc, size_t doc_len)
{
	struct import im = {.c = c, .path = path, .doc = doc, .doc_len = doc_len};
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
	if ((!doc && stat(path, &st) == 0 && st.st_size > LIMIT_CAMT_BYTES) ||
	    (doc && doc_len > LIMIT_CAMT_BYTES)) {
		rc = err_set(ERR_LIMIT, "%s: larger than %lld bytes (LIMIT_CAMT_BYTES)",
			     path, (long long)LIMIT_CAMT_BYTES);
		goto cleanup;
	}
	rc = doc ? hash_sha256_hex(im.sha256, doc, doc_len) : hash_file_sha256_hex(im.sha256, path);
	if (rc < 0) {
		rc = err_wrap(ERR_INVALID, "%s", path);
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
	free(im.occ);
	return rc;
}

int bank_statements_import(struct bank_statements_file **out, PGconn *c,
			   const char *path)
{
	return import_any(out, c, path, NULL, 0);
}

int bank_statements_import_memory(struct bank_statements_file **out, PGconn *c,
				  const char *doc, size_t len, const char *name)
{
	return import_any(out, c, name, doc, len);
}

void bank_statements_file_free(struct bank_statements_file *f)
{
	if (!f)
		return;
	free(f->stmts);
	free(f);
}
