/*
 * mt940.c - the streaming MT940 reader behind mt940.h.
 *
 * Physical lines (LF or CRLF) are read one at a time and grouped into
 * fields: a line ":TAG:..." starts a field, any other line continues it,
 * "-" (or "-}", or "$") ends a message, "{1:"/"{2:" header blocks are
 * skipped and "{4:" opens the text. A field is acted on when the next one
 * starts, so that :86: (which may span six lines) is whole; a :61: line is
 * handed out once its :86: is read. Field order is checked: :20: opens a
 * statement; :25:, :28C: and :60F:/:60M: come before the first :61:;
 * :62F:/:62M: closes it and must equal the opening balance plus the
 * credits minus the debits, so that a statement missing a line is refused.
 *
 * Only one field, one statement header and one pending line are held.
 * Deviations tolerated are logged as warnings naming file:line; anything
 * else wrong is an error naming file:line and field. This file never
 * guesses an amount.
 */
#include "bank/mt940.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bank/deviations.h"
#include "common/date.h"
#include "common/err.h"
#include "common/money.h"
#include "common/text.h"

#define SWIFT_LINE_CHARS 65 /* the standard's line length */

enum warn_kind {
	W_LONG_LINE, W_ENCODING, W_UNKNOWN_FIELD, W_DECIMALS, W_REMITTANCE_CUT,
	W_ZERO_AMOUNT, W_KINDS
};

static const char *const warn_names[W_KINDS] = {
	"long-line", "encoding", "unknown-field", "decimals", "remittance-cut",
	"zero-amount",
};

/* SEPA remittance tags of German banks' :86: (DFÜ-Abkommen, annex 3). */
static const char *const sepa_tags[] = {
	"EREF", "KREF", "MREF", "CRED", "DEBT", "SVWZ", "ABWA", "ABWE", "COAM",
	"OAMT", "PURP", "IBAN", NULL,
};

struct parser {
	const char *path;
	const struct bank_camt_handler *h;
	struct bank_camt_summary *sum;
	FILE *f;                 /* the file, or NULL: */
	const char *buf;         /* the memory read */
	size_t len, pos;
	long lineno;             /* of the line in line[] */
	char raw[BANK_MT940_LINE_BYTES + 1];
	char line[2 * BANK_MT940_LINE_BYTES + 1]; /* raw as UTF-8 */
	/* the field being collected: tag[0] == '\0' for none */
	char tag[4];
	long tag_line;
	char text[BANK_MT940_FIELD_BYTES];
	size_t text_len;
	/* the statement */
	bool in_stmt, begun, has_25, has_28, has_60, has_62;
	char ref[LIMIT_CAMT_FIELD_BYTES];    /* :20: */
	char number[LIMIT_CAMT_FIELD_BYTES]; /* :28C: */
	struct bank_camt_statement st;
	/* the :61: line waiting for its :86: */
	bool has_line, info_allowed;
	struct bank_camt_line l;
	char tx_type[5];         /* :61: type code, "NTRF" (not yet handed out) */
	long warn_counts[W_KINDS];
	struct bank_deviations dev; /* warn() and fail() */
};

/* A tolerated deviation and a refusal, worded as every bank reader words
 * them (bank/deviations.h). */
#define warn(p, kind, line, ...) bank_deviations_warn(&(p)->dev, (kind), (line), __VA_ARGS__)
#define fail(p, code, line, ...) bank_deviations_fail((p)->path, (code), (line), __VA_ARGS__)

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/*
 * Reads the next physical line into p->line as UTF-8, without its CR LF.
 * Returns 1, 0 at the end of the input, or an error: a line above
 * BANK_MT940_LINE_BYTES, a control byte. A line that is not UTF-8 is read
 * as ISO 8859-1 (German banks' MT940 charset) with a warning.
 */
static int next_line(struct parser *p)
{
	const unsigned char *r = (const unsigned char *)p->raw;
	size_t n = 0, m = 0, start;
	bool any = false, latin1 = false;
	int c;

	for (;;) {
		c = p->f ? getc(p->f) : p->pos < p->len ? (unsigned char)p->buf[p->pos++] : EOF;
		if (c == EOF)
			break;
		any = true;
		if (c == '\n')
			break;
		if (n == BANK_MT940_LINE_BYTES)
			return fail(p, ERR_LIMIT, p->lineno + 1, "line", "longer than %d bytes "
				    "(BANK_MT940_LINE_BYTES)", BANK_MT940_LINE_BYTES);
		p->raw[n++] = (char)c;
	}
	if (p->f && ferror(p->f))
		return err_sys(ERR_SYSTEM, "%s: cannot read", p->path);
	if (!any)
		return 0;
	p->lineno++;
	if (n > 0 && r[n - 1] == '\r')
		n--;
	/* a byte order mark; the SOH and ETX that wrap FIN messages in some
	 * exports */
	start = p->lineno == 1 && n >= 3 && memcmp(r, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	start += n > start && r[start] == 0x01;
	if (n > start && r[n - 1] == 0x03)
		n--;
	for (size_t i = start; i < n; i++)
		if ((r[i] < 0x20 && r[i] != '\t') || r[i] == 0x7F)
			return fail(p, ERR_INVALID, p->lineno, "line", "control byte 0x%02X at "
				    "column %zu: not an MT940 text", r[i], i + 1);
	for (size_t i = start, len; i < n; i += len) {
		len = utf8_seq(r + i, n - i);
		if (len == 0) {
			latin1 = true;
			break;
		}
	}
	for (size_t i = start; i < n; i++) {
		if (latin1 && r[i] >= 0x80) {
			p->line[m++] = (char)(0xC0 | (r[i] >> 6));
			p->line[m++] = (char)(0x80 | (r[i] & 0x3F));
		} else {
			p->line[m++] = (char)r[i];
		}
	}
	p->line[m] = '\0';
	/* the one rule for text (common/text.h): no C1 controls, no U+FFFE */
	if (text_check(NULL, p->line, m) < 0)
		return fail(p, ERR_INVALID, p->lineno, "line", "%s: not an MT940 text", err_last());
	if (latin1)
		warn(p, W_ENCODING, p->lineno, "line", "not UTF-8: read as ISO 8859-1");
	return 1;
}

static long utf8_chars(const char *s)
{
	long n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* s without leading and trailing blanks, into dst (size bytes); ERR_LIMIT
 * naming field if it does not fit. */
static int set_trimmed(struct parser *p, char *dst, size_t size, const char *s,
		       size_t n, long line, const char *field)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		return fail(p, ERR_LIMIT, line, field, "longer than %zu bytes", size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Appends n bytes of s to dst (size bytes) after sep (when dst is not
 * empty), cutting at a UTF-8 boundary. Returns true if it had to cut. */
static bool append(char *dst, size_t size, const char *sep, const char *s, size_t n)
{
	size_t len = strlen(dst);
	size_t seplen = len ? strlen(sep) : 0;
	bool cut = false;

	if (len + seplen >= size)
		return n > 0;
	memcpy(dst + len, sep, seplen);
	len += seplen;
	if (len + n >= size) {
		n = size - 1 - len;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	memcpy(dst + len, s, n);
	dst[len + n] = '\0';
	return cut;
}

/* YYMMDD into "YYYY-MM-DD": 00-79 are 2000-2079, 80-99 are 1980-1999. */
static bool yymmdd(char out[DATE_BYTES], const char *s)
{
	for (int i = 0; i < 6; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	memcpy(out, s[0] < '8' ? "20" : "19", 2);
	memcpy(out + 2, s, 2);
	out[4] = '-';
	memcpy(out + 5, s + 2, 2);
	out[7] = '-';
	memcpy(out + 8, s + 4, 2);
	out[10] = '\0';
	return date_valid(out);
}

/*
 * The entry date MMDD of a :61: line, whose year is not written: of the
 * years before, of and after the value date's, the one that puts it
 * nearest the value date (a line valued 31 December and booked 2 January
 * is booked in the next year). False if MMDD is no day of those years.
 */
static bool entry_date(char out[DATE_BYTES], const char *mmdd, const char *value_date)
{
	int32_t value, day, best_gap = -1;
	int year = atoi(value_date);
	char d[24];

	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)mmdd[i]))
			return false;
	if (date_parse(&value, value_date) < 0)
		return false;
	for (int y = year - 1; y <= year + 1; y++) {
		int32_t gap;

		snprintf(d, sizeof(d), "%04d-%.2s-%.2s", y % 10000, mmdd, mmdd + 2);
		if (!date_valid(d) || date_parse(&day, d) < 0)
			continue;
		gap = day > value ? day - value : value - day;
		if (best_gap < 0 || gap < best_gap) {
			best_gap = gap;
			memcpy(out, d, DATE_BYTES);
		}
	}
	err_clear();
	return best_gap >= 0;
}

/*
 * The amount at *s (digits, a decimal comma, at most the currency's
 * digits after it; fewer are padded, extra zeros dropped with a warning)
 * in minor units of ccy; *s is left after it. ERR_LIMIT beyond int64.
 */
static int amount(struct parser *p, int64_t *out, const char **s, const char *ccy,
		  long line, const char *field)
{
	const char *start = *s, *q = start, *comma = NULL, *int_start;
	char canon[MONEY_STR_MAX + 8];
	int digits = money_currency_digits(ccy);
	size_t int_len, frac_len, keep;
	int rc;

	if (digits < 0)
		return fail(p, ERR_INVALID, line, field, "%s", err_last());
	for (; isdigit((unsigned char)*q) || *q == ','; q++)
		if (*q == ',') {
			if (comma)
				return fail(p, ERR_INVALID, line, field, "'%.*s' has two decimal "
					    "commas", (int)(q - start + 1), start);
			comma = q;
		}
	*s = q;
	if (!comma || comma == start) {
		size_t shown = q > start ? (size_t)(q - start) : strcspn(start, "\n");

		return fail(p, ERR_INVALID, line, field, "'%.*s' is not an amount (digits, "
			    "a decimal comma, decimals: 1234,56)", shown < 24 ? (int)shown : 24,
			    start);
	}
	int_start = start;
	while (*int_start == '0' && int_start + 1 < comma)
		int_start++;
	int_len = (size_t)(comma - int_start);
	frac_len = (size_t)(q - comma - 1);
	if (int_len > 19)
		return fail(p, ERR_LIMIT, line, field, "'%.*s' is too large", (int)(q - start),
			    start);
	keep = frac_len;
	if (frac_len > (size_t)digits) {
		for (size_t i = (size_t)digits; i < frac_len; i++)
			if (comma[1 + i] != '0')
				return fail(p, ERR_INVALID, line, field, "'%.*s' has more decimals "
					    "than %s has (%d)", (int)(q - start), start, ccy, digits);
		warn(p, W_DECIMALS, line, field, "'%.*s' has zeros beyond the %d decimals of %s",
		     (int)(q - start), start, digits, ccy);
		keep = (size_t)digits;
	}
	memcpy(canon, int_start, int_len);
	if (digits > 0) {
		canon[int_len] = '.';
		memcpy(canon + int_len + 1, comma + 1, keep);
		memset(canon + int_len + 1 + keep, '0', (size_t)digits - keep);
		canon[int_len + 1 + digits] = '\0';
	} else {
		canon[int_len] = '\0';
	}
	rc = money_parse(out, canon, ccy);
	return rc < 0 ? fail(p, rc, line, field, "'%.*s': %s", (int)(q - start), start,
			     err_last()) : 0;
}

/* :60F:, :60M:, :62F:, :62M: (what: "opening balance"): C or D, YYMMDD,
 * currency, amount; *out is signed, credit positive. */
static int balance(struct parser *p, int64_t *out, char date[DATE_BYTES], char ccy[4],
		   const char *what)
{
	const char *s = p->text;
	char field[48];
	bool debit;
	int rc;

	snprintf(field, sizeof(field), ":%s: %s", p->tag, what);
	if (*s != 'C' && *s != 'D')
		return fail(p, ERR_INVALID, p->tag_line, field, "'%.1s': expected C or D",
			    s);
	debit = *s++ == 'D';
	if (strlen(s) < 6 || !yymmdd(date, s))
		return fail(p, ERR_INVALID, p->tag_line, field, "'%.6s' is not a date YYMMDD",
			    s);
	s += 6;
	if (strlen(s) < 3)
		return fail(p, ERR_INVALID, p->tag_line, field, "no currency");
	memcpy(ccy, s, 3);
	ccy[3] = '\0';
	if (!money_currency_valid(ccy))
		return fail(p, ERR_INVALID, p->tag_line, field, "'%s' is no ISO 4217 currency",
			    ccy);
	s += 3;
	rc = amount(p, out, &s, ccy, p->tag_line, field);
	if (rc < 0)
		return rc;
	if (*s)
		return fail(p, ERR_INVALID, p->tag_line, field, "'%s' after the amount", s);
	if (debit)
		money_negate(out, *out);
	return 0;
}

static bool is_bic(const char *s, size_t n)
{
	if (n != 8 && n != 11)
		return false;
	for (size_t i = 0; i < n; i++)
		if (i < 6 ? !isupper((unsigned char)s[i]) : !isalnum((unsigned char)s[i]))
			return false;
	return true;
}

/* :25: the account: an IBAN (spaces removed, upper case), or the bank's
 * account number; a leading "BIC/" is dropped. */
static int account(struct parser *p)
{
	char *dst = p->st.account;
	const char *s = p->text, *slash = strchr(s, '/');
	char tmp[LIMIT_CAMT_FIELD_BYTES];
	size_t n = 0;
	bool iban = true;
	int rc;

	if (slash && is_bic(s, (size_t)(slash - s)))
		s = slash + 1;
	rc = set_trimmed(p, tmp, sizeof(tmp), s, strlen(s), p->tag_line, ":25: account");
	if (rc < 0)
		return rc;
	for (const char *q = tmp; *q; q++) {
		if (*q == ' ')
			continue;
		iban &= isalnum((unsigned char)*q) != 0;
		dst[n++] = (char)toupper((unsigned char)*q);
	}
	dst[n] = '\0';
	iban &= n >= 15 && n <= 34 && isalpha((unsigned char)dst[0]) &&
		isalpha((unsigned char)dst[1]) && isdigit((unsigned char)dst[2]) &&
		isdigit((unsigned char)dst[3]);
	if (!iban)
		memcpy(dst, tmp, strlen(tmp) + 1);
	if (!isalnum((unsigned char)dst[0]))
		return fail(p, ERR_INVALID, p->tag_line, ":25: account", "'%s' is not an account "
			    "(an IBAN or the bank's account number)", p->text);
	return 0;
}

/* The statement's header is complete: hand it out (before its first line). */
static int begin_statement(struct parser *p)
{
	if (p->begun)
		return 0;
	if (!p->has_25)
		return fail(p, ERR_INVALID, p->st.line, ":25: account", "missing: the statement of "
			    ":20: %s names no account", p->ref);
	if (!p->has_28)
		return fail(p, ERR_INVALID, p->st.line, ":28C: statement number", "missing: the "
			    "statement of :20: %s has no statement number", p->ref);
	if (!p->has_60)
		return fail(p, ERR_INVALID, p->st.line, ":60F: opening balance", "missing: the "
			    "statement of :20: %s has no opening balance", p->ref);
	/* :20: alone is no identity (German banks write STARTUMS in every one) */
	if ((size_t)snprintf(p->st.id, sizeof(p->st.id), "%s/%s/%s", p->ref, p->number,
			     p->st.opening_date) >= sizeof(p->st.id))
		return fail(p, ERR_LIMIT, p->st.line, ":20: reference", "reference and statement "
			    "number longer than %d bytes", LIMIT_CAMT_FIELD_BYTES - 1);
	p->begun = true;
	return p->h->statement_begin ? p->h->statement_begin(p->h->ctx, &p->st) : 0;
}

/* Hands out the :61: line waiting for its :86:, if any. */
static int flush_line(struct parser *p)
{
	if (!p->has_line)
		return 0;
	p->has_line = false;
	p->info_allowed = false;
	if (p->l.amount_minor == 0) {
		warn(p, W_ZERO_AMOUNT, p->l.line, ":61:", "zero amount: nothing stored");
		return 0;
	}
	p->sum->lines++;
	return p->h->line ? p->h->line(p->h->ctx, &p->st, &p->l) : 0;
}

/*
 * :61: value date YYMMDD, [entry date MMDD], C | D | RC | RD, [funds code
 * letter], amount, type (N, F or S and three characters), reference for
 * the account owner, [//bank reference]; a second line of supplementary
 * details is not read.
 */
static int statement_line(struct parser *p)
{
	struct bank_camt_line *l = &p->l;
	const char *s = p->text, *end = strchr(p->text, '\n'), *refs;
	int64_t *total;
	int rc;

	if (!end)
		end = s + strlen(s);
	memset(l, 0, sizeof(*l));
	l->line = p->tag_line;
	l->entry_index = p->st.entries + 1;
	strcpy(l->status, "BOOK");
	if (end - s < 6 || !yymmdd(l->value_date, s))
		return fail(p, ERR_INVALID, p->tag_line, ":61: value date", "'%.6s' is not "
			    "a date YYMMDD", s);
	s += 6;
	if (isdigit((unsigned char)*s)) {
		if (end - s < 4 || !entry_date(l->booking_date, s, l->value_date))
			return fail(p, ERR_INVALID, p->tag_line, ":61: entry date", "'%.4s' is "
				    "not a date MMDD near the value date %s", s, l->value_date);
		s += 4;
	}
	if (s[0] == 'R' && (s[1] == 'C' || s[1] == 'D')) {
		/* a reversal of a credit is booked as a debit, and the other way */
		l->reversal = true;
		l->side = s[1] == 'C' ? LEDGER_CAMT_DEBIT : LEDGER_CAMT_CREDIT;
		s += 2;
	} else if (s[0] == 'C' || s[0] == 'D') {
		l->side = s[0] == 'C' ? LEDGER_CAMT_CREDIT : LEDGER_CAMT_DEBIT;
		s++;
	} else {
		return fail(p, ERR_INVALID, p->tag_line, ":61: mark", "'%.2s': expected C, D, "
			    "RC or RD", s);
	}
	if (isalpha((unsigned char)*s))
		s++; /* funds code: the third letter of the currency */
	rc = amount(p, &l->amount_minor, &s, p->st.currency, p->tag_line, ":61: amount");
	if (rc < 0)
		return rc;
	if (end - s < 4 || !strchr("NFS", s[0]) || !isalnum((unsigned char)s[1]) ||
	    !isalnum((unsigned char)s[2]) || !isalnum((unsigned char)s[3]))
		return fail(p, ERR_INVALID, p->tag_line, ":61: type", "'%.4s': expected N, F "
			    "or S and a three-character code (NTRF)", s);
	memcpy(p->tx_type, s, 4);
	p->tx_type[4] = '\0';
	snprintf(l->bank_tx_code, sizeof(l->bank_tx_code), "swift:%s", p->tx_type);
	memcpy(l->currency, p->st.currency, 4);
	memcpy(l->own_currency, p->st.currency, 4);
	s += 4;
	refs = strstr(s, "//");
	if (!refs || refs > end)
		refs = end;
	rc = set_trimmed(p, l->remittance_refs, sizeof(l->remittance_refs), s,
			 (size_t)(refs - s), p->tag_line, ":61: reference");
	if (rc == 0 && strcmp(l->remittance_refs, "NONREF") == 0)
		l->remittance_refs[0] = '\0';
	if (rc == 0 && refs < end)
		rc = set_trimmed(p, l->bank_ref, sizeof(l->bank_ref), refs + 2,
				 (size_t)(end - refs - 2), p->tag_line, ":61: bank reference");
	if (rc < 0)
		return rc;
	l->own_amount_minor = l->amount_minor;
	p->st.entries++;
	total = l->side == LEDGER_CAMT_CREDIT ? &p->st.credits_minor : &p->st.debits_minor;
	if (money_add(total, *total, l->amount_minor) < 0)
		return fail(p, ERR_LIMIT, p->tag_line, ":61: amount", "statement total "
			    "overflows");
	p->has_line = true;
	p->info_allowed = true;
	return 0;
}

/* The SEPA tag a piece of remittance starts with ("EREF+..."), or NULL. */
static const char *sepa_tag(const char *s, size_t n)
{
	for (int i = 0; sepa_tags[i]; i++)
		if (n > 4 && strncmp(s, sepa_tags[i], 4) == 0 && s[4] == '+')
			return sepa_tags[i];
	return NULL;
}

struct info {
	const char *tag;       /* the SEPA tag the current piece belongs to */
	char all[BANK_MT940_FIELD_BYTES];  /* every remittance piece */
	char eref[BANK_MT940_FIELD_BYTES];
	char svwz[BANK_MT940_FIELD_BYTES];
	char name[BANK_MT940_FIELD_BYTES]; /* ?32 and ?33 */
};

/* One piece of remittance text (a ?20-?29/?60-?63 subfield, or a line of
 * unstructured text); a piece may open a SEPA tag or continue the last. */
static void piece(struct info *in, const char *s, size_t n, const char *sep)
{
	const char *tag = sepa_tag(s, n);

	append(in->all, sizeof(in->all), sep, s, n);
	if (tag) {
		in->tag = tag;
		s += 5;
		n -= 5;
	}
	if (in->tag && strcmp(in->tag, "EREF") == 0)
		append(in->eref, sizeof(in->eref), "", s, n);
	else if (in->tag && strcmp(in->tag, "SVWZ") == 0)
		append(in->svwz, sizeof(in->svwz), "", s, n);
}

/*
 * :86: information to the account owner, for the :61: before it. German
 * banks structure it: a three-digit code, then ?NN subfields (?20-?29 and
 * ?60-?63 remittance, ?32-?33 the other party's name); in the remittance,
 * EREF+ gives the end-to-end id and SVWZ+ the remittance text. Other text
 * is kept whole as the remittance, its lines joined with newlines.
 */
static int information(struct parser *p)
{
	struct bank_camt_line *l = &p->l;
	struct info *in = calloc(1, sizeof(*in));
	const char *t = p->text;
	char flat[BANK_MT940_FIELD_BYTES];
	const char *rem;
	char *name_dst;
	size_t n = 0;
	int rc = 0;

	if (!in)
		return err_set(ERR_SYSTEM, "out of memory");
	for (; *t; t++)
		if (*t != '\n')
			flat[n++] = *t;
	flat[n] = '\0';
	if (isdigit((unsigned char)flat[0]) && isdigit((unsigned char)flat[1]) &&
	    isdigit((unsigned char)flat[2]) && flat[3] == '?') {
		const char *q = flat + 3;

		while (*q == '?') {
			int code = isdigit((unsigned char)q[1]) && isdigit((unsigned char)q[2])
				   ? (q[1] - '0') * 10 + (q[2] - '0') : -1;
			const char *v = code >= 0 ? q + 3 : q + 1;
			size_t vn = strcspn(v, "?");

			if ((code >= 20 && code <= 29) || (code >= 60 && code <= 63))
				piece(in, v, vn, "");
			else if (code == 32 || code == 33)
				append(in->name, sizeof(in->name), "", v, vn);
			q = v + vn;
		}
	} else {
		for (t = p->text; *t; ) {
			size_t ln = strcspn(t, "\n");

			piece(in, t, ln, "\n");
			t += ln + (t[ln] == '\n');
		}
	}
	rc = set_trimmed(p, l->end_to_end_id, sizeof(l->end_to_end_id), in->eref,
			 strlen(in->eref), p->tag_line, ":86: EREF+");
	if (rc == 0 && strcmp(l->end_to_end_id, "NOTPROVIDED") == 0)
		l->end_to_end_id[0] = '\0';
	name_dst = l->side == LEDGER_CAMT_CREDIT ? l->debtor_name : l->creditor_name;
	if (rc == 0)
		rc = set_trimmed(p, name_dst, sizeof(l->debtor_name), in->name,
				 strlen(in->name), p->tag_line, ":86: ?32 name");
	if (rc < 0)
		goto cleanup;
	rem = in->svwz[0] ? in->svwz : in->all;
	while (*rem == ' ')
		rem++;
	if (append(l->remittance, sizeof(l->remittance), "", rem, strlen(rem)))
		warn(p, W_REMITTANCE_CUT, p->tag_line, ":86:", "remittance longer than %zu "
		     "bytes is cut", sizeof(l->remittance) - 1);
	for (n = strlen(l->remittance); n > 0 && l->remittance[n - 1] == ' '; n--)
		l->remittance[n - 1] = '\0';
cleanup:
	free(in);
	return rc;
}

static int end_statement(struct parser *p, long line)
{
	int rc = flush_line(p);

	if (rc < 0)
		return rc;
	if (!p->has_62)
		return fail(p, ERR_INVALID, line, ":62F: closing balance", "missing: the "
			    "statement of line %ld has no closing balance (a truncated file?)",
			    p->st.line);
	rc = begin_statement(p);
	if (rc < 0)
		return rc;
	p->in_stmt = false;
	p->sum->statements++;
	return p->h->statement_end ? p->h->statement_end(p->h->ctx, &p->st) : 0;
}

/* :62F:/:62M: must be the opening balance plus credits minus debits. */
static int closing(struct parser *p)
{
	char ccy[4], a[MONEY_STR_MAX], b[MONEY_STR_MAX];
	int64_t want;
	int rc = flush_line(p);

	if (rc == 0)
		rc = balance(p, &p->st.closing_minor, p->st.closing_date, ccy, "closing balance");
	if (rc < 0)
		return rc;
	if (strcmp(ccy, p->st.currency) != 0)
		return fail(p, ERR_INVALID, p->tag_line, ":62F: closing balance", "currency %s "
			    "differs from "
			    "the opening balance's %s", ccy, p->st.currency);
	p->st.has_closing = true;
	p->has_62 = true;
	if (money_add(&want, p->st.opening_minor, p->st.credits_minor) < 0 ||
	    money_sub(&want, want, p->st.debits_minor) < 0)
		return fail(p, ERR_LIMIT, p->tag_line, ":62F: closing balance", "overflows");
	if (want != p->st.closing_minor) {
		money_format(a, p->st.closing_minor, ccy);
		money_format(b, want, ccy);
		return fail(p, ERR_INVALID, p->tag_line, ":62F: closing balance", "%s %s is "
			    "not the opening balance plus the lines (%s %s): a :61: line is "
			    "missing or wrong", a, ccy, b, ccy);
	}
	return 0;
}

static int start_statement(struct parser *p)
{
	int rc;

	if (p->in_stmt && !p->has_62)
		return fail(p, ERR_INVALID, p->tag_line, ":20: reference", "a new statement before "
			    ":62F: closed the one of line %ld (a truncated statement?)",
			    p->st.line);
	if (p->in_stmt && (rc = end_statement(p, p->tag_line)) < 0)
		return rc;
	if (p->sum->statements >= LIMIT_CAMT_STATEMENTS_PER_FILE)
		return fail(p, ERR_LIMIT, p->tag_line, ":20: reference", "more than %d statements",
			    LIMIT_CAMT_STATEMENTS_PER_FILE);
	memset(&p->st, 0, sizeof(p->st));
	p->st.file = p->path;
	p->st.format = BANK_FORMAT_MT940;
	p->st.line = p->tag_line;
	p->in_stmt = true;
	p->begun = p->has_25 = p->has_28 = p->has_60 = p->has_62 = false;
	p->has_line = p->info_allowed = false;
	rc = set_trimmed(p, p->ref, sizeof(p->ref), p->text, strlen(p->text), p->tag_line,
			 ":20: reference");
	if (rc == 0 && !p->ref[0])
		rc = fail(p, ERR_INVALID, p->tag_line, ":20: reference", "empty");
	return rc;
}

/* Acts on the field collected in p->tag and p->text. */
static int end_field(struct parser *p)
{
	const char *t = p->tag;
	char field[16];
	int rc = 0;

	if (!t[0])
		return 0;
	snprintf(field, sizeof(field), ":%s: field", t);
	if (strcmp(t, "20") == 0) {
		rc = start_statement(p);
		goto done;
	}
	if (!p->in_stmt) {
		rc = fail(p, ERR_INVALID, p->tag_line, field, "outside a statement (no :20: "
			  "before it)");
		goto done;
	}
	if (strcmp(t, "86") != 0 && strcmp(t, "61") != 0)
		p->info_allowed = false;
	if (p->has_62 && (strcmp(t, "61") == 0 || t[0] == '2' || t[0] == '6') &&
	    strcmp(t, "64") != 0 && strcmp(t, "65") != 0) {
		rc = fail(p, ERR_INVALID, p->tag_line, field, "after the closing balance "
			  ":62F:");
	} else if (strcmp(t, "25") == 0) {
		rc = p->begun ? fail(p, ERR_INVALID, p->tag_line, field, "after the first :61:")
			      : account(p);
		p->has_25 = rc == 0;
	} else if (strcmp(t, "28C") == 0 || strcmp(t, "28") == 0) {
		rc = set_trimmed(p, p->number, sizeof(p->number), p->text, strlen(p->text),
				 p->tag_line, field);
		p->has_28 = rc == 0 && p->number[0];
	} else if (strcmp(t, "60F") == 0 || strcmp(t, "60M") == 0) {
		if (p->has_60)
			return fail(p, ERR_INVALID, p->tag_line, field, "a second opening balance");
		rc = balance(p, &p->st.opening_minor, p->st.opening_date, p->st.currency,
			     "opening balance");
		p->st.has_opening = p->has_60 = rc == 0;
	} else if (strcmp(t, "61") == 0) {
		if (!p->has_60)
			rc = fail(p, ERR_INVALID, p->tag_line, field, "before the opening "
				  "balance :60F:");
		else if ((rc = flush_line(p)) == 0 && (rc = begin_statement(p)) == 0)
			rc = statement_line(p);
	} else if (strcmp(t, "86") == 0) {
		if (p->info_allowed)
			rc = information(p);
		p->info_allowed = false; /* a :86: of the whole statement is not read */
	} else if (strcmp(t, "62F") == 0 || strcmp(t, "62M") == 0) {
		rc = p->has_60 ? closing(p) : fail(p, ERR_INVALID, p->tag_line, field,
						   "before the opening balance :60F:");
	} else if (strcmp(t, "21") != 0 && strcmp(t, "64") != 0 && strcmp(t, "65") != 0) {
		warn(p, W_UNKNOWN_FIELD, p->tag_line, field, "not an MT940 field: ignored");
	}
done:
	p->tag[0] = '\0';
	return rc;
}

/* ":TAG:" at the start of s: two digits and an optional letter. Returns
 * the tag's length, or 0. */
static size_t field_tag(const char *s)
{
	if (s[0] != ':' || !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
		return 0;
	if (s[3] == ':')
		return 2;
	if (isupper((unsigned char)s[3]) && s[4] == ':')
		return 3;
	return 0;
}

static int end_message(struct parser *p)
{
	int rc = end_field(p);

	if (rc == 0 && p->in_stmt)
		rc = end_statement(p, p->lineno);
	return rc;
}

/* One line of the text (s, within p->line). */
static int text_line(struct parser *p, const char *s)
{
	size_t tag = field_tag(s), n;
	int rc;

	if (tag) {
		rc = end_field(p);
		if (rc < 0)
			return rc;
		memcpy(p->tag, s + 1, tag);
		p->tag[tag] = '\0';
		p->tag_line = p->lineno;
		p->text_len = 0;
		s += tag + 2;
	} else if (!p->tag[0]) {
		return fail(p, ERR_INVALID, p->lineno, "line", "'%.20s' is not an MT940 field "
			    "(:20:, :25:, ...) and continues none", s);
	} else if (strcmp(p->tag, "61") != 0 && strcmp(p->tag, "86") != 0) {
		return fail(p, ERR_INVALID, p->lineno, "line", "'%.20s' is not an MT940 field "
			    "and :%s: has one line only", s, p->tag);
	} else if (p->text_len + 1 < sizeof(p->text)) {
		p->text[p->text_len++] = '\n';
	}
	n = strlen(s);
	if (p->text_len + n >= sizeof(p->text)) {
		char field[16];

		snprintf(field, sizeof(field), ":%s: field", p->tag);
		return fail(p, ERR_LIMIT, p->tag_line, field, "longer than %d bytes "
			    "(BANK_MT940_FIELD_BYTES)", BANK_MT940_FIELD_BYTES);
	}
	memcpy(p->text + p->text_len, s, n);
	p->text_len += n;
	p->text[p->text_len] = '\0';
	return 0;
}

/* One physical line: a block marker, a message end, or text. */
static int one_line(struct parser *p)
{
	const char *s = p->line;
	const char *text;

	if (s[0] != '{' && utf8_chars(s) > SWIFT_LINE_CHARS) /* not the header blocks */
		warn(p, W_LONG_LINE, p->lineno, "line", "%ld characters, SWIFT allows %d",
		     utf8_chars(s), SWIFT_LINE_CHARS);
	if (strspn(s, " \t") == strlen(s))
		return 0;
	/* a field's line never starts with '-' (SWIFT): "-" ends the text */
	if (strcmp(s, "-") == 0 || strncmp(s, "-}", 2) == 0 || strcmp(s, "$") == 0) {
		int rc = end_message(p);

		if (rc < 0 || !(text = strstr(s, "{4:")))
			return rc;
		s = text + 3;
		return *s ? text_line(p, s) : 0;
	}
	if (s[0] == '{') {
		/* {1:...}{2:...}{3:...}{4: opens the text; {5:...} is the trailer */
		int rc = p->in_stmt && strncmp(s, "{1:", 3) == 0 ? end_message(p) : 0;

		if (rc < 0 || !(text = strstr(s, "{4:")))
			return rc;
		s = text + 3;
		return *s ? text_line(p, s) : 0;
	}
	return text_line(p, s);
}

/* Reads the file at path, or (path NULL) the len bytes at buf; name (else
 * path) is what messages name. */
static int read_doc(struct bank_camt_summary *out, const char *path, const char *buf,
		    size_t len, const char *name, const struct bank_camt_handler *h)
{
	static const struct bank_camt_handler none = {0};
	struct bank_camt_summary dummy;
	struct parser *p = NULL;
	struct stat st = {0};
	int rc = 0;

	if (!out)
		out = &dummy;
	memset(out, 0, sizeof(*out));
	out->format = BANK_FORMAT_MT940;
	if (path && stat(path, &st) < 0)
		return err_sys(ERR_INVALID, "%s: cannot read", path);
	if (!name)
		name = path;
	if ((path && st.st_size > LIMIT_CAMT_BYTES) || (!path && len > LIMIT_CAMT_BYTES))
		return err_set(ERR_LIMIT, "%s: larger than %lld bytes (LIMIT_CAMT_BYTES)",
			       name, (long long)LIMIT_CAMT_BYTES);
	p = calloc(1, sizeof(*p));
	if (!p)
		return err_set(ERR_SYSTEM, "out of memory");
	p->path = name;
	p->dev = (struct bank_deviations){name, "mt940 deviation", warn_names, p->warn_counts,
					  W_KINDS, &out->warnings};
	p->h = h ? h : &none;
	p->sum = out;
	p->buf = buf;
	p->len = len;
	if (path && !(p->f = fopen(path, "rb"))) {
		rc = err_sys(ERR_INVALID, "%s: cannot read", path);
		goto cleanup;
	}
	while ((rc = next_line(p)) == 1) {
		rc = one_line(p);
		if (rc < 0)
			goto cleanup;
	}
	if (rc < 0)
		goto cleanup;
	rc = end_message(p);
	if (rc == 0 && out->statements == 0)
		rc = err_set(ERR_INVALID, "%s:%ld: :20: reference: no MT940 statement in the file",
			     name, p->lineno);
	if (rc == 0)
		bank_deviations_summarise(&p->dev);
cleanup:
	if (p && p->f)
		fclose(p->f);
	free(p);
	return rc;
}

int bank_mt940_read(struct bank_camt_summary *out, const char *path,
		    const struct bank_camt_handler *h)
{
	return read_doc(out, path, NULL, 0, NULL, h);
}

int bank_mt940_read_named(struct bank_camt_summary *out, const char *path, const char *name,
		  const struct bank_camt_handler *h)
{
	return read_doc(out, path, NULL, 0, name, h);
}

int bank_mt940_read_memory(struct bank_camt_summary *out, const char *buf, size_t len,
			   const char *name, const struct bank_camt_handler *h)
{
	return read_doc(out, NULL, buf, len, name, h);
}
