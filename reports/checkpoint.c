/*
 * checkpoint.c - signed journal checkpoints (checkpoint.h): issued and
 * stored by tfledgerd, read and checked offline by the CLI.
 *
 * A checkpoint is issued inside one transaction (db_tx, joining the
 * caller's: the close of a month issues it inside its own): the head and
 * the time it states are read in that transaction, the document is signed
 * and validated before the INSERT, and its audit row goes with it. Nothing
 * here changes the journal.
 */
#include "reports/checkpoint.h"

#include <inttypes.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/xml.h"
#include "reports/writer.h"
#include "config.h"

#define X(s) BAD_CAST(s)
#define XSD "reports/schemas/checkpoint.xsd"

/* cp_head */
enum { HEAD_SEQUENCE, HEAD_HASH, HEAD_FUND, HEAD_AT, HEAD_NCOLS };
static const char *const head_cols[HEAD_NCOLS] = {
	[HEAD_SEQUENCE] = "sequence", [HEAD_HASH] = "hash", [HEAD_FUND] = "fund",
	[HEAD_AT] = "at"};

/* cp_insert */
enum { INS_ID, INS_NCOLS };
static const char *const ins_cols[INS_NCOLS] = {[INS_ID] = "id"};

/* cp_list, cp_one: one checkpoint's row */
enum { CP_ID, CP_SEQUENCE, CP_HEAD_HASH, CP_AT, CP_REASON, CP_MONTH, CP_CREATED_BY, CP_KEY_ID,
       CP_NCOLS };
static const char *const cp_cols[CP_NCOLS] = {
	[CP_ID] = "id", [CP_SEQUENCE] = "sequence", [CP_HEAD_HASH] = "head_hash",
	[CP_AT] = "at", [CP_REASON] = "reason", [CP_MONTH] = "month",
	[CP_CREATED_BY] = "created_by", [CP_KEY_ID] = "key_id"};

/* cp_journal_head: the latest checkpoint's row as cp_cols (NULLs when there
 * is none), then the journal's head and whether the checkpoint holds */
enum { JH_HEAD_SEQUENCE = CP_NCOLS, JH_HEAD, JH_HOLDS, JH_NCOLS };
static const char *const jh_cols[JH_NCOLS] = {
	[CP_ID] = "id", [CP_SEQUENCE] = "sequence", [CP_HEAD_HASH] = "head_hash",
	[CP_AT] = "at", [CP_REASON] = "reason", [CP_MONTH] = "month",
	[CP_CREATED_BY] = "created_by", [CP_KEY_ID] = "key_id",
	[JH_HEAD_SEQUENCE] = "head_sequence", [JH_HEAD] = "head", [JH_HOLDS] = "holds"};

/* cp_document */
enum { DOC_DOCUMENT, DOC_NCOLS };
static const char *const doc_cols[DOC_NCOLS] = {[DOC_DOCUMENT] = "document"};

#define CP_SELECT                                                                   \
	"SELECT id, sequence, head_hash,"                                           \
	" to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at,"  \
	" reason, to_char(month, 'YYYY-MM') AS month, created_by, key_id"           \
	" FROM journal_checkpoints"

static const struct db_stmt stmts[] = {
	/* the head and the time, in the issuing transaction; the time is the
	 * transaction's, truncated to the second the document states */
	{"cp_head",
	 "SELECT h.sequence, h.hash,"
	 " COALESCE((SELECT value FROM settings WHERE key = 'fund.id'), '') AS fund,"
	 " to_char(date_trunc('second', now()) AT TIME ZONE 'UTC',"
	 "   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at"
	 " FROM ledger_head h", 0},
	{"cp_insert",
	 "INSERT INTO journal_checkpoints"
	 " (sequence, head_hash, at, reason, month, created_by, key_id, document)"
	 " VALUES ($1::bigint, $2, $3::timestamptz, $4, $5::date, $6, $7, $8) RETURNING id", 8},
	{"cp_list", CP_SELECT " WHERE id > $1::bigint ORDER BY id LIMIT $2::int", 2},
	{"cp_one", CP_SELECT " WHERE id = $1::bigint", 1},
	{"cp_document", "SELECT document FROM journal_checkpoints WHERE id = $1::bigint", 1},
	/* three index lookups whatever the journal's size: the head row, the
	 * newest checkpoint (its primary key, backwards), and the entry at the
	 * checkpoint's sequence (entries_sequence_key) */
	{"cp_journal_head",
	 "SELECT c.id, c.sequence, c.head_hash,"
	 " to_char(c.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at,"
	 " c.reason, to_char(c.month, 'YYYY-MM') AS month, c.created_by, c.key_id,"
	 " h.sequence AS head_sequence, h.hash AS head,"
	 " CASE WHEN c.sequence = 0 THEN true ELSE e.hash IS NOT NULL AND e.hash = c.head_hash"
	 " END AS holds"
	 " FROM ledger_head h"
	 " LEFT JOIN LATERAL (SELECT * FROM journal_checkpoints ORDER BY id DESC LIMIT 1) c ON true"
	 " LEFT JOIN entries e ON e.sequence = c.sequence", 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("cp_head", head_cols),   DB_COLUMNS("cp_insert", ins_cols),
	DB_COLUMNS("cp_list", cp_cols),     DB_COLUMNS("cp_one", cp_cols),
	DB_COLUMNS("cp_document", doc_cols), DB_COLUMNS("cp_journal_head", jh_cols),
};

int reports_checkpoint_setup(PGconn *c)
{
	return db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
			sizeof(columns) / sizeof(columns[0]));
}

/* Row i of a cp_list/cp_one result as JSON (a new reference, NULL if out of memory). */
static json_t *row_json(const PGresult *r, int i)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s}", "id",
			 (json_int_t)strtoll(PQgetvalue(r, i, CP_ID), NULL, 10), "sequence",
			 (json_int_t)strtoll(PQgetvalue(r, i, CP_SEQUENCE), NULL, 10),
			 "head_hash", PQgetvalue(r, i, CP_HEAD_HASH), "at",
			 PQgetvalue(r, i, CP_AT), "reason", PQgetvalue(r, i, CP_REASON), "month",
			 PQgetisnull(r, i, CP_MONTH) ? json_null()
						     : json_string(PQgetvalue(r, i, CP_MONTH)),
			 "created_by", PQgetvalue(r, i, CP_CREATED_BY), "key_id",
			 PQgetvalue(r, i, CP_KEY_ID));
}

/* --- the document --------------------------------------------------------------- */

/* <name>text</name> under parent; 0 or ERR_INTERNAL. */
static int add(xmlNodePtr parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, X(name), X(text)) ? 0
							       : err_set(ERR_INTERNAL, "out of memory");
}

/* A new unsigned document stating cp (*out, free with xmlFreeDoc). */
static int build(xmlDocPtr *out, const struct reports_checkpoint *cp)
{
	xmlDocPtr doc = xmlNewDoc(X("1.0"));
	xmlNodePtr root = doc ? xmlNewNode(NULL, X("journal-checkpoint")) : NULL;
	char seq[24];
	int rc;

	*out = NULL;
	if (!root || !xmlNewNs(root, X(REPORTS_NS), NULL)) {
		xmlFreeNode(root);
		xmlFreeDoc(doc);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	xmlSetNs(root, root->nsDef);
	xmlDocSetRootElement(doc, root);
	snprintf(seq, sizeof(seq), "%" PRId64, cp->sequence);
	if ((rc = add(root, "fund", cp->fund)) < 0 || (rc = add(root, "sequence", seq)) < 0 ||
	    (rc = add(root, "head-hash", cp->head_hash)) < 0 || (rc = add(root, "at", cp->at)) < 0 ||
	    (rc = add(root, "reason", cp->reason)) < 0 ||
	    (cp->month[0] && (rc = add(root, "month", cp->month)) < 0) ||
	    (rc = add(root, "program-version", PACKAGE_VERSION)) < 0) {
		xmlFreeDoc(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

static int validate(xmlDocPtr doc, const char *name)
{
	char xsd[LIMIT_PATH_BYTES];
	int rc = cfg_data_path(xsd, sizeof(xsd), XSD);

	return rc < 0 ? rc : xml_validate(doc, xsd, name);
}

/* --- issuing ------------------------------------------------------------------- */

struct issue {
	const struct reports_signer *s;
	const struct ledger_actor *who;
	const char *reason, *month;
	json_t *out;
};

static int issue_tx(PGconn *c, void *ctx)
{
	struct issue *t = ctx;
	struct reports_checkpoint cp = {0};
	char month_day[11], id[24];
	PGresult *r = NULL, *ins = NULL, *row = NULL;
	xmlDocPtr doc = NULL;
	xmlChar *text = NULL;
	int len = 0, rc;

	json_decref(t->out);
	t->out = NULL;
	if ((rc = db_exec(&r, c, "cp_head", 0, NULL)) < 0)
		goto cleanup;
	cp.sequence = strtoll(PQgetvalue(r, 0, HEAD_SEQUENCE), NULL, 10);
	snprintf(cp.head_hash, sizeof(cp.head_hash), "%s", PQgetvalue(r, 0, HEAD_HASH));
	snprintf(cp.fund, sizeof(cp.fund), "%s", PQgetvalue(r, 0, HEAD_FUND));
	snprintf(cp.at, sizeof(cp.at), "%s", PQgetvalue(r, 0, HEAD_AT));
	snprintf(cp.reason, sizeof(cp.reason), "%s", t->reason);
	snprintf(cp.month, sizeof(cp.month), "%s", t->month ? t->month : "");
	snprintf(month_day, sizeof(month_day), "%s-01", cp.month);
	if ((rc = build(&doc, &cp)) < 0 || (rc = reports_sign_doc(t->s, doc, "checkpoint")) < 0)
		goto cleanup;
	if ((rc = validate(doc, "checkpoint")) < 0) {
		rc = err_set(ERR_INTERNAL, "the checkpoint does not match its schema: %s",
			     err_last());
		goto cleanup;
	}
	xmlDocDumpMemoryEnc(doc, &text, &len, "UTF-8");
	if (!text) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	{
		char seq[24];
		const char *p[8] = {seq, cp.head_hash, cp.at, cp.reason,
				    cp.month[0] ? month_day : NULL, ledger_actor_user(t->who),
				    reports_signer_key_id(t->s), (const char *)text};

		snprintf(seq, sizeof(seq), "%" PRId64, cp.sequence);
		if ((rc = db_exec(&ins, c, "cp_insert", 8, p)) < 0)
			goto cleanup;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(ins, 0, INS_ID));
	if ((rc = ledger_audit(c, t->who, "checkpoint.create", id)) < 0 ||
	    (rc = db_exec(&row, c, "cp_one", 1, (const char *const[]){id})) < 0)
		goto cleanup;
	if (!(t->out = row_json(row, 0)))
		rc = err_set(ERR_INTERNAL, "out of memory");
cleanup:
	xmlFree(text);
	xmlFreeDoc(doc);
	PQclear(r);
	PQclear(ins);
	PQclear(row);
	return rc;
}

static bool month_valid(const char *m)
{
	char day[11];

	if (strlen(m) != 7)
		return false;
	snprintf(day, sizeof(day), "%s-01", m);
	return date_valid(day);
}

int reports_checkpoint_issue(json_t **out, PGconn *c, const struct reports_signer *s,
			     const struct ledger_actor *who, const char *reason,
			     const char *month)
{
	struct issue t = {s, who, reason, month, NULL};
	int rc;

	*out = NULL;
	if (!reason || (strcmp(reason, "request") != 0 && strcmp(reason, "close") != 0))
		return err_set(ERR_INVALID, "reason: 'request' or 'close'");
	if (month && !month_valid(month))
		return err_set(ERR_INVALID, "month: YYYY-MM, got '%.16s'", month);
	rc = db_tx(c, DB_READ_COMMITTED, issue_tx, &t);
	if (rc < 0) {
		json_decref(t.out);
		return rc;
	}
	*out = t.out;
	return 0;
}

int reports_checkpoints_list(json_t **out, PGconn *c, int64_t after, int limit)
{
	char a[24], l[16];
	PGresult *r = NULL;
	json_t *arr = NULL;
	int n, rc;

	*out = NULL;
	if (limit < 1 || limit > REPORTS_CHECKPOINTS_PAGE_MAX)
		return err_set(ERR_INVALID, "limit: 1 to %d", REPORTS_CHECKPOINTS_PAGE_MAX);
	snprintf(a, sizeof(a), "%" PRId64, after);
	snprintf(l, sizeof(l), "%d", limit);
	if ((rc = db_exec(&r, c, "cp_list", 2, (const char *const[]){a, l})) < 0)
		return rc;
	n = PQntuples(r);
	if (!(arr = json_array())) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	for (int i = 0; i < n; i++)
		if (json_array_append_new(arr, row_json(r, i)) < 0) {
			rc = err_set(ERR_INTERNAL, "out of memory");
			goto cleanup;
		}
	*out = json_pack("{s:O, s:o}", "checkpoints", arr, "next",
			 n == limit ? json_integer(strtoll(PQgetvalue(r, n - 1, CP_ID), NULL, 10))
				    : json_null());
	if (!*out)
		rc = err_set(ERR_INTERNAL, "out of memory");
cleanup:
	json_decref(arr);
	PQclear(r);
	return rc;
}

int reports_journal_head(json_t **out, PGconn *c)
{
	PGresult *r = NULL;
	json_t *cp = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_exec(&r, c, "cp_journal_head", 0, NULL)) < 0)
		return rc;
	if (PQntuples(r) != 1) {
		rc = err_set(ERR_INTERNAL, "the journal has no head row");
		goto cleanup;
	}
	if (PQgetisnull(r, 0, CP_ID))
		cp = json_null();
	else if ((cp = row_json(r, 0)))
		json_object_set_new(cp, "holds",
				    json_boolean(strcmp(PQgetvalue(r, 0, JH_HOLDS), "t") == 0));
	*out = cp ? json_pack("{s:I, s:s, s:O}", "sequence",
			      (json_int_t)strtoll(PQgetvalue(r, 0, JH_HEAD_SEQUENCE), NULL, 10),
			      "hash", PQgetvalue(r, 0, JH_HEAD), "checkpoint", cp)
		  : NULL;
	if (!*out)
		rc = err_set(ERR_INTERNAL, "out of memory");
cleanup:
	json_decref(cp);
	PQclear(r);
	return rc;
}

int reports_checkpoint_document(char **out, PGconn *c, int64_t id)
{
	char s[24];
	PGresult *r = NULL;
	int rc;

	*out = NULL;
	snprintf(s, sizeof(s), "%" PRId64, id);
	if ((rc = db_exec(&r, c, "cp_document", 1, (const char *const[]){s})) < 0)
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "no checkpoint %" PRId64, id);
	else if (!(*out = strdup(PQgetvalue(r, 0, DOC_DOCUMENT))))
		rc = err_set(ERR_INTERNAL, "out of memory");
	PQclear(r);
	return rc;
}

/* --- reading, offline ---------------------------------------------------------- */

/* The text of root's child name into out[size]; "" if it has none. */
static bool child_text(char *out, size_t size, xmlNodePtr root, const char *name)
{
	out[0] = '\0';
	for (xmlNodePtr n = root->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, X(name)) == 0) {
			xmlChar *t = xmlNodeGetContent(n);
			bool ok = t && strlen((const char *)t) < size;

			if (ok)
				snprintf(out, size, "%s", (const char *)t);
			xmlFree(t);
			return ok;
		}
	return false;
}

int reports_checkpoint_read(struct reports_checkpoint *out, struct reports_verify_result *sig,
			    const char *path, const char *cert_pem)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	char seq[24];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = reports_verify_file(sig, path, cert_pem)) < 0 ||
	    (rc = xml_read_file(&doc, path)) < 0 || (rc = validate(doc, path)) < 0)
		goto cleanup;
	root = xmlDocGetRootElement(doc);
	if (xmlStrcmp(root->name, X("journal-checkpoint")) != 0 ||
	    !child_text(out->fund, sizeof(out->fund), root, "fund") ||
	    !child_text(seq, sizeof(seq), root, "sequence") ||
	    !child_text(out->head_hash, sizeof(out->head_hash), root, "head-hash") ||
	    !child_text(out->at, sizeof(out->at), root, "at") ||
	    !child_text(out->reason, sizeof(out->reason), root, "reason")) {
		rc = err_set(ERR_INVALID, "%s: not a journal checkpoint", path);
		goto cleanup;
	}
	child_text(out->month, sizeof(out->month), root, "month");
	out->sequence = strtoll(seq, NULL, 10);
cleanup:
	xmlFreeDoc(doc);
	return rc;
}
