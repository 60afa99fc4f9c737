/*
 * read.c - the format sniffer behind read.h: the first bytes of a file say
 * whether it is XML (camt.05x) or a SWIFT MT940 message; the reader of
 * that format does everything else, including every check of the content.
 * This file reads no more than SNIFF_BYTES itself and never guesses: input
 * that is neither is refused with what it starts with.
 */
#include "bank/read.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bank/mt940.h"
#include "common/err.h"

/* Enough for a byte order mark, blank lines and the first marker. */
#define SNIFF_BYTES 4096

enum kind { KIND_UNKNOWN, KIND_XML, KIND_MT940 };

/* The kind of the len bytes at head. */
static enum kind sniff(const char *head, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && strchr(" \t\r\n\x01", head[i]) && head[i] != '\0')
		i++;
	head += i;
	len -= i;
	if (len >= 1 && head[0] == '<')
		return KIND_XML;
	if ((len >= 4 && memcmp(head, ":20:", 4) == 0) ||
	    (len >= 3 && (memcmp(head, "{1:", 3) == 0 || memcmp(head, "{4:", 3) == 0)))
		return KIND_MT940;
	return KIND_UNKNOWN;
}

/* The message for a file of no known format: what it starts with, made
 * printable. */
static int refuse(const char *name, const char *head, size_t len)
{
	char shown[24];
	size_t n = 0;

	for (size_t i = 0; i < len && n < 16; i++)
		shown[n++] = head[i] >= 0x20 && head[i] < 0x7F ? head[i] : '.';
	shown[n] = '\0';
	if (len == 0)
		return err_set(ERR_INVALID, "%s: empty: neither a camt.053/052/054 XML "
			       "document nor an MT940 statement", name);
	return err_set(ERR_INVALID, "%s:1: format: neither a camt.053/052/054 XML document "
		       "('<') nor an MT940 statement (':20:', '{1:'); it starts with '%s'",
		       name, shown);
}

int bank_read(struct bank_camt_summary *out, const char *path,
	      const struct bank_camt_handler *h)
{
	return bank_read_named(out, path, path, h);
}

int bank_read_named(struct bank_camt_summary *out, const char *path, const char *name,
		    const struct bank_camt_handler *h)
{
	char head[SNIFF_BYTES];
	FILE *f = fopen(path, "rb");
	size_t len;
	bool failed;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!f)
		return err_sys(ERR_INVALID, "%s: cannot read", name);
	len = fread(head, 1, sizeof(head), f);
	failed = ferror(f) != 0;
	fclose(f);
	if (failed)
		return err_set(ERR_INVALID, "%s: cannot read", name);
	switch (sniff(head, len)) {
	case KIND_XML: return bank_camt_read_named(out, path, name, h);
	case KIND_MT940: return bank_mt940_read_named(out, path, name, h);
	default: return refuse(name, head, len);
	}
}

int bank_read_memory(struct bank_camt_summary *out, const char *buf, size_t len,
		     const char *name, const struct bank_camt_handler *h)
{
	if (out)
		memset(out, 0, sizeof(*out));
	switch (sniff(buf, len < SNIFF_BYTES ? len : SNIFF_BYTES)) {
	case KIND_XML: return bank_camt_read_memory(out, buf, len, name, h);
	case KIND_MT940: return bank_mt940_read_memory(out, buf, len, name, h);
	default: return refuse(name, buf, len < SNIFF_BYTES ? len : SNIFF_BYTES);
	}
}
