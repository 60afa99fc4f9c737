/*
 * test_migrate.c - common/migrate against a real PostgreSQL: applying on an
 * empty database, reruns, changed and failing files, files numbered below
 * the last one applied, concurrent runs; and migrations/schema.sql, the
 * schema snapshot, against a fresh migration.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/migrate.h"
#include "tests/harness/harness.h"

/* The number of migration files shipped, counted from the directory. */
static int shipped_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 &&
		    strcmp(e->d_name, "schema.sql") != 0)
			n++;
	}
	closedir(d);
	ck_assert_int_gt(n, 0);
	return n;
}

static void write_file(const char *path, const char *text, const char *mode)
{
	FILE *f = fopen(path, mode);

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Writes (mode "w") or appends to (mode "a") the file name in dir. */
static void add_file(const char *dir, const char *name, const char *text, const char *mode)
{
	char path[8192];

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", dir, name), (int)sizeof(path));
	write_file(path, text, mode);
}

/* Copies the shipped migrations into a new temp dir written to out. */
static void copy_migrations(char *out, size_t size)
{
	char src[4096];
	DIR *d;
	struct dirent *e;

	ck_assert_int_eq(migrate_default_dir(src, sizeof(src)), 0);
	harness_tmpdir(out, size);
	d = opendir(src);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char from[8192], to[8192], buf[65536];
		FILE *in, *o;
		size_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(from, sizeof(from), "%s/%s", src, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", out, e->d_name);
		in = fopen(from, "rb");
		o = fopen(to, "wb");
		ck_assert(in && o);
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			ck_assert_uint_eq(fwrite(buf, 1, n, o), n);
		fclose(in);
		ck_assert_int_eq(fclose(o), 0);
	}
	closedir(d);
}

/*
 * A new database, migrated or empty, and a migrations dir into dir: a copy
 * of the shipped migrations (copy) or the shipped dir itself; the connection.
 */
static PGconn *open_db(char *dir, size_t size, bool migrated, bool copy)
{
	char conninfo[4096];

	if (migrated)
		harness_new_db(conninfo, sizeof(conninfo));
	else
		harness_new_empty_db(conninfo, sizeof(conninfo));
	if (copy)
		copy_migrations(dir, size);
	else
		ck_assert_int_eq(migrate_default_dir(dir, size), 0);
	return harness_connect(conninfo);
}

/*
 * A new migrated database and a copy of the shipped migrations (its dir
 * into dir) with the file name holding text beside them; the connection.
 */
static PGconn *migrated_with(char *dir, size_t size, const char *name, const char *text)
{
	PGconn *c = open_db(dir, size, true, true);

	add_file(dir, name, text, "w");
	return c;
}

static int count_rows(PGconn *c, const char *sql)
{
	char *v = harness_query_value(c, sql);
	int n = atoi(v);

	free(v);
	return n;
}

START_TEST(test_migrate_apply__creates_everything_on_an_empty_database)
{
	char dir[4096];
	PGconn *c;
	int applied = -1;

	c = open_db(dir, sizeof(dir), false, false);
	ck_assert_int_eq(migrate_check(c, dir), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "not applied"));
	ck_assert_msg(migrate_apply(c, dir, &applied) == 0, "%s", err_last());
	ck_assert_int_eq(applied, shipped_count(dir));
	ck_assert_int_eq(count_rows(c, "SELECT count(*) FROM schema_migrations"), applied);
	ck_assert_int_eq(count_rows(c, "SELECT count(*) FROM settings WHERE key = 'fund.id'"), 1);
	ck_assert_int_eq(migrate_check(c, dir), 0);
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_apply__rerun_is_a_no_op)
{
	char dir[4096];
	char *before, *after;
	PGconn *c;
	int applied = -1;

	c = open_db(dir, sizeof(dir), true, false); /* already migrated */
	before = harness_query_value(c, "SELECT string_agg(name || sha256 || applied_at, ',' "
					"ORDER BY name) FROM schema_migrations");
	ck_assert_msg(migrate_apply(c, dir, &applied) == 0, "%s", err_last());
	ck_assert_int_eq(applied, 0);
	after = harness_query_value(c, "SELECT string_agg(name || sha256 || applied_at, ',' "
				       "ORDER BY name) FROM schema_migrations");
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_apply__refuses_a_changed_file)
{
	char dir[4096];
	PGconn *c;

	c = open_db(dir, sizeof(dir), false, true);
	ck_assert_msg(migrate_apply(c, dir, NULL) == 0, "%s", err_last());
	add_file(dir, "0001_init.sql", "-- an innocent-looking edit\n", "a");
	/* a new migration beside the edit must not run either */
	add_file(dir, "9998_after_edit.sql", "CREATE TABLE after_edit (x int);\n", "w");
	ck_assert_int_eq(migrate_apply(c, dir, NULL), ERR_CONFLICT);
	ck_assert_msg(strstr(err_last(), "0001_init.sql changed after it was applied"),
		      "%s", err_last());
	ck_assert_int_eq(migrate_check(c, dir), ERR_CONFLICT);
	ck_assert_int_eq(count_rows(c, "SELECT count(*) FROM pg_tables WHERE tablename = 'after_edit'"), 0);
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_apply__failing_file_leaves_nothing_behind)
{
	char dir[4096];
	PGconn *c;
	int applied = -1;

	c = migrated_with(dir, sizeof(dir), "9990_half.sql",
			  "CREATE TABLE half_done (x int);\nSELEC broken;\n");
	ck_assert_int_eq(migrate_apply(c, dir, &applied), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "9990_half.sql failed"), "%s", err_last());
	ck_assert_msg(strstr(err_last(), "SELEC"), "%s", err_last());
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(count_rows(c, "SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'"), 0);
	ck_assert_int_eq(count_rows(c, "SELECT count(*) FROM schema_migrations WHERE name = '9990_half.sql'"), 0);
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_apply__new_file_is_applied_once)
{
	char dir[4096];
	PGconn *c;
	int applied = -1;

	c = migrated_with(dir, sizeof(dir), "9991_extra.sql", "CREATE TABLE extra (x int);\n");
	ck_assert_msg(migrate_apply(c, dir, &applied) == 0, "%s", err_last());
	ck_assert_int_eq(applied, 1);
	ck_assert_msg(migrate_apply(c, dir, &applied) == 0, "%s", err_last());
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(count_rows(c, "SELECT count(*) FROM pg_tables WHERE tablename = 'extra'"), 1);
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_apply__refuses_a_pending_file_numbered_below_the_last_applied)
{
	char dir[4096], want[256];
	char *before, *after, *last;
	PGconn *c;
	int applied = -1;

	c = open_db(dir, sizeof(dir), false, true);
	ck_assert_msg(migrate_apply(c, dir, NULL) == 0, "%s", err_last());
	before = harness_query_value(c, "SELECT string_agg(name || sha256 || applied_at, ',' "
					"ORDER BY name) FROM schema_migrations");
	/* a late file numbered low, and a well-numbered one that must not run either */
	add_file(dir, "0007_late.sql", "CREATE TABLE late (x int);\n", "w");
	add_file(dir, "9993_after_late.sql", "CREATE TABLE after_late (x int);\n", "w");
	ck_assert_int_eq(migrate_apply(c, dir, &applied), ERR_CONFLICT);
	/* the message names the last file applied, whichever the tree's last is */
	last = harness_query_value(c, "SELECT max(name) FROM schema_migrations");
	snprintf(want, sizeof(want), "0007_late.sql is numbered below %s, already applied", last);
	ck_assert_msg(strstr(err_last(), want), "%s", err_last());
	ck_assert_msg(strstr(err_last(), "renumber it"), "%s", err_last());
	ck_assert_int_eq(applied, 0);
	ck_assert_int_eq(count_rows(c, "SELECT count(*) FROM pg_tables WHERE tablename "
				      "IN ('late', 'after_late')"), 0);
	after = harness_query_value(c, "SELECT string_agg(name || sha256 || applied_at, ',' "
				       "ORDER BY name) FROM schema_migrations");
	ck_assert_str_eq(before, after);
	/* tfledgerd's start-up check names the same two files */
	ck_assert_int_eq(migrate_check(c, dir), ERR_CONFLICT);
	ck_assert_msg(strstr(err_last(), want), "%s", err_last());
	free(last);
	free(before);
	free(after);
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_apply__accepts_low_numbers_applied_after_higher_ones)
{
	char dir[4096];
	PGconn *c;
	int applied = -1;

	/* a database upgraded before the rule: 0003-0006 applied after 0033 */
	c = open_db(dir, sizeof(dir), true, false);
	ck_assert_int_eq(db_exec_sql(c, "UPDATE schema_migrations SET applied_at = "
				       "applied_at + interval '1 day' WHERE name < '0010'"
				       " AND name >= '0003'"), 0);
	ck_assert_msg(migrate_apply(c, dir, &applied) == 0, "%s", err_last());
	ck_assert_int_eq(applied, 0);
	ck_assert_msg(migrate_check(c, dir) == 0, "%s", err_last());
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_apply__refuses_a_database_newer_than_the_files)
{
	char dir[4096];
	PGconn *c;

	c = open_db(dir, sizeof(dir), true, false);
	ck_assert_int_eq(db_exec_sql(c, "INSERT INTO schema_migrations (name, sha256) VALUES "
				       "('9999_from_the_future.sql', repeat('a', 64))"), 0);
	ck_assert_int_eq(migrate_apply(c, dir, NULL), ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err_last(), "9999_from_the_future.sql"));
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_apply__concurrent_runs_end_with_one_applied_set)
{
	enum { RUNS = 6 };
	char conninfo[4096], dir[4096];
	pid_t pids[RUNS];
	int total = 0;
	PGconn *c;

	harness_new_empty_db(conninfo, sizeof(conninfo));
	ck_assert_int_eq(migrate_default_dir(dir, sizeof(dir)), 0);
	for (int i = 0; i < RUNS; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			PGconn *cc = NULL;
			int applied = 0;

			if (db_connect(&cc, conninfo) < 0 || migrate_apply(cc, dir, &applied) < 0) {
				fprintf(stderr, "run %d: %s\n", i, err_last());
				_exit(100);
			}
			PQfinish(cc);
			_exit(applied);
		}
	}
	for (int i = 0; i < RUNS; i++) {
		int ws;

		ck_assert_int_eq(waitpid(pids[i], &ws, 0), pids[i]);
		ck_assert(WIFEXITED(ws));
		ck_assert_int_ne(WEXITSTATUS(ws), 100);
		total += WEXITSTATUS(ws);
	}
	/* exactly one run applied each file; the others found nothing to do */
	ck_assert_int_eq(total, shipped_count(dir));
	c = harness_connect(conninfo);
	ck_assert_int_eq(count_rows(c, "SELECT count(*) FROM schema_migrations"), total);
	ck_assert_int_eq(migrate_check(c, dir), 0);
	PQfinish(c);
}
END_TEST

START_TEST(test_migrate_list__shows_applied_and_pending)
{
	char dir[4096];
	struct migration *rows = NULL;
	size_t n = 0;
	PGconn *c;

	c = migrated_with(dir, sizeof(dir), "9992_pending.sql", "SELECT 1;\n");
	ck_assert_int_eq(migrate_list(&rows, &n, c, dir), 0);
	ck_assert_uint_ge(n, 2);
	ck_assert_str_eq(rows[0].name, "0001_init.sql");
	ck_assert_str_eq(rows[0].db_sha256, rows[0].file_sha256);
	ck_assert_str_eq(rows[n - 1].name, "9992_pending.sql");
	ck_assert_str_eq(rows[n - 1].db_sha256, "");
	free(rows);
	PQfinish(c);
}
END_TEST

/*
 * migrations/schema.sql is what scripts/schema-snapshot.sh --dump prints for
 * a freshly migrated database (the script holds the one normaliser). On a
 * difference, the fresh dump is left in the build directory and the diff
 * printed, with the command that regenerates the file.
 */
START_TEST(test_migrate_schema__snapshot_matches_a_fresh_migration)
{
	static const char actual_rel[] = "tests/integration/test_migrate.schema.sql";
	char conninfo[4096], dir[4096], script[4096], snapshot[8192], cwd[4096];
	char *actual = NULL, *err = NULL, *expected = NULL, *diff = NULL;
	PGconn *c;
	int rc;

	harness_new_empty_db(conninfo, sizeof(conninfo));
	ck_assert_int_eq(migrate_default_dir(dir, sizeof(dir)), 0);
	c = harness_connect(conninfo);
	ck_assert_msg(migrate_apply(c, dir, NULL) == 0, "%s", err_last());
	PQfinish(c);
	ck_assert_msg(cfg_data_path(script, sizeof(script), "scripts/schema-snapshot.sh") == 0,
		      "%s", err_last());
	snprintf(snapshot, sizeof(snapshot), "%s/schema.sql", dir);
	ck_assert_int_eq(setenv("PG_BINDIR", PG_BINDIR, 1), 0); /* the harness's pg_dump */
	{
		const char *argv[] = {"/bin/sh", script, "--dump", conninfo, NULL};

		rc = harness_run(&actual, &err, NULL, argv);
	}
	ck_assert_msg(rc == 0, "%s --dump: exit %d: %s", script, rc, err);
	ck_assert_msg(strstr(actual, "CREATE TABLE public.schema_migrations"), "%s", actual);
	expected = harness_slurp(snapshot, NULL);
	if (strcmp(expected, actual) != 0) {
		const char *argv[] = {"/usr/bin/diff", "-u", snapshot, actual_rel, NULL};

		ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
		harness_spit_text(actual_rel, actual);
		harness_run(&diff, NULL, NULL, argv);
		fprintf(stderr, "---- diff -u %s %s/%s ----\n%.20000s---- end of diff ----\n",
			snapshot, cwd, actual_rel, diff);
		ck_abort_msg("%s differs from the schema a fresh migration makes (diff above); "
			     "if the migrations are right, regenerate it: %s %s "
			     "(or cp %s/%s %s)",
			     snapshot, script, cwd, cwd, actual_rel, snapshot);
	}
	free(actual);
	free(err);
	free(expected);
	free(diff);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test db[] = {
		{test_migrate_apply__creates_everything_on_an_empty_database, 0},
		{test_migrate_apply__rerun_is_a_no_op, 0},
		{test_migrate_apply__refuses_a_changed_file, 0},
		{test_migrate_apply__failing_file_leaves_nothing_behind, 0},
		{test_migrate_apply__new_file_is_applied_once, 0},
		{test_migrate_apply__refuses_a_pending_file_numbered_below_the_last_applied, 0},
		{test_migrate_apply__accepts_low_numbers_applied_after_higher_ones, 0},
		{test_migrate_apply__refuses_a_database_newer_than_the_files, 0},
		{test_migrate_apply__concurrent_runs_end_with_one_applied_set, 0},
		{test_migrate_list__shows_applied_and_pending, 0},
		{test_migrate_schema__snapshot_matches_a_fresh_migration, 0},
	};
	Suite *s = suite_create("migrate");

	harness_add_tcase(s, "db", NULL, NULL, 120, db, HARNESS_N(db));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
