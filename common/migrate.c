/*
 * migrate.c - applying numbered SQL migrations (see migrate.h).
 */
#include "common/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/file.h"
#include "common/limits.h"
#include "common/log.h"

/* The schema snapshot beside the migrations (scripts/schema-snapshot.sh):
 * for readers, never applied. */
#define SCHEMA_SNAPSHOT "schema.sql"

/* "tfledger" in ASCII: the advisory lock key that serialises migrate runs. */
#define LOCK_KEY "8386658034548934002"

static const char create_table_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" name text PRIMARY KEY CHECK (name ~ '^[0-9]{4}_[a-z0-9_]+\\.sql$'),"
	" sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),"
	" applied_at timestamptz NOT NULL DEFAULT now());"
	"COMMENT ON TABLE schema_migrations IS"
	" 'Migrations applied by tfledger migrate: file name and SHA-256 of its"
	" bytes. A recorded file must never change.'";

int migrate_default_dir(char *out, size_t size)
{
	return cfg_data_path(out, size, "migrations");
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 10 || n >= sizeof(((struct migration *)0)->name))
		return false;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (s[4] != '_' || strcmp(s + n - 4, ".sql") != 0)
		return false;
	for (size_t i = 5; i < n - 4; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_migration(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->name,
		      ((const struct migration *)b)->name);
}

static struct migration *find(struct migration *rows, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

/* Grows rows by one zeroed element; returns it or NULL (ERR set). */
static struct migration *push(struct migration **rows, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct migration *p;

		if (ncap > LIMIT_MIGRATIONS) {
			err_set(ERR_LIMIT, "more than %d migrations", LIMIT_MIGRATIONS);
			return NULL;
		}
		p = realloc(*rows, ncap * sizeof(*p));
		if (!p) {
			err_set(ERR_SYSTEM, "out of memory");
			return NULL;
		}
		*rows = p;
		*cap = ncap;
	}
	memset(&(*rows)[*n], 0, sizeof(**rows));
	return &(*rows)[(*n)++];
}

static int path_of(char *out, size_t size, const char *dir, const char *name)
{
	int len = snprintf(out, size, "%s/%s", dir, name);

	if (len < 0 || (size_t)len >= size)
		return err_set(ERR_LIMIT, "path too long: %s/%s", dir, name);
	return 0;
}

static int scan_dir(struct migration **rows, size_t *n, size_t *cap,
		    const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return err_sys(ERR_NOTFOUND, "migrations directory %s", dir);
	while ((e = readdir(d)) != NULL) {
		char path[LIMIT_PATH_BYTES];
		struct migration *m;

		if (e->d_name[0] == '.' || !ends_with(e->d_name, ".sql") ||
		    strcmp(e->d_name, SCHEMA_SNAPSHOT) == 0)
			continue;
		if (!valid_name(e->d_name)) {
			rc = err_set(ERR_INVALID,
				     "%s/%s: a migration is named NNNN_lowercase_words.sql",
				     dir, e->d_name);
			break;
		}
		rc = path_of(path, sizeof(path), dir, e->d_name);
		if (rc < 0)
			break;
		m = push(rows, n, cap);
		if (!m) {
			rc = ERR_LIMIT;
			break;
		}
		snprintf(m->name, sizeof(m->name), "%s", e->d_name);
		rc = hash_file_sha256_hex(m->file_sha256, path);
		if (rc < 0)
			break;
	}
	closedir(d);
	return rc;
}

/*
 * The columns of each query whose rows are read, in the order of its SELECT
 * list, and the names the server gives them (common/db.h). These queries
 * are plain SQL, not prepared statements, so each result's columns are
 * checked where it is read, with db_columns_check.
 */

/* whether schema_migrations exists */
enum { EXISTS_TABLE, EXISTS_NCOLS };
static const char *const exists_cols[EXISTS_NCOLS] = {[EXISTS_TABLE] = "table_exists"};

/* the rows of schema_migrations */
enum { APPLIED_NAME, APPLIED_SHA256, APPLIED_AT, APPLIED_NCOLS };
static const char *const applied_cols[APPLIED_NCOLS] = {
	[APPLIED_NAME] = "name", [APPLIED_SHA256] = "sha256", [APPLIED_AT] = "applied_at"};

static int table_exists(bool *out, PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT to_regclass('schema_migrations') IS NOT NULL"
			     " AS table_exists");
	int rc = db_result_check(c, r, "look up schema_migrations");

	if (rc == 0)
		rc = db_columns_check(r, "look up schema_migrations", exists_cols, EXISTS_NCOLS);
	if (rc == 0)
		*out = strcmp(PQgetvalue(r, 0, EXISTS_TABLE), "t") == 0;
	PQclear(r);
	return rc;
}

static int read_applied(struct migration **rows, size_t *n, size_t *cap,
			PGconn *c)
{
	PGresult *r = NULL;
	bool exists = false;
	int rc;

	rc = table_exists(&exists, c);
	if (rc < 0 || !exists)
		return rc;
	r = PQexec(c, "SELECT name, sha256,"
		      " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
		      " AS applied_at FROM schema_migrations ORDER BY name");
	rc = db_result_check(c, r, "read schema_migrations");
	if (rc == 0)
		rc = db_columns_check(r, "read schema_migrations", applied_cols, APPLIED_NCOLS);
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		const char *name = PQgetvalue(r, i, APPLIED_NAME);
		struct migration *m = find(*rows, *n, name);

		if (!m) {
			m = push(rows, n, cap);
			if (!m) {
				rc = ERR_LIMIT;
				break;
			}
			snprintf(m->name, sizeof(m->name), "%s", name);
		}
		snprintf(m->db_sha256, sizeof(m->db_sha256), "%s",
			 PQgetvalue(r, i, APPLIED_SHA256));
		snprintf(m->applied_at, sizeof(m->applied_at), "%s", PQgetvalue(r, i, APPLIED_AT));
	}
	PQclear(r);
	return rc;
}

int migrate_list(struct migration **out, size_t *n, PGconn *c, const char *dir)
{
	struct migration *rows = NULL;
	size_t count = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = scan_dir(&rows, &count, &cap, dir);
	if (rc == 0)
		rc = read_applied(&rows, &count, &cap, c);
	if (rc < 0) {
		free(rows);
		return rc;
	}
	qsort(rows, count, sizeof(*rows), cmp_migration);
	*out = rows;
	*n = count;
	return 0;
}

/* ERR_CONFLICT for the first recorded migration that no longer matches. */
static int check_recorded(const struct migration *rows, size_t n, const char *dir)
{
	for (size_t i = 0; i < n; i++) {
		const struct migration *m = &rows[i];

		if (!m->db_sha256[0])
			continue;
		if (!m->file_sha256[0])
			return err_set(ERR_CONFLICT,
				       "the database has migration %s, which is not in %s "
				       "(is this an older tfledger than the database?)",
				       m->name, dir);
		if (strcmp(m->db_sha256, m->file_sha256) != 0)
			return err_set(ERR_CONFLICT,
				       "migration %s/%s changed after it was applied on %s "
				       "(recorded sha256 %s, file now %s); landed migrations "
				       "must never be edited: restore the file and add a new "
				       "migration instead",
				       dir, m->name, m->applied_at, m->db_sha256,
				       m->file_sha256);
	}
	return 0;
}

/*
 * ERR_CONFLICT, naming both files, for the first pending migration that
 * sorts below the last one applied: applying it now would put it after
 * that one here and before it in a fresh database, so the two would end
 * with the schema built in different orders. Rows must be in name order;
 * the order in which recorded files were applied does not matter (0003-0006
 * were applied after 0033 in databases older than this rule).
 */
static int check_order(const struct migration *rows, size_t n, const char *dir)
{
	const struct migration *last = NULL;

	for (size_t i = 0; i < n; i++)
		if (rows[i].db_sha256[0])
			last = &rows[i];
	for (size_t i = 0; last && i < n; i++) {
		const struct migration *m = &rows[i];

		if (m->db_sha256[0] || strcmp(m->name, last->name) >= 0)
			continue;
		return err_set(ERR_CONFLICT,
			       "%s/%s is numbered below %s, already applied: migrations "
			       "are never numbered below the last one applied; renumber it "
			       "above %.4s",
			       dir, m->name, last->name, last->name);
	}
	return 0;
}

/* The migration's SQL as a C string (caller frees): a NUL byte inside is refused. */
static int read_sql(char **out, const char *path)
{
	size_t len = 0;
	int rc = file_read(out, &len, path, LIMIT_MIGRATION_BYTES, "LIMIT_MIGRATION_BYTES");

	if (rc == 0 && strlen(*out) != len) {
		free(*out);
		*out = NULL;
		rc = err_set(ERR_INVALID, "%s: contains a NUL byte", path);
	}
	return rc;
}

struct apply_one {
	const char *sql;
	const struct migration *m;
};

static int apply_one_tx(PGconn *c, void *ctx)
{
	const struct apply_one *a = ctx;
	const char *params[2] = {a->m->name, a->m->file_sha256};
	PGresult *r;
	int rc;

	rc = db_exec_sql(c, a->sql);
	if (rc < 0)
		return rc == ERR_RETRY || rc == ERR_UNAVAILABLE ? rc : ERR_INVALID;
	r = PQexecParams(c, "INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)",
			 2, NULL, params, NULL, NULL, 0);
	rc = db_result_check(c, r, "record migration");
	PQclear(r);
	return rc;
}

static int apply_locked(PGconn *c, const char *dir, int *applied)
{
	struct migration *rows = NULL;
	size_t n = 0;
	char *sql = NULL;
	int rc;

	rc = db_exec_sql(c, create_table_sql);
	if (rc < 0)
		goto cleanup;
	rc = migrate_list(&rows, &n, c, dir);
	if (rc < 0)
		goto cleanup;
	rc = check_recorded(rows, n, dir);
	if (rc == 0)
		rc = check_order(rows, n, dir);
	if (rc < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		char path[LIMIT_PATH_BYTES];
		struct apply_one a;

		if (rows[i].db_sha256[0])
			continue;
		rc = path_of(path, sizeof(path), dir, rows[i].name);
		if (rc < 0)
			goto cleanup;
		free(sql);
		sql = NULL;
		rc = read_sql(&sql, path);
		if (rc < 0)
			goto cleanup;
		a.sql = sql;
		a.m = &rows[i];
		rc = db_tx(c, DB_READ_COMMITTED, apply_one_tx, &a);
		if (rc < 0) {
			rc = err_wrap(rc, "migration %s failed, nothing of it was applied",
				      path);
			goto cleanup;
		}
		log_info("migration applied", "name", rows[i].name, "sha256",
			 rows[i].file_sha256, NULL);
		if (applied)
			(*applied)++;
	}
cleanup:
	free(sql);
	free(rows);
	return rc;
}

int migrate_apply(PGconn *c, const char *dir, int *applied)
{
	int rc, rc2;

	if (applied)
		*applied = 0;
	rc = db_exec_sql(c, "SELECT pg_advisory_lock(" LOCK_KEY ")");
	if (rc < 0)
		return rc;
	rc = apply_locked(c, dir, applied);
	{
		char saved[LIMIT_ERR_BYTES];

		snprintf(saved, sizeof(saved), "%s", err_last());
		rc2 = db_exec_sql(c, "SELECT pg_advisory_unlock(" LOCK_KEY ")");
		if (rc < 0)
			err_set(rc, "%s", saved);
		else
			rc = rc2;
	}
	return rc;
}

int migrate_check(PGconn *c, const char *dir)
{
	struct migration *rows = NULL;
	size_t n = 0;
	int rc;

	rc = migrate_list(&rows, &n, c, dir);
	if (rc == 0)
		rc = check_recorded(rows, n, dir);
	if (rc == 0)
		rc = check_order(rows, n, dir);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!rows[i].db_sha256[0])
			rc = err_set(ERR_INVALID,
				     "migration %s is not applied yet (run: tfledger migrate)",
				     rows[i].name);
	free(rows);
	return rc;
}
