/*
 * test_journal.c - the journal core without a database, driven by the
 * tables in tests/data/journal: entries parsed from strict JSON (refused
 * with the field, the contract's code and the err code, or accepted),
 * checked against a chart of accounts, their canonical bytes and hash, and
 * the hash chain verified, broken and found broken at the right entry.
 *
 * The table format is described at the top of tests/data/journal/parse.cases.
 * Each accepted case carries the canonical bytes written out by hand beside
 * the hash: the test hashes those bytes itself and compares both with what
 * ledger_entry_hash() computes, so a pinned hash is never only the code's
 * own word. Fixtures are found through $TFLEDGER_DATADIR (set by make
 * check), else the source tree. Writes nothing.
 *
 * What needs a database is not here: ledger_verify() reads rows through SQL,
 * so its rule is repeated below (verify_rows, kept step for step like
 * store.c's loop) and run on rows in memory; tests/integration/test_ledger.c
 * and backup_restore.sh run the real one.
 */
#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/limits.h"
#include "ledger/ledger.h"
#include "tests/harness/harness.h"

/* ---- reading the tables ------------------------------------------------------ */

#define MAX_CASES 160
#define MAX_ACCOUNTS 32

struct jcase {
	char name[160];
	int line;              /* of its "===" line */
	char *input;           /* JSON text, expanded */
	char where[48];        /* ledger_entry_parse's where ("" by default) */
	bool accepted;
	char stage[8];         /* refused: load, parse or check */
	char code[32];         /* the contract's code */
	char err[16];          /* err_name() of the return */
	char field[128];       /* the field the message names */
	char *message;         /* the whole err_last(), or NULL */
	char *canonical;       /* accepted: the canonical bytes, expanded */
	size_t canonical_len;
	char hash[HASH_HEX_BYTES];
	char same[160];        /* same-hash-as: another case's name */
	char *json;            /* ledger_entries_text(e, 1, false), or NULL */
	char *ops, *expect;    /* chain.cases */
};

struct jfile {
	char path[4096];
	struct ledger_account accounts[MAX_ACCOUNTS];
	size_t n_accounts;
	/* the stamp every entry of the file gets (the JSON cannot carry it) */
	int64_t sequence;
	char id[LEDGER_UUID_BYTES], created_at[LEDGER_TIME_BYTES];
	char token_id[LEDGER_TOKEN_ID_BYTES], prev_hash[HASH_HEX_BYTES];
	struct jcase cases[MAX_CASES];
	size_t n;
};

/* A growing byte string for the expansions. */
struct bytes {
	char *p;
	size_t len, cap;
};

static void add(struct bytes *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * Expands the two forms a table may use for what is unreadable written out:
 * <<N*text>> is text N times, <<xHH>> the byte HH. Everything else is kept.
 */
static void expand(struct bytes *out, const char *s, size_t n, const char *path, int line)
{
	const char *end = s + n;

	while (s < end) {
		const char *open = strstr(s, "<<"), *close;

		if (!open || open >= end) {
			add(out, s, (size_t)(end - s));
			return;
		}
		add(out, s, (size_t)(open - s));
		close = strstr(open, ">>");
		ck_assert_msg(close && close < end, "%s:%d: '<<' without '>>'", path, line);
		if (open[2] == 'x' && close - open == 5) {
			char hex[3] = {open[3], open[4], '\0'}, byte;

			byte = (char)strtol(hex, NULL, 16);
			add(out, &byte, 1);
		} else {
			char *star;
			long times = strtol(open + 2, &star, 10);

			ck_assert_msg(*star == '*' && times > 0, "%s:%d: expected <<N*text>>", path,
				      line);
			for (long k = 0; k < times; k++)
				add(out, star + 1, (size_t)(close - star - 1));
		}
		s = close + 2;
	}
}

static char *dup_expanded(const char *s, size_t *len, const char *path, int line)
{
	struct bytes b = {0};

	add(&b, "", 0);
	expand(&b, s, strlen(s), path, line);
	if (len)
		*len = b.len;
	return b.p;
}

static bool keyword(const char *line, const char *kw, const char **value)
{
	size_t n = strlen(kw);

	if (strncmp(line, kw, n) != 0 || line[n] != ':')
		return false;
	*value = line + n + 1;
	while (**value == ' ')
		(*value)++;
	return true;
}

static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* The multi-line value being read: input joins lines with '\n', canonical
 * joins them trimmed with nothing between. */
enum multi { NONE, INPUT, CANONICAL };

static void finish(struct jfile *f, struct jcase *c, struct bytes *in, struct bytes *canon)
{
	if (!c)
		return;
	if (in->p) {
		while (in->len > 0 && in->p[in->len - 1] == '\n')
			in->p[--in->len] = '\0';
		c->input = dup_expanded(in->p, NULL, f->path, c->line);
	}
	if (canon->p)
		c->canonical = dup_expanded(canon->p, &c->canonical_len, f->path, c->line);
	free(in->p);
	free(canon->p);
	memset(in, 0, sizeof(*in));
	memset(canon, 0, sizeof(*canon));
}

static void parse_expect(struct jcase *c, const char *v, const char *path)
{
	if (strcmp(v, "accepted") == 0) {
		c->accepted = true;
		return;
	}
	/* refused STAGE CODE [ERR FIELD] */
	int n = sscanf(v, "refused %7s %31s %15s %127s", c->stage, c->code, c->err, c->field);

	ck_assert_msg(n == 4 || (n == 2 && strcmp(c->stage, "load") == 0),
		      "%s:%d: expect: accepted | refused STAGE CODE ERR FIELD", path, c->line);
}

/* Reads tests/data/journal/name (see parse.cases for the format). */
static struct jfile *read_table(const char *name)
{
	struct jfile *f = calloc(1, sizeof(*f));
	char rel[256], *text, *line, *next;
	struct jcase *c = NULL;
	struct bytes in = {0}, canon = {0};
	enum multi multi = NONE;
	int lineno = 0;

	ck_assert_ptr_nonnull(f);
	snprintf(rel, sizeof(rel), "tests/data/journal/%s", name);
	ck_assert_msg(cfg_data_path(f->path, sizeof(f->path), rel) == 0, "%s", err_last());
	text = harness_slurp(f->path, NULL);
	memset(f->prev_hash, '0', 64);
	f->sequence = 1;
	for (line = text; line; line = next) {
		const char *v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		trim_end(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "=== ", 4) == 0) {
			finish(f, c, &in, &canon);
			ck_assert_msg(f->n < MAX_CASES, "%s: more than %d cases", f->path, MAX_CASES);
			c = &f->cases[f->n++];
			snprintf(c->name, sizeof(c->name), "%s", line + 4);
			c->line = lineno;
			multi = NONE;
			continue;
		}
		if (!c) {
			/* file-level settings */
			if (keyword(line, "account", &v)) {
				struct ledger_account *a = &f->accounts[f->n_accounts++];

				ck_assert(f->n_accounts <= MAX_ACCOUNTS);
				ck_assert_msg(sscanf(v, "%32s %3s", a->code, a->currency) == 2,
					      "%s: account: CODE CCY", f->path);
			} else if (keyword(line, "sequence", &v)) {
				f->sequence = strtoll(v, NULL, 10);
			} else if (keyword(line, "id", &v)) {
				snprintf(f->id, sizeof(f->id), "%s", v);
			} else if (keyword(line, "created_at", &v)) {
				snprintf(f->created_at, sizeof(f->created_at), "%s", v);
			} else if (keyword(line, "token_id", &v)) {
				snprintf(f->token_id, sizeof(f->token_id), "%s", v);
			} else if (keyword(line, "prev_hash", &v)) {
				snprintf(f->prev_hash, sizeof(f->prev_hash), "%s", v);
			} else {
				ck_abort_msg("%s: unknown setting '%s'", f->path, line);
			}
			continue;
		}
		if (keyword(line, "input", &v)) {
			multi = INPUT;
			add(&in, "", 0);
			if (*v) {
				add(&in, v, strlen(v));
				add(&in, "\n", 1);
			}
		} else if (keyword(line, "canonical", &v)) {
			multi = CANONICAL;
			add(&canon, "", 0);
			add(&canon, v, strlen(v));
		} else if (keyword(line, "where", &v)) {
			snprintf(c->where, sizeof(c->where), "%s", v);
			multi = NONE;
		} else if (keyword(line, "expect", &v)) {
			if (strncmp(v, "ok ", 3) == 0 || strncmp(v, "bad ", 4) == 0)
				c->expect = strdup(v); /* chain.cases */
			else
				parse_expect(c, v, f->path);
			multi = NONE;
		} else if (keyword(line, "message", &v)) {
			c->message = dup_expanded(v, NULL, f->path, lineno);
			multi = NONE;
		} else if (keyword(line, "hash", &v)) {
			snprintf(c->hash, sizeof(c->hash), "%s", v);
			multi = NONE;
		} else if (keyword(line, "same-hash-as", &v)) {
			snprintf(c->same, sizeof(c->same), "%s", v);
			multi = NONE;
		} else if (keyword(line, "json", &v)) {
			c->json = dup_expanded(v, NULL, f->path, lineno);
			multi = NONE;
		} else if (keyword(line, "ops", &v)) {
			c->ops = strdup(v);
			multi = NONE;
		} else if (multi == INPUT) {
			add(&in, line, strlen(line));
			add(&in, "\n", 1);
		} else if (multi == CANONICAL) {
			const char *s = line;

			while (*s == ' ' || *s == '\t')
				s++;
			add(&canon, s, strlen(s));
		} else {
			ck_abort_msg("%s: case '%s': cannot read '%s'", f->path, c->name, line);
		}
	}
	finish(f, c, &in, &canon);
	free(text);
	ck_assert_msg(f->n > 0, "%s: no cases", f->path);
	return f;
}

static void free_table(struct jfile *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct jcase *c = &f->cases[i];

		free(c->input);
		free(c->message);
		free(c->canonical);
		free(c->json);
		free(c->ops);
		free(c->expect);
	}
	free(f);
}

static const struct jcase *find_case(const struct jfile *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->cases[i].name, name) == 0)
			return &f->cases[i];
	return NULL;
}

/* ---- running a case ---------------------------------------------------------- */

/* Failures are gathered, so that one run names every case that is wrong
 * (and prints every hash a new case needs). */
struct failures {
	int n;
};

static void failf(struct failures *fl, const struct jfile *f, const struct jcase *c,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void failf(struct failures *fl, const struct jfile *f, const struct jcase *c,
		  const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: %s: ", f->path, c->line, c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fl->n++;
}

static void stamp(struct ledger_entry *e, const struct jfile *f)
{
	e->sequence = f->sequence;
	snprintf(e->id, sizeof(e->id), "%s", f->id);
	snprintf(e->created_at, sizeof(e->created_at), "%s", f->created_at);
	snprintf(e->token_id, sizeof(e->token_id), "%s", f->token_id);
	snprintf(e->prev_hash, sizeof(e->prev_hash), "%s", f->prev_hash);
}

static const struct ledger_account *account(const struct jfile *f, const char *code)
{
	for (size_t i = 0; i < f->n_accounts; i++)
		if (strcmp(f->accounts[i].code, code) == 0)
			return &f->accounts[i];
	return NULL;
}

/* The field an error message names: the text before its first ": ". */
static void message_field(char *out, size_t size, const char *msg)
{
	const char *colon = strstr(msg, ": ");
	size_t n = colon ? (size_t)(colon - msg) : strlen(msg);

	snprintf(out, size, "%.*s", (int)n, msg);
}

/* The outcome of load, parse and check: stage "" when accepted. */
struct outcome {
	char stage[8];
	const char *code;
	int rc;
	char message[512];
};

/* Loads the input as the daemon reads a body (server.c http_parse_body:
 * JSON_REJECT_DUPLICATES, no JSON_ALLOW_NUL), parses it and checks it
 * against the table's chart of accounts. *e is filled when accepted. */
static void run(struct outcome *out, struct ledger_entry *e, const struct jfile *f,
		const struct jcase *c)
{
	const struct ledger_account *acc[LIMIT_POSTINGS_PER_ENTRY];
	json_error_t jerr;
	json_t *obj;

	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	obj = json_loads(c->input, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj) {
		snprintf(out->stage, sizeof(out->stage), "load");
		out->code = "invalid-json";
		snprintf(out->message, sizeof(out->message), "%s", jerr.text);
		return;
	}
	err_clear();
	out->rc = ledger_entry_parse(e, obj, c->where);
	json_decref(obj);
	if (out->rc < 0) {
		out->code = err_code_name(err_code_of(out->rc));
		snprintf(out->stage, sizeof(out->stage), "parse");
		snprintf(out->message, sizeof(out->message), "%s", err_last());
		return;
	}
	for (size_t i = 0; i < e->n_postings; i++)
		acc[i] = account(f, e->postings[i].account);
	out->rc = ledger_entry_check(e, acc, c->where);
	if (out->rc < 0) {
		out->code = err_code_name(err_code_of(out->rc));
		snprintf(out->stage, sizeof(out->stage), "check");
		snprintf(out->message, sizeof(out->message), "%s", err_last());
		ledger_entry_free(e);
		return;
	}
	stamp(e, f);
}

static void check_refused(struct failures *fl, const struct jfile *f, const struct jcase *c,
			  const struct outcome *o, const struct ledger_entry *e)
{
	char field[128];

	if (!o->stage[0]) {
		failf(fl, f, c, "accepted, expected refused by %s", c->stage);
		return;
	}
	if (strcmp(o->stage, c->stage) != 0 || strcmp(o->code, c->code) != 0) {
		failf(fl, f, c, "refused by %s with %s (%s), expected by %s with %s", o->stage,
		      o->code, o->message, c->stage, c->code);
		return;
	}
	if (strcmp(c->stage, "load") == 0)
		return; /* jansson's own words, which vary between its versions */
	if (strcmp(err_name(o->rc), c->err) != 0)
		failf(fl, f, c, "err code %s, expected %s", err_name(o->rc), c->err);
	message_field(field, sizeof(field), o->message);
	if (strcmp(field, c->field) != 0)
		failf(fl, f, c, "the message names '%s', expected '%s' (%s)", field, c->field,
		      o->message);
	if (c->message && strcmp(o->message, c->message) != 0)
		failf(fl, f, c, "message\n  got:      %s\n  expected: %s", o->message, c->message);
	/* ledger.h: "On failure *out holds nothing to free." */
	if (e->postings || e->memo || e->reference || e->n_postings)
		failf(fl, f, c, "a refused entry still holds memory");
}

/*
 * The entry's JSON form read back: the date, memo, reference and postings
 * that ledger_entry_json shows are a request that parses to the same entry
 * (amounts are written with exactly the currency's digits).
 */
static void check_round_trip(struct failures *fl, const struct jfile *f,
			     const struct jcase *c, const struct ledger_entry *e)
{
	json_t *shown = ledger_entry_json(e), *req;
	struct ledger_entry back;
	char h1[HASH_HEX_BYTES], h2[HASH_HEX_BYTES];

	ck_assert_ptr_nonnull(shown);
	req = json_pack("{s:O, s:O, s:O, s:O}", "date", json_object_get(shown, "date"), "memo",
			json_object_get(shown, "memo"), "reference",
			json_object_get(shown, "reference"), "postings",
			json_object_get(shown, "postings"));
	ck_assert_ptr_nonnull(req);
	if (ledger_entry_parse(&back, req, "") < 0) {
		failf(fl, f, c, "its JSON form does not parse: %s", err_last());
	} else {
		stamp(&back, f);
		ck_assert_int_eq(ledger_entry_hash(h1, e), 0);
		ck_assert_int_eq(ledger_entry_hash(h2, &back), 0);
		if (strcmp(h1, h2) != 0)
			failf(fl, f, c, "its JSON form parses to another entry");
		ledger_entry_free(&back);
	}
	json_decref(req);
	json_decref(shown);
}

static void check_accepted(struct failures *fl, const struct jfile *f, const struct jcase *c,
			   const struct outcome *o, struct ledger_entry *e, char got[HASH_HEX_BYTES])
{
	char of_bytes[HASH_HEX_BYTES];

	if (o->stage[0]) {
		failf(fl, f, c, "refused by %s with %s: %s", o->stage, o->code, o->message);
		return;
	}
	ck_assert_int_eq(ledger_entry_hash(got, e), 0);
	if (strcmp(got, c->hash) != 0)
		failf(fl, f, c, "hash: %s, the table says '%s'", got, c->hash);
	if (!c->canonical) {
		failf(fl, f, c, "an accepted case needs its canonical bytes");
	} else {
		ck_assert_int_eq(hash_sha256_hex(of_bytes, c->canonical, c->canonical_len), 0);
		if (strcmp(of_bytes, got) != 0)
			failf(fl, f, c, "the canonical bytes written in the table hash to %s, the "
				       "entry to %s: one of them is wrong", of_bytes, got);
	}
	/* ledger_entry_chain computes the same hash and records the link */
	{
		struct ledger_entry copy = *e;

		ck_assert_int_eq(ledger_entry_chain(&copy, f->sequence, f->prev_hash), 0);
		if (strcmp(copy.hash, got) != 0)
			failf(fl, f, c, "ledger_entry_chain and ledger_entry_hash disagree");
		memcpy(e->hash, copy.hash, sizeof(e->hash));
	}
	if (c->json) {
		char *text = ledger_entries_text(e, 1, false);

		ck_assert_ptr_nonnull(text);
		if (strcmp(text, c->json) != 0)
			failf(fl, f, c, "json\n  got:      %s\n  expected: %s", text, c->json);
		free(text);
	}
	check_round_trip(fl, f, c, e);
}

/*
 * Runs every case of the table; then, among the accepted cases, two hashes
 * are equal exactly when the table says so with same-hash-as.
 */
static void run_table(const char *name)
{
	static char got[MAX_CASES][HASH_HEX_BYTES];
	struct jfile *f = read_table(name);
	struct failures fl = {0};

	for (size_t i = 0; i < f->n; i++) {
		const struct jcase *c = &f->cases[i];
		struct ledger_entry e;
		struct outcome o;

		ck_assert_msg(c->input, "%s:%d: %s: no input", f->path, c->line, c->name);
		ck_assert_msg(c->accepted || c->stage[0], "%s:%d: %s: no expect", f->path,
			      c->line, c->name);
		run(&o, &e, f, c);
		if (c->accepted)
			check_accepted(&fl, f, c, &o, &e, got[i]);
		else
			check_refused(&fl, f, c, &o, &e);
		ledger_entry_free(&e);
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct jcase *a = &f->cases[i], *ra = a;

		if (!a->accepted)
			continue;
		if (a->same[0]) {
			ra = find_case(f, a->same);
			ck_assert_msg(ra && ra->accepted && !ra->same[0],
				      "%s:%d: same-hash-as '%s': no such accepted case", f->path,
				      a->line, a->same);
		}
		for (size_t k = i + 1; k < f->n; k++) {
			const struct jcase *b = &f->cases[k], *rb = b;

			if (!b->accepted)
				continue;
			if (b->same[0])
				rb = find_case(f, b->same);
			if ((ra == rb) != (strcmp(got[i], got[k]) == 0))
				failf(&fl, f, b, "hash %s '%s' (line %d), the table says it should%s",
				      ra == rb ? "differs from" : "equals", a->name, a->line,
				      ra == rb ? " not" : "");
		}
	}
	ck_assert_msg(fl.n == 0, "%s: %d failure%s (above)", f->path, fl.n, fl.n == 1 ? "" : "s");
	free_table(f);
}

START_TEST(test_entry_parse__follows_the_parse_table)
{
	run_table("parse.cases");
}
END_TEST

START_TEST(test_entry_check__follows_the_check_table)
{
	run_table("check.cases");
}
END_TEST

START_TEST(test_entry_hash__follows_the_hash_table)
{
	run_table("hash.cases");
}
END_TEST

/* ---- the hash beyond what the JSON carries ----------------------------------- */

static struct ledger_posting vector_postings[] = {
	{"1010", true, 125000, "EUR"},
	{"4010", false, 125000, "EUR"},
};

static void vector_entry(struct ledger_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->sequence = 1;
	snprintf(e->id, sizeof(e->id), "0190f0a0-5b1e-7c3d-8e2f-1a2b3c4d5e6f");
	snprintf(e->date, sizeof(e->date), "2019-02-14");
	e->memo = "MAG travel";
	e->reference = "R-1";
	snprintf(e->created_at, sizeof(e->created_at), "2019-02-14T10:00:00.000000Z");
	snprintf(e->token_id, sizeof(e->token_id), "0123456789abcdef");
	memset(e->prev_hash, '0', 64);
	e->postings = vector_postings;
	e->n_postings = 2;
}

/*
 * The canonical form of docs/ledger.md for one entry, and its SHA-256 as
 * sha256sum printed it for these bytes (not taken from this program):
 *   printf '%s' "$BYTES" | sha256sum
 */
START_TEST(test_entry_hash__known_vector)
{
	static const char bytes[] =
		"0000000000000000000000000000000000000000000000000000000000000000"
		"17:tfledger-entry-v1," "1:1," "36:0190f0a0-5b1e-7c3d-8e2f-1a2b3c4d5e6f,"
		"10:2019-02-14," "10:MAG travel," "3:R-1," "27:2019-02-14T10:00:00.000000Z,"
		"16:0123456789abcdef," "0:," "0:," "0:," "1:2,"
		"4:1010,5:debit,6:125000,3:EUR," "4:4010,6:credit,6:125000,3:EUR,";
	static const char sha256sum[] =
		"30f59191d266918c308dc790c8b863c55717af292630f91117193809076139ef";
	struct ledger_entry e;
	char h[HASH_HEX_BYTES];

	ck_assert_int_eq(hash_sha256_hex(h, bytes, sizeof(bytes) - 1), 0);
	ck_assert_str_eq(h, sha256sum);
	vector_entry(&e);
	ck_assert_int_eq(ledger_entry_hash(h, &e), 0);
	ck_assert_str_eq(h, sha256sum);
}
END_TEST

/* One change to a field the JSON does not carry. */
struct change {
	const char *what;
	void (*apply)(struct ledger_entry *e);
	bool changes_hash;
};

static void ch_sequence(struct ledger_entry *e) { e->sequence = 2; }
static void ch_id(struct ledger_entry *e) { e->id[35] = '0'; }
static void ch_created_at(struct ledger_entry *e) { e->created_at[25] = '1'; }
static void ch_token_id(struct ledger_entry *e) { e->token_id[15] = 'e'; }
static void ch_key(struct ledger_entry *e) { e->idempotency_key = "k-1"; }
static void ch_request_sha(struct ledger_entry *e) { memset(e->request_sha256, 'a', 64); }
static void ch_reverses(struct ledger_entry *e)
{
	snprintf(e->reverses, sizeof(e->reverses), "0190f0a0-0000-7000-8000-000000000001");
}
static void ch_prev_hash(struct ledger_entry *e) { e->prev_hash[63] = '1'; }
static void ch_reversed_by(struct ledger_entry *e)
{
	snprintf(e->reversed_by, sizeof(e->reversed_by), "0190f0a0-0000-7000-8000-000000000002");
}
static void ch_hash(struct ledger_entry *e) { memset(e->hash, 'f', 64); }
static void ch_key_empty(struct ledger_entry *e) { e->idempotency_key = ""; }

static const struct change changes[] = {
	{"sequence", ch_sequence, true},
	{"id", ch_id, true},
	{"created_at", ch_created_at, true},
	{"token_id", ch_token_id, true},
	{"idempotency_key", ch_key, true},
	{"request_sha256", ch_request_sha, true},
	{"reverses", ch_reverses, true},
	{"prev_hash", ch_prev_hash, true},
	/* not stored in the entry's row, or the result itself: */
	{"reversed_by", ch_reversed_by, false},
	{"hash", ch_hash, false},
	/* NULL and "" are one value to the canonical form (a NULL column) */
	{"idempotency_key \"\" for NULL", ch_key_empty, false},
};

START_TEST(test_entry_hash__covers_every_stored_field)
{
	char base[HASH_HEX_BYTES], h[HASH_HEX_BYTES];
	struct ledger_entry e;

	vector_entry(&e);
	ck_assert_int_eq(ledger_entry_hash(base, &e), 0);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		vector_entry(&e);
		changes[i].apply(&e);
		ck_assert_int_eq(ledger_entry_hash(h, &e), 0);
		ck_assert_msg((strcmp(h, base) != 0) == changes[i].changes_hash,
			      "changing %s %s the hash", changes[i].what,
			      changes[i].changes_hash ? "does not change" : "changes");
	}
}
END_TEST

/* ---- the chain ------------------------------------------------------------------ */

#define CHAIN_MAX 16

/* A journal in memory: the rows of `entries` and the row of `ledger_head`. */
struct journal {
	struct ledger_entry rows[CHAIN_MAX];
	struct ledger_posting postings[CHAIN_MAX][2];
	char memo[CHAIN_MAX][32];
	size_t n;
	struct ledger_head head;
};

/* Entry k (1-based) of the chain that chain.cases breaks: 1010 debit and
 * 4010 credit of k * 100.00 EUR on 2019-02-(10 + k), ids and times fixed. */
static void chain_entry(struct journal *j, size_t slot, int k)
{
	struct ledger_entry *e = &j->rows[slot];

	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "0190f0a0-0000-7000-8000-%012d", k);
	snprintf(e->date, sizeof(e->date), "2019-02-%02u", (unsigned)(10 + k) % 100);
	snprintf(j->memo[slot], sizeof(j->memo[slot]), "entry %d", k);
	e->memo = j->memo[slot];
	e->reference = "";
	snprintf(e->created_at, sizeof(e->created_at), "2019-02-14T10:00:%02u.000000Z",
		 (unsigned)k % 60);
	snprintf(e->token_id, sizeof(e->token_id), "0123456789abcdef");
	j->postings[slot][0] = (struct ledger_posting){"1010", true, k * 10000, "EUR"};
	j->postings[slot][1] = (struct ledger_posting){"4010", false, k * 10000, "EUR"};
	e->postings = j->postings[slot];
	e->n_postings = 2;
}

/* n entries chained from 64 zeros, as ledger_append_prepare chains them,
 * and the head moved to the last. */
static void build_chain(struct journal *j, size_t n)
{
	char prev[HASH_HEX_BYTES];

	memset(j, 0, sizeof(*j));
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (size_t i = 0; i < n; i++) {
		chain_entry(j, i, (int)i + 1);
		ck_assert_int_eq(ledger_entry_chain(&j->rows[i], (int64_t)i + 1, prev), 0);
		ck_assert_int_eq(j->rows[i].sequence, (int64_t)i + 1);
		ck_assert_str_eq(j->rows[i].prev_hash, prev);
		memcpy(prev, j->rows[i].hash, HASH_HEX_BYTES);
	}
	j->n = n;
	j->head.sequence = (int64_t)n;
	memcpy(j->head.hash, prev, HASH_HEX_BYTES);
}

static int by_sequence(const void *a, const void *b)
{
	const struct ledger_entry *x = *(const struct ledger_entry *const *)a;
	const struct ledger_entry *y = *(const struct ledger_entry *const *)b;

	return (x->sequence > y->sequence) - (x->sequence < y->sequence);
}

static void fail_at(struct ledger_verify_result *v, int64_t seq, const char *why)
{
	v->ok = false;
	v->bad_sequence = seq;
	snprintf(v->why, sizeof(v->why), "%s", why);
}

/*
 * ledger_verify's rule (store.c) on rows in memory, step for step: rows in
 * sequence order from sequence 1 ("WHERE sequence > 0 ORDER BY sequence"),
 * each at the next sequence, linked to the hash before it (64 zeros for the
 * first) and hashing to its stored hash; then the head row agrees with the
 * last entry and no row lies outside the sequence. The postings count is
 * the database's alone (postings without an entry cannot exist here).
 */
static void verify_rows(struct ledger_verify_result *out, const struct journal *j)
{
	const struct ledger_entry *sorted[CHAIN_MAX + 1];
	char prev[HASH_HEX_BYTES];
	int64_t expect = 1;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (size_t i = 0; i < j->n; i++)
		if (j->rows[i].sequence > 0)
			sorted[n++] = &j->rows[i];
	qsort(sorted, n, sizeof(sorted[0]), by_sequence);
	out->ok = true;
	for (size_t i = 0; i < n && out->ok; i++) {
		const struct ledger_entry *e = sorted[i];
		char h[HASH_HEX_BYTES];

		if (e->sequence != expect)
			fail_at(out, expect, "entry missing: the sequence has a gap");
		else if (strcmp(e->prev_hash, prev) != 0)
			fail_at(out, expect, "prev_hash does not match the entry before");
		else if (ledger_entry_hash(h, e) < 0)
			ck_abort_msg("ledger_entry_hash: %s", err_last());
		else if (!hash_equal_ct(h, e->hash, 64))
			fail_at(out, expect, "hash does not match the entry's contents");
		memcpy(prev, e->hash, HASH_HEX_BYTES);
		if (out->ok)
			expect++;
	}
	out->entries = expect - 1;
	snprintf(out->head, sizeof(out->head), "%s", prev);
	if (!out->ok)
		return;
	if (j->head.sequence != expect - 1 || strcmp(j->head.hash, prev) != 0)
		fail_at(out, expect - 1 < j->head.sequence ? expect : j->head.sequence + 1,
			"the journal head does not match the last entry (entries deleted or added)");
	else if ((int64_t)j->n != expect - 1)
		fail_at(out, expect, "entries outside the sequence");
}

static struct ledger_entry *row_at(struct journal *j, int64_t seq)
{
	for (size_t i = 0; i < j->n; i++)
		if (j->rows[i].sequence == seq)
			return &j->rows[i];
	ck_abort_msg("no row with sequence %" PRId64, seq);
	return NULL;
}

/* The memo and postings of a row live in the journal's arrays, by slot:
 * moving a row moves what it points at with it. */
static void move_row(struct journal *j, size_t to, size_t from)
{
	j->rows[to] = j->rows[from];
	memcpy(j->memo[to], j->memo[from], sizeof(j->memo[to]));
	memcpy(j->postings[to], j->postings[from], sizeof(j->postings[to]));
	j->rows[to].memo = j->memo[to];
	j->rows[to].postings = j->postings[to];
}

static void alter(struct ledger_entry *e, const char *what)
{
	if (strcmp(what, "memo") == 0)
		e->memo[0] = 'E';
	else if (strcmp(what, "date") == 0)
		e->date[9] = e->date[9] == '9' ? '0' : (char)(e->date[9] + 1);
	else if (strcmp(what, "amount") == 0)
		e->postings[0].amount_minor++, e->postings[1].amount_minor++;
	else if (strcmp(what, "account") == 0)
		e->postings[0].account[3] = '1';
	else if (strcmp(what, "side") == 0)
		e->postings[0].debit = false, e->postings[1].debit = true;
	else if (strcmp(what, "prev_hash") == 0)
		e->prev_hash[0] = 'f';
	else if (strcmp(what, "hash") == 0)
		e->hash[0] = e->hash[0] == '0' ? '1' : '0';
	else
		ck_abort_msg("alter: unknown field %s", what);
}

/*
 * Applies "op ARGS; op ARGS" to the journal, as someone with write access
 * to the tables might (chain.cases lists the ops).
 */
static void apply_ops(struct journal *j, const char *ops)
{
	char *copy = strdup(ops), *save = NULL;

	for (char *op = strtok_r(copy, ";", &save); op; op = strtok_r(NULL, ";", &save)) {
		char name[24] = "", arg[24] = "";
		long a = 0, b = 0;

		sscanf(op, "%23s %ld %ld", name, &a, &b);
		sscanf(op, "%*s %*d %23s", arg);
		if (strcmp(name, "alter") == 0) {
			alter(row_at(j, a), arg);
		} else if (strcmp(name, "rehash") == 0) {
			struct ledger_entry *e = row_at(j, a);

			ck_assert_int_eq(ledger_entry_hash(e->hash, e), 0);
		} else if (strcmp(name, "rechain") == 0) {
			/* from sequence a to the last row, as an append would */
			for (int64_t s = a; s <= (int64_t)j->n; s++) {
				struct ledger_entry *e = row_at(j, s);
				char prev[HASH_HEX_BYTES];

				if (s == 1)
					memset(prev, '0', 64), prev[64] = '\0';
				else
					memcpy(prev, row_at(j, s - 1)->hash, HASH_HEX_BYTES);
				ck_assert_int_eq(ledger_entry_chain(e, s, prev), 0);
			}
		} else if (strcmp(name, "swap") == 0) {
			/* the contents of rows a and b trade places; each keeps its number */
			struct ledger_entry *x = row_at(j, a), *y = row_at(j, b);
			size_t sx = (size_t)(x - j->rows), sy = (size_t)(y - j->rows);

			move_row(j, CHAIN_MAX - 1, sx);
			move_row(j, sx, sy);
			move_row(j, sy, CHAIN_MAX - 1);
			j->rows[sx].sequence = a;
			j->rows[sy].sequence = b;
		} else if (strcmp(name, "drop") == 0) {
			size_t s = (size_t)(row_at(j, a) - j->rows);

			for (; s + 1 < j->n; s++)
				move_row(j, s, s + 1);
			j->n--;
		} else if (strcmp(name, "renumber") == 0) {
			/* close the gaps: rows numbered 1.. in sequence order */
			for (size_t i = 0; i < j->n; i++)
				j->rows[i].sequence = (int64_t)i + 1;
		} else if (strcmp(name, "append") == 0) {
			/* one more entry chained after the last; the head is not moved */
			ck_assert(j->n < CHAIN_MAX - 1);
			chain_entry(j, j->n, (int)j->n + 1);
			ck_assert_int_eq(ledger_entry_chain(&j->rows[j->n], (int64_t)j->n + 1,
							    j->rows[j->n - 1].hash), 0);
			j->n++;
		} else if (strcmp(name, "outside") == 0) {
			/* a row with sequence 0 (the SQL reads from sequence 1) */
			ck_assert(j->n < CHAIN_MAX - 1);
			chain_entry(j, j->n, 99);
			j->rows[j->n].sequence = 0;
			j->n++;
		} else if (strcmp(name, "move-head") == 0) {
			const struct ledger_entry *last = row_at(j, (int64_t)j->n);

			j->head.sequence = last->sequence;
			memcpy(j->head.hash, last->hash, HASH_HEX_BYTES);
		} else if (strcmp(name, "head-back") == 0) {
			j->head.sequence--;
		} else {
			ck_abort_msg("unknown op '%s'", op);
		}
	}
	free(copy);
}

START_TEST(test_chain_verify__finds_each_break_at_its_entry)
{
	struct jfile *f = read_table("chain.cases");
	struct failures fl = {0};

	for (size_t i = 0; i < f->n; i++) {
		const struct jcase *c = &f->cases[i];
		struct ledger_verify_result v;
		struct journal j;
		long n, seq;
		char head[HASH_HEX_BYTES] = "", why[256] = "";

		ck_assert_msg(c->input && c->expect, "%s:%d: needs input: N and expect:", f->path,
			      c->line);
		n = strtol(c->input, NULL, 10);
		ck_assert(n >= 1 && n < CHAIN_MAX - 2);
		build_chain(&j, (size_t)n);
		if (c->ops)
			apply_ops(&j, c->ops);
		verify_rows(&v, &j);
		if (sscanf(c->expect, "ok %ld %64s", &seq, head) == 2) {
			if (!v.ok)
				failf(&fl, f, c, "broken at %" PRId64 ": %s", v.bad_sequence, v.why);
			else if (v.entries != seq || strcmp(v.head, head) != 0)
				failf(&fl, f, c, "ok with %" PRId64 " entries, head %s", v.entries,
				      v.head);
		} else if (sscanf(c->expect, "bad %ld %255[^\n]", &seq, why) == 2) {
			if (v.ok)
				failf(&fl, f, c, "verifies (%" PRId64 " entries, head %s)", v.entries,
				      v.head);
			else if (v.bad_sequence != seq || strcmp(v.why, why) != 0)
				failf(&fl, f, c, "broken at %" PRId64 ": %s", v.bad_sequence, v.why);
		} else {
			ck_abort_msg("%s:%d: expect: ok N HEAD | bad SEQUENCE WHY", f->path, c->line);
		}
	}
	ck_assert_msg(fl.n == 0, "%s: %d failure%s (above)", f->path, fl.n, fl.n == 1 ? "" : "s");
	free_table(f);
}
END_TEST

/* Entries appended one by one and all at once chain alike: the link is
 * only ever the previous hash, whatever the grouping. */
START_TEST(test_entry_chain__links_each_entry_to_the_hash_before)
{
	struct journal j;
	char prev[HASH_HEX_BYTES];

	build_chain(&j, 5);
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (size_t i = 0; i < j.n; i++) {
		struct ledger_entry e = j.rows[i];
		char h[HASH_HEX_BYTES];

		ck_assert_str_eq(e.prev_hash, prev);
		ck_assert_int_eq(ledger_entry_hash(h, &e), 0);
		ck_assert_str_eq(h, e.hash);
		/* the same entry after another predecessor is another hash */
		ck_assert_int_eq(ledger_entry_chain(&e, e.sequence, j.rows[(i + 1) % j.n].hash), 0);
		ck_assert_str_ne(e.hash, j.rows[i].hash);
		memcpy(prev, j.rows[i].hash, HASH_HEX_BYTES);
	}
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test core[] = {
		{test_entry_parse__follows_the_parse_table, 0},
		{test_entry_check__follows_the_check_table, 0},
		{test_entry_hash__follows_the_hash_table, 0},
		{test_entry_hash__known_vector, 0},
		{test_entry_hash__covers_every_stored_field, 0},
		{test_entry_chain__links_each_entry_to_the_hash_before, 0},
		{test_chain_verify__finds_each_break_at_its_entry, 0},
	};
	Suite *s = suite_create("journal");

	harness_add_tcase(s, "core", NULL, NULL, 0, core, HARNESS_N(core));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
