/*
 * csv.c - the streaming RFC 4180 reader (see csv.h).
 *
 * One pass over the bytes with a small state machine; UTF-8 is checked byte
 * by byte as it goes (so a fault is reported where it is), and every field
 * of the current record is kept NUL-terminated in one buffer that grows up
 * to LIMIT_CSV_RECORD_BYTES. The reader never holds more than one record.
 */
#include "common/csv.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/limits.h"
#include "common/text.h"

#define READ_CHUNK 65536

struct csv_reader {
	FILE *f;
	int owns;
	char *name;
	unsigned char in[READ_CHUNK];
	size_t pos, len;
	int eof, started;
	char *rec;           /* the fields, each followed by a NUL */
	size_t rec_len, rec_cap;
	size_t starts[LIMIT_CSV_FIELDS];
	size_t nfields;
	size_t line, col;    /* position of the next byte */
	size_t bline, bcol;  /* position of the byte last read */
	size_t rec_line;
	struct text_utf8 u8; /* the character being read */
};

int csv_open_stream(csv_reader **out, FILE *f, const char *name)
{
	csv_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r || !(r->name = strdup(name))) {
		free(r);
		return err_set(ERR_SYSTEM, "out of memory");
	}
	r->f = f;
	r->line = 1;
	r->col = 1;
	*out = r;
	return 0;
}

int csv_open(csv_reader **out, const char *path)
{
	int stdin_ = strcmp(path, "-") == 0;
	FILE *f = stdin_ ? stdin : fopen(path, "rb");
	int rc;

	*out = NULL;
	if (!f)
		return err_sys(ERR_SYSTEM, "%s: cannot open", path);
	rc = csv_open_stream(out, f, stdin_ ? "<stdin>" : path);
	if (rc < 0) {
		if (!stdin_)
			fclose(f);
		return rc;
	}
	(*out)->owns = !stdin_;
	return 0;
}

void csv_close(csv_reader *r)
{
	if (!r)
		return;
	if (r->owns)
		fclose(r->f);
	free(r->rec);
	free(r->name);
	free(r);
}

/* Makes a byte available: 1 if there is one, 0 at the end, -2 (message
 * set) if reading failed. Skips a byte order mark at the very start. */
__attribute__((noinline)) static int fill(csv_reader *r)
{
	if (r->pos < r->len)
		return 1;
	if (r->eof)
		return 0;
	r->len = fread(r->in, 1, sizeof(r->in), r->f);
	r->pos = 0;
	if (r->len < sizeof(r->in)) {
		if (ferror(r->f))
			return err_sys(ERR_SYSTEM, "%s: read error", r->name), -2;
		r->eof = 1;
	}
	if (!r->started) {
		r->started = 1;
		if (r->len >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0)
			r->pos = 3;
	}
	return r->pos < r->len;
}

/* The next byte, or -1 at the end; -2 (message set) if reading failed.
 * Inline: it runs once per byte of the file. */
static inline int get(csv_reader *r)
{
	int c = r->pos < r->len ? 1 : fill(r);

	if (c <= 0)
		return c == 0 ? -1 : -2;
	c = r->in[r->pos++];
	r->bline = r->line;
	r->bcol = r->col;
	if (c == '\n') {
		r->line++;
		r->col = 1;
	} else {
		r->col++;
	}
	return c;
}

/* Consumes the next byte if it is c; returns whether it did. */
static int take(csv_reader *r, int c)
{
	if (fill(r) != 1 || r->in[r->pos] != c)
		return 0;
	return get(r) == c;
}

static int fault(csv_reader *r, const char *what)
{
	return err_set(ERR_INVALID, "%s:%zu:%zu: %s", r->name, r->bline, r->bcol, what);
}

/* Feeds one byte to the text check (common/text.h: valid UTF-8 of
 * characters the ledger accepts); ERR_INVALID at the first bad byte. */
static int utf8(csv_reader *r, int c)
{
	int got = text_utf8_feed(&r->u8, (unsigned char)c);
	char what[64];

	if (got < 0)
		return fault(r, "invalid UTF-8");
	if (got == 1 && c == 0)
		return fault(r, "NUL byte");
	if (got == 1 && !text_char_ok(r->u8.cp)) {
		snprintf(what, sizeof(what), "control character U+%04X not allowed",
			 (unsigned)r->u8.cp);
		return fault(r, what);
	}
	return 0;
}

static int append(csv_reader *r, char c)
{
	if (r->rec_len + 2 > r->rec_cap) {
		size_t cap = r->rec_cap ? r->rec_cap * 2 : 256;
		char *p;

		if (r->rec_len + 2 > LIMIT_CSV_RECORD_BYTES)
			return err_set(ERR_LIMIT, "%s:%zu: record longer than %d bytes "
					      "(LIMIT_CSV_RECORD_BYTES; an unclosed quote?)",
				       r->name, r->rec_line, LIMIT_CSV_RECORD_BYTES);
		if (cap > LIMIT_CSV_RECORD_BYTES)
			cap = LIMIT_CSV_RECORD_BYTES;
		p = realloc(r->rec, cap);
		if (!p)
			return err_set(ERR_SYSTEM, "out of memory");
		r->rec = p;
		r->rec_cap = cap;
	}
	r->rec[r->rec_len++] = c;
	return 0;
}

static int end_field(csv_reader *r)
{
	if (r->nfields == LIMIT_CSV_FIELDS)
		return err_set(ERR_LIMIT, "%s:%zu: more than %d fields (LIMIT_CSV_FIELDS)",
			       r->name, r->rec_line, LIMIT_CSV_FIELDS);
	if (r->u8.need > 0)
		return fault(r, "invalid UTF-8 (truncated sequence)");
	if (append(r, '\0') < 0)
		return ERR_LIMIT;
	r->nfields++;
	if (r->nfields < LIMIT_CSV_FIELDS)
		r->starts[r->nfields] = r->rec_len;
	return 0;
}

enum state { FIELD_START, UNQUOTED, QUOTED, AFTER_QUOTE };

int csv_next(csv_reader *r)
{
	enum state st = FIELD_START;
	size_t qline = 0, qcol = 0;
	int c, rc;

	r->rec_len = 0;
	r->nfields = 0;
	r->starts[0] = 0;
	r->rec_line = r->line;
	for (;;) {
		c = get(r);
		if (c == -2)
			return ERR_SYSTEM;
		if (c == '\r') {
			if (st != QUOTED && !take(r, '\n'))
				return fault(r, "carriage return not followed by a line feed");
			if (st != QUOTED)
				c = '\n';
		}
		if (c >= 0 && (c >= 0x7F || (c < 0x20 && c != '\n' && c != '\t' && c != '\r') ||
			       r->u8.need) && (rc = utf8(r, c)) < 0)
			return rc;
		switch (st) {
		case FIELD_START:
			if (c == -1 && r->nfields == 0)
				return 0;
			if (c == '\n' && r->nfields == 0) {
				r->rec_line = r->line;  /* an empty line: skip it */
				continue;
			}
			if (c == '"') {
				st = QUOTED;
				qline = r->bline;
				qcol = r->bcol;
				continue;
			}
			st = UNQUOTED;
			break;
		case UNQUOTED:
			if (c == '"')
				return fault(r, "quote inside an unquoted field (quote the "
						"whole field and double the quote)");
			break;
		case QUOTED:
			if (c == -1)
				return err_set(ERR_INVALID, "%s:%zu:%zu: quoted field never closed",
					       r->name, qline, qcol);
			if (c == '"')
				st = AFTER_QUOTE;
			else if ((rc = append(r, (char)c)) < 0)
				return rc;
			continue;
		case AFTER_QUOTE:
			if (c == '"') {
				if ((rc = append(r, '"')) < 0)
					return rc;
				st = QUOTED;
				continue;
			}
			if (c != ',' && c != '\n' && c != -1)
				return fault(r, "a closing quote must be followed by a comma "
						"or the end of the line");
			break;
		}
		/* UNQUOTED, or a field that just ended */
		if (c == ',' || c == '\n' || c == -1) {
			if ((rc = end_field(r)) < 0)
				return rc;
			if (c != ',')
				return 1;
			st = FIELD_START;
			continue;
		}
		if ((rc = append(r, (char)c)) < 0)
			return rc;
		/* fast path: the rest of a run of plain ASCII bytes of an unquoted
		 * field, straight from the buffer (most of a typical file); not
		 * inside a UTF-8 sequence, whose next byte must be checked */
		while (r->u8.need == 0 && r->pos < r->len) {
			unsigned char b = r->in[r->pos];

			if (b == ',' || b == '\n' || b == '\r' || b == '"' || b < 0x20 || b >= 0x7F)
				break;
			if ((rc = append(r, (char)b)) < 0)
				return rc;
			r->pos++;
			r->col++;
		}
	}
}

size_t csv_nfields(const csv_reader *r)
{
	return r->nfields;
}

const char *csv_field(const csv_reader *r, size_t i, size_t *len_out)
{
	size_t end;

	if (i >= r->nfields)
		return NULL;
	end = i + 1 < r->nfields ? r->starts[i + 1] : r->rec_len;
	if (len_out)
		*len_out = end - r->starts[i] - 1;
	return r->rec + r->starts[i];
}

size_t csv_line(const csv_reader *r)
{
	return r->rec_line;
}

const char *csv_name(const csv_reader *r)
{
	return r->name;
}
