/*
 * text.h - the one rule for the text the ledger accepts (docs/ledger.md,
 * "Text the ledger accepts"): UTF-8 that is valid (no overlong forms, no
 * cut sequences, no surrogates, nothing above U+10FFFF) and holds no
 * character XML 1.0 cannot carry or a terminal would act on: the control
 * characters U+0000-U+001F but TAB, LF and CR, DEL and U+0080-U+009F, and
 * U+FFFE and U+FFFF. Every door (JSON bodies, query parameters, path
 * segments, the CSV and MT940 readers) refuses such text with text_check;
 * what was stored before the rule is shown with text_shown (report
 * writers, the CLI's tables), never written raw.
 */
#ifndef TFLEDGER_TEXT_H
#define TFLEDGER_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A UTF-8 decoder fed one byte at a time (for streaming readers). */
struct text_utf8 {
	uint32_t cp;          /* the character being read */
	int need;             /* continuation bytes still expected */
	unsigned char lo, hi; /* the range of the next continuation byte */
};

/*
 * Feeds byte b: 1 when a character is complete (in d->cp), 0 when more
 * bytes are needed, -1 when b cannot come here (invalid UTF-8; d is reset
 * to begin a new character).
 */
int text_utf8_feed(struct text_utf8 *d, unsigned char b);

/* Whether the character cp is one the ledger accepts (see above). */
bool text_char_ok(uint32_t cp);

/*
 * 0 if s[0..len) is text the ledger accepts; else ERR_INVALID with the
 * message "FIELD: control character U+001B not allowed (character 4)" or
 * "FIELD: invalid UTF-8 (byte 7)" (field may be NULL: no prefix).
 */
int text_check(const char *field, const char *s, size_t len);

/* Whether s[0..len) is text the ledger accepts (text_check, silently). */
bool text_ok(const char *s, size_t len);

/*
 * s[0..len) as text that is shown safely: a new NUL-terminated string (the
 * caller's, free it) where every character text_check refuses is written
 * as \uXXXX (upper-case hex, U+001B: "\u001B") and every byte of invalid
 * UTF-8 as \xHH; the rest as it is. NULL when out of memory.
 */
char *text_shown(const char *s, size_t len);

/* The length of s[0..len) without the UTF-8 sequence its end cuts, if
 * any: after truncating a buffer, s[text_cut(s, len)] = '\0' ends it on a
 * character boundary. */
size_t text_cut(const char *s, size_t len);

#endif
