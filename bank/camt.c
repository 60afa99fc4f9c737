/*
 * camt.c - the streaming camt.053/052/054 reader behind camt.h.
 *
 * One pass of xmlTextReader keeps a stack of element names; fields are
 * recognised by their path relative to the innermost Stmt (a camt.052 Rpt,
 * a camt.054 Ntfctn: the message kind, known from the root namespace, says
 * which element is the statement), Ntry or TxDtls and collected into that
 * level's record. A statement's header is handed out before its first
 * line, an entry's lines when </Ntry> is read (so
 * that elements out of order within an entry are still seen), the totals
 * at </Stmt>. Only one entry (and its TxDtls, at most
 * LIMIT_CAMT_TX_PER_ENTRY) is ever held in memory.
 *
 * Deviations tolerated are listed in docs/bank-statements.md; each one is
 * logged as a warning naming file:line and the field. Anything else that
 * is wrong is an error naming file:line and field; this file never guesses
 * an amount.
 */
#include "bank/camt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bank/deviations.h"
#include "common/date.h"
#include "common/err.h"
#include "common/money.h"
#include "common/xml.h"

#define NS_PREFIX "urn:iso:std:iso:20022:tech:xsd:"
#define TEXT_BYTES 4096 /* longest element text kept; longer is marked cut */
#define PATH_BYTES 256  /* a path relative to Stmt/Ntry/TxDtls */

enum warn_kind {
	W_ORDER, W_LONG_TEXT, W_REMITTANCE_CUT, W_DECIMALS, W_CURRENCY_CASE,
	W_MISSING, W_IBAN_FORM, W_ZERO_AMOUNT, W_BATCH, W_FOREIGN, W_KINDS
};

static const char *const warn_names[W_KINDS] = {
	"order", "long-text", "remittance-cut", "decimals", "currency-case",
	"missing-element", "iban-form", "zero-amount", "batch", "foreign-currency",
};

/* The AmtDtls amounts that can give an entry's amount in the account's
 * currency, in the order they are preferred (docs/bank-statements.md). */
enum amt_detail { AD_CNTRVAL, AD_TX, AD_INSTD, AD_KINDS };
static const char *const amt_detail_names[AD_KINDS] = {"CntrValAmt", "TxAmt", "InstdAmt"};

/* One AmtDtls amount: Amt with its Ccy, and CcyXchg/XchgRate as written. */
struct amt {
	bool has;
	int64_t minor;
	char ccy[4];
	char rate[LIMIT_CAMT_FIELD_BYTES];
};

/* What Ntry and TxDtls share: a line under construction and its flags. */
struct part {
	struct bank_camt_line l;
	bool has_amount, has_side, has_status, has_bktxcd;
	bool has_tx_amount; /* AmtDtls/TxAmt, in the statement's currency */
	int64_t tx_amount_minor;
	char amt_ccy[4];    /* the Ccy of Amt */
	struct amt details[AD_KINDS]; /* AmtDtls */
	char bk_domain[LIMIT_CAMT_FIELD_BYTES], bk_family[LIMIT_CAMT_FIELD_BYTES],
		bk_subfamily[LIMIT_CAMT_FIELD_BYTES], bk_proprietary[LIMIT_CAMT_FIELD_BYTES];
	bool has_charges_total, has_charges_sum;
	int64_t charges_total_minor, charges_sum_minor;
	char charges_currency[4];
	bool remittance_cut_warned;
	int rank; /* schema order of the last child seen */
};

struct balance {
	char code[8];
	bool has_amount, has_side;
	int64_t amount_minor;
	enum bank_camt_side side;
	char date[11];
};

/* A camt message: its namespace name, the element under Document and the
 * repeated statement-like element under that. */
struct kind {
	enum bank_format format;
	const char *name;    /* "camt.053": the namespace is NS_PREFIX name ".001.0N" */
	const char *message; /* BkToCstmrStmt */
	const char *report;  /* Stmt */
};

static const struct kind kinds[] = {
	{BANK_FORMAT_CAMT053, "camt.053", "BkToCstmrStmt", "Stmt"},
	{BANK_FORMAT_CAMT052, "camt.052", "BkToCstmrAcctRpt", "Rpt"},
	{BANK_FORMAT_CAMT054, "camt.054", "BkToCstmrDbtCdtNtfctn", "Ntfctn"},
};

struct parser {
	const char *path;
	const struct kind *kind; /* known once the root is read */
	xmlTextReaderPtr r;
	const struct bank_camt_handler *h;
	struct bank_camt_summary *sum;
	int version;
	const xmlChar *ns;
	const char *stack[LIMIT_XML_DEPTH + 2];
	long lines[LIMIT_XML_DEPTH + 2];
	int top;               /* index of the innermost open element, -1 none */
	int stmt_d, ntry_d, tx_d; /* stack index of Stmt, Ntry, TxDtls or -1 */
	char text[TEXT_BYTES];
	size_t text_len;
	bool text_cut;
	char ccy[8];           /* Ccy attribute of the element being read */
	struct bank_camt_statement st;
	bool st_begun;
	int st_rank;
	struct balance bal;
	struct part entry;
	struct part *txs;
	int ntx, txs_cap;
	long warn_counts[W_KINDS];
	struct bank_deviations dev; /* warn() and fail() */
};

/* A tolerated deviation and a refusal, worded as every bank reader words
 * them (bank/deviations.h). */
#define warn(p, kind, line, ...) bank_deviations_warn(&(p)->dev, (kind), (line), __VA_ARGS__)
#define fail(p, code, line, ...) bank_deviations_fail((p)->path, (code), (line), __VA_ARGS__)

static const char *const stmt_order[] = {
	"Id", "StmtPgntn", "ElctrncSeqNb", "LglSeqNb", "CreDtTm", "FrToDt",
	"CpyDplctInd", "RptgSrc", "Acct", "RltdAcct", "Intrst", "Bal",
	"TxsSummry", "Ntry", "AddtlStmtInf", NULL,
};

static const char *const ntry_order[] = {
	"NtryRef", "Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt", "ValDt",
	"AcctSvcrRef", "Avlbty", "BkTxCd", "ComssnWvrInd", "AddtlInfInd",
	"AmtDtls", "Chrgs", "TechInptChanl", "Intrst", "CardTx", "NtryDtls",
	"AddtlNtryInf", NULL,
};

/*
 * The versions read, by the last digit of the namespace. The paths read
 * are the same in all: 001.02 and .03 repeat Chrgs per record, from .04
 * on one Chrgs holds TtlChrgsAndTaxAmt and Rcrd; Sts/Cd and the Pty level
 * of party names are read in any version. Real banks send more than
 * 02/04/08 (tests/data/camt/CORPUS.md: Equa bank 001.06, Alfa-Bank 001.05;
 * no file of 001.03 or .07 was found).
 */
#define VERSIONS "2345678"

const char *bank_format_name(enum bank_format format)
{
	switch (format) {
	case BANK_FORMAT_CAMT053: return "camt.053";
	case BANK_FORMAT_CAMT052: return "camt.052";
	case BANK_FORMAT_CAMT054: return "camt.054";
	case BANK_FORMAT_MT940: return "mt940";
	}
	return NULL;
}

const char *bank_camt_version_name(int version)
{
	static const char *const names[] = {
		"001.02", "001.03", "001.04", "001.05", "001.06", "001.07", "001.08",
	};

	return version >= 2 && version <= 8 ? names[version - 2] : NULL;
}

/* The path from the element at index from+1 to the top, "/"-joined
 * (memcpy, not snprintf: this runs for every element). "" if too long. */
static const char *rel_path(struct parser *p, char buf[PATH_BYTES], int from)
{
	size_t n = 0;

	for (int i = from + 1; i <= p->top; i++) {
		size_t len = strlen(p->stack[i]);

		if (n + len + 2 > PATH_BYTES)
			return "";
		if (n)
			buf[n++] = '/';
		memcpy(buf + n, p->stack[i], len);
		n += len;
	}
	buf[n] = '\0';
	return buf;
}

/* prefix "/" rel into buf (PATH_BYTES + 8): the field named in messages. */
static const char *field_name(char *buf, const char *prefix, const char *rel)
{
	size_t a = strlen(prefix), b = strlen(rel);

	if (b > PATH_BYTES - 1)
		b = PATH_BYTES - 1;
	memcpy(buf, prefix, a);
	buf[a] = '/';
	memcpy(buf + a + 1, rel, b);
	buf[a + 1 + b] = '\0';
	return buf;
}

static long utf8_chars(const char *s)
{
	long n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The element text with leading and trailing white space removed. */
static const char *trimmed(struct parser *p)
{
	char *s = p->text;
	size_t n = p->text_len;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* Copies an identifier or name into dst (LIMIT_CAMT_FIELD_BYTES), warning
 * above the schema's max_chars and refusing above the buffer. */
static int set_text(struct parser *p, char *dst, long line, const char *field,
		    long max_chars)
{
	const char *s = trimmed(p);
	size_t n = strlen(s);

	if (p->text_cut || n >= LIMIT_CAMT_FIELD_BYTES)
		return fail(p, ERR_LIMIT, line, field, "longer than %d bytes",
			    LIMIT_CAMT_FIELD_BYTES - 1);
	if (utf8_chars(s) > max_chars)
		warn(p, W_LONG_TEXT, line, field, "%ld characters, the schema allows %ld",
		     utf8_chars(s), max_chars);
	memcpy(dst, s, n + 1);
	return 0;
}

/* Appends s to dst (size bytes) after sep, cutting at a UTF-8 boundary.
 * Returns true if it had to cut. */
static bool append(char *dst, size_t size, const char *sep, const char *s)
{
	size_t len = strlen(dst);
	size_t need;
	bool cut = false;

	if (len && len + strlen(sep) < size) {
		strcpy(dst + len, sep);
		len += strlen(sep);
	}
	need = strlen(s);
	if (len + need >= size) {
		need = size - 1 - len;
		while (need > 0 && ((unsigned char)s[need] & 0xC0) == 0x80)
			need--;
		cut = true;
	}
	memcpy(dst + len, s, need);
	dst[len + need] = '\0';
	return cut;
}

/* Withdrawn ISO 4217 codes banks still write, and the code that replaced
 * each at par (same unit, same digits): Russian banks keep RUR, withdrawn
 * in 1997 for RUB (Alfa-Bank's statements, tests/data/camt/CORPUS.md). */
static const struct {
	const char *old, *now;
} currency_aliases[] = {{"RUR", "RUB"}};

/* A currency code: upper case (lower case tolerated), ISO 4217. */
static int currency(struct parser *p, char out[4], const char *code, long line,
		    const char *field)
{
	char up[4];

	if (strlen(code) != 3)
		return fail(p, ERR_INVALID, line, field, "currency '%s' is not 3 letters",
			    code);
	for (int i = 0; i < 3; i++)
		up[i] = (char)toupper((unsigned char)code[i]);
	up[3] = '\0';
	for (size_t i = 0; i < sizeof(currency_aliases) / sizeof(currency_aliases[0]); i++)
		if (strcmp(up, currency_aliases[i].old) == 0) {
			warn(p, W_CURRENCY_CASE, line, field, "withdrawn currency code '%s' read as"
			     " %s", code, currency_aliases[i].now);
			memcpy(out, currency_aliases[i].now, 4);
			return 0;
		}
	if (!money_currency_valid(up))
		return fail(p, ERR_INVALID, line, field, "'%s' is no ISO 4217 currency",
			    code);
	if (strcmp(up, code) != 0)
		warn(p, W_CURRENCY_CASE, line, field, "currency '%s' read as %s", code, up);
	memcpy(out, up, 4);
	return 0;
}

/*
 * Reads the element's text as a non-negative amount of its Ccy attribute.
 * xs:decimal allows surrounding white space and leading zeros; fewer
 * decimals than the currency has are padded, more are accepted only if the
 * extra digits are zeros (both with a warning); anything else is refused.
 */
static int amount(struct parser *p, int64_t *out, char ccy_out[4], long line,
		  const char *field)
{
	const char *s = trimmed(p);
	const char *dot, *int_start, *int_end, *frac;
	char canon[MONEY_STR_MAX + 8];
	size_t int_len, frac_len, keep;
	int digits, rc;

	if (!p->ccy[0])
		return fail(p, ERR_INVALID, line, field, "no Ccy attribute");
	rc = currency(p, ccy_out, p->ccy, line, field);
	if (rc < 0)
		return rc;
	digits = money_currency_digits(ccy_out);
	if (!*s)
		return fail(p, ERR_INVALID, line, field, "empty amount");
	if (*s == '-' || *s == '+')
		return fail(p, ERR_INVALID, line, field, "'%s': signed amount (the sign "
			    "is CdtDbtInd)", s);
	int_start = s;
	while (*int_start == '0' && isdigit((unsigned char)int_start[1]))
		int_start++;
	dot = strchr(s, '.');
	int_end = dot ? dot : s + strlen(s);
	frac = dot ? dot + 1 : int_end;
	for (const char *q = s; q < int_end; q++)
		if (!isdigit((unsigned char)*q))
			return fail(p, ERR_INVALID, line, field, "'%s' is not a decimal amount", s);
	for (const char *q = frac; *q; q++)
		if (!isdigit((unsigned char)*q))
			return fail(p, ERR_INVALID, line, field, "'%s' is not a decimal amount", s);
	if (int_end == s && !*frac)
		return fail(p, ERR_INVALID, line, field, "'%s' is not a decimal amount", s);
	int_len = (size_t)(int_end - int_start);
	frac_len = strlen(frac);
	if (int_len == 0) {
		int_start = "0";
		int_len = 1;
	}
	if (int_len > 19)
		return fail(p, ERR_LIMIT, line, field, "'%s' is too large", s);
	keep = frac_len;
	if (frac_len > (size_t)digits) {
		for (size_t i = (size_t)digits; i < frac_len; i++)
			if (frac[i] != '0')
				return fail(p, ERR_INVALID, line, field, "'%s' has more decimals "
					    "than %s has (%d)", s, ccy_out, digits);
		warn(p, W_DECIMALS, line, field, "'%s' has zeros beyond the %d decimals "
		     "of %s", s, digits, ccy_out);
		keep = (size_t)digits;
	} else if (frac_len < (size_t)digits) {
		warn(p, W_DECIMALS, line, field, "'%s' has fewer than the %d decimals of %s",
		     s, digits, ccy_out);
	}
	memcpy(canon, int_start, int_len);
	if (digits > 0) {
		canon[int_len] = '.';
		memcpy(canon + int_len + 1, frac, keep);
		memset(canon + int_len + 1 + keep, '0', (size_t)digits - keep);
		canon[int_len + 1 + digits] = '\0';
	} else {
		canon[int_len] = '\0';
	}
	rc = money_parse(out, canon, ccy_out);
	return rc < 0 ? fail(p, rc, line, field, "%s", err_last()) : 0;
}

static int side(struct parser *p, enum bank_camt_side *out, long line,
		const char *field)
{
	const char *s = trimmed(p);

	if (strcmp(s, "CRDT") == 0)
		*out = LEDGER_CAMT_CREDIT;
	else if (strcmp(s, "DBIT") == 0)
		*out = LEDGER_CAMT_DEBIT;
	else
		return fail(p, ERR_INVALID, line, field, "'%s': expected CRDT or DBIT", s);
	return 0;
}

/* An xs:date time zone: "Z" or "+hh:mm" / "-hh:mm". */
static bool time_zone(const char *s)
{
	if (strcmp(s, "Z") == 0)
		return true;
	return (s[0] == '+' || s[0] == '-') && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) && s[3] == ':' &&
	       isdigit((unsigned char)s[4]) && isdigit((unsigned char)s[5]) && s[6] == '\0';
}

/* Dt (YYYY-MM-DD, with the time zone xs:date allows: Raiffeisen writes
 * 2017-04-01+02:00) or DtTm; the date part as the bank wrote it. The date
 * must be a day of the ledger's calendar (date_valid: 1900-9999, no 31
 * February): fuzz/fuzz_camt.c found 1009-05-08 and 2019-02-31 handed out,
 * which PostgreSQL or every later reader of the line then refused. */
static int date(struct parser *p, char out[11], long line, const char *field)
{
	const char *s = trimmed(p);
	bool ok = strlen(s) >= 10 &&
		  (s[10] == '\0' || s[10] == 'T' || time_zone(s + 10));

	if (ok) {
		memcpy(out, s, 10);
		out[10] = '\0';
		ok = date_valid(out);
	}
	if (!ok) {
		out[0] = '\0';
		return fail(p, ERR_INVALID, line, field,
			    "'%s' is not an ISO 8601 date (YYYY-MM-DD, 1900-9999)", s);
	}
	return 0;
}

/* The statement's currency: the first one seen fixes it; others must match. */
static int statement_currency(struct parser *p, const char ccy[4], long line,
			      const char *field)
{
	if (!p->st.currency[0]) {
		memcpy(p->st.currency, ccy, 4);
		return 0;
	}
	if (strcmp(p->st.currency, ccy) != 0)
		return fail(p, ERR_INVALID, line, field, "currency %s differs from the "
			    "statement's %s", ccy, p->st.currency);
	return 0;
}

static int add_charges(struct parser *p, struct part *pt, bool total, long line,
		       const char *field)
{
	char ccy[4];
	int64_t v;
	int rc = amount(p, &v, ccy, line, field);

	if (rc < 0)
		return rc;
	if (pt->charges_currency[0] && strcmp(pt->charges_currency, ccy) != 0)
		return fail(p, ERR_INVALID, line, field, "charges in %s and %s",
			    pt->charges_currency, ccy);
	memcpy(pt->charges_currency, ccy, 4);
	if (total) {
		pt->has_charges_total = true;
		pt->charges_total_minor = v;
		return 0;
	}
	pt->has_charges_sum = true;
	rc = money_add(&pt->charges_sum_minor, pt->charges_sum_minor, v);
	return rc < 0 ? fail(p, rc, line, field, "charges overflow") : 0;
}

static void append_remittance(struct parser *p, struct part *pt, char *dst,
			      size_t size, const char *sep, const char *s,
			      long line, const char *field)
{
	if (append(dst, size, sep, s) && !pt->remittance_cut_warned) {
		pt->remittance_cut_warned = true;
		warn(p, W_REMITTANCE_CUT, line, field, "remittance longer than %zu bytes "
		     "is cut", size - 1);
	}
}

/* An exchange rate as the bank wrote it: an unsigned decimal, kept as text. */
static int exchange_rate(struct parser *p, char *dst, long line, const char *field)
{
	const char *s = trimmed(p), *rest;
	size_t whole = strspn(s, "0123456789"), fraction = 0;
	bool ok;

	/* xs:decimal: "1.0831", "1", "1." and ".34" (Handelsbanken) alike */
	rest = s + whole;
	if (*rest == '.') {
		fraction = strspn(rest + 1, "0123456789");
		rest += 1 + fraction;
	}
	ok = *rest == '\0' && whole + fraction > 0;

	if (!ok)
		return fail(p, ERR_INVALID, line, field, "'%s' is not a decimal exchange rate", s);
	return set_text(p, dst, line, field, 35);
}

/* AmtDtls/rel: InstdAmt, TxAmt, CntrValAmt, each Amt and CcyXchg/XchgRate. */
static int amount_detail(struct parser *p, struct part *pt, const char *rel, long line,
			 const char *field)
{
	struct bank_camt_line *l = &pt->l;
	size_t n;
	int rc;

	for (int k = 0; k < AD_KINDS; k++) {
		struct amt *a = &pt->details[k];

		n = strlen(amt_detail_names[k]);
		if (strncmp(rel, amt_detail_names[k], n) != 0 || rel[n] != '/')
			continue;
		if (strcmp(rel + n + 1, "CcyXchg/XchgRate") == 0)
			return exchange_rate(p, a->rate, line, field);
		if (strcmp(rel + n + 1, "Amt") != 0)
			return 0;
		rc = amount(p, &a->minor, a->ccy, line, field);
		a->has = rc == 0;
		if (rc == 0 && k == AD_INSTD) {
			l->has_instructed = true;
			l->instructed_minor = a->minor;
			memcpy(l->instructed_currency, a->ccy, 4);
		} else if (rc == 0 && k == AD_TX && strcmp(a->ccy, p->st.currency) == 0) {
			pt->has_tx_amount = true;
			pt->tx_amount_minor = a->minor;
		}
		return rc;
	}
	return 0;
}

/* BkTxCd/rel: Domn/Cd, Domn/Fmly/Cd, Domn/Fmly/SubFmlyCd, Prtry/Cd. */
static int bank_tx_code_field(struct parser *p, struct part *pt, const char *rel, long line,
			      const char *field)
{
	if (strcmp(rel, "Domn/Cd") == 0)
		return set_text(p, pt->bk_domain, line, field, 4);
	if (strcmp(rel, "Domn/Fmly/Cd") == 0)
		return set_text(p, pt->bk_family, line, field, 4);
	if (strcmp(rel, "Domn/Fmly/SubFmlyCd") == 0)
		return set_text(p, pt->bk_subfamily, line, field, 4);
	if (strcmp(rel, "Prtry/Cd") == 0)
		return set_text(p, pt->bk_proprietary, line, field, 35);
	return 0;
}

/* Fields that Ntry and TxDtls share, by path relative to them. */
static int part_field(struct parser *p, struct part *pt, const char *rel,
		      long line, bool is_tx)
{
	struct bank_camt_line *l = &pt->l;
	char field[PATH_BYTES + 8];
	int rc = 0;

	field_name(field, is_tx ? "TxDtls" : "Ntry", rel);

	if (strcmp(rel, "Amt") == 0) {
		rc = amount(p, &l->amount_minor, pt->amt_ccy, line, field);
		/* the first amount may tell the statement's currency; an entry in
		 * another one is read (end_entry), a TxDtls/Amt in another one
		 * cannot split the entry */
		if (rc == 0 && !is_tx && !p->st.currency[0])
			memcpy(p->st.currency, pt->amt_ccy, 4);
		pt->has_amount = rc == 0 && (!is_tx || strcmp(pt->amt_ccy, p->st.currency) == 0);
	} else if (strncmp(rel, "AmtDtls/", 8) == 0) {
		rc = amount_detail(p, pt, rel + 8, line, field);
	} else if (strncmp(rel, "BkTxCd/", 7) == 0) {
		rc = bank_tx_code_field(p, pt, rel + 7, line, field);
	} else if (strcmp(rel, "CdtDbtInd") == 0) {
		rc = side(p, &l->side, line, field);
		pt->has_side = rc == 0;
	} else if (strcmp(rel, "Chrgs/TtlChrgsAndTaxAmt") == 0) {
		/* 001.02 and .03 repeat Chrgs per record, each with its own total */
		if (p->version > 3)
			rc = add_charges(p, pt, true, line, field);
	} else if (strcmp(rel, "Chrgs/Rcrd/Amt") == 0 || strcmp(rel, "Chrgs/Amt") == 0) {
		rc = add_charges(p, pt, false, line, field);
	} else if (strcmp(rel, "RltdPties/Dbtr/Nm") == 0 ||
		   strcmp(rel, "RltdPties/Dbtr/Pty/Nm") == 0) {
		rc = set_text(p, l->debtor_name, line, field, 140);
	} else if (strcmp(rel, "RltdPties/Cdtr/Nm") == 0 ||
		   strcmp(rel, "RltdPties/Cdtr/Pty/Nm") == 0) {
		rc = set_text(p, l->creditor_name, line, field, 140);
	} else if (strcmp(rel, "Refs/EndToEndId") == 0) {
		rc = set_text(p, l->end_to_end_id, line, field, 35);
	} else if (strcmp(rel, "Refs/AcctSvcrRef") == 0) {
		rc = set_text(p, l->tx_ref, line, field, 35);
	} else if (strcmp(rel, "RmtInf/Ustrd") == 0) {
		const char *s = trimmed(p);

		if (utf8_chars(s) > 140 || p->text_cut)
			warn(p, W_LONG_TEXT, line, field, "%ld characters, the schema allows 140",
			     utf8_chars(s));
		append_remittance(p, pt, l->remittance, sizeof(l->remittance), "\n", s,
				  line, field);
		if (p->text_cut && !pt->remittance_cut_warned) {
			pt->remittance_cut_warned = true;
			warn(p, W_REMITTANCE_CUT, line, field, "text longer than %d bytes is cut",
			     TEXT_BYTES - 1);
		}
	} else if (strcmp(rel, "RmtInf/Strd/CdtrRefInf/Ref") == 0 ||
		   strcmp(rel, "RmtInf/Strd/RfrdDocInf/Nb") == 0) {
		append_remittance(p, pt, l->remittance_refs, sizeof(l->remittance_refs),
				  " ", trimmed(p), line, field);
	}
	return rc;
}

static int entry_field(struct parser *p, const char *rel, long line)
{
	struct part *e = &p->entry;
	struct bank_camt_line *l = &e->l;
	char field[PATH_BYTES + 8];
	int rc = 0;

	field_name(field, "Ntry", rel);

	if (strcmp(rel, "RvslInd") == 0) {
		const char *s = trimmed(p);

		if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
			l->reversal = true;
		else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
			l->reversal = false;
		else
			rc = fail(p, ERR_INVALID, line, field, "'%s': expected true or false", s);
	} else if (strcmp(rel, "Sts") == 0 || strcmp(rel, "Sts/Cd") == 0 ||
		   strcmp(rel, "Sts/Prtry") == 0) {
		if (strcmp(rel, "Sts") == 0 && !trimmed(p)[0])
			return 0; /* 001.08's Sts holds Cd or Prtry */
		rc = set_text(p, l->status, line, field, 35);
		e->has_status = rc == 0;
	} else if (strcmp(rel, "BookgDt/Dt") == 0 || strcmp(rel, "BookgDt/DtTm") == 0) {
		rc = date(p, l->booking_date, line, field);
	} else if (strcmp(rel, "ValDt/Dt") == 0 || strcmp(rel, "ValDt/DtTm") == 0) {
		rc = date(p, l->value_date, line, field);
	} else if (strcmp(rel, "AcctSvcrRef") == 0) {
		rc = set_text(p, l->bank_ref, line, field, 35);
	} else if (strcmp(rel, "NtryRef") == 0) {
		rc = set_text(p, l->ntry_ref, line, field, 35);
	} else {
		rc = part_field(p, e, rel, line, false);
	}
	return rc;
}

/* An IBAN as banks print it (spaces, lower case) is tolerated and normalised. */
static int iban(struct parser *p, long line, const char *field)
{
	char *dst = p->st.account;
	const char *s = trimmed(p);
	size_t n = 0;
	bool bent = false;

	for (; *s && n < 40; s++) {
		if (*s == ' ') {
			bent = true;
			continue;
		}
		dst[n] = (char)toupper((unsigned char)*s);
		bent |= dst[n] != *s;
		if (!isalnum((unsigned char)dst[n]))
			break;
		n++;
	}
	dst[n] = '\0';
	if (*s || n < 5 || n > 34 || !isalpha((unsigned char)dst[0]) ||
	    !isalpha((unsigned char)dst[1]) || !isdigit((unsigned char)dst[2]) ||
	    !isdigit((unsigned char)dst[3]))
		return fail(p, ERR_INVALID, line, field, "'%s' is not an IBAN", trimmed(p));
	if (bent)
		warn(p, W_IBAN_FORM, line, field, "IBAN '%s' read as %s", trimmed(p), dst);
	return 0;
}

static int stmt_field(struct parser *p, const char *rel, long line)
{
	struct balance *b = &p->bal;
	char field[PATH_BYTES + 8];
	char ccy[4];
	int rc = 0;

	field_name(field, p->kind->report, rel);

	if (strcmp(rel, "Id") == 0) {
		rc = set_text(p, p->st.id, line, field, 35);
	} else if (strcmp(rel, "Acct/Id/IBAN") == 0) {
		rc = iban(p, line, field);
	} else if (strcmp(rel, "Acct/Id/Othr/Id") == 0) {
		rc = set_text(p, p->st.account, line, field, 34);
	} else if (strcmp(rel, "Acct/Ccy") == 0) {
		rc = currency(p, ccy, trimmed(p), line, field);
		if (rc == 0)
			rc = statement_currency(p, ccy, line, field);
	} else if (strcmp(rel, "Bal/Tp/CdOrPrtry/Cd") == 0) {
		snprintf(b->code, sizeof(b->code), "%s", trimmed(p));
	} else if (strcmp(rel, "Bal/Amt") == 0) {
		rc = amount(p, &b->amount_minor, ccy, line, field);
		if (rc == 0)
			rc = statement_currency(p, ccy, line, field);
		b->has_amount = rc == 0;
	} else if (strcmp(rel, "Bal/CdtDbtInd") == 0) {
		rc = side(p, &b->side, line, field);
		b->has_side = rc == 0;
	} else if (strcmp(rel, "Bal/Dt/Dt") == 0 || strcmp(rel, "Bal/Dt/DtTm") == 0) {
		rc = date(p, b->date, line, field);
	}
	return rc;
}

static int balance_end(struct parser *p, long line)
{
	struct balance *b = &p->bal;
	char field[PATH_BYTES + 8];
	bool opening = strcmp(b->code, "OPBD") == 0;
	bool closing = strcmp(b->code, "CLBD") == 0;
	int64_t v;

	if (!opening && !closing)
		return 0;
	if (!b->has_amount)
		return fail(p, ERR_INVALID, line, field_name(field, p->kind->report, "Bal"),
			    "%s balance without Amt", b->code);
	if (!b->has_side) {
		/* Bank of Lithuania (CENTROlink, 001.08) leaves it out; its sign
		 * would be a guess, so the balance is left unknown */
		warn(p, W_MISSING, line, field_name(field, p->kind->report, "Bal/CdtDbtInd"),
		     "%s balance without CdtDbtInd: not kept (its sign is unknown)", b->code);
		return 0;
	}
	v = b->amount_minor;
	if (b->side == LEDGER_CAMT_DEBIT)
		money_negate(&v, v);
	if (opening) {
		p->st.has_opening = true;
		p->st.opening_minor = v;
		memcpy(p->st.opening_date, b->date, sizeof(b->date));
	} else {
		p->st.has_closing = true;
		p->st.closing_minor = v;
		memcpy(p->st.closing_date, b->date, sizeof(b->date));
	}
	return 0;
}

static int begin_statement(struct parser *p)
{
	char field[32];

	if (p->st_begun)
		return 0;
	if (!p->st.id[0])
		return fail(p, ERR_INVALID, p->st.line, field_name(field, p->kind->report, "Id"),
			    "missing (it must come before the first Ntry)");
	if (!p->st.account[0])
		return fail(p, ERR_INVALID, p->st.line,
			    field_name(field, p->kind->report, "Acct/Id"), "no IBAN or "
			    "Othr/Id (it must come before the first Ntry)");
	if (!p->st.currency[0])
		return fail(p, ERR_INVALID, p->st.line,
			    field_name(field, p->kind->report, "Acct/Ccy"), "no currency: "
			    "neither Acct/Ccy nor any Amt/@Ccy");
	p->st_begun = true;
	return p->h->statement_begin ? p->h->statement_begin(p->h->ctx, &p->st) : 0;
}

static int emit(struct parser *p, const struct bank_camt_line *l)
{
	if (l->amount_minor == 0) {
		warn(p, W_ZERO_AMOUNT, l->line, "Ntry/Amt", "zero amount: nothing stored");
		return 0;
	}
	p->sum->lines++;
	return p->h->line ? p->h->line(p->h->ctx, &p->st, l) : 0;
}

static int64_t signed_amount(int64_t v, enum bank_camt_side s)
{
	return s == LEDGER_CAMT_DEBIT ? -v : v;
}

static void settle_charges(struct part *pt)
{
	if (pt->has_charges_total || pt->has_charges_sum) {
		pt->l.has_charges = true;
		pt->l.charges_minor = pt->has_charges_total ? pt->charges_total_minor
							    : pt->charges_sum_minor;
		memcpy(pt->l.charges_currency, pt->charges_currency, 4);
	}
}

/* BkTxCd as one text: DOMAIN/FAMILY/SUBFAMILY, else "prtry:" Prtry/Cd. */
static void settle_bank_tx_code(struct part *pt)
{
	char *dst = pt->l.bank_tx_code;
	size_t size = sizeof(pt->l.bank_tx_code);

	if (pt->bk_domain[0])
		snprintf(dst, size, "%.60s/%.60s/%.60s", pt->bk_domain, pt->bk_family,
			 pt->bk_subfamily);
	else if (pt->bk_proprietary[0])
		snprintf(dst, size, "prtry:%.200s", pt->bk_proprietary);
}

/*
 * Sets the entry's currency fields: its own amount as written and, when it
 * is in another currency than the account's, the amount in the account's
 * currency from AmtDtls (the entry's, else those of its only TxDtls tx, may
 * be NULL), CntrValAmt before TxAmt before InstdAmt. Without one the line
 * keeps its own currency and is marked for review, with a warning. The
 * exchange rate is the chosen amount's, else the first one given. Returns
 * true if the amount is in the account's currency (it counts in the totals).
 */
static bool account_amount(struct parser *p, struct part *e, const struct part *tx)
{
	const struct part *parts[2] = {e, tx};
	struct bank_camt_line *l = &e->l;
	const struct amt *chosen = NULL;
	const char *rate = "";
	int chosen_kind = 0;

	l->own_amount_minor = l->amount_minor;
	memcpy(l->own_currency, e->amt_ccy, 4);
	memcpy(l->currency, p->st.currency, 4);
	for (int i = 0; i < 2 && parts[i]; i++)
		for (int k = 0; k < AD_KINDS; k++) {
			const struct amt *a = &parts[i]->details[k];

			if (!rate[0])
				rate = a->rate;
			if (!chosen && a->has && strcmp(a->ccy, p->st.currency) == 0) {
				chosen = a;
				chosen_kind = k;
			}
		}
	if (chosen && chosen->rate[0])
		rate = chosen->rate;
	memcpy(l->exchange_rate, rate, strlen(rate) + 1);
	if (strcmp(e->amt_ccy, p->st.currency) == 0)
		return true;
	if (chosen) {
		l->amount_minor = chosen->minor;
		strcpy(l->account_amount_from, amt_detail_names[chosen_kind]);
		return true;
	}
	memcpy(l->currency, e->amt_ccy, 4);
	strcpy(l->review, "foreign-currency: no account-currency amount");
	warn(p, W_FOREIGN, l->line, "Ntry/Amt", "amount in %s in a %s account and no AmtDtls "
	     "amount in %s: stored in %s for review, left out of the totals", e->amt_ccy,
	     p->st.currency, p->st.currency, e->amt_ccy);
	return false;
}

#define TAKE(field) \
	do { if (!out.field[0]) memcpy(out.field, e->field, sizeof(out.field)); } while (0)

/* The line of TxDtls t of entry e: its own fields, the entry's otherwise. */
static struct bank_camt_line *merged(struct bank_camt_line *outp,
				       const struct part *tx, int64_t amount_minor,
				       const char currency[4],
				       const struct bank_camt_line *e, int tx_index)
{
	struct bank_camt_line out = tx->l;

	out.entry_index = e->entry_index;
	out.tx_index = tx_index;
	out.amount_minor = amount_minor;
	memcpy(out.currency, currency, 4);
	out.own_amount_minor = amount_minor;
	memcpy(out.own_currency, currency, 4);
	memcpy(out.ntry_ref, e->ntry_ref, sizeof(out.ntry_ref));
	out.side = tx->has_side ? tx->l.side : e->side;
	out.reversal = e->reversal;
	memcpy(out.status, e->status, sizeof(out.status));
	memcpy(out.booking_date, e->booking_date, sizeof(out.booking_date));
	memcpy(out.value_date, e->value_date, sizeof(out.value_date));
	memcpy(out.bank_ref, e->bank_ref, sizeof(out.bank_ref));
	TAKE(end_to_end_id);
	TAKE(bank_tx_code);
	TAKE(exchange_rate);
	TAKE(remittance);
	TAKE(remittance_refs);
	TAKE(debtor_name);
	TAKE(creditor_name);
	if (!out.has_instructed && e->has_instructed) {
		out.has_instructed = true;
		out.instructed_minor = e->instructed_minor;
		memcpy(out.instructed_currency, e->instructed_currency, 4);
	}
	*outp = out;
	return outp;
}

static int end_entry(struct parser *p)
{
	struct part *e = &p->entry;
	struct bank_camt_line *l = &e->l;
	struct bank_camt_line *line = NULL;
	int64_t sum = 0, want;
	bool all = true;
	int rc;

	if (!e->has_amount)
		return fail(p, ERR_INVALID, l->line, "Ntry/Amt", "missing");
	if (!e->has_side)
		return fail(p, ERR_INVALID, l->line, "Ntry/CdtDbtInd", "missing");
	if (!e->has_status) {
		warn(p, W_MISSING, l->line, "Ntry/Sts", "missing; taken as BOOK "
		     "(a statement reports booked entries)");
		strcpy(l->status, "BOOK");
	}
	if (!e->has_bktxcd)
		warn(p, W_MISSING, l->line, "Ntry/BkTxCd", "missing");
	rc = begin_statement(p);
	if (rc < 0)
		return rc;
	p->st.entries++;
	if (account_amount(p, e, p->ntx == 1 ? &p->txs[0] : NULL)) {
		int64_t *total = l->side == LEDGER_CAMT_CREDIT ? &p->st.credits_minor
							       : &p->st.debits_minor;

		if (money_add(total, *total, l->amount_minor) < 0)
			return fail(p, ERR_LIMIT, l->line, "Ntry/Amt", "statement total overflows");
	}
	settle_charges(e);
	settle_bank_tx_code(e);
	if (p->ntx == 0)
		return emit(p, l);
	if (p->ntx > 1 && l->review[0]) {
		warn(p, W_BATCH, l->line, "Ntry/NtryDtls", "%d TxDtls of an entry without an "
		     "amount in the account's currency: stored as one line", p->ntx);
		return emit(p, l);
	}
	for (int i = 0; i < p->ntx; i++) {
		struct part *t = &p->txs[i];
		int64_t v = t->has_amount ? t->l.amount_minor : t->tx_amount_minor;

		all &= t->has_amount || t->has_tx_amount;
		settle_charges(t);
		settle_bank_tx_code(t);
		if (all && money_add(&sum, sum, signed_amount(v, t->has_side ? t->l.side
								       : l->side)) < 0)
			return fail(p, ERR_LIMIT, t->l.line, "TxDtls/Amt", "sum overflows");
	}
	want = signed_amount(l->amount_minor, l->side);
	if (p->ntx > 1 && !all) {
		warn(p, W_BATCH, l->line, "Ntry/NtryDtls", "%d TxDtls without their "
		     "amounts: stored as one line", p->ntx);
		return emit(p, l);
	}
	if (p->ntx > 1 && sum != want) {
		char a[MONEY_STR_MAX], b[MONEY_STR_MAX];

		money_format(a, sum, p->st.currency);
		money_format(b, want, p->st.currency);
		return fail(p, ERR_INVALID, l->line, "Ntry/NtryDtls/TxDtls", "the "
			    "transactions sum to %s %s, the entry is %s", a,
			    p->st.currency, b);
	}
	if (p->ntx > 1 && e->l.has_charges)
		warn(p, W_BATCH, l->line, "Ntry/Chrgs", "entry-level charges of a batch "
		     "are not attributed to its transactions");
	line = malloc(sizeof(*line));
	if (!line)
		return err_set(ERR_SYSTEM, "out of memory");
	for (int i = 0; i < p->ntx && rc == 0; i++) {
		struct part *t = &p->txs[i];
		int64_t v = p->ntx == 1 ? l->amount_minor
			    : t->has_amount ? t->l.amount_minor : t->tx_amount_minor;

		merged(line, t, v, p->st.currency, l, p->ntx == 1 ? 0 : i + 1);
		if (p->ntx == 1) {
			line->side = l->side;
			line->amount_minor = l->amount_minor;
			memcpy(line->currency, l->currency, 4);
			line->own_amount_minor = l->own_amount_minor;
			memcpy(line->own_currency, l->own_currency, 4);
			memcpy(line->account_amount_from, l->account_amount_from,
			       sizeof(line->account_amount_from));
			memcpy(line->exchange_rate, l->exchange_rate, sizeof(line->exchange_rate));
			memcpy(line->review, l->review, sizeof(line->review));
			if (!line->has_charges && l->has_charges) {
				line->has_charges = true;
				line->charges_minor = l->charges_minor;
				memcpy(line->charges_currency, l->charges_currency, 4);
			}
		}
		rc = emit(p, line);
	}
	free(line);
	return rc;
}

static int end_statement(struct parser *p)
{
	int rc = begin_statement(p);

	if (rc < 0)
		return rc;
	p->sum->statements++;
	return p->h->statement_end ? p->h->statement_end(p->h->ctx, &p->st) : 0;
}

/* Warns when a child of Stmt or Ntry comes right after one that the schema
 * puts later (one warning per step backwards). */
static void check_order(struct parser *p, const char *const *order, int *rank,
			const char *parent, const char *name, long line)
{
	for (int i = 0; order[i]; i++) {
		if (strcmp(order[i], name) != 0)
			continue;
		if (i < *rank) {
			char field[64];

			snprintf(field, sizeof(field), "%s/%s", parent, name);
			warn(p, W_ORDER, line, field, "%s after %s, out of schema order",
			     name, order[*rank]);
		}
		*rank = i;
		return;
	}
}

/* The root must be Document in the namespace of camt.053, .052 or .054,
 * version 001.02 to .08: NS_PREFIX "camt.05x.001.0N", or a national
 * variant NS_NATIONAL "camt.05x.001.0N:..." (Austria's STUZZA writes
 * "ISO:camt.053.001.02:APC:STUZZA:payments:003": the paths are ISO's). */
#define NS_NATIONAL "ISO:"
static int root(struct parser *p, const char *name, long line)
{
	const char *ns = (const char *)xmlTextReaderConstNamespaceUri(p->r);
	const char *v;
	size_t n = 0;
	bool national = false;

	if (ns && strncmp(ns, NS_PREFIX, strlen(NS_PREFIX)) == 0)
		n = strlen(NS_PREFIX);
	else if (ns && strncmp(ns, NS_NATIONAL, strlen(NS_NATIONAL)) == 0)
		n = strlen(NS_NATIONAL), national = true;
	for (size_t i = 0; n && strcmp(name, "Document") == 0 &&
			   i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strncmp(ns + n, kinds[i].name, strlen(kinds[i].name)) != 0)
			continue;
		v = ns + n + strlen(kinds[i].name);
		if (strncmp(v, ".001.0", 6) != 0 || v[6] == '\0' || !strchr(VERSIONS, v[6]) ||
		    (v[7] != '\0' && !(national && v[7] == ':')))
			break;
		p->kind = &kinds[i];
		p->version = v[6] - '0';
		p->sum->format = kinds[i].format;
		p->sum->version = p->version;
		p->ns = xmlTextReaderConstNamespaceUri(p->r);
		return 0;
	}
	return fail(p, ERR_INVALID, line, "Document", "not a camt.053 statement, camt.052 "
		    "report or camt.054 notification (root element '%s' in namespace "
		    "'%s'; expected Document in " NS_PREFIX "camt.05{3,2,4}.001.0{2..8})",
		    name, ns ? ns : "");
}

static int start_element(struct parser *p)
{
	const char *name = (const char *)xmlTextReaderConstLocalName(p->r);
	const xmlChar *ns = xmlTextReaderConstNamespaceUri(p->r);
	long line = xmlGetLineNo(xmlTextReaderCurrentNode(p->r));
	int d = p->top + 1;
	const char *parent = d > 0 ? p->stack[d - 1] : "";
	int rc;

	if (d > LIMIT_XML_DEPTH)
		return fail(p, ERR_LIMIT, line, name, "nested deeper than %d elements",
			    LIMIT_XML_DEPTH);
	if (d == 0 && (rc = root(p, name, line)) < 0)
		return rc;
	p->top = d;
	p->stack[d] = ns && xmlStrEqual(ns, p->ns) ? name : "?";
	p->lines[d] = line;
	p->text_len = 0;
	p->text_cut = false;
	p->ccy[0] = '\0';
	name = p->stack[d];
	if (strstr(name, "Amt")) {
		xmlChar *c = xmlTextReaderGetAttribute(p->r, BAD_CAST "Ccy");

		if (c) {
			const char *v = (const char *)c;

			while (isspace((unsigned char)*v))
				v++;
			snprintf(p->ccy, sizeof(p->ccy), "%.*s", (int)strcspn(v, " \t\r\n"), v);
		}
		xmlFree(c);
	}
	if (d == 1 && strcmp(name, p->kind->message) != 0)
		return fail(p, ERR_INVALID, line, name, "expected %s in a %s document",
			    p->kind->message, p->kind->name);
	if (d == 2 && strcmp(name, p->kind->report) == 0) {
		if (p->sum->statements >= LIMIT_CAMT_STATEMENTS_PER_FILE)
			return fail(p, ERR_LIMIT, line, name, "more than %d statements",
				    LIMIT_CAMT_STATEMENTS_PER_FILE);
		memset(&p->st, 0, sizeof(p->st));
		p->st.file = p->path;
		p->st.format = p->kind->format;
		p->st.version = p->version;
		p->st.line = line;
		p->st_begun = false;
		p->st_rank = 0;
		p->stmt_d = d;
	} else if (p->stmt_d >= 0 && d == p->stmt_d + 1) {
		check_order(p, stmt_order, &p->st_rank, p->kind->report, name, line);
		if (strcmp(name, "Ntry") == 0) {
			memset(&p->entry, 0, sizeof(p->entry));
			p->entry.l.line = line;
			p->entry.l.entry_index = p->st.entries + 1;
			p->ntx = 0;
			p->ntry_d = d;
		} else if (strcmp(name, "Bal") == 0) {
			memset(&p->bal, 0, sizeof(p->bal));
		}
	} else if (p->ntry_d >= 0 && d == p->ntry_d + 1) {
		check_order(p, ntry_order, &p->entry.rank, "Ntry", name, line);
		if (strcmp(name, "BkTxCd") == 0)
			p->entry.has_bktxcd = true;
	} else if (p->ntry_d >= 0 && d == p->ntry_d + 2 && strcmp(name, "TxDtls") == 0 &&
		   strcmp(parent, "NtryDtls") == 0) {
		if (p->ntx >= LIMIT_CAMT_TX_PER_ENTRY)
			return fail(p, ERR_LIMIT, line, "TxDtls", "more than %d transactions "
				    "in one entry", LIMIT_CAMT_TX_PER_ENTRY);
		if (p->ntx == p->txs_cap) {
			int cap = p->txs_cap ? p->txs_cap * 2 : 4;
			struct part *t = realloc(p->txs, (size_t)cap * sizeof(*t));

			if (!t)
				return err_set(ERR_SYSTEM, "out of memory");
			p->txs = t;
			p->txs_cap = cap;
		}
		memset(&p->txs[p->ntx], 0, sizeof(p->txs[0]));
		p->txs[p->ntx].l.line = line;
		p->ntx++;
		p->tx_d = d;
	}
	return 0;
}

static int end_element(struct parser *p)
{
	char buf[PATH_BYTES];
	int d = p->top;
	long line = p->lines[d];
	int rc = 0;

	if (d == p->tx_d) {
		p->tx_d = -1;
	} else if (d == p->ntry_d) {
		rc = end_entry(p);
		p->ntry_d = -1;
	} else if (d == p->stmt_d) {
		rc = end_statement(p);
		p->stmt_d = -1;
	} else if (p->tx_d >= 0) {
		rc = part_field(p, &p->txs[p->ntx - 1], rel_path(p, buf, p->tx_d), line, true);
	} else if (p->ntry_d >= 0) {
		rc = entry_field(p, rel_path(p, buf, p->ntry_d), line);
	} else if (p->stmt_d >= 0) {
		if (d == p->stmt_d + 1 && strcmp(p->stack[d], "Bal") == 0)
			rc = balance_end(p, line);
		else
			rc = stmt_field(p, rel_path(p, buf, p->stmt_d), line);
	}
	p->top--;
	p->text_len = 0;
	return rc;
}

static void add_text(struct parser *p)
{
	const char *v = (const char *)xmlTextReaderConstValue(p->r);
	size_t n = v ? strlen(v) : 0;

	if (p->text_len + n >= sizeof(p->text)) {
		n = sizeof(p->text) - 1 - p->text_len;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
		p->text_cut = true;
	}
	memcpy(p->text + p->text_len, v, n);
	p->text_len += n;
	p->text[p->text_len] = '\0';
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
	int rc = 0, ret;

	if (!out)
		out = &dummy;
	memset(out, 0, sizeof(*out));
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
	p->dev = (struct bank_deviations){name, "camt.053 deviation", warn_names, p->warn_counts,
					  W_KINDS, &out->warnings};
	p->h = h ? h : &none;
	p->sum = out;
	p->top = p->stmt_d = p->ntry_d = p->tx_d = -1;
	rc = path ? xml_reader_open_named(&p->r, path, name)
		  : xml_reader_open_memory(&p->r, buf, len, name);
	if (rc < 0)
		goto cleanup;
	path = name;
	while ((ret = xmlTextReaderRead(p->r)) == 1) {
		rc = xml_reader_check(p->r, path);
		if (rc < 0)
			goto cleanup;
		switch (xmlTextReaderNodeType(p->r)) {
		case XML_READER_TYPE_ELEMENT:
			rc = start_element(p);
			if (rc == 0 && xmlTextReaderIsEmptyElement(p->r))
				rc = end_element(p);
			break;
		case XML_READER_TYPE_END_ELEMENT:
			rc = end_element(p);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
			add_text(p);
			break;
		case XML_READER_TYPE_ENTITY_REFERENCE:
			rc = fail(p, ERR_INVALID, xmlTextReaderGetParserLineNumber(p->r),
				  "entity", "entity references are refused");
			break;
		default:
			break;
		}
		if (rc < 0)
			goto cleanup;
	}
	if (ret < 0) {
		rc = xml_reader_error(p->r, path);
		goto cleanup;
	}
	if (p->version == 0)
		rc = err_set(ERR_INVALID, "%s: no root element", path);
	bank_deviations_summarise(&p->dev);
cleanup:
	if (p) {
		xmlFreeTextReader(p->r);
		free(p->txs);
	}
	free(p);
	return rc;
}

int bank_camt_read(struct bank_camt_summary *out, const char *path,
		   const struct bank_camt_handler *h)
{
	return read_doc(out, path, NULL, 0, NULL, h);
}

int bank_camt_read_named(struct bank_camt_summary *out, const char *path, const char *name,
		  const struct bank_camt_handler *h)
{
	return read_doc(out, path, NULL, 0, name, h);
}

int bank_camt_read_memory(struct bank_camt_summary *out, const char *buf, size_t len,
			  const char *name, const struct bank_camt_handler *h)
{
	return read_doc(out, NULL, buf, len, name, h);
}
