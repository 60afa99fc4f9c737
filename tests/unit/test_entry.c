/*
 * test_entry.c - ledger/entry: the answer written as text is byte for byte
 * what jansson makes of the entry's JSON value, for every escape, and
 * entry ids are time-ordered UUIDs version 7.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/ledger.h"
#include "tests/harness/harness.h"

static struct ledger_posting postings[] = {
	{"1010", true, 125000, "EUR"},
	{"4010.a_b-c", false, 124999, "EUR"},
	{"3900-JPY", false, 1, "JPY"},
};

static void fill(struct ledger_entry *e, const char *memo, const char *reference)
{
	memset(e, 0, sizeof(*e));
	ck_assert_int_eq(ledger_entry_stamp(e), 0);
	snprintf(e->date, sizeof(e->date), "2019-02-14");
	e->memo = strdup(memo);
	e->reference = strdup(reference);
	e->sequence = 9007199254740993LL; /* more than a double holds */
	memset(e->prev_hash, 'a', 64);
	memset(e->hash, 'f', 64);
	e->postings = postings;
	e->n_postings = 3;
}

static char *dumped(json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT);

	json_decref(v);
	ck_assert_ptr_nonnull(text);
	return text;
}

START_TEST(test_entries_text__equals_json_dumps_for_every_escape)
{
	static const char *const memos[] = {
		"", "plain", "quote \" and backslash \\ and slash /",
		"\b\f\n\r\t", "\x01\x02\x1f controls, \x7f DEL",
		"UTF-8: Genève, 日本, \xf0\x9f\x92\xb6 (4 bytes), \xe2\x80\xa8 (U+2028)",
		"\\u0000 spelled, not a NUL",
	};

	for (size_t i = 0; i < sizeof(memos) / sizeof(memos[0]); i++) {
		struct ledger_entry e[2];
		char *want, *got;
		json_t *arr;

		fill(&e[0], memos[i], memos[(i + 1) % 7]);
		fill(&e[1], "second", "");
		snprintf(e[1].reverses, sizeof(e[1].reverses), "%s", e[0].id);
		snprintf(e[0].reversed_by, sizeof(e[0].reversed_by), "%s", e[1].id);

		want = dumped(ledger_entry_json(&e[0]));
		got = ledger_entries_text(e, 1, false);
		ck_assert_str_eq(got, want);
		free(want);
		free(got);

		arr = json_array();
		json_array_append_new(arr, ledger_entry_json(&e[0]));
		json_array_append_new(arr, ledger_entry_json(&e[1]));
		want = dumped(json_pack("{s:o}", "entries", arr));
		got = ledger_entries_text(e, 2, true);
		ck_assert_str_eq(got, want);
		free(want);
		free(got);
		for (int k = 0; k < 2; k++) {
			e[k].postings = NULL; /* static */
			ledger_entry_free(&e[k]);
		}
	}
}
END_TEST

START_TEST(test_entry_stamp__uuid_v7_in_time_order)
{
	struct ledger_entry a = {0}, b = {0};
	struct timespec pause = {0, 2000000}; /* 2 ms: a later millisecond */

	ck_assert_int_eq(ledger_entry_stamp(&a), 0);
	nanosleep(&pause, NULL);
	ck_assert_int_eq(ledger_entry_stamp(&b), 0);
	for (int k = 0; k < 2; k++) {
		const char *id = k ? b.id : a.id;

		ck_assert_uint_eq(strlen(id), 36);
		ck_assert_int_eq(id[8], '-');
		ck_assert_int_eq(id[14], '7');                     /* version */
		ck_assert_ptr_nonnull(strchr("89ab", id[19]));     /* variant */
	}
	/* the first 48 bits are the time in ms: later ids sort after */
	ck_assert_int_lt(strcmp(a.id, b.id), 0);
	ck_assert_int_lt(strcmp(a.created_at, b.created_at), 0);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test core[] = {
		{test_entries_text__equals_json_dumps_for_every_escape, 0},
		{test_entry_stamp__uuid_v7_in_time_order, 0},
	};
	Suite *s = suite_create("entry");

	harness_add_tcase(s, "core", NULL, NULL, 0, core, HARNESS_N(core));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
