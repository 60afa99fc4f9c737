/*
 * writer.c - the shared report writing helpers (see writer.h). Every
 * libxml2 writer call is checked; a failure becomes ERR_SYSTEM naming the
 * element. Amounts go through money_format only: no floating point.
 */
#include "reports/writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/err.h"
#include "common/money.h"
#include "common/text.h"
#include "common/xml.h"
#include "config.h"

#define X(s) BAD_CAST(s)

static int wrote(int xml_rc, const char *name)
{
	return xml_rc < 0 ? err_set(ERR_SYSTEM, "writing report element <%s> failed "
					 "(disk full or file closed?)", name)
			  : 0;
}

/* Indentation and the XML declaration; frees w on failure. */
static int start(xmlTextWriterPtr *out, xmlTextWriterPtr w, const char *what)
{
	if (xmlTextWriterSetIndent(w, 1) < 0 || xmlTextWriterSetIndentString(w, X("  ")) < 0 ||
	    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0) {
		xmlFreeTextWriter(w);
		return err_set(ERR_SYSTEM, "%s: cannot start the report", what);
	}
	*out = w;
	return 0;
}

int reports_writer_open(xmlTextWriterPtr *out, const char *path)
{
	xmlTextWriterPtr w;

	xml_init();
	*out = NULL;
	w = xmlNewTextWriterFilename(path, 0);
	if (!w)
		return err_set(ERR_SYSTEM, "%s: cannot create the report file", path);
	return start(out, w, path);
}

int reports_writer_open_buffer(xmlTextWriterPtr *out, xmlOutputBufferPtr buf)
{
	xmlTextWriterPtr w;

	xml_init();
	*out = NULL;
	if (!buf)
		return err_set(ERR_SYSTEM, "cannot open the report output");
	w = xmlNewTextWriter(buf);
	if (!w) {
		xmlOutputBufferClose(buf);
		return err_set(ERR_SYSTEM, "cannot start a report writer");
	}
	return start(out, w, "report output");
}

int reports_check_date(const char *s, const char *what)
{
	if (!date_valid(s))
		return err_set(ERR_INVALID, "%s: '%s' is not a date YYYY-MM-DD", what,
			       s ? s : "(none)");
	return 0;
}

int reports_check_time(const char *s, const char *what)
{
	if (!date_time_utc_valid(s))
		return err_set(ERR_INVALID, "%s: '%s' is not a UTC time YYYY-MM-DDTHH:MM:SSZ",
			       what, s ? s : "(none)");
	return 0;
}

static int check_header(const struct reports_header *h)
{
	int rc;

	if (!h->fund || !h->fund[0])
		return err_set(ERR_INVALID, "report header: fund is empty");
	if ((rc = reports_check_date(h->from, "report period from")) < 0 ||
	    (rc = reports_check_date(h->to, "report period to")) < 0)
		return rc;
	if (strcmp(h->from, h->to) > 0)
		return err_set(ERR_INVALID, "report period: from %s is after to %s",
			       h->from, h->to);
	if (h->generated_at &&
	    (rc = reports_check_time(h->generated_at, "report generated-at")) < 0)
		return rc;
	if (h->head_sequence < 0)
		return err_set(ERR_INVALID, "report header: ledger head sequence %" PRId64
				      " is negative", h->head_sequence);
	if (!h->head_hash || strlen(h->head_hash) != 64 ||
	    strspn(h->head_hash, "0123456789abcdef") != 64)
		return err_set(ERR_INVALID, "report header: ledger head hash '%s' is not "
				      "64 lower-case hex digits", h->head_hash ? h->head_hash : "");
	return 0;
}

int reports_writer_begin(xmlTextWriterPtr w, const char *root_name,
			 const struct reports_header *h)
{
	char now[DATE_TIME_BYTES];
	char seq[24];
	int rc;

	if ((rc = check_header(h)) < 0)
		return rc;
	if (!h->generated_at)
		date_format_time(now, time(NULL));
	snprintf(seq, sizeof(seq), "%" PRId64, h->head_sequence);
	if ((rc = wrote(xmlTextWriterStartElement(w, X(root_name)), root_name)) < 0 ||
	    (rc = wrote(xmlTextWriterWriteAttribute(w, X("xmlns"), X(REPORTS_NS)),
			root_name)) < 0 ||
	    (rc = wrote(xmlTextWriterStartElement(w, X("header")), "header")) < 0 ||
	    (rc = reports_write_text(w, "fund", h->fund)) < 0 ||
	    (rc = wrote(xmlTextWriterStartElement(w, X("period")), "period")) < 0 ||
	    (rc = reports_write_date(w, "from", h->from)) < 0 ||
	    (rc = reports_write_date(w, "to", h->to)) < 0 ||
	    (rc = wrote(xmlTextWriterEndElement(w), "period")) < 0 ||
	    (rc = reports_write_text(w, "generated-at",
				     h->generated_at ? h->generated_at : now)) < 0 ||
	    (rc = reports_write_text(w, "program-version", PACKAGE_VERSION)) < 0 ||
	    (rc = wrote(xmlTextWriterStartElement(w, X("ledger-head")), "ledger-head")) < 0 ||
	    (rc = reports_write_text(w, "sequence", seq)) < 0 ||
	    (rc = reports_write_text(w, "hash", h->head_hash)) < 0 ||
	    (rc = wrote(xmlTextWriterEndElement(w), "ledger-head")) < 0)
		return rc;
	return wrote(xmlTextWriterEndElement(w), "header");
}

int reports_write_text(xmlTextWriterPtr w, const char *name, const char *text)
{
	char *shown = NULL;
	int rc;

	if (text && !text_ok(text, strlen(text)) && !(shown = text_shown(text, strlen(text))))
		return err_oom();
	rc = wrote(xmlTextWriterWriteElement(w, X(name), X(shown ? shown : text)), name);
	free(shown);
	return rc;
}

int reports_write_money(xmlTextWriterPtr w, const char *name, int64_t minor,
			const char *ccy)
{
	char amount[MONEY_STR_MAX];
	int rc;

	if ((rc = money_format(amount, minor, ccy)) < 0)
		return err_wrap(rc, "report element <%s>", name);
	if ((rc = wrote(xmlTextWriterStartElement(w, X(name)), name)) < 0 ||
	    (rc = wrote(xmlTextWriterWriteAttribute(w, X("currency"), X(ccy)), name)) < 0 ||
	    (rc = wrote(xmlTextWriterWriteString(w, X(amount)), name)) < 0)
		return rc;
	return wrote(xmlTextWriterEndElement(w), name);
}

int reports_write_date(xmlTextWriterPtr w, const char *name, const char *date)
{
	int rc = reports_check_date(date, name);

	return rc < 0 ? rc : reports_write_text(w, name, date);
}

int reports_writer_end(xmlTextWriterPtr w)
{
	int rc = wrote(xmlTextWriterEndDocument(w), "(end of document)");

	return rc < 0 ? rc : wrote(xmlTextWriterFlush(w), "(flush)");
}

/* --- hand-made fragments (writer.h) ------------------------------------------- */

struct reports_raw {
	xmlTextWriterPtr w;
	size_t len;
	char buf[REPORTS_RAW_BYTES];
};

/* The most one input byte becomes: "&quot;". */
#define ESCAPED_MAX 6
/* Input bytes escaped at a time: their worst case (and a closing quote)
 * fits an empty buffer. */
#define SLICE (REPORTS_RAW_BYTES / ESCAPED_MAX - 1)

int reports_raw_new(struct reports_raw **out, xmlTextWriterPtr w)
{
	struct reports_raw *b = malloc(sizeof(*b));

	*out = NULL;
	if (!b)
		return err_set(ERR_SYSTEM, "out of memory for a report buffer");
	b->w = w;
	b->len = 0;
	*out = b;
	return 0;
}

void reports_raw_free(struct reports_raw *b)
{
	free(b);
}

int reports_raw_flush(struct reports_raw *b)
{
	int rc = 0;

	if (b->len && xmlTextWriterWriteRawLen(b->w, BAD_CAST b->buf, (int)b->len) < 0)
		rc = err_set(ERR_SYSTEM, "writing the report failed (disk full or file closed?)");
	b->len = 0;
	return rc;
}

/* Makes room for n more bytes; n <= REPORTS_RAW_BYTES. */
static int room(struct reports_raw *b, size_t n)
{
	return b->len + n > sizeof(b->buf) ? reports_raw_flush(b) : 0;
}

int reports_raw_put(struct reports_raw *b, const char *s, size_t n)
{
	int rc;

	while (n > 0) {
		size_t k = n < sizeof(b->buf) ? n : sizeof(b->buf);

		if ((rc = room(b, k)) < 0)
			return rc;
		memcpy(b->buf + b->len, s, k);
		b->len += k;
		s += k;
		n -= k;
	}
	return 0;
}

/* Appends the literal lit (a string constant). */
#define PUT(o, lit) (memcpy((o), (lit), sizeof(lit) - 1), (o) += sizeof(lit) - 1)

static int raw_text(struct reports_raw *b, const char *s, size_t n);
static int raw_attr(struct reports_raw *b, const char *name, const char *s, size_t n);

/* Text stored before the rule of common/text.h, as text_shown shows it:
 * fn with the shown text. */
static int shown_then(int (*fn)(struct reports_raw *, const char *, const char *, size_t),
		      struct reports_raw *b, const char *name, const char *s, size_t n)
{
	char *t = text_shown(s, n);
	int rc = t ? fn(b, name, t, strlen(t)) : err_oom();

	free(t);
	return rc;
}

static int text_named(struct reports_raw *b, const char *name, const char *s, size_t n)
{
	(void)name;
	return raw_text(b, s, n);
}

int reports_raw_text(struct reports_raw *b, const char *s, size_t n)
{
	return text_ok(s, n) ? raw_text(b, s, n) : shown_then(text_named, b, NULL, s, n);
}

int reports_raw_attr(struct reports_raw *b, const char *name, const char *s, size_t n)
{
	return text_ok(s, n) ? raw_attr(b, name, s, n) : shown_then(raw_attr, b, name, s, n);
}

static int raw_text(struct reports_raw *b, const char *s, size_t n)
{
	int rc;

	while (n > 0) { /* in slices that fit the buffer escaped */
		size_t k = n < SLICE ? n : SLICE;
		char *o;

		if ((rc = room(b, k * ESCAPED_MAX)) < 0)
			return rc;
		o = b->buf + b->len;
		for (size_t i = 0; i < k; i++)
			switch (s[i]) { /* as libxml2's xmlEncodeSpecialChars */
			case '<': PUT(o, "&lt;"); break;
			case '>': PUT(o, "&gt;"); break;
			case '&': PUT(o, "&amp;"); break;
			case '"': PUT(o, "&quot;"); break;
			case '\r': PUT(o, "&#13;"); break;
			default: *o++ = s[i];
			}
		b->len = (size_t)(o - b->buf);
		s += k;
		n -= k;
	}
	return 0;
}

static int raw_attr(struct reports_raw *b, const char *name, const char *s, size_t n)
{
	size_t name_len = strlen(name);
	int rc;
	char *o;

	if ((rc = room(b, name_len + 4)) < 0)
		return rc;
	o = b->buf + b->len;
	*o++ = ' ';
	memcpy(o, name, name_len);
	o += name_len;
	PUT(o, "=\"");
	b->len = (size_t)(o - b->buf);
	while (n > 0) {
		size_t k = n < SLICE ? n : SLICE;
		const unsigned char *u = (const unsigned char *)s;
		size_t i = 0;

		if ((rc = room(b, k * ESCAPED_MAX + 1)) < 0)
			return rc;
		o = b->buf + b->len;
		while (i < k) { /* as libxml2's xmlBufAttrSerializeTxtContent (UTF-8 document) */
			switch (u[i]) {
			case '\n': PUT(o, "&#10;"); break;
			case '\r': PUT(o, "&#13;"); break;
			case '\t': PUT(o, "&#9;"); break;
			case '"': PUT(o, "&quot;"); break;
			case '<': PUT(o, "&lt;"); break;
			case '>': PUT(o, "&gt;"); break;
			case '&': PUT(o, "&amp;"); break;
			default: *o++ = (char)u[i];
			}
			i++;
		}
		b->len = (size_t)(o - b->buf);
		s += i;
		n -= i;
	}
	if ((rc = room(b, 1)) < 0)
		return rc;
	b->buf[b->len++] = '"';
	return 0;
}

size_t reports_format_int(char out[24], int64_t v)
{
	char rev[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, i = 0;

	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[i++] = '-';
	while (n)
		out[i++] = rev[--n];
	return i;
}

void reports_writer_free(xmlTextWriterPtr w)
{
	if (w)
		xmlFreeTextWriter(w);
}
