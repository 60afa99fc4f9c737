/*
 * verify.c - `tfledger verify-statement FILE`: checks an account statement
 * with no database. The file is read with a streaming xmlTextReader; each
 * entry is expanded alone, turned into a struct ledger_entry and hashed with
 * the ledger's own ledger_entry_hash (the canonical form of docs/ledger.md),
 * then freed: memory grows with the number of accounts, not of entries.
 *
 * Checked: every entry's hash from its contents; sequences consecutive and
 * each prev_hash the hash before it (the first entry's prev_hash is taken as
 * the anchor, unless it is sequence 1, whose prev_hash must be 64 zeros);
 * the last entry is the head the header states; in-period matches the date
 * and the period, and the first entry is in the period; every running
 * balance; for every account, opening + its in-period postings = closing.
 * Not checked (it cannot be from the file): that the opening balances and
 * the first prev_hash are those of the real ledger, that no entry before the
 * first one is dated in the period, and who made the file (report verify).
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/hash.h"
#include "common/limits.h"
#include "common/money.h"
#include "common/text.h"
#include "common/xml.h"
#include "ledger/ledger.h"
#include "reports/report.h"
#include "reports/writer.h"

#define X(s) BAD_CAST(s)

struct vacct {
	char code[LEDGER_CODE_BYTES];
	char ccy[4];
	bool normal_debit;
	int64_t opening, closing; /* as stated (normal direction) */
	int64_t running;          /* debits - credits so far */
};

struct vstate {
	struct reports_statement_check *out;
	char from[11], to[11];
	bool header, all;
	char scope[LEDGER_CODE_BYTES];
	struct vacct *a;
	size_t n, cap;
	char prev[HASH_HEX_BYTES];
	int64_t last;
	int64_t at; /* the sequence whose hash is wanted, -1: none */
};

/* Records the first failure; returns 1 so callers can stop. */
__attribute__((format(printf, 2, 3))) static int bad(struct vstate *v, const char *fmt, ...)
{
	va_list ap;

	if (v->out->ok) {
		v->out->ok = false;
		va_start(ap, fmt);
		vsnprintf(v->out->why, sizeof(v->out->why), fmt, ap);
		va_end(ap);
	}
	return 1;
}

static bool is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	       xmlStrcmp(n->ns->href, X(REPORTS_NS)) == 0 && xmlStrcmp(n->name, X(name)) == 0;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (is(c, name))
			return c;
	return NULL;
}

/* The text of child name (or n itself if name is NULL) copied into out;
 * false if missing or longer than size - 1. */
static bool text(char *out, size_t size, xmlNodePtr n, const char *name)
{
	xmlNodePtr c = name ? child(n, name) : n;
	xmlChar *t = c ? xmlNodeGetContent(c) : NULL;
	bool ok = t && strlen((const char *)t) < size;

	if (ok)
		memcpy(out, t, strlen((const char *)t) + 1);
	xmlFree(t);
	return ok;
}

/* A malloc'd copy of the text of child name, NULL if missing. */
static char *text_dup(xmlNodePtr n, const char *name)
{
	xmlNodePtr c = child(n, name);
	xmlChar *t = c ? xmlNodeGetContent(c) : NULL;
	char *s = t ? strdup((const char *)t) : NULL;

	xmlFree(t);
	return s;
}

/*
 * The stored text of child name (a new string, NULL if missing or
 * malformed): its text, or, when it carries stored-base64 (text stored
 * before the rule of common/text.h, statement.c), those bytes, which must
 * be what its text shows (text_shown): the hash covers the stored bytes,
 * and a reader sees the text.
 */
static char *stored_dup(xmlNodePtr n, const char *name)
{
	xmlNodePtr c = child(n, name);
	xmlChar *b64 = c ? xmlGetProp(c, X("stored-base64")) : NULL;
	char *shown = NULL, *raw = NULL, *text = text_dup(n, name);
	size_t len = b64 ? strlen((const char *)b64) : 0;
	int got;

	if (!b64 || !text)
		goto cleanup;
	if (len % 4 != 0 || !(raw = malloc(len / 4 * 3 + 1)) ||
	    (got = EVP_DecodeBlock((unsigned char *)raw, b64, (int)len)) < 0)
		goto fail;
	got -= (len > 0 && b64[len - 1] == '=') + (len > 1 && b64[len - 2] == '=');
	raw[got] = '\0';
	if (strlen(raw) != (size_t)got || !(shown = text_shown(raw, (size_t)got)) ||
	    strcmp(shown, text) != 0)
		goto fail;
	free(text);
	text = raw;
	raw = NULL;
	goto cleanup;
fail:
	free(text);
	text = NULL;
cleanup:
	free(raw);
	free(shown);
	xmlFree(b64);
	return text;
}

static bool attr(char *out, size_t size, xmlNodePtr n, const char *name)
{
	xmlChar *t = xmlGetProp(n, X(name));
	bool ok = t && strlen((const char *)t) < size;

	if (ok)
		memcpy(out, t, strlen((const char *)t) + 1);
	xmlFree(t);
	return ok;
}

/* An amount element <name currency="ccy">decimal</name> of account ccy. */
static bool money_el(int64_t *out, xmlNodePtr n, const char *name, const char *ccy)
{
	char s[MONEY_STR_MAX], c[4];
	xmlNodePtr e = child(n, name);

	return e && text(s, sizeof(s), e, NULL) && attr(c, sizeof(c), e, "currency") &&
	       strcmp(c, ccy) == 0 && money_parse(out, s, ccy) == 0;
}

static bool int64_of(int64_t *out, const char *s)
{
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return false;
	*out = strtoll(s, &end, 10);
	return *end == '\0';
}

static int check_header(struct vstate *v, xmlNodePtr h)
{
	char seq[24];
	xmlNodePtr p = child(h, "period"), head = child(h, "ledger-head");

	if (!text(v->from, sizeof(v->from), p, "from") || !text(v->to, sizeof(v->to), p, "to") ||
	    reports_check_date(v->from, "from") < 0 || reports_check_date(v->to, "to") < 0)
		return bad(v, "header: the period is missing or not dates");
	if (!text(seq, sizeof(seq), head, "sequence") || !int64_of(&v->out->head_sequence, seq) ||
	    !text(v->out->head_hash, sizeof(v->out->head_hash), head, "hash") ||
	    strlen(v->out->head_hash) != 64)
		return bad(v, "header: the ledger head (sequence, hash) is missing or malformed");
	v->header = true;
	return 0;
}

static struct vacct *find(struct vstate *v, const char *code)
{
	for (size_t i = 0; i < v->n; i++) /* accounts are few: a scan is enough */
		if (strcmp(v->a[i].code, code) == 0)
			return &v->a[i];
	return NULL;
}

static int check_accounts(struct vstate *v, xmlNodePtr list)
{
	for (xmlNodePtr n = list->children; n; n = n->next) {
		struct vacct a = {0};
		char side[8];

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!is(n, "account") || !attr(a.code, sizeof(a.code), n, "code") ||
		    !attr(a.ccy, sizeof(a.ccy), n, "currency") ||
		    !attr(side, sizeof(side), n, "normal-side"))
			return bad(v, "accounts: an account lacks code, currency or normal-side");
		a.normal_debit = strcmp(side, "debit") == 0;
		if (!money_el(&a.opening, n, "opening-balance", a.ccy) ||
		    !money_el(&a.closing, n, "closing-balance", a.ccy))
			return bad(v, "account %s: an amount is missing or malformed", a.code);
		if (find(v, a.code))
			return bad(v, "account %s is listed twice", a.code);
		a.running = a.normal_debit ? a.opening : -a.opening;
		if (v->n == v->cap) {
			size_t cap = v->cap ? 2 * v->cap : 64;
			struct vacct *p = realloc(v->a, cap * sizeof(*p));

			if (!p)
				return err_set(ERR_INTERNAL, "out of memory for accounts");
			v->a = p;
			v->cap = cap;
		}
		v->a[v->n++] = a;
	}
	if (!v->all && (v->n != 1 || strcmp(v->a[0].code, v->scope) != 0))
		return bad(v, "accounts: a statement of account %s must list exactly that account",
			   v->scope);
	return 0;
}

/* Reads the postings of entry n into e; checks running balances. */
static int check_postings(struct vstate *v, struct ledger_entry *e, xmlNodePtr n, bool in_period)
{
	size_t k = 0;

	for (xmlNodePtr p = n->children; p; p = p->next)
		k += is(p, "posting");
	if (k < 2 || k > LIMIT_POSTINGS_PER_ENTRY)
		return bad(v, "entry %" PRId64 ": %zu postings", e->sequence, k);
	if (!(e->postings = calloc(k, sizeof(*e->postings))))
		return err_set(ERR_INTERNAL, "out of memory for postings");
	for (xmlNodePtr p = n->children; p; p = p->next) {
		struct ledger_posting *q = &e->postings[e->n_postings];
		char line[16], side[8], amount[MONEY_STR_MAX], bal[MONEY_STR_MAX];
		bool has_bal = attr(bal, sizeof(bal), p, "balance");
		struct vacct *a;
		int64_t b;

		if (!is(p, "posting"))
			continue;
		e->n_postings++;
		snprintf(line, sizeof(line), "%zu", e->n_postings);
		if (!attr(q->account, sizeof(q->account), p, "account") ||
		    !attr(side, sizeof(side), p, "side") ||
		    !attr(q->currency, sizeof(q->currency), p, "currency") ||
		    !attr(amount, sizeof(amount), p, "amount") ||
		    money_parse(&q->amount_minor, amount, q->currency) < 0 ||
		    (strcmp(side, "debit") != 0 && strcmp(side, "credit") != 0))
			return bad(v, "entry %" PRId64 " posting %zu: malformed", e->sequence,
				   e->n_postings);
		q->debit = side[0] == 'd';
		if (!attr(amount, sizeof(amount), p, "line") || strcmp(amount, line) != 0)
			return bad(v, "entry %" PRId64 ": posting lines are not 1, 2, ...",
				   e->sequence);
		a = in_period ? find(v, q->account) : NULL;
		if (in_period && !a && v->all)
			return bad(v, "entry %" PRId64 ": account %s is not in the accounts list",
				   e->sequence, q->account);
		if (!a) {
			if (has_bal)
				return bad(v, "entry %" PRId64 " posting %zu: a balance where none "
					      "belongs", e->sequence, e->n_postings);
			continue;
		}
		if (strcmp(a->ccy, q->currency) != 0)
			return bad(v, "entry %" PRId64 ": account %s is in %s, not %s", e->sequence,
				   a->code, a->ccy, q->currency);
		if ((q->debit ? money_add(&a->running, a->running, q->amount_minor)
			      : money_sub(&a->running, a->running, q->amount_minor)) < 0)
			return bad(v, "entry %" PRId64 ": the balance of %s overflows", e->sequence,
				   a->code);
		if (!has_bal || money_parse(&b, bal, a->ccy) < 0 ||
		    b != (a->normal_debit ? a->running : -a->running))
			return bad(v, "entry %" PRId64 " posting %zu: the running balance of %s "
				      "is wrong or missing", e->sequence, e->n_postings, a->code);
	}
	return 0;
}

static int check_entry(struct vstate *v, xmlNodePtr n)
{
	struct ledger_entry e = {0};
	char seq[24], inp[8], h[HASH_HEX_BYTES];
	bool in_period;
	int rc = 0;

	if (!v->header)
		return bad(v, "an entry comes before the header");
	if (!attr(seq, sizeof(seq), n, "sequence") || !int64_of(&e.sequence, seq) ||
	    !attr(e.id, sizeof(e.id), n, "id") || !attr(e.date, sizeof(e.date), n, "date") ||
	    !attr(inp, sizeof(inp), n, "in-period") ||
	    !text(e.created_at, sizeof(e.created_at), n, "created-at") ||
	    !text(e.token_id, sizeof(e.token_id), n, "token-id") ||
	    !text(e.prev_hash, sizeof(e.prev_hash), n, "prev-hash") ||
	    !text(e.hash, sizeof(e.hash), n, "hash") || !(e.memo = stored_dup(n, "memo")) ||
	    !(e.reference = stored_dup(n, "reference"))) {
		rc = bad(v, "entry after sequence %" PRId64 ": a field is missing or malformed",
			 v->last);
		goto cleanup;
	}
	e.idempotency_key = stored_dup(n, "idempotency-key");
	if (child(n, "request-sha256") &&
	    !text(e.request_sha256, sizeof(e.request_sha256), n, "request-sha256")) {
		rc = bad(v, "entry %" PRId64 ": request-sha256 malformed", e.sequence);
		goto cleanup;
	}
	if (child(n, "reverses") && !text(e.reverses, sizeof(e.reverses), n, "reverses")) {
		rc = bad(v, "entry %" PRId64 ": reverses malformed", e.sequence);
		goto cleanup;
	}
	in_period = strcmp(e.date, v->from) >= 0 && strcmp(e.date, v->to) <= 0;
	if (strcmp(inp, in_period ? "true" : "false") != 0) {
		rc = bad(v, "entry %" PRId64 ": in-period=\"%s\" but its date is %s", e.sequence,
			 inp, e.date);
		goto cleanup;
	}
	if (v->out->entries == 0) {
		v->out->first_sequence = e.sequence;
		if (!in_period)
			rc = bad(v, "the first entry (%" PRId64 ") is not dated in the period",
				 e.sequence);
		else if (e.sequence == 1 && strspn(e.prev_hash, "0") != 64)
			rc = bad(v, "entry 1: prev_hash is not 64 zeros");
	} else if (e.sequence != v->last + 1) {
		rc = bad(v, "entry %" PRId64 " follows %" PRId64 ": entries are missing or out of "
			    "order", e.sequence, v->last);
	} else if (strcmp(e.prev_hash, v->prev) != 0) {
		rc = bad(v, "entry %" PRId64 ": prev_hash is not the hash of entry %" PRId64,
			 e.sequence, v->last);
	}
	if (rc != 0 || (rc = check_postings(v, &e, n, in_period)) != 0 ||
	    (rc = ledger_entry_hash(h, &e)) < 0)
		goto cleanup;
	if (!hash_equal_ct(h, e.hash, 64)) {
		rc = bad(v, "entry %" PRId64 ": the hash does not match its contents", e.sequence);
		goto cleanup;
	}
	/* the chain verified so far ends in e, whose hash covers its prev_hash */
	if (v->out->entries == 0 && e.sequence - 1 == v->at) {
		v->out->at_found = true;
		memcpy(v->out->at_hash, e.prev_hash, sizeof(v->out->at_hash));
	}
	if (e.sequence == v->at) {
		v->out->at_found = true;
		memcpy(v->out->at_hash, e.hash, sizeof(v->out->at_hash));
	}
	v->out->entries++;
	v->out->postings += (int64_t)e.n_postings;
	v->last = e.sequence;
	memcpy(v->prev, e.hash, sizeof(v->prev));
cleanup:
	ledger_entry_free(&e);
	return rc;
}

/* After the last entry: the head and every account's totals. */
static void check_end(struct vstate *v)
{
	if (!v->header) {
		bad(v, "no header");
		return;
	}
	if (v->out->entries > 0 &&
	    (v->last != v->out->head_sequence || strcmp(v->prev, v->out->head_hash) != 0)) {
		bad(v, "the last entry (%" PRId64 ") is not the ledger head the header states "
		       "(%" PRId64 "): entries missing at the end or the head changed",
		    v->last, v->out->head_sequence);
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		struct vacct *a = &v->a[i];
		int64_t close_d = a->normal_debit ? a->closing : -a->closing;

		if (a->running != close_d) {
			bad(v,
			    "account %s: opening balance + its postings in the period is not the "
			    "closing balance",
			    a->code);
			return;
		}
	}
}

int reports_verify_statement(struct reports_statement_check *out, const char *path)
{
	return reports_verify_statement_at(out, path, -1);
}

int reports_verify_statement_at(struct reports_statement_check *out, const char *path,
				int64_t at_sequence)
{
	struct vstate v = {.out = out, .at = at_sequence};
	xmlTextReaderPtr rd = NULL;
	bool skip = false, root = false;
	int rc = 0, ret = 1;

	memset(out, 0, sizeof(*out));
	out->ok = true;
	if ((rc = xml_reader_open(&rd, path)) < 0)
		return rc;
	while (out->ok && (ret = skip ? xmlTextReaderNext(rd) : xmlTextReaderRead(rd)) == 1) {
		const xmlChar *name = xmlTextReaderConstLocalName(rd);
		const xmlChar *ns = xmlTextReaderConstNamespaceUri(rd);
		int depth = xmlTextReaderDepth(rd);
		xmlNodePtr node;

		skip = false;
		if ((rc = xml_reader_check(rd, path)) < 0)
			goto cleanup;
		if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
			continue;
		if (depth == 0) {
			if (xmlStrcmp(name, X("account-statement")) != 0 || !ns ||
			    xmlStrcmp(ns, X(REPORTS_NS)) != 0) {
				bad(&v, "not an account statement (root <%s> in %s)", name,
				    ns ? (const char *)ns : "no namespace");
				break;
			}
			root = true;
			continue;
		}
		if (depth == 1 && xmlStrcmp(name, X("entries")) == 0)
			continue; /* descend: its entries are taken one by one */
		if (!(depth == 1 || (depth == 2 && xmlStrcmp(name, X("entry")) == 0))) {
			bad(&v, "unexpected element <%s>", name);
			break;
		}
		skip = true;
		if (!ns || xmlStrcmp(ns, X(REPORTS_NS)) != 0)
			continue; /* the ds:Signature: report verify checks it */
		if (!(node = xmlTextReaderExpand(rd))) {
			rc = xml_reader_error(rd, path);
			goto cleanup;
		}
		if (xmlStrcmp(name, X("header")) == 0)
			rc = check_header(&v, node);
		else if (xmlStrcmp(name, X("scope")) == 0) {
			if (!text(v.scope, sizeof(v.scope), node, NULL))
				bad(&v, "scope malformed");
			v.all = strcmp(v.scope, "all") == 0;
		} else if (xmlStrcmp(name, X("accounts")) == 0)
			rc = check_accounts(&v, node);
		else if (xmlStrcmp(name, X("entry")) == 0)
			rc = check_entry(&v, node);
		else
			bad(&v, "unexpected element <%s>", name);
		if (rc < 0)
			goto cleanup;
		rc = 0;
	}
	if (out->ok && ret < 0) {
		rc = xml_reader_error(rd, path);
		bad(&v, "%s", err_last());
		rc = 0;
	}
	if (out->ok && !root)
		bad(&v, "no account statement in the file");
	if (out->ok)
		check_end(&v);
	if (!out->ok)
		out->at_found = false; /* a chain that fails proves nothing */
cleanup:
	free(v.a);
	xmlFreeTextReader(rd);
	return rc;
}
