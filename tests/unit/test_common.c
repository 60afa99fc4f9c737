/*
 * test_common.c - err, log, hash, cfg and output: the small infrastructure
 * modules; and the JSON path finder of request bodies (fund/body.c).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/output.h"
#include "common/money.h"
#include "common/text.h"
#include "fund/body.h"
#include "tests/harness/harness.h"

START_TEST(test_err_set__keeps_message_and_code)
{
	ck_assert_int_eq(err_set(ERR_NOTFOUND, "account %s", "1010"), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "account 1010");
	ck_assert_int_eq(err_wrap(ERR_NOTFOUND, "line %d", 7), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "line 7: account 1010");
	err_clear();
	ck_assert_str_eq(err_last(), "");
}
END_TEST

START_TEST(test_err_exit_status__follows_the_contract)
{
	ck_assert_int_eq(err_exit_status(0), 0);
	ck_assert_int_eq(err_exit_status(ERR_INVALID), 1);
	ck_assert_int_eq(err_exit_status(ERR_CONFLICT), 1);
	ck_assert_int_eq(err_exit_status(ERR_UNAVAILABLE), 2);
	ck_assert_int_eq(err_exit_status(ERR_SYSTEM), 2);
	ck_assert_str_eq(err_name(ERR_NOTFOUND), "not-found");
}
END_TEST

/* The contract's codes travel with err, not as strings beside it. */
START_TEST(test_err_code__carried_with_the_message_and_derived_otherwise)
{
	static const struct {
		int rc;
		const char *name;
		unsigned status;
	} derived[] = {
		{ERR_INVALID, "invalid-field", 400}, {ERR_NOTFOUND, "not-found", 404},
		{ERR_CONFLICT, "conflict", 409},     {ERR_LIMIT, "too-large", 413},
		{ERR_UNAVAILABLE, "unavailable", 503}, {ERR_RETRY, "internal", 500},
		{ERR_SYSTEM, "internal", 500},       {ERR_INTERNAL, "internal", 500},
	};

	for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++) {
		enum err_code ec;

		err_set(derived[i].rc, "m");
		ec = err_code_of(derived[i].rc);
		ck_assert_str_eq(err_code_name(ec), derived[i].name);
		ck_assert_uint_eq(err_code_status(ec), derived[i].status);
	}

	/* a code given is kept through err_wrap, dropped by the next err_set */
	ck_assert_int_eq(err_code_set(ERR_INVALID, EC_PERIOD_CLOSED, "the period %s is closed",
				      "2019-01"), ERR_INVALID);
	ck_assert_int_eq(err_wrap(ERR_INVALID, "date"), ERR_INVALID);
	ck_assert_str_eq(err_last(), "date: the period 2019-01 is closed");
	ck_assert_int_eq(err_code_of(ERR_INVALID), EC_PERIOD_CLOSED);
	ck_assert_uint_eq(err_code_status(EC_PERIOD_CLOSED), 422);
	/* a failure of another class than the one the code was set with */
	ck_assert_int_eq(err_code_of(ERR_INTERNAL), EC_INTERNAL);
	err_set(ERR_INVALID, "plain");
	ck_assert_int_eq(err_code_of(ERR_INVALID), EC_INVALID_FIELD);

	/* err_recode keeps the message */
	err_set(ERR_LIMIT, "file.csv:3: line too long");
	ck_assert_int_eq(err_recode(ERR_INVALID, EC_INVALID_FIELD), ERR_INVALID);
	ck_assert_str_eq(err_last(), "file.csv:3: line too long");
	ck_assert_int_eq(err_code_of(ERR_INVALID), EC_INVALID_FIELD);

	/* every code has a name and a status; the key-taken code answers as conflict */
	for (int ec = EC_NONE + 1; ec < EC_COUNT; ec++) {
		ck_assert_ptr_nonnull(err_code_name(ec));
		ck_assert_uint_ge(err_code_status(ec), 400);
	}
	ck_assert_str_eq(err_code_name(EC_IDEMPOTENCY_KEY_TAKEN), "conflict");
	err_clear();
	ck_assert_int_eq(err_code_of(ERR_INVALID), EC_INVALID_FIELD);
}
END_TEST

START_TEST(test_err_set__truncates_long_messages)
{
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(ERR_INVALID, "%s", big);
	ck_assert_uint_lt(strlen(err_last()), sizeof(big));
}
END_TEST

/* Captures what log_write prints on fd 2. */
static char *capture_log(enum log_level level, const char *msg, const char *k,
			 const char *v)
{
	char path[] = "/tmp/tfl-log-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	char *buf = calloc(1, 8192);

	ck_assert_int_ge(fd, 0);
	dup2(fd, STDERR_FILENO);
	log_write(level, msg, k, v, NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	ck_assert_int_ge(read(fd, buf, 8191), 0);
	close(fd);
	unlink(path);
	return buf;
}

START_TEST(test_log_write__logfmt_with_quoting)
{
	char *line;

	log_set_level(LOG_INFO);
	line = capture_log(LOG_INFO, "migration applied", "name", "0001_init.sql");
	ck_assert_msg(strncmp(line, "ts=", 3) == 0, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, " level=info msg=\"migration applied\" "
					   "name=0001_init.sql\n"));
	free(line);
	line = capture_log(LOG_WARN, "x", "error", "say \"no\"\nnow");
	ck_assert_ptr_nonnull(strstr(line, "level=warn msg=\"x\" error=\"say \\\"no\\\"\\nnow\"\n"));
	free(line);
	line = capture_log(LOG_WARN, "x", "empty", "");
	ck_assert_ptr_nonnull(strstr(line, "empty=\"\"\n"));
	free(line);
}
END_TEST

START_TEST(test_log_write__below_threshold_is_silent)
{
	char *line;

	log_set_level(LOG_WARN);
	line = capture_log(LOG_INFO, "hidden", "k", "v");
	ck_assert_str_eq(line, "");
	free(line);
	log_set_level(LOG_INFO);
}
END_TEST

START_TEST(test_hash_sha256__known_vectors)
{
	char hex[HASH_HEX_BYTES];

	ck_assert_int_eq(hash_sha256_hex(hex, "abc", 3), 0);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(hash_sha256_hex(hex, "", 0), 0);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ck_assert(hash_equal_ct("abcd", "abcd", 4));
	ck_assert(!hash_equal_ct("abcd", "abce", 4));
}
END_TEST

START_TEST(test_hash_file__matches_buffer_hash)
{
	char path[] = "/tmp/tfl-hash-XXXXXX";
	char a[HASH_HEX_BYTES], b[HASH_HEX_BYTES];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	close(fd);
	ck_assert_int_eq(hash_file_sha256_hex(a, path), 0);
	ck_assert_int_eq(hash_sha256_hex(b, "abc", 3), 0);
	ck_assert_str_eq(a, b);
	unlink(path);
	ck_assert_int_eq(hash_file_sha256_hex(a, path), ERR_SYSTEM);
	ck_assert_ptr_nonnull(strstr(err_last(), path));
}
END_TEST

START_TEST(test_cfg_data_path__finds_migrations_and_names_misses)
{
	char path[4096];

	ck_assert_int_eq(cfg_data_path(path, sizeof(path), "migrations/0001_init.sql"), 0);
	ck_assert_int_eq(access(path, R_OK), 0);
	ck_assert_int_eq(cfg_data_path(path, sizeof(path), "no/such/file"), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "no/such/file"));
}
END_TEST

START_TEST(test_cfg_database__option_then_environment)
{
	setenv("TFLEDGER_DATABASE", "dbname=fromenv", 1);
	ck_assert_str_eq(cfg_database("dbname=opt"), "dbname=opt");
	ck_assert_str_eq(cfg_database(NULL), "dbname=fromenv");
	unsetenv("TFLEDGER_DATABASE");
	ck_assert_ptr_null(cfg_database(NULL));
	ck_assert_ptr_nonnull(strstr(err_last(), "--database"));
}
END_TEST

START_TEST(test_body_path_at__names_the_field_of_an_offset)
{
	static const struct {
		const char *text, *mark, *want;
	} cases[] = {
		{"{\"date\":\"2019-02-14\",\"memo\":\"ab@\"}", "@", "memo"},
		{"{\"entries\":[{\"date\":\"x\"},{\"memo\":\"a\\\"@\"}]}", "@", "entries[1].memo"},
		{"{\"entries\":[{},{\"postings\":[{},{\"account\":\"@\"}]}]}", "@", "entries[1].postings[1].account"},
		{"{\"entries\":[{\"da@te\":1}]}", "@", "entries[0]: a key"},
		{"{\"a\":[\"x\",\"@\"]}", "@", "a[1]"},
		{"{\"a\":1,@}", "@", ""},
	};
	char out[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;

		fund_body_path_at(out, sizeof(out), t, strlen(t),
				  (size_t)(strstr(t, cases[i].mark) - t));
		ck_assert_msg(strcmp(out, cases[i].want) == 0, "%s: got '%s', want '%s'", t, out,
			      cases[i].want);
	}
}
END_TEST

/* --- output ---------------------------------------------------------------------- */

/* Writes the text arg; fails after writing if it starts with "FAIL". */
static int put_text(FILE *f, void *arg)
{
	const char *text = arg;

	fputs(text, f);
	return strncmp(text, "FAIL", 4) == 0 ? err_set(ERR_INVALID, "failed on purpose") : 0;
}

/* The number of entries in dir besides . and .. (temporary files left?). */
static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(test_output_write__replaces_a_regular_file_whole_and_keeps_its_mode)
{
	static const mode_t modes[] = {0644, 0640, 0600, 0604};
	char dir[256], path[512];
	struct stat before, after;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/report.xml", dir);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *got;

		harness_spit_text(path, "old contents\n");
		ck_assert_int_eq(chmod(path, modes[i]), 0);
		ck_assert_int_eq(stat(path, &before), 0);
		ck_assert_int_eq(output_write(path, put_text, "new\n"), 0);
		ck_assert_int_eq(stat(path, &after), 0);
		ck_assert_msg(S_ISREG(after.st_mode), "no longer a regular file");
		ck_assert_msg((after.st_mode & 07777) == modes[i], "mode %04o, want %04o",
			      (unsigned)(after.st_mode & 07777), (unsigned)modes[i]);
		/* a new inode: renamed into place, not rewritten in place */
		ck_assert_msg(after.st_ino != before.st_ino, "written in place");
		got = harness_slurp(path, NULL);
		ck_assert_str_eq(got, "new\n");
		free(got);
		ck_assert_int_eq(entries_in(dir), 1);
	}
}
END_TEST

START_TEST(test_output_write__new_file_gets_the_mode_fopen_would_give)
{
	char dir[256], path[512];
	struct stat st;
	mode_t mask = umask(027);

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/new.json", dir);
	ck_assert_int_eq(output_write(path, put_text, "{}\n"), 0);
	umask(mask);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0640, "mode %04o, want 0640 (0666 less umask 027)",
		      (unsigned)(st.st_mode & 07777));
	ck_assert_int_eq(entries_in(dir), 1);
}
END_TEST

START_TEST(test_output_write__writes_into_a_fifo_and_leaves_it_a_fifo)
{
	char dir[256], path[512];
	struct harness_fifo *ff;
	struct stat st;
	char *got;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/pipe", dir);
	ff = harness_fifo_start(path);
	ck_assert_int_eq(output_write(path, put_text, "through the pipe\n"), 0);
	got = harness_fifo_finish(ff, NULL);
	ck_assert_str_eq(got, "through the pipe\n");
	free(got);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_msg(S_ISFIFO(st.st_mode), "the FIFO was replaced (mode %o)",
		      (unsigned)st.st_mode);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(entries_in(dir), 1);
}
END_TEST

START_TEST(test_output_write__failure_leaves_the_old_file_and_no_temporary)
{
	char dir[256], path[512], sub[512];
	char *got;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/report.xml", dir);
	harness_spit_text(path, "old contents\n");
	ck_assert_int_eq(output_write(path, put_text, "FAIL half written"), ERR_INVALID);
	ck_assert_str_eq(err_last(), "failed on purpose");
	got = harness_slurp(path, NULL);
	ck_assert_str_eq(got, "old contents\n");
	free(got);
	ck_assert_int_eq(entries_in(dir), 1);
	/* a path that cannot be created, a directory: the caller's input */
	snprintf(sub, sizeof(sub), "%s/no/such/dir/x.xml", dir);
	ck_assert_int_eq(output_write(sub, put_text, "x"), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot create"));
	ck_assert_int_eq(output_write(dir, put_text, "x"), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "is a directory"));
	ck_assert_int_eq(entries_in(dir), 1);
}
END_TEST

START_TEST(test_output_write__through_a_symlink_replaces_the_file_and_keeps_the_link)
{
	char dir[256], path[512], link[512];
	struct stat st;
	char *got;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/report.xml", dir);
	snprintf(link, sizeof(link), "%s/latest.xml", dir);
	harness_spit_text(path, "old\n");
	ck_assert_int_eq(symlink("report.xml", link), 0);
	ck_assert_int_eq(output_write(link, put_text, "new\n"), 0);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert_msg(S_ISLNK(st.st_mode), "the link was replaced");
	got = harness_slurp(path, NULL);
	ck_assert_str_eq(got, "new\n");
	free(got);
	ck_assert_int_eq(entries_in(dir), 2);
}
END_TEST

/* A result with the given column names and no rows, as PQdescribePrepared
 * gives one, built without a server. */
static PGresult *described(const char *const *names, int n)
{
	PGresAttDesc att[8];
	PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_le(n, 8);
	for (int k = 0; k < n; k++)
		att[k] = (PGresAttDesc){.name = (char *)names[k], .typid = 25, .typlen = -1,
					.atttypmod = -1};
	ck_assert_int_eq(PQsetResultAttrs(r, n, att), 1);
	return r;
}

START_TEST(test_db_columns_check__refuses_a_count_or_name_that_drifted)
{
	static const char *const server[] = {"request_sha256", "status", "response"};
	static const struct {
		const char *const names[4];
		int n;
		const char *want; /* in the message; NULL: accepted */
	} cases[] = {
		{{"request_sha256", "status", "response"}, 3, NULL},
		{{"request_sha256", "status"}, 2, "idem_get: the statement returns 3 columns, the code reads 2"},
		{{"request_sha256", "status", "response", "extra"}, 4, "returns 3 columns, the code reads 4"},
		{{"request_sha256", "response", "status"}, 3,
		 "idem_get: column 1 is \"status\", the code reads it as \"response\""},
		{{"request_sha256", NULL, "response"}, 3, "idem_get: column 1 has no name"},
	};
	PGresult *r = described(server, 3);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = db_columns_check(r, "idem_get", cases[i].names, cases[i].n);

		if (!cases[i].want) {
			ck_assert_msg(rc == 0, "case %zu: %s", i, err_last());
			continue;
		}
		ck_assert_int_eq(rc, ERR_INTERNAL);
		ck_assert_msg(strstr(err_last(), cases[i].want), "case %zu: %s", i, err_last());
	}
	PQclear(r);
}
END_TEST


/* The one rule for text: what passes, what is refused and how it is named. */
START_TEST(test_text_check__refuses_controls_nonchars_and_bad_utf8_naming_where)
{
	static const struct {
		const char *s;
		const char *msg; /* NULL: accepted */
	} cases[] = {
		{"Finland contribution 2019", NULL},
		{"tab\tLF\nCR\r <&>\"' é € 𝄞 \xEF\xBF\xBD", NULL}, /* U+FFFD is fine */
		{"", NULL},
		{"a\x01", "memo: control character U+0001 not allowed (character 2)"},
		{"\x1b[31mred", "memo: control character U+001B not allowed (character 1)"},
		{"é\x7f", "memo: control character U+007F not allowed (character 2)"},
		{"x\xC2\x85", "memo: control character U+0085 not allowed (character 2)"},
		{"ab\xEF\xBF\xBE", "memo: character U+FFFE not allowed (character 3)"},
		{"\xEF\xBF\xBF", "memo: character U+FFFF not allowed (character 1)"},
		{"ab\xFF", "memo: invalid UTF-8 (byte 3)"},
		{"\xC0\xAF", "memo: invalid UTF-8 (byte 1)"},         /* overlong '/' */
		{"\xE0\x80\xAF", "memo: invalid UTF-8 (byte 1)"},     /* overlong */
		{"a\xED\xA0\x80", "memo: invalid UTF-8 (byte 2)"},    /* a lone surrogate */
		{"\xF4\x90\x80\x80", "memo: invalid UTF-8 (byte 1)"}, /* above U+10FFFF */
		{"ok\xC3", "memo: invalid UTF-8 (byte 3)"},           /* cut at the end */
		{"\xC3(", "memo: invalid UTF-8 (byte 1)"},            /* cut in the middle */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = text_check("memo", cases[i].s, strlen(cases[i].s));

		ck_assert_msg(text_ok(cases[i].s, strlen(cases[i].s)) == !cases[i].msg, "case %zu", i);
		if (!cases[i].msg) {
			ck_assert_msg(rc == 0, "case %zu refused: %s", i, err_last());
			continue;
		}
		ck_assert_int_eq(rc, ERR_INVALID);
		ck_assert_str_eq(err_last(), cases[i].msg);
	}
}
END_TEST

START_TEST(test_text_shown__escapes_what_is_refused_and_keeps_the_rest)
{
	static const char *const cases[][2] = {
		{"plain é <&>\t\n", "plain é <&>\t\n"},
		{"\x1b[2J", "\\u001B[2J"},
		{"a\x01" "b", "a\\u0001b"},
		{"\xEF\xBF\xBE!", "\\uFFFE!"},
		{"\xC2\x9B" "1m", "\\u009B1m"},
		{"x\xFFy", "x\\xFFy"},
		{"\xC3(", "\\xC3("},
		{"end\xE2\x82", "end\\xE2\\x82"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = text_shown(cases[i][0], strlen(cases[i][0]));

		ck_assert_ptr_nonnull(t);
		ck_assert_str_eq(t, cases[i][1]);
		ck_assert_msg(text_ok(t, strlen(t)), "case %zu: shown text is not accepted", i);
		free(t);
	}
}
END_TEST

START_TEST(test_text_cut__never_ends_inside_a_character)
{
	ck_assert_uint_eq(text_cut("abc", 3), 3);
	ck_assert_uint_eq(text_cut("ab\xC3", 3), 2);
	ck_assert_uint_eq(text_cut("ab\xC3\xA9", 4), 4);
	ck_assert_uint_eq(text_cut("a\xE2\x82", 3), 1);
	ck_assert_uint_eq(text_cut("a\xF0\x9D\x84", 4), 1);
	ck_assert_uint_eq(text_cut("a\xF0\x9D\x84\x9E", 5), 5);
}
END_TEST

/* A message cut at LIMIT_ERR_BYTES ends on a character boundary: 600 "é"
 * (1200 bytes) do not fit. */
START_TEST(test_err_set__cuts_on_a_character_boundary)
{
	char big[1300] = "";

	for (int i = 0; i < 600; i++)
		strcat(big, "\xC3\xA9");
	for (int shift = 0; shift < 2; shift++) {
		err_set(ERR_INVALID, "%.*skey: %s", shift, "x", big);
		ck_assert_msg(text_ok(err_last(), strlen(err_last())), "shift %d", shift);
		err_wrap(ERR_INVALID, "%.*sfield", shift, "y");
		ck_assert_msg(text_ok(err_last(), strlen(err_last())), "wrap, shift %d", shift);
	}
}
END_TEST

/* Digits of other scripts are no digits: refused naming the character. */
START_TEST(test_money_parse__names_a_digit_of_another_script)
{
	int64_t v;

	ck_assert_int_eq(money_parse(&v, "\xD9\xA1\xD9\xA2.00", "USD"), ERR_INVALID); /* ١٢.00 */
	ck_assert_msg(strstr(err_last(), "U+0661"), "%s", err_last());
	ck_assert(text_ok(err_last(), strlen(err_last())));
	ck_assert_int_eq(money_parse(&v, "1\xEF\xBC\x92.00", "USD"), ERR_INVALID); /* full-width 2 */
	ck_assert_msg(strstr(err_last(), "U+FF12"), "%s", err_last());
	ck_assert(text_ok(err_last(), strlen(err_last())));
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test core[] = {
		{test_err_set__keeps_message_and_code, 0},
		{test_body_path_at__names_the_field_of_an_offset, 0},
		{test_err_exit_status__follows_the_contract, 0},
		{test_err_code__carried_with_the_message_and_derived_otherwise, 0},
		{test_err_set__truncates_long_messages, 0},
		{test_log_write__logfmt_with_quoting, 0},
		{test_log_write__below_threshold_is_silent, 0},
		{test_hash_sha256__known_vectors, 0},
		{test_hash_file__matches_buffer_hash, 0},
		{test_cfg_data_path__finds_migrations_and_names_misses, 0},
		{test_cfg_database__option_then_environment, 0},
		{test_output_write__replaces_a_regular_file_whole_and_keeps_its_mode, 0},
		{test_output_write__new_file_gets_the_mode_fopen_would_give, 0},
		{test_output_write__writes_into_a_fifo_and_leaves_it_a_fifo, 0},
		{test_output_write__failure_leaves_the_old_file_and_no_temporary, 0},
		{test_output_write__through_a_symlink_replaces_the_file_and_keeps_the_link, 0},
		{test_db_columns_check__refuses_a_count_or_name_that_drifted, 0},
		{test_text_check__refuses_controls_nonchars_and_bad_utf8_naming_where, 0},
		{test_text_shown__escapes_what_is_refused_and_keeps_the_rest, 0},
		{test_text_cut__never_ends_inside_a_character, 0},
		{test_err_set__cuts_on_a_character_boundary, 0},
		{test_money_parse__names_a_digit_of_another_script, 0},
	};
	Suite *s = suite_create("common");

	harness_add_tcase(s, "core", NULL, NULL, 0, core, HARNESS_N(core));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
