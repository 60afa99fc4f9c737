/*
 * text.c - the one rule for accepted text (see text.h): one byte-at-a-time
 * UTF-8 decoder that the whole-string checks and the streaming readers
 * share, the character test, and the safe display of text stored before
 * the rule. Keeps no state; allocates only in text_shown.
 */
#include "common/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int text_utf8_feed(struct text_utf8 *d, unsigned char b)
{
	if (d->need > 0) {
		if (b < d->lo || b > d->hi) {
			d->need = 0;
			return -1;
		}
		d->cp = d->cp << 6 | (b & 0x3F);
		d->lo = 0x80;
		d->hi = 0xBF;
		return --d->need == 0;
	}
	d->lo = 0x80;
	d->hi = 0xBF;
	if (b < 0x80) {
		d->cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		d->cp = b & 0x1F;
		d->need = 1;
	} else if (b >= 0xE0 && b <= 0xEF) {
		d->cp = b & 0x0F;
		d->need = 2;
	} else if (b >= 0xF0 && b <= 0xF4) {
		d->cp = b & 0x07;
		d->need = 3;
	} else {
		return -1; /* a continuation byte, an overlong lead, above U+10FFFF */
	}
	if (b == 0xE0)
		d->lo = 0xA0; /* overlong */
	else if (b == 0xED)
		d->hi = 0x9F; /* surrogates */
	else if (b == 0xF0)
		d->lo = 0x90; /* overlong */
	else if (b == 0xF4)
		d->hi = 0x8F; /* above U+10FFFF */
	return 0;
}

bool text_char_ok(uint32_t cp)
{
	if (cp < 0x20)
		return cp == '\t' || cp == '\n' || cp == '\r';
	if (cp >= 0x7F && cp <= 0x9F)
		return false;
	return cp != 0xFFFE && cp != 0xFFFF;
}

/* The first fault of s[0..len): 0 if none, else 1 with *at its byte offset,
 * *chars the characters before it, *cp the refused character (or
 * UINT32_MAX for invalid UTF-8). */
static int first_fault(const char *s, size_t len, size_t *at, size_t *chars, uint32_t *cp)
{
	struct text_utf8 d = {0};
	size_t start = 0, n = 0;

	for (size_t i = 0; i < len; i++) {
		int r = text_utf8_feed(&d, (unsigned char)s[i]);

		if (r < 0 || (r == 1 && !text_char_ok(d.cp))) {
			*at = start;
			*chars = n;
			*cp = r < 0 ? UINT32_MAX : d.cp;
			return 1;
		}
		if (r == 1) {
			n++;
			start = i + 1;
		}
	}
	if (d.need > 0) {
		*at = start;
		*chars = n;
		*cp = UINT32_MAX;
		return 1;
	}
	return 0;
}

int text_check(const char *field, const char *s, size_t len)
{
	size_t at, chars;
	uint32_t cp;

	if (!first_fault(s, len, &at, &chars, &cp))
		return 0;
	if (cp == UINT32_MAX)
		return err_set(ERR_INVALID, "%s%sinvalid UTF-8 (byte %zu)", field ? field : "",
			       field ? ": " : "", at + 1);
	return err_set(ERR_INVALID, "%s%s%s U+%04X not allowed (character %zu)",
		       field ? field : "", field ? ": " : "",
		       cp < 0xA0 ? "control character" : "character", (unsigned)cp, chars + 1);
}

bool text_ok(const char *s, size_t len)
{
	size_t at, chars;
	uint32_t cp;

	return !first_fault(s, len, &at, &chars, &cp);
}

char *text_shown(const char *s, size_t len)
{
	char *out = malloc(len * 6 + 1), *o = out; /* "\u001B" is 6 bytes of 1 */
	struct text_utf8 d = {0};
	size_t start = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		int r = text_utf8_feed(&d, (unsigned char)s[i]);

		if (r == 0)
			continue;
		if (r < 0) { /* the bytes of the bad sequence so far, then retry b */
			for (size_t k = start; k < i; k++)
				o += sprintf(o, "\\x%02X", (unsigned char)s[k]);
			if (i > start) {
				start = i;
				i--;
				continue;
			}
			o += sprintf(o, "\\x%02X", (unsigned char)s[i]);
		} else if (!text_char_ok(d.cp)) {
			o += sprintf(o, "\\u%04X", (unsigned)d.cp);
		} else {
			memcpy(o, s + start, i + 1 - start);
			o += i + 1 - start;
		}
		start = i + 1;
	}
	for (size_t k = start; k < len; k++) /* a cut sequence at the end */
		o += sprintf(o, "\\x%02X", (unsigned char)s[k]);
	*o = '\0';
	return out;
}

size_t text_cut(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = len, tail = 0, need;

	while (i > 0 && tail < 3 && (u[i - 1] & 0xC0) == 0x80) {
		i--;
		tail++;
	}
	if (i == 0 || u[i - 1] < 0xC0)
		return len; /* ends on a whole character (or is not UTF-8 there) */
	need = u[i - 1] >= 0xF0 ? 3 : u[i - 1] >= 0xE0 ? 2 : 1;
	return tail < need ? i - 1 : len;
}
