/*
 * writer.h - what every XML report shares: a streaming xmlTextWriter on a
 * file (UTF-8, indented), the common header, and the exact forms of money,
 * dates and times. Memory does not grow with the report: elements go to
 * the file as they are written.
 *
 * All our report kinds live in one namespace, REPORTS_NS, written as the
 * default namespace on the root element, so every element (the header's
 * too) is in it. Each kind's XSD in reports/schemas has that target
 * namespace and includes common.xsd for the header type, the money, date
 * and hash types and the optional trailing ds:Signature (group
 * "signature"). A new incompatible version of the format gets a new
 * namespace (urn:tfledger:report:2).
 *
 * The header, in this order:
 *   <header>
 *     <fund>IGF Trust Fund</fund>
 *     <period><from>2024-01-01</from><to>2024-12-31</to></period>
 *     <generated-at>2025-01-15T09:30:00Z</generated-at>
 *     <program-version>0.1.0</program-version>
 *     <ledger-head><sequence>1234</sequence><hash>64 hex</hash></ledger-head>
 *   </header>
 * Given the same header (generated_at fixed) and the same calls, the output
 * is the same bytes.
 */
#ifndef TFLEDGER_REPORTS_WRITER_H
#define TFLEDGER_REPORTS_WRITER_H

#include <libxml/xmlwriter.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define REPORTS_NS "urn:tfledger:report:1"

/* "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */

struct reports_header {
	const char *fund;         /* the fund's name, not empty */
	const char *from;         /* first day of the period, YYYY-MM-DD */
	const char *to;           /* last day of the period (inclusive), >= from */
	const char *generated_at; /* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ"; NULL: now */
	int64_t head_sequence;    /* the ledger's head entry sequence (>= 0) */
	const char *head_hash;    /* that entry's hash: 64 lower-case hex digits */
};

/*
 * Opens a writer on path (created or truncated): UTF-8 declaration, two
 * spaces of indentation. *out is freed with reports_writer_free.
 * ERR_SYSTEM if the file cannot be created.
 */
int reports_writer_open(xmlTextWriterPtr *out, const char *path);

/*
 * Opens a writer on buf (a file descriptor, FILE* or callback output made
 * with xmlOutputBufferCreateFd/File/IO); the writer owns buf from then on,
 * also on failure. Same settings as reports_writer_open. ERR_SYSTEM.
 */
int reports_writer_open_buffer(xmlTextWriterPtr *out, xmlOutputBufferPtr buf);

/*
 * Starts the root element root_name in REPORTS_NS and writes the header.
 * ERR_INVALID naming the field for a bad header (dates, order, hash, empty
 * fund, negative sequence); ERR_SYSTEM for a write error.
 */
int reports_writer_begin(xmlTextWriterPtr w, const char *root_name,
			 const struct reports_header *h);

/* <name>text</name>. ERR_SYSTEM for a write error. */
int reports_write_text(xmlTextWriterPtr w, const char *name, const char *text);

/*
 * <name currency="CCY">1250.00</name>: minor units as money_format's exact
 * decimal string. ERR_INVALID for an unknown currency.
 */
int reports_write_money(xmlTextWriterPtr w, const char *name, int64_t minor,
			const char *ccy);

/* <name>YYYY-MM-DD</name>; ERR_INVALID unless date is a real calendar day. */
int reports_write_date(xmlTextWriterPtr w, const char *name, const char *date);

/* Closes every open element and the document and flushes the file. */
int reports_writer_end(xmlTextWriterPtr w);

/* Frees the writer (closing the file); NULL is allowed. */
void reports_writer_free(xmlTextWriterPtr w);

/*
 * Hand-made XML for the hot loop of a large report (the account statement's
 * entries): the same bytes xmlTextWriter writes for the same elements,
 * built in a fixed buffer and handed to the writer in large chunks with
 * xmlTextWriterWriteRawLen, without the writer's per-call costs (a stack
 * of open elements, a strdup per name, strlen and a copy per attribute).
 *
 * Fragments go inside the element the writer has open (started with
 * reports_start). The writer closes that element's start tag with ">"
 * alone before the first chunk, and writes nothing before its end tag:
 * so the first fragment starts with the newline and the last one ends with
 * the open element's indentation (see statement.c). A test compares these
 * bytes with the writer's own (tests/unit/test_reports.c).
 *
 * Text is escaped as xmlTextWriterWriteString escapes element content
 * (& < > " and CR); attribute values as xmlTextWriterWriteAttribute does
 * (also LF and TAB). Other bytes, UTF-8 beyond ASCII too, go as they are.
 */
struct reports_raw;

/* Bytes buffered before they are handed to the writer. */
#define REPORTS_RAW_BYTES (64 * 1024)

/* A buffer for w (which must outlive it); *out is freed with
 * reports_raw_free. ERR_SYSTEM if out of memory. */
int reports_raw_new(struct reports_raw **out, xmlTextWriterPtr w);

/* Appends n bytes of markup as they are (no escaping). */
int reports_raw_put(struct reports_raw *b, const char *s, size_t n);

/* Appends s[0..n) escaped as element content. */
int reports_raw_text(struct reports_raw *b, const char *s, size_t n);

/* Appends ` name="value"` with s[0..n) escaped as an attribute value. */
int reports_raw_attr(struct reports_raw *b, const char *name, const char *s, size_t n);

/* Hands what is buffered to the writer. ERR_SYSTEM for a write error. */
int reports_raw_flush(struct reports_raw *b);

/* Frees b without flushing; NULL is allowed. */
void reports_raw_free(struct reports_raw *b);

/* Writes the decimal digits of v (at most 20 and a sign) into out; returns
 * their number. No NUL. */
size_t reports_format_int(char out[24], int64_t v);

/* 0 if s is "YYYY-MM-DD" naming a real day, else ERR_INVALID naming what. */
int reports_check_date(const char *s, const char *what);

/* 0 if s is "YYYY-MM-DDTHH:MM:SSZ" naming a real instant, else ERR_INVALID. */
int reports_check_time(const char *s, const char *what);

#endif
