/*
 * body.h - the write-path kit of fund/, bank/ and travel/: one reader per
 * kind of request field (a JSON object, strictly: unknown fields refused),
 * and one entry builder (the audit row is ledger_audit's), so that every
 * write operation reads, books and records the same way. Also turns result rows into JSON.
 *
 * Field readers: *out is NULL (or 0, false) when the field is absent and
 * not required; a JSON null is refused, never taken as absent (issue 16:
 * 400 naming the field); failures are ERR_INVALID (contract code
 * invalid-field) with an err_last() message that begins with the field.
 * They never touch the database, except fund_body_currency (an account
 * lookup) as its comment says.
 */
#ifndef TFLEDGER_FUND_BODY_H
#define TFLEDGER_FUND_BODY_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/money.h"
#include "ledger/ledger.h"

/* Sets the message "field: what<value>"; returns ERR_INVALID. */
int fund_body_bad(const char *field, const char *what,
		  const char *value);

/*
 * No JSON null anywhere in body (issue 16 item 7: a null is not taken for
 * an absent field), except as the value of a key in nullable
 * (NULL-terminated, or NULL: none), where null has a meaning of its own
 * ("clear it"). Else ERR_INVALID naming the JSON path: "source.currency:
 * null is not a value here (leave the field out)". Every JSON body that
 * reaches tfledgerd's handlers passes here (daemon/routes.c
 * route_parse_body).
 */
int fund_body_no_null(json_t *body, const char *const *nullable);

/* body must be an object whose keys are all in allowed (NULL-terminated). */
int fund_body_only_fields(json_t *body, const char *const *allowed);

/* *out = the string field key (owned by body), or NULL if absent and not
 * required; a present non-string (null included: 400) is refused. */
int fund_body_str(const char **out, json_t *body, const char *key, bool required);

/* A string field of 1 to max_bytes bytes. */
int fund_body_text(const char **out, json_t *body, const char *key, bool required,
		   size_t max_bytes);

/* A required id of the fund's own naming (donors, meetings): 1 to 32 of
 * a-z 0-9 . _ -, the first a-z or 0-9. */
int fund_body_slug(const char **out, json_t *body, const char *key);

/* The size of a date YYYY-MM-DD with its NUL. */
#define FUND_BODY_DATE_BYTES 11

/*
 * A date YYYY-MM-DD that date_valid() accepts. When absent and not
 * required: with today non-NULL, today's date (UTC) is written into today
 * and *out points to it; else *out is NULL.
 */
int fund_body_date(const char **out, json_t *body, const char *key, bool required,
		   char today[FUND_BODY_DATE_BYTES]);

/* Which amounts a field accepts; money_parse reads the text. */
enum fund_body_sign {
	FUND_BODY_POSITIVE,	/* > 0: what is pledged, received, given */
	FUND_BODY_NON_NEGATIVE, /* >= 0: a part that may be nothing, a tolerance */
};

/* The amount text s of field key in ccy's minor units (exactly its digits). */
int fund_body_amount_text(int64_t *out, const char *s, const char *key, const char *ccy,
			  enum fund_body_sign sign);

/* The amount field key, a string as fund_body_amount_text reads; 0 when absent. */
int fund_body_amount(int64_t *out, json_t *body, const char *key, bool required,
		     const char *ccy, enum fund_body_sign sign);

/*
 * A currency the fund keeps books in: an ISO 4217 code whose account
 * PREFIX-CCY exists (account_prefix, e.g. "1200"); books names those
 * accounts in the message ("accounts", "travel accounts"). Reads c.
 */
int fund_body_currency(const char **out, PGconn *c, json_t *body, const char *key,
		       bool required, const char *account_prefix, const char *books);

/* A positive integer id, given as a JSON integer; 0 when absent. */
int fund_body_id(long long *out, json_t *body, const char *key, bool required);

/* true or false; absent: false (a JSON null is refused, 400). */
int fund_body_bool(bool *out, json_t *body, const char *key);

/* --- the entry builder -------------------------------------------------------- */

/* The most postings an entry built here holds (a receipt across currencies: 7). */
#define FUND_BODY_POSTINGS_MAX 8

/*
 * Starts e dated date with memo (cut at LIMIT_MEMO_BYTES) and reference
 * (NULL: ""). On success the caller owns e until fund_body_entry_done;
 * on failure e holds nothing.
 */
int fund_body_entry_begin(struct ledger_entry *e, const char *date, const char *memo,
			  const char *reference);

/*
 * Adds a posting of amount (minor units of ccy) to account: a full code
 * ("1010-EUR") or a prefix made PREFIX-CCY ("5100"). An amount of 0 adds
 * nothing; a negative one, or more than FUND_BODY_POSTINGS_MAX, is a bug.
 */
void fund_body_entry_add(struct ledger_entry *e, const char *account, const char *ccy,
			 bool debit, int64_t amount);

/*
 * Appends e in c's transaction (fund_append: checked, stamped, journalled
 * as action) and writes its id into id_out. Frees what e holds either way.
 */
int fund_body_entry_done(char id_out[LEDGER_UUID_BYTES], PGconn *c, struct ledger_entry *e,
			 const struct ledger_actor *who, const char *action);


/* --- rows as JSON ------------------------------------------------------------------ */

/* The amount as its canonical decimal string (new reference). */
json_t *fund_body_money(int64_t minor, const char *ccy);

/* A rate as its shortest decimal string, e.g. "1.142" (new reference). */
json_t *fund_body_rate(struct money_rate x);

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
