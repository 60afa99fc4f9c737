/*
 * match.c - the one candidate scorer for a bank line (bank/match.h;
 * docs/fund.md, "Reconciliation: candidates"). Reconciliation
 * (bank/reconcile.c) and the work queue (bank/queue.c) both ask here, so
 * what reconcile matches alone and what a person is shown are decided by
 * the same rules.
 *
 * It only reads: it never matches, posts or marks anything. Every figure
 * is an int64 of minor units; the score and the name similarity are
 * integer percentages. What the bank wrote is hostile input: texts are
 * compared with bounded token lists and bounded scans, never parsed.
 */
#include "bank/match.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "ledger/ledger.h"

/*
 * The window of a posting candidate around the line's day: a payment is
 * entered in the ledger when it is ordered and the bank books it up to
 * weeks later (a foreign transfer, a cheque); a receipt is entered from the
 * statement or a remittance advice, so at most days after the bank booked
 * it.
 */
#define WINDOW_BEFORE_DAYS 45
#define WINDOW_AFTER_DAYS 10

/* Candidates read per line and kind: enough for a person to choose from;
 * the nearest come first, so a bound never hides an exact amount. */
#define CANDIDATES_MAX 50

/* Name similarity (integer percent) at which a candidate with the only
 * exact amount is sure without a reference, and at which an open pledge
 * of the right amount is a candidate by its donor's name alone. */
#define NAME_SURE 80
#define NAME_CANDIDATE 50

/* A reference or name token shorter than this says nothing ("of", "03"). */
#define TOKEN_MIN_BYTES 3
/* Tokens compared per name: a party or a memo longer than this is cut. */
#define TOKENS_MAX 64

/*
 * The columns of each statement whose rows are read, in the order of its
 * SELECT list, and the names the server gives them (common/db.h): the code
 * reads the enum, bank_match_setup checks the names once per connection.
 */

/* match_line: the bank line, its day, its texts, whether it is matched */
enum {
	C_LINE_AMOUNT, C_LINE_CURRENCY, C_LINE_SIDE, C_LINE_REVERSAL, C_LINE_DAY, C_LINE_TEXT,
	C_LINE_PARTY, C_LINE_MATCHED, C_LINE_NCOLS
};
static const char *const line_cols[C_LINE_NCOLS] = {
	[C_LINE_AMOUNT] = "amount_minor", [C_LINE_CURRENCY] = "currency",
	[C_LINE_SIDE] = "side", [C_LINE_REVERSAL] = "reversal", [C_LINE_DAY] = "day",
	[C_LINE_TEXT] = "text", [C_LINE_PARTY] = "party", [C_LINE_MATCHED] = "matched"};

/* match_postings: unmatched postings of the bank account near the line */
enum {
	C_POST_ENTRY, C_POST_LINE, C_POST_AMOUNT, C_POST_DATE, C_POST_MEMO, C_POST_REFERENCE,
	C_POST_NAME, C_POST_DISTANCE, C_POST_KIND, C_POST_NCOLS
};
static const char *const post_cols[C_POST_NCOLS] = {
	[C_POST_ENTRY] = "entry_id", [C_POST_LINE] = "line", [C_POST_AMOUNT] = "amount",
	[C_POST_DATE] = "entry_date", [C_POST_MEMO] = "memo", [C_POST_REFERENCE] = "reference",
	[C_POST_NAME] = "name", [C_POST_DISTANCE] = "distance_days", [C_POST_KIND] = "match_kind"};

/* match_pledges: open signed pledges the line may name or fit */
enum {
	C_PLEDGE_ID, C_PLEDGE_AGREEMENT, C_PLEDGE_CURRENCY, C_PLEDGE_OPEN, C_PLEDGE_DONOR,
	C_PLEDGE_DISTANCE, C_PLEDGE_NCOLS
};
static const char *const pledge_cols[C_PLEDGE_NCOLS] = {
	[C_PLEDGE_ID] = "id", [C_PLEDGE_AGREEMENT] = "agreement_no",
	[C_PLEDGE_CURRENCY] = "currency", [C_PLEDGE_OPEN] = "open_minor",
	[C_PLEDGE_DONOR] = "name", [C_PLEDGE_DISTANCE] = "distance_days"};

static const struct db_stmt stmts[] = {
	{"match_line",
	 "SELECT l.amount_minor, l.currency, l.side, l.reversal,"
	 " COALESCE(l.booking_date, l.value_date, s.closing_date)::text AS day,"
	 " concat_ws(' ', l.end_to_end_id, l.remittance, l.remittance_refs) AS text,"
	 " CASE WHEN l.side = 'credit' THEN COALESCE(l.debtor_name, l.creditor_name, '')"
	 "  ELSE COALESCE(l.creditor_name, l.debtor_name, '') END AS party,"
	 " EXISTS (SELECT 1 FROM bank_line_matches m WHERE m.bank_line = l.id) AS matched"
	 " FROM bank_lines l JOIN bank_statements s ON s.id = l.statement WHERE l.id = $1",
	 1},
	/* $1 account, $2 the postings' side, $3..$4 amount range, $5 the line's
	 * day, $6 the line, $7/$8 the window, $9 how many, $10 the line's amount */
	{"match_postings",
	 "SELECT p.entry_id::text AS entry_id, p.line, p.amount, e.date::text AS entry_date,"
	 " e.memo, e.reference,"
	 " COALESCE((SELECT d.name FROM receipts r JOIN pledges pl ON pl.id = r.pledge"
	 "   JOIN donors d ON d.id = pl.donor WHERE r.entry_id = e.id LIMIT 1), e.memo) AS name,"
	 " ($5::date - e.date) AS distance_days,"
	 " CASE WHEN EXISTS (SELECT 1 FROM receipts r WHERE r.entry_id = e.id) THEN 'receipt'"
	 "  WHEN EXISTS (SELECT 1 FROM postings o WHERE o.entry_id = e.id AND o.line <> p.line"
	 "   AND o.account LIKE '10%' AND o.side <> p.side) THEN 'transfer'"
	 "  WHEN EXISTS (SELECT 1 FROM postings o WHERE o.entry_id = e.id"
	 "   AND o.account LIKE '5100-%') THEN 'charge'"
	 "  WHEN EXISTS (SELECT 1 FROM postings o WHERE o.entry_id = e.id"
	 "   AND o.account LIKE '4300-%') THEN 'interest'"
	 "  WHEN EXISTS (SELECT 1 FROM postings o WHERE o.entry_id = e.id"
	 "   AND o.account LIKE '5200-%') THEN 'payment'"
	 "  WHEN p.side = 'credit' AND EXISTS (SELECT 1 FROM postings o WHERE o.entry_id = e.id"
	 "   AND o.side = 'debit' AND (o.account LIKE '2100-%' OR o.account LIKE '12%'"
	 "   OR o.account LIKE '41%')) THEN 'refund'"
	 "  ELSE 'other' END AS match_kind"
	 " FROM postings p JOIN entries e ON e.id = p.entry_id"
	 " WHERE p.account = $1 AND p.side = $2 AND p.amount BETWEEN $3::bigint AND $4::bigint"
	 " AND e.date BETWEEN $5::date - $7::int AND $5::date + $8::int"
	 " AND e.reverses IS NULL AND NOT EXISTS (SELECT 1 FROM entries x WHERE x.reverses = e.id)"
	 " AND NOT EXISTS (SELECT 1 FROM bank_line_matches m"
	 "  WHERE m.entry_id = p.entry_id AND m.line = p.line)"
	 " AND NOT EXISTS (SELECT 1 FROM bank_line_rejections j WHERE j.bank_line = $6"
	 "  AND j.candidate = 'posting:' || p.entry_id::text || '/' || p.line::text)"
	 " ORDER BY abs(p.amount - $10::bigint), abs($5::date - e.date), e.sequence, p.line"
	 " LIMIT $9",
	 10},
	/* $1 the line's text, $2 the bank account's currency, $3..$4 amount
	 * range, $5 the line, $6 the line's day, $7 how many */
	{"match_pledges",
	 "SELECT p.id, p.agreement_no, p.currency, p.amount_minor - COALESCE((SELECT"
	 " sum(r.settled_minor) FROM receipts r WHERE r.pledge = p.id), 0) AS open_minor,"
	 " d.name, ($6::date - p.signed_on) AS distance_days"
	 " FROM pledges p JOIN donors d ON d.id = p.donor WHERE p.status = 'signed'"
	 " AND (strpos(lower($1), lower(p.agreement_no)) > 0 OR (p.currency = $2"
	 "  AND p.amount_minor - COALESCE((SELECT sum(r.settled_minor) FROM receipts r"
	 "   WHERE r.pledge = p.id), 0) BETWEEN $3::bigint AND $4::bigint))"
	 " AND NOT EXISTS (SELECT 1 FROM bank_line_rejections j WHERE j.bank_line = $5"
	 "  AND j.candidate = 'pledge:' || p.id::text)"
	 " ORDER BY p.id LIMIT $7",
	 7},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("match_line", line_cols),
	DB_COLUMNS("match_postings", post_cols),
	DB_COLUMNS("match_pledges", pledge_cols),
};

int bank_match_setup(PGconn *c)
{
	return db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
			sizeof(columns) / sizeof(columns[0]));
}

/* --- texts ------------------------------------------------------------------------ */

static bool word_byte(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch >= 0x80;
}

/*
 * Does hay contain needle (at least TOKEN_MIN_BYTES) as a whole word:
 * case-insensitive (ASCII), not inside a longer run of letters and digits
 * ("SA-2019-1" is not named by "SA-2019-10")?
 */
static bool names(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n < TOKEN_MIN_BYTES)
		return false;
	for (const char *p = hay; *p; p++) {
		if (strncasecmp(p, needle, n) != 0)
			continue;
		if ((p == hay || !word_byte((unsigned char)p[-1]) || !word_byte((unsigned char)needle[0])) &&
		    (!word_byte((unsigned char)p[n]) || !word_byte((unsigned char)needle[n - 1])))
			return true;
	}
	return false;
}

struct token {
	const char *s;
	size_t n;
};

/* The distinct words of s (TOKEN_MIN_BYTES or longer), at most TOKENS_MAX. */
static size_t tokens(struct token out[TOKENS_MAX], const char *s)
{
	size_t k = 0;

	while (*s && k < TOKENS_MAX) {
		const char *start;
		bool seen = false;

		while (*s && !word_byte((unsigned char)*s))
			s++;
		start = s;
		while (word_byte((unsigned char)*s))
			s++;
		if ((size_t)(s - start) < TOKEN_MIN_BYTES)
			continue;
		for (size_t i = 0; i < k && !seen; i++)
			seen = out[i].n == (size_t)(s - start) &&
			       strncasecmp(out[i].s, start, out[i].n) == 0;
		if (!seen)
			out[k++] = (struct token){start, (size_t)(s - start)};
	}
	return k;
}

/*
 * How alike two names are, in integer percent: the words they share over
 * the words of the shorter one (so "Finland" and "Ministry for Foreign
 * Affairs of Finland" are 100); 0 when either has no word.
 */
static int similarity(const char *a, const char *b)
{
	struct token ta[TOKENS_MAX], tb[TOKENS_MAX];
	size_t na = tokens(ta, a), nb = tokens(tb, b), common = 0;

	if (na == 0 || nb == 0)
		return 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (ta[i].n == tb[j].n && strncasecmp(ta[i].s, tb[j].s, ta[i].n) == 0) {
				common++;
				break;
			}
	return (int)(common * 100 / (na < nb ? na : nb));
}

/* --- candidates ------------------------------------------------------------------- */

struct cand {
	char id[64];             /* posting:<uuid>/<line> | pledge:<id> */
	const PGresult *r;       /* the row it was read from */
	int row;
	bool pledge;
	const char *currency;    /* the candidate's amount's */
	int64_t amount;
	bool comparable;         /* same currency as the line: difference known */
	int64_t difference;      /* line minus candidate */
	int distance_days;       /* line's day minus the candidate's date */
	bool reference;
	int name;
	int score;
	bool sure;
};

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Score 0-100 (docs/fund.md): amount 40, reference 30, date 20, name 10. */
static int score(const struct cand *k, int64_t tolerance)
{
	int s = k->reference ? 30 : 0;

	if (k->comparable && k->difference == 0)
		s += 40;
	else if (k->comparable && tolerance > 0 && abs64(k->difference) <= tolerance)
		s += (int)(20 * (tolerance - abs64(k->difference)) / tolerance);
	if (!k->pledge) {
		int w = k->distance_days >= 0 ? WINDOW_BEFORE_DAYS : WINDOW_AFTER_DAYS;
		int d = abs(k->distance_days);

		s += d <= w ? 20 * (w - d) / w : 0;
	}
	return s + k->name / 10;
}

/* Best first: score, then postings before pledges, then the id. */
static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	if (x->pledge != y->pledge)
		return x->pledge ? 1 : -1;
	return strcmp(x->id, y->id);
}

/*
 * Marks the one sure candidate, if any (docs/fund.md): the only one with
 * the line's exact amount, when it has the reference, or its name is alike
 * (NAME_SURE) and no other candidate has a reference; or, as reconcile
 * always did, an open pledge whose agreement number is the only reference
 * the line names, when no other candidate has the exact amount.
 */
static void mark_sure(struct cand *k, size_t n)
{
	size_t n_exact = 0, n_ref = 0;

	for (size_t i = 0; i < n; i++) {
		n_exact += k[i].comparable && k[i].difference == 0;
		n_ref += k[i].reference;
	}
	for (size_t i = 0; i < n; i++) {
		bool exact = k[i].comparable && k[i].difference == 0;

		k[i].sure = (n_exact == 1 && exact &&
			     (k[i].reference || (n_ref == 0 && k[i].name >= NAME_SURE))) ||
			    (k[i].pledge && k[i].reference && n_ref == 1 &&
			     (n_exact == 0 || (n_exact == 1 && exact)));
	}
}

static json_t *cand_json(const struct cand *k, const char *line_ccy)
{
	char amount[MONEY_STR_MAX], diff[MONEY_STR_MAX], why[512];
	const PGresult *r = k->r;
	size_t n;

	money_format(amount, k->amount, k->currency);
	money_format(diff, k->difference, line_ccy);
	if (!k->comparable)
		n = (size_t)snprintf(why, sizeof(why), "amount in %s", k->currency);
	else if (k->difference == 0)
		n = (size_t)snprintf(why, sizeof(why), "amount equal");
	else
		n = (size_t)snprintf(why, sizeof(why), "amount differs by %s", diff);
	if (!k->pledge && n < sizeof(why))
		n += (size_t)snprintf(why + n, sizeof(why) - n, "; %d days %s", abs(k->distance_days),
				      k->distance_days >= 0 ? "before the bank's day"
							    : "after the bank's day");
	if (k->reference && n < sizeof(why))
		n += (size_t)snprintf(why + n, sizeof(why) - n, "; names %s %s",
				      k->pledge ? "agreement" : "reference",
				      PQgetvalue(r, k->row, k->pledge ? C_PLEDGE_AGREEMENT
								       : C_POST_REFERENCE));
	if (n < sizeof(why))
		snprintf(why + n, sizeof(why) - n, "; name %d%%", k->name);
	if (k->pledge)
		return json_pack("{s:s, s:s, s:s, s:n, s:n, s:n, s:n, s:I, s:s, s:s, s:s, s:s,"
				 " s:o, s:i, s:b, s:i, s:i, s:b, s:s}",
				 "candidate", k->id, "kind", "pledge", "match_kind", "receipt",
				 "entry", "line", "entry_date", "memo", "pledge",
				 (json_int_t)strtoll(PQgetvalue(r, k->row, C_PLEDGE_ID), NULL, 10),
				 "agreement", PQgetvalue(r, k->row, C_PLEDGE_AGREEMENT), "donor",
				 PQgetvalue(r, k->row, C_PLEDGE_DONOR), "amount", amount, "currency",
				 k->currency, "amount_difference",
				 k->comparable ? json_string(diff) : json_null(),
				 "date_distance_days", k->distance_days, "reference", k->reference,
				 "name_similarity", k->name, "score", k->score, "sure", k->sure, "why",
				 why);
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:n, s:n, s:n, s:s, s:s, s:s,"
			 " s:i, s:b, s:i, s:i, s:b, s:s}",
			 "candidate", k->id, "kind", "posting", "match_kind",
			 PQgetvalue(r, k->row, C_POST_KIND), "entry",
			 PQgetvalue(r, k->row, C_POST_ENTRY), "line",
			 atoi(PQgetvalue(r, k->row, C_POST_LINE)), "entry_date",
			 PQgetvalue(r, k->row, C_POST_DATE), "memo",
			 PQgetvalue(r, k->row, C_POST_MEMO), "pledge", "agreement", "donor", "amount",
			 amount, "currency", k->currency, "amount_difference", diff,
			 "date_distance_days", k->distance_days, "reference", k->reference,
			 "name_similarity", k->name, "score", k->score, "sure", k->sure, "why", why);
}

int bank_match_candidates(json_t **out, int *sure_out, PGconn *c, long long bank_line,
			  const char *bank_account, int64_t tolerance_minor)
{
	PGresult *line = NULL, *posts = NULL, *pledges = NULL;
	struct cand *k = NULL;
	struct ledger_account bank;
	char id[24], side[8], lo_s[24], hi_s[24], amount_s[24], before[8], after[8], max[8];
	const char *text, *party, *ccy, *day;
	int64_t amount, lo, hi;
	size_t n = 0;
	json_t *arr = NULL;
	int rc, sure = -1;

	*out = NULL;
	if (sure_out)
		*sure_out = -1;
	if (tolerance_minor < 0)
		return err_set(ERR_INVALID, "tolerance: must not be negative");
	rc = ledger_account_get(&bank, c, bank_account);
	if (rc == ERR_NOTFOUND || (rc == 0 && (strncmp(bank.code, "10", 2) != 0 ||
					       strcmp(bank.type, "asset") != 0)))
		return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT,
				    "bank_account: no bank account (10xx-CCY) '%s'", bank_account);
	if (rc < 0)
		return rc;
	snprintf(id, sizeof(id), "%lld", bank_line);
	if ((rc = db_exec(&line, c, "match_line", 1, (const char *const[]){id})) < 0)
		goto cleanup;
	if (PQntuples(line) == 0) {
		rc = err_set(ERR_NOTFOUND, "bank_line: no bank line %lld", bank_line);
		goto cleanup;
	}
	ccy = PQgetvalue(line, 0, C_LINE_CURRENCY);
	if (strcmp(ccy, bank.currency) != 0) {
		rc = err_code_set(ERR_INVALID, EC_CURRENCY_MISMATCH,
				  "bank_line: %lld is in %s, the bank account %s in %s", bank_line,
				  ccy, bank.code, bank.currency);
		goto cleanup;
	}
	arr = json_array();
	if (!arr) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	if (strcmp(PQgetvalue(line, 0, C_LINE_MATCHED), "t") == 0) {
		*out = arr; /* a matched line has no candidates */
		arr = NULL;
		goto cleanup;
	}
	amount = strtoll(PQgetvalue(line, 0, C_LINE_AMOUNT), NULL, 10);
	day = PQgetvalue(line, 0, C_LINE_DAY);
	text = PQgetvalue(line, 0, C_LINE_TEXT);
	party = PQgetvalue(line, 0, C_LINE_PARTY);
	lo = amount > tolerance_minor ? amount - tolerance_minor : 1;
	hi = amount <= INT64_MAX - tolerance_minor ? amount + tolerance_minor : INT64_MAX;
	snprintf(lo_s, sizeof(lo_s), "%lld", (long long)lo);
	snprintf(hi_s, sizeof(hi_s), "%lld", (long long)hi);
	snprintf(amount_s, sizeof(amount_s), "%lld", (long long)amount);
	/* a bank credit is a debit of the bank account in the ledger */
	snprintf(side, sizeof(side), "%s",
		 strcmp(PQgetvalue(line, 0, C_LINE_SIDE), "credit") == 0 ? "debit" : "credit");
	snprintf(before, sizeof(before), "%d", WINDOW_BEFORE_DAYS);
	snprintf(after, sizeof(after), "%d", WINDOW_AFTER_DAYS);
	snprintf(max, sizeof(max), "%d", CANDIDATES_MAX);
	if ((rc = db_exec(&posts, c, "match_postings", 10,
			  (const char *const[]){bank.code, side, lo_s, hi_s, day, id, before, after,
						max, amount_s})) < 0)
		goto cleanup;
	/* pledges: for a credit, not a reversal (a returned payment) */
	if (strcmp(side, "debit") == 0 && strcmp(PQgetvalue(line, 0, C_LINE_REVERSAL), "f") == 0 &&
	    (rc = db_exec(&pledges, c, "match_pledges", 7,
			  (const char *const[]){text, bank.currency, lo_s, hi_s, id, day, max})) < 0)
		goto cleanup;
	k = calloc((size_t)PQntuples(posts) + (pledges ? (size_t)PQntuples(pledges) : 0) + 1,
		   sizeof(*k));
	if (!k) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	for (int i = 0; i < PQntuples(posts); i++) {
		struct cand *q = &k[n++];

		*q = (struct cand){.r = posts, .row = i, .currency = bank.currency,
				   .amount = strtoll(PQgetvalue(posts, i, C_POST_AMOUNT), NULL, 10),
				   .comparable = true,
				   .distance_days = atoi(PQgetvalue(posts, i, C_POST_DISTANCE)),
				   .reference = names(text, PQgetvalue(posts, i, C_POST_REFERENCE)),
				   .name = similarity(party, PQgetvalue(posts, i, C_POST_NAME))};
		snprintf(q->id, sizeof(q->id), "posting:%s/%s", PQgetvalue(posts, i, C_POST_ENTRY),
			 PQgetvalue(posts, i, C_POST_LINE));
		q->difference = amount - q->amount;
	}
	for (int i = 0; pledges && i < PQntuples(pledges); i++) {
		struct cand q = {.r = pledges, .row = i, .pledge = true,
				 .currency = PQgetvalue(pledges, i, C_PLEDGE_CURRENCY),
				 .amount = strtoll(PQgetvalue(pledges, i, C_PLEDGE_OPEN), NULL, 10),
				 .distance_days = atoi(PQgetvalue(pledges, i, C_PLEDGE_DISTANCE)),
				 .reference = names(text, PQgetvalue(pledges, i, C_PLEDGE_AGREEMENT)),
				 .name = similarity(party, PQgetvalue(pledges, i, C_PLEDGE_DONOR))};

		q.comparable = strcmp(q.currency, ccy) == 0;
		q.difference = q.comparable ? amount - q.amount : 0;
		/* named by its agreement, or its amount (the query's) and its donor */
		if (!q.reference && !(q.comparable && q.name >= NAME_CANDIDATE))
			continue;
		snprintf(q.id, sizeof(q.id), "pledge:%s", PQgetvalue(pledges, i, C_PLEDGE_ID));
		k[n++] = q;
	}
	for (size_t i = 0; i < n; i++)
		k[i].score = score(&k[i], tolerance_minor);
	mark_sure(k, n);
	qsort(k, n, sizeof(*k), cand_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k[i].sure)
			sure = (int)i;
		if (json_array_append_new(arr, cand_json(&k[i], ccy)) < 0) {
			rc = err_set(ERR_INTERNAL, "out of memory");
			goto cleanup;
		}
	}
	*out = arr;
	arr = NULL;
	if (sure_out)
		*sure_out = sure;
	rc = 0;
cleanup:
	free(k);
	PQclear(line);
	PQclear(posts);
	PQclear(pledges);
	json_decref(arr);
	return rc;
}
