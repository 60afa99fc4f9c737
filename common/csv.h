/*
 * csv.h - a streaming reader for RFC 4180 CSV in UTF-8, one record at a time.
 *
 * Accepted: an optional UTF-8 byte order mark, records ended by LF or CRLF
 * (the last one may lack it), fields quoted with '"' that hold commas,
 * doubled quotes and line breaks. Empty lines are skipped. Refused, with
 * "name:line:column: what" (line and column of the fault, 1-based, column
 * counted in bytes): a quote inside an unquoted field, anything but a comma
 * or line end after a closing quote, an unclosed quote, a bare CR, a NUL
 * byte, invalid UTF-8, a character the ledger does not accept
 * (common/text.h: control characters but TAB and line ends, U+FFFE), a record above LIMIT_CSV_RECORD_BYTES or with more
 * than LIMIT_CSV_FIELDS fields (ERR_LIMIT).
 *
 * The reader keeps one record in memory, never the file. It does not know
 * about headers: callers read the first record as one.
 */
#ifndef TFLEDGER_CSV_H
#define TFLEDGER_CSV_H

#include <stddef.h>
#include <stdio.h>

typedef struct csv_reader csv_reader;

/*
 * Opens path for reading ("-" is stdin). *out is freed with csv_close.
 * ERR_SYSTEM if the file cannot be opened.
 */
int csv_open(csv_reader **out, const char *path);

/*
 * Reads from f, which the reader does not close; name is used in messages.
 * Useful for buffers via fmemopen(3).
 */
int csv_open_stream(csv_reader **out, FILE *f, const char *name);

/*
 * Reads the next record. Returns 1 with a record, 0 at the end of the
 * input, or a negative code with the message in err_last().
 */
int csv_next(csv_reader *r);

/* Number of fields of the current record (at least 1). */
size_t csv_nfields(const csv_reader *r);

/*
 * Field i (0-based) of the current record, NUL-terminated, unquoted; valid
 * until the next csv_next. *len_out (may be NULL) gets its length in bytes.
 * Returns NULL for i out of range.
 */
const char *csv_field(const csv_reader *r, size_t i, size_t *len_out);

/* The line where the current record starts (1-based). */
size_t csv_line(const csv_reader *r);

/* The name given at open (the path, or "<stdin>"). */
const char *csv_name(const csv_reader *r);

/* Closes the reader (and the file if csv_open opened it); NULL is fine. */
void csv_close(csv_reader *r);

#endif
