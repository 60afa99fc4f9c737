/*
 * entry.c - an entry from strict JSON, its validation against the accounts
 * it names, its canonical bytes and hash, and its JSON forms.
 *
 * Nothing here touches the database. Amounts are parsed with the posting's
 * currency digits (money_parse_positive) and summed with checked
 * arithmetic; no floating point. The canonical form is documented in
 * docs/ledger.md and must never change: old hashes depend on it.
 */
#include "ledger/ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/date.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"

void ledger_entry_free(struct ledger_entry *e)
{
	if (!e)
		return;
	free(e->memo);
	free(e->reference);
	free(e->idempotency_key);
	free(e->postings);
	e->memo = e->reference = e->idempotency_key = NULL;
	e->postings = NULL;
	e->n_postings = 0;
}

bool ledger_code_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > LEDGER_CODE_BYTES - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

static void format_time(char out[LEDGER_TIME_BYTES], const struct timespec *ts)
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(out, LEDGER_TIME_BYTES, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, LEDGER_TIME_BYTES - n, ".%06dZ", (int)(ts->tv_nsec / 1000) % 1000000);
}

void ledger_now(char out[LEDGER_TIME_BYTES])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	format_time(out, &ts);
}

int ledger_random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[64];

	ASSERT(n <= sizeof(buf));
	if (getrandom(buf, n, 0) != (ssize_t)n)
		return err_sys(ERR_SYSTEM, "getrandom");
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

/*
 * A UUID version 7 (RFC 9562, section 5.7): 48 bits of Unix time in
 * milliseconds, the version, 74 random bits and the variant. Ids made one
 * after another sort after one another (to the millisecond), so the
 * journal's indexes on ids grow at their right edge instead of at random
 * pages (docs/ledger.md "Where the time goes").
 */
int ledger_entry_stamp(struct ledger_entry *e)
{
	struct timespec ts;
	uint64_t ms;
	char h[33];
	int rc = ledger_random_hex(h, 16);

	if (rc < 0)
		return rc;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (int i = 11; i >= 0; i--, ms >>= 4)
		h[i] = "0123456789abcdef"[ms & 15];
	h[12] = '7';                                   /* version 7 */
	h[16] = "89ab"[(h[16] <= '9' ? h[16] - '0' : h[16] - 'a' + 10) & 3]; /* variant 10 */
	snprintf(e->id, sizeof(e->id), "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12,
		 h + 16, h + 20);
	format_time(e->created_at, &ts);
	return 0;
}

/* --- strict JSON reading ---------------------------------------------------- */

static int bad(const char *where, const char *field,
	       const char *what)
{
	return err_set(ERR_INVALID, "%s%s: %s", where, field, what);
}

/* The value at where itself ("postings[1]." names "postings[1]"; "" names
 * it whole), for a value of the wrong kind. */
static int bad_value(const char *where, const char *whole,
		     const char *what)
{
	size_t n = strlen(where);

	if (n == 0)
		return err_set(ERR_INVALID, "%s: %s", whole, what);
	return err_set(ERR_INVALID, "%.*s: %s", (int)(n - 1), where, what);
}

static int only_fields(json_t *obj, const char *where, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i;

		(void)v;
		for (i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (!allowed[i])
			return bad(where, key, "unknown field");
	}
	return 0;
}

/* A string field: required or optional (then *out = "" when absent). */
static int get_string(const char **out, json_t *obj, const char *key,
		      const char *where, bool required, size_t max_len)
{
	json_t *v = json_object_get(obj, key);

	*out = "";
	if (!v) {
		if (required)
			return bad(where, key, "required field is missing");
		return 0;
	}
	if (!json_is_string(v))
		return bad(where, key, "must be a string");
	if (json_string_length(v) > max_len) {
		char what[64];

		snprintf(what, sizeof(what), "longer than %zu bytes", max_len);
		return bad(where, key, what);
	}
	*out = json_string_value(v);
	return 0;
}

static int parse_posting(struct ledger_posting *p, json_t *obj, const char *where)
{
	static const char *const fields[] = {"account", "side", "amount", "currency", NULL};
	const char *account, *side, *amount, *ccy;
	int rc;

	if (!json_is_object(obj))
		return bad_value(where, "posting", "must be an object");
	if ((rc = only_fields(obj, where, fields)) < 0 ||
	    (rc = get_string(&account, obj, "account", where, true, 64)) < 0 ||
	    (rc = get_string(&side, obj, "side", where, true, 16)) < 0 ||
	    (rc = get_string(&ccy, obj, "currency", where, true, 8)) < 0)
		return rc;
	if (json_is_number(json_object_get(obj, "amount")))
		return bad(
			where, "amount",
			"must be a string with the currency's minor digits, like \"1250.00\", not a JSON number");
	if ((rc = get_string(&amount, obj, "amount", where, true, 64)) < 0)
		return rc;
	if (!ledger_code_valid(account))
		return bad(where, "account", "not an account code");
	if (strcmp(side, "debit") != 0 && strcmp(side, "credit") != 0)
		return bad(where, "side", "must be \"debit\" or \"credit\"");
	if (!money_currency_valid(ccy))
		return bad(where, "currency", "not an ISO 4217 currency code");
	rc = money_parse_positive(&p->amount_minor, amount, ccy);
	if (rc < 0) {
		return err_wrap(ERR_INVALID, "%samount", where);
	}
	snprintf(p->account, sizeof(p->account), "%s", account);
	p->debit = side[0] == 'd';
	memcpy(p->currency, ccy, 4);
	return 0;
}

int ledger_entry_parse(struct ledger_entry *out, json_t *obj, const char *where)
{
	static const char *const fields[] = {"date", "memo", "reference", "postings", NULL};
	const char *date, *memo, *ref;
	json_t *postings;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(obj))
		return bad_value(where, "entry", "must be an object");
	if ((rc = only_fields(obj, where, fields)) < 0 ||
	    (rc = get_string(&date, obj, "date", where, true, 10)) < 0 ||
	    (rc = get_string(&memo, obj, "memo", where, false, LIMIT_MEMO_BYTES)) < 0 ||
	    (rc = get_string(&ref, obj, "reference", where, false, LIMIT_REFERENCE_BYTES)) < 0)
		return rc;
	if (!date_valid(date))
		return bad(where, "date", "must be a date YYYY-MM-DD (1900-9999)");
	postings = json_object_get(obj, "postings");
	if (!postings)
		return bad(where, "postings", "required field is missing");
	if (!json_is_array(postings))
		return bad(where, "postings", "must be an array");
	n = json_array_size(postings);
	if (n < 2) {
		return err_code_set(ERR_INVALID, EC_UNBALANCED_ENTRY,
				    "%spostings: an entry needs at least 2 postings", where);
	}
	if (n > LIMIT_POSTINGS_PER_ENTRY) {
		char what[64];

		snprintf(what, sizeof(what), "more than %d postings",
			 LIMIT_POSTINGS_PER_ENTRY);
		return bad(where, "postings", what);
	}
	out->postings = calloc(n, sizeof(*out->postings));
	out->memo = strdup(memo);
	out->reference = strdup(ref);
	if (!out->postings || !out->memo || !out->reference) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	out->n_postings = n;
	memcpy(out->date, date, 11);
	for (size_t i = 0; i < n; i++) {
		char pw[96];

		snprintf(pw, sizeof(pw), "%spostings[%zu].", where, i);
		rc = parse_posting(&out->postings[i], json_array_get(postings, i), pw);
		if (rc < 0)
			goto cleanup;
	}
	return 0;
cleanup:
	ledger_entry_free(out);
	return rc;
}

int ledger_entries_parse(struct ledger_entry **out, size_t *n_out, json_t *body)
{
	struct ledger_entry *e = NULL;
	const char *key;
	json_t *arr, *v;
	size_t n, parsed = 0;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "entries") != 0)
			return err_set(ERR_INVALID, "%s: unknown field", key);
	}
	arr = json_object_get(body, "entries");
	if (!json_is_array(arr))
		return err_set(ERR_INVALID, "entries: %s",
			       arr ? "must be an array" : "required field is missing");
	n = json_array_size(arr);
	if (n < 1 || n > LIMIT_BATCH_ENTRIES)
		return err_set(ERR_INVALID, "entries: 1 to %d entries", LIMIT_BATCH_ENTRIES);
	e = calloc(n, sizeof(*e));
	if (!e)
		return err_set(ERR_INTERNAL, "out of memory");
	for (parsed = 0; parsed < n; parsed++) {
		char where[48];

		snprintf(where, sizeof(where), "entries[%zu].", parsed);
		if ((rc = ledger_entry_parse(&e[parsed], json_array_get(arr, parsed), where)) < 0)
			goto cleanup;
	}
	*out = e;
	*n_out = n;
	return 0;
cleanup:
	for (size_t i = 0; i < parsed; i++)
		ledger_entry_free(&e[i]);
	free(e);
	return rc;
}

int ledger_entry_check(const struct ledger_entry *e,
		       const struct ledger_account *const *accounts,
		       const char *where)
{
	/* Per currency: debits minus credits; at most one slot per posting. */
	struct {
		char ccy[4];
		int64_t net;
	} sums[LIMIT_POSTINGS_PER_ENTRY];
	size_t nsums = 0;

	for (size_t i = 0; i < e->n_postings; i++) {
		const struct ledger_posting *p = &e->postings[i];
		const struct ledger_account *a = accounts[i];
		size_t k;

		if (!a) {
			return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT,
					    "%spostings[%zu].account: no account '%s'", where, i,
					    p->account);
		}
		if (strcmp(a->currency, p->currency) != 0) {
			return err_code_set(ERR_INVALID, EC_CURRENCY_MISMATCH,
				       "%spostings[%zu].currency: account '%s' is in %s, not %s",
				       where, i, a->code, a->currency, p->currency);
		}
		for (k = 0; k < nsums; k++)
			if (strcmp(sums[k].ccy, p->currency) == 0)
				break;
		if (k == nsums) {
			memcpy(sums[k].ccy, p->currency, 4);
			sums[k].net = 0;
			nsums++;
		}
		if ((p->debit ? money_add(&sums[k].net, sums[k].net, p->amount_minor)
			      : money_sub(&sums[k].net, sums[k].net, p->amount_minor)) < 0) {
			return err_set(ERR_INVALID, "%spostings: the %s total overflows",
				       where, p->currency);
		}
	}
	for (size_t k = 0; k < nsums; k++) {
		if (sums[k].net != 0) {
			char diff[MONEY_STR_MAX];

			money_format(diff, sums[k].net, sums[k].ccy);
			return err_code_set(ERR_INVALID, EC_UNBALANCED_ENTRY,
				       "%spostings: debits and credits in %s differ by %s",
				       where, sums[k].ccy, diff);
		}
	}
	return 0;
}

/* --- canonical bytes and the chain ----------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* A netstring: "<decimal length>:<bytes>," */
static void field(struct buf *b, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;

	snprintf(len, sizeof(len), "%zu:", n);
	put(b, len, strlen(len));
	put(b, s ? s : "", n);
	put(b, ",", 1);
}

int ledger_entry_hash(char out[HASH_HEX_BYTES], const struct ledger_entry *e)
{
	struct buf b = {0};
	char num[32];
	int rc;

	put(&b, e->prev_hash, strlen(e->prev_hash));
	field(&b, "tfledger-entry-v1");
	snprintf(num, sizeof(num), "%" PRId64, e->sequence);
	field(&b, num);
	field(&b, e->id);
	field(&b, e->date);
	field(&b, e->memo);
	field(&b, e->reference);
	field(&b, e->created_at);
	field(&b, e->token_id);
	field(&b, e->idempotency_key);
	field(&b, e->request_sha256);
	field(&b, e->reverses);
	snprintf(num, sizeof(num), "%zu", e->n_postings);
	field(&b, num);
	for (size_t i = 0; i < e->n_postings; i++) {
		const struct ledger_posting *p = &e->postings[i];

		field(&b, p->account);
		field(&b, p->debit ? "debit" : "credit");
		snprintf(num, sizeof(num), "%" PRId64, p->amount_minor);
		field(&b, num);
		field(&b, p->currency);
	}
	if (b.failed)
		rc = err_set(ERR_INTERNAL, "out of memory hashing an entry");
	else
		rc = hash_sha256_hex(out, b.p, b.len);
	free(b.p);
	return rc;
}

int ledger_entry_chain(struct ledger_entry *e, int64_t sequence, const char *prev_hash)
{
	e->sequence = sequence;
	snprintf(e->prev_hash, sizeof(e->prev_hash), "%s", prev_hash);
	return ledger_entry_hash(e->hash, e);
}

/* --- JSON out ------------------------------------------------------------------ */

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *postings_json(const struct ledger_entry *e)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < e->n_postings; i++) {
		const struct ledger_posting *p = &e->postings[i];
		char amount[MONEY_STR_MAX];
		json_t *o;

		money_format(amount, p->amount_minor, p->currency);
		o = json_pack("{s:s, s:s, s:s, s:s}", "account", p->account, "side",
			      p->debit ? "debit" : "credit", "amount", amount, "currency",
			      p->currency);
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *ledger_entry_json(const struct ledger_entry *e)
{
	return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o}",
			 "id", e->id, "sequence", (json_int_t)e->sequence, "date", e->date,
			 "memo", e->memo, "reference", e->reference, "created_at",
			 e->created_at, "reverses", str_or_null(e->reverses),
			 "reversed_by", str_or_null(e->reversed_by), "prev_hash",
			 e->prev_hash, "hash", e->hash, "postings",
			 postings_json(e));
}

/* --- JSON out, as text ------------------------------------------------------------ */

static void put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A JSON string escaped exactly as jansson's json_dumps escapes it (\\,
 * \", the short escapes, \u00XX for other control characters, everything
 * else as it is), so that the text equals json_dumps(ledger_entry_json()). */
static void put_json_string(struct buf *b, const char *s)
{
	const char *run = s;

	put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
				: c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
				: c == '\t' ? "\\t" : NULL;
		char u[8];

		if (!esc && c >= 0x20)
			continue;
		put(b, run, (size_t)(s - run));
		if (!esc) {
			snprintf(u, sizeof(u), "\\u%04X", c);
			esc = u;
		}
		put_str(b, esc);
		run = s + 1;
	}
	put(b, run, (size_t)(s - run));
	put(b, "\"", 1);
}

static void put_key(struct buf *b, const char *key, bool first)
{
	if (!first)
		put(b, ",", 1);
	put_json_string(b, key);
	put(b, ":", 1);
}

static void put_string_or_null(struct buf *b, const char *s)
{
	if (s && *s)
		put_json_string(b, s);
	else
		put_str(b, "null");
}

static void put_entry_text(struct buf *b, const struct ledger_entry *e)
{
	char num[32];

	put_key(b, "id", true);
	put_json_string(b, e->id);
	put_key(b, "sequence", false);
	snprintf(num, sizeof(num), "%" PRId64, e->sequence);
	put_str(b, num);
	put_key(b, "date", false);
	put_json_string(b, e->date);
	put_key(b, "memo", false);
	put_json_string(b, e->memo ? e->memo : "");
	put_key(b, "reference", false);
	put_json_string(b, e->reference ? e->reference : "");
	put_key(b, "created_at", false);
	put_json_string(b, e->created_at);
	put_key(b, "reverses", false);
	put_string_or_null(b, e->reverses);
	put_key(b, "reversed_by", false);
	put_string_or_null(b, e->reversed_by);
	put_key(b, "prev_hash", false);
	put_json_string(b, e->prev_hash);
	put_key(b, "hash", false);
	put_json_string(b, e->hash);
	put_key(b, "postings", false);
	put(b, "[", 1);
	for (size_t i = 0; i < e->n_postings; i++) {
		const struct ledger_posting *p = &e->postings[i];
		char amount[MONEY_STR_MAX];

		money_format(amount, p->amount_minor, p->currency);
		put(b, i ? ",{" : "{", i ? 2 : 1);
		put_key(b, "account", true);
		put_json_string(b, p->account);
		put_key(b, "side", false);
		put_json_string(b, p->debit ? "debit" : "credit");
		put_key(b, "amount", false);
		put_json_string(b, amount);
		put_key(b, "currency", false);
		put_json_string(b, p->currency);
		put(b, "}", 1);
	}
	put(b, "]", 1);
}

char *ledger_entries_text(const struct ledger_entry *e, size_t n, bool batch)
{
	struct buf b = {0};

	put_str(&b, batch ? "{\"entries\":[{" : "{");
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(&b, ",{", 2);
		put_entry_text(&b, &e[i]);
		put(&b, "}", 1);
	}
	put_str(&b, batch ? "]}" : "");
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
