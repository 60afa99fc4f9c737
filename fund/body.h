/*
 * body.h - what the fund and travel operations share to read a request
 * body (a JSON object, strictly: unknown fields refused) and to turn result
 * rows into JSON. Failures are ERR_INVALID (contract code invalid-field)
 * with an err_last() message that names the field.
 */
#ifndef TFLEDGER_FUND_BODY_H
#define TFLEDGER_FUND_BODY_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Sets the message "field: what<value>"; returns ERR_INVALID. */
int fund_body_bad(const char *field, const char *what,
		    const char *value);

/* body must be an object whose keys are all in allowed (NULL-terminated). */
int fund_body_only_fields(json_t *body, const char *const *allowed);

/* *out = the string field key (owned by body), or NULL if absent and not
 * required; a present non-string is refused. */
int fund_body_str(const char **out, json_t *body, const char *key, bool required);

/* The amount as its canonical decimal string (new reference). */
json_t *fund_body_money(int64_t minor, const char *ccy);

/*
 * The field that holds byte offset of a JSON text that did not parse, as
 * a path like "entries[2].memo" (or "entries[2]: a key" when the offset is
 * inside a key) into out; "" when the offset is in no string. jansson
 * names only the byte of an invalid UTF-8 sequence; this re-reads the text
 * up to it. Keys longer than 63 bytes are cut; at most 32 levels deep.
 */
void fund_body_path_at(char *out, size_t size, const char *text, size_t len,
			 size_t offset);

/* Column col of row as int64, and as a string or JSON null. */
int64_t fund_body_int64(const PGresult *r, int row, int col);
json_t *fund_body_str_or_null(const PGresult *r, int row, int col);

#endif
