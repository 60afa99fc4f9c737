/*
 * cluster.c - initdb, pg_ctl and friends for the private cluster (see
 * cluster.h). Server programs are found in PG_BINDIR (pg_config --bindir at
 * configure time) and run in a child that, when we are root, first becomes
 * the postgres user and changes to the cluster directory (a directory it
 * may not be able to read otherwise, such as the caller's cwd).
 */
#include "common/cluster.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "config.h"

#define PG_PORT "5432"
#define SOCKET_FILE ".s.PGSQL." PG_PORT
#define SOCKET_NAME "/" SOCKET_FILE
#define SOCKET_PATH_MAX 107 /* sizeof(sun_path) - 1 on Linux */
#define SERVER_USER "postgres"

/* Becomes the postgres user when root; returns 0 or -1 (child side). */
static int drop_root(void)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(SERVER_USER);
	if (!pw)
		return -1;
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		return -1;
	return 0;
}

/* The last bytes a server program printed, kept for error messages. */
struct output {
	char text[2048];
	size_t len;
};

static void keep(struct output *o, const char *buf, size_t n)
{
	size_t cap = sizeof(o->text) - 1;

	if (n >= cap) {
		buf += n - cap;
		n = cap;
	}
	if (o->len + n > cap) {
		size_t drop = o->len + n - cap;

		memmove(o->text, o->text + drop, o->len - drop);
		o->len -= drop;
	}
	memcpy(o->text + o->len, buf, n);
	o->len += n;
	o->text[o->len] = '\0';
}

/*
 * Runs PG_BINDIR/argv[0] with argv in dir as the server user; *status is
 * its exit status and out (if not NULL) the tail of what it printed.
 */
static int run(int *status, struct output *out, const char *dir,
	       const char *const *argv)
{
	char prog[LIMIT_PATH_BYTES];
	struct output scratch = {.len = 0};
	int fds[2];
	pid_t pid;
	ssize_t n;
	char buf[512];
	int ws;

	if (!out)
		out = &scratch;
	out->len = 0;
	out->text[0] = '\0';
	snprintf(prog, sizeof(prog), "%s/%s", PG_BINDIR, argv[0]);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_sys(ERR_SYSTEM, "pipe");
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err_sys(ERR_SYSTEM, "fork");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		if (drop_root() < 0) {
			fprintf(stderr, "cannot become the %s user\n", SERVER_USER);
			_exit(126);
		}
		if (chdir(dir) < 0 && chdir("/") < 0)
			_exit(126);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		keep(out, buf, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return err_sys(ERR_SYSTEM, "waitpid");
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (*status == 127)
		return err_set(ERR_SYSTEM, "cannot run %s", prog);
	if (*status == 126)
		return err_set(ERR_SYSTEM, "cannot run %s as the %s user", prog,
			       SERVER_USER);
	return 0;
}

/*
 * Runs argv like run and fails with ERR_SYSTEM unless it exits 0; the
 * message names what ran ("pg_ctl start"), quotes the tail of its output
 * and, if log is not NULL, points to that log.
 */
static int run_ok(const char *dir, const char *const *argv, const char *what, const char *log)
{
	struct output o;
	int status;
	int rc;

	rc = run(&status, &o, dir, argv);
	if (rc < 0)
		return rc;
	if (status != 0)
		return err_set(ERR_SYSTEM, "%s -D %s failed (status %d): %s%s%s", what, dir,
			       status, o.text, log ? "; see " : "", log ? log : "");
	return 0;
}

int cluster_abspath(char *out, size_t size, const char *dir)
{
	char cwd[LIMIT_PATH_BYTES];
	int n;

	if (!dir || !*dir)
		return err_set(ERR_INVALID, "--dir: a directory is required");
	if (dir[0] == '/') {
		n = snprintf(out, size, "%s", dir);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return err_sys(ERR_SYSTEM, "getcwd");
		n = snprintf(out, size, "%s/%s", cwd, dir);
	}
	if (n < 0 || (size_t)n >= size)
		return err_set(ERR_LIMIT, "--dir: path too long");
	/* drop trailing slashes (but keep "/") */
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return 0;
}

/* out = dir/name, or ERR_LIMIT if it does not fit. */
static int join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return err_set(ERR_LIMIT, "path too long: %s/%s", dir, name);
	return 0;
}

static bool has_cluster(const char *dir)
{
	char path[LIMIT_PATH_BYTES];

	return join(path, sizeof(path), dir, "PG_VERSION") == 0 &&
	       access(path, F_OK) == 0;
}

/* Appends s to buf as a single-quoted value with ' and \ escaped. */
static int quote(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	if (n + 2 >= size)
		return ERR_LIMIT;
	buf[n++] = '\'';
	for (; *s; s++) {
		if (n + 3 >= size)
			return ERR_LIMIT;
		if (*s == '\'' || *s == '\\')
			buf[n++] = *s == '\'' ? '\'' : '\\';
		buf[n++] = *s;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return 0;
}

int cluster_conninfo(char *out, size_t size, const char *dir, const char *dbname)
{
	if (size < 8)
		return err_set(ERR_LIMIT, "conninfo buffer too small");
	snprintf(out, size, "host=");
	if (quote(out, size, dir) < 0)
		return err_set(ERR_LIMIT, "conninfo too long");
	if (strlen(out) + strlen(dbname) + 48 >= size)
		return err_set(ERR_LIMIT, "conninfo too long");
	strcat(out, " port=" PG_PORT " dbname=");
	strcat(out, dbname);
	strcat(out, " user=" SERVER_USER);
	return 0;
}

/* Can the server user create files in dir? Checked from a child as that user. */
static bool server_user_can_use(const char *dir)
{
	pid_t pid = fork();
	int ws;

	if (pid < 0)
		return false;
	if (pid == 0) {
		if (drop_root() < 0)
			_exit(1);
		_exit(access(dir, R_OK | W_OK | X_OK) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
}

/*
 * Appends the private cluster's settings for dir to its postgresql.conf
 * (later lines win, so this also moves a copied primary's socket to dir);
 * name, if not NULL, becomes cluster_name, the name a standby's WAL
 * receiver gives the primary (synchronous_standby_names matches it).
 */
static int write_settings(const char *dir, const char *name)
{
	char path[LIMIT_PATH_BYTES];
	char line[LIMIT_PATH_BYTES + 64] = "";
	FILE *f;
	int rc = 0;

	if (join(path, sizeof(path), dir, "postgresql.conf") < 0)
		return ERR_LIMIT;
	f = fopen(path, "a");
	if (!f)
		return err_sys(ERR_SYSTEM, "%s", path);
	if (quote(line, sizeof(line), dir) < 0) {
		fclose(f);
		return err_set(ERR_LIMIT, "%s: path too long", dir);
	}
	fprintf(f, "\n# tfledger private cluster: unix socket only, inside the data directory\n"
		   "listen_addresses = ''\n"
		   "unix_socket_directories = %s\n"
		   "unix_socket_permissions = 0700\n"
		   "port = " PG_PORT "\n"
		   "max_connections = 200\n"
		   "logging_collector = off\n",
		line);
	if (name)
		fprintf(f, "cluster_name = '%s'\n", name);
	if (fclose(f) != 0)
		rc = err_sys(ERR_SYSTEM, "%s", path);
	return rc;
}

/*
 * Makes dir (absolute) ready to hold a cluster: short enough for the
 * socket path, empty of any cluster, mode 0700 and, as root, owned by the
 * server user, who must be able to reach it.
 */
static int prepare_dir(const char *dir)
{
	if (strlen(dir) + strlen(SOCKET_NAME) > SOCKET_PATH_MAX)
		return err_set(ERR_INVALID,
			       "--dir %s: too long for a unix socket path (at most %zu "
			       "characters); choose a shorter directory",
			       dir, SOCKET_PATH_MAX - strlen(SOCKET_NAME));
	if (has_cluster(dir))
		return err_set(ERR_CONFLICT, "%s already holds a PostgreSQL cluster", dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(ERR_SYSTEM, "mkdir %s", dir);
	if (chmod(dir, 0700) < 0)
		return err_sys(ERR_SYSTEM, "chmod %s", dir);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(SERVER_USER);

		if (!pw)
			return err_set(ERR_SYSTEM,
				       "running as root, but there is no '%s' user to run "
				       "PostgreSQL as (install postgresql-15)", SERVER_USER);
		if (chown(dir, pw->pw_uid, pw->pw_gid) < 0)
			return err_sys(ERR_SYSTEM, "chown %s", dir);
		if (!server_user_can_use(dir))
			return err_set(ERR_INVALID,
				       "--dir %s: the %s user cannot reach this directory "
				       "(a parent directory is not searchable by it); choose "
				       "one under /tmp or /var/tmp", dir, SERVER_USER);
	}
	return 0;
}

int cluster_init(const char *dir_in, const struct cluster_opts *opts)
{
	char dir[LIMIT_PATH_BYTES];
	int rc;

	rc = cluster_abspath(dir, sizeof(dir), dir_in);
	if (rc == 0)
		rc = prepare_dir(dir);
	if (rc < 0)
		return rc;
	{
		const char *argv[] = {"initdb", "-D", dir, "-U", SERVER_USER, "-A", "trust",
				      "-E", "UTF8", "--no-locale",
				      opts && opts->fsync_off ? "-N" : NULL, NULL};

		rc = run_ok(dir, argv, "initdb", NULL);
		if (rc < 0)
			return rc;
	}
	return write_settings(dir, NULL);
}

int cluster_status(const char *dir_in, bool *running)
{
	char dir[LIMIT_PATH_BYTES];
	int status;
	int rc;

	rc = cluster_abspath(dir, sizeof(dir), dir_in);
	if (rc < 0)
		return rc;
	if (!has_cluster(dir))
		return err_set(ERR_NOTFOUND,
			       "%s holds no cluster (run: tfledger db init --dir %s)",
			       dir, dir_in);
	{
		const char *argv[] = {"pg_ctl", "status", "-D", dir, NULL};

		rc = run(&status, NULL, dir, argv);
	}
	if (rc < 0)
		return rc;
	if (status != 0 && status != 3)
		return err_set(ERR_SYSTEM, "pg_ctl status -D %s: exit status %d", dir, status);
	*running = status == 0;
	return 0;
}

/* Creates the tfledger database if it does not exist yet. */
static int ensure_database(const char *dir)
{
	char conninfo[LIMIT_CONNINFO_BYTES];
	PGconn *c = NULL;
	PGresult *r = NULL;
	int rc;

	rc = cluster_conninfo(conninfo, sizeof(conninfo), dir, "postgres");
	if (rc < 0)
		return rc;
	rc = db_connect(&c, conninfo);
	if (rc < 0)
		goto cleanup;
	r = PQexec(c, "SELECT 1 FROM pg_database WHERE datname = '" CLUSTER_DBNAME "'");
	rc = db_result_check(c, r, "look up database");
	if (rc < 0 || PQntuples(r) == 1)
		goto cleanup;
	PQclear(r);
	r = PQexec(c, "CREATE DATABASE " CLUSTER_DBNAME);
	if (strcmp(db_sqlstate(r), "42P04") == 0) /* created meanwhile */
		goto cleanup;
	rc = db_result_check(c, r, "create database " CLUSTER_DBNAME);
cleanup:
	PQclear(r);
	PQfinish(c);
	return rc;
}

/* The cluster's absolute directory (into dir, size bytes) and whether its server runs. */
static int locate(char *dir, size_t size, bool *running, const char *dir_in)
{
	int rc = cluster_abspath(dir, size, dir_in);

	return rc < 0 ? rc : cluster_status(dir, running);
}

int cluster_start(const char *dir_in, const struct cluster_opts *opts, char *out,
		  size_t size)
{
	char dir[LIMIT_PATH_BYTES];
	char logpath[LIMIT_PATH_BYTES];
	bool running = false;
	int rc;

	rc = locate(dir, sizeof(dir), &running, dir_in);
	if (rc < 0)
		return rc;
	if (!running) {
		char wait_s[16];
		const char *options = opts && opts->fsync_off
			? "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
			: NULL;
		const char *argv[] = {"pg_ctl", "start", "-D", dir, "-l", logpath, "-w",
				      "-t", wait_s, options ? "-o" : NULL, options, NULL};

		snprintf(wait_s, sizeof(wait_s), "%d", LIMIT_PG_CTL_WAIT_S);
		rc = join(logpath, sizeof(logpath), dir, "server.log");
		if (rc < 0)
			return rc;
		rc = run_ok(dir, argv, "pg_ctl start", logpath);
		if (rc < 0)
			return rc;
	}
	rc = ensure_database(dir);
	if (rc < 0)
		return rc;
	return cluster_conninfo(out, size, dir, CLUSTER_DBNAME);
}

/* pg_ctl stop -m mode on the cluster in dir_in, if it runs. */
static int stop_mode(const char *dir_in, const char *mode)
{
	char dir[LIMIT_PATH_BYTES], wait_s[16], what[32];
	bool running = false;
	int rc;

	rc = locate(dir, sizeof(dir), &running, dir_in);
	if (rc < 0 || !running)
		return rc;
	snprintf(wait_s, sizeof(wait_s), "%d", LIMIT_PG_CTL_WAIT_S);
	snprintf(what, sizeof(what), "pg_ctl stop -m %s", mode);
	{
		const char *argv[] = {"pg_ctl", "stop", "-D", dir, "-m", mode, "-w",
				      "-t", wait_s, NULL};

		return run_ok(dir, argv, what, NULL);
	}
}

int cluster_stop(const char *dir_in)
{
	return stop_mode(dir_in, "fast");
}

/* --- a synchronous standby ------------------------------------------------- */

int cluster_conninfo_pair(char *out, size_t size, const char *primary, const char *standby,
			  const char *dbname)
{
	char hosts[2 * LIMIT_PATH_BYTES + 2];
	int n;

	if (strchr(primary, ',') || strchr(standby, ','))
		return err_set(ERR_INVALID, "--dir: a cluster directory in a pair may not hold ','"
					    " (libpq separates hosts with it)");
	n = snprintf(hosts, sizeof(hosts), "%s,%s", primary, standby);
	if (n < 0 || (size_t)n >= sizeof(hosts) || size < 8)
		return err_set(ERR_LIMIT, "conninfo too long");
	snprintf(out, size, "host=");
	if (quote(out, size, hosts) < 0 ||
	    strlen(out) + strlen(dbname) + 80 >= size)
		return err_set(ERR_LIMIT, "conninfo too long");
	strcat(out, " port=" PG_PORT " dbname=");
	strcat(out, dbname);
	strcat(out, " user=" SERVER_USER " target_session_attrs=read-write");
	return 0;
}

/* *out = the number of rows sql (one statement, no parameters) returns on
 * the postgres database of the running cluster at dir. */
static int count_rows(int *out, const char *dir, const char *sql)
{
	char conninfo[LIMIT_CONNINFO_BYTES];
	PGconn *c = NULL;
	PGresult *r = NULL;
	int rc;

	rc = cluster_conninfo(conninfo, sizeof(conninfo), dir, "postgres");
	if (rc == 0)
		rc = db_connect(&c, conninfo);
	if (rc == 0) {
		r = PQexec(c, sql);
		rc = db_result_check(c, r, "ask the cluster");
	}
	if (rc == 0)
		*out = PQntuples(r);
	PQclear(r);
	PQfinish(c);
	return rc;
}

/*
 * Runs sql as count_rows does until it returns a row, every 100 ms for at
 * most LIMIT_PG_CTL_WAIT_S seconds; ERR_UNAVAILABLE naming what (a phrase:
 * "the standby to stream") if it never does.
 */
static int wait_for_row(const char *dir, const char *sql, const char *what)
{
	int n = 0;

	for (int i = 0;; i++) {
		int rc = count_rows(&n, dir, sql);

		if (rc < 0 || n > 0)
			return rc;
		if (i >= LIMIT_PG_CTL_WAIT_S * 10)
			return err_set(ERR_UNAVAILABLE, "%s: still waiting for %s after %d s; see"
						      " %s/server.log", dir, what, LIMIT_PG_CTL_WAIT_S, dir);
		usleep(100 * 1000);
	}
}

/* Runs sql (one statement, no parameters, no rows) on the postgres database
 * of the running cluster at dir. */
static int admin_exec(const char *dir, const char *sql)
{
	char conninfo[LIMIT_CONNINFO_BYTES];
	PGconn *c = NULL;
	int rc;

	rc = cluster_conninfo(conninfo, sizeof(conninfo), dir, "postgres");
	if (rc == 0)
		rc = db_connect(&c, conninfo);
	if (rc == 0)
		rc = db_exec_sql(c, sql);
	PQfinish(c);
	return rc;
}

int cluster_init_standby(const char *dir_in, const char *primary_in, char *out, size_t size)
{
	static const char *const copied[] = {"server.log", SOCKET_FILE ".lock"};
	char dir[LIMIT_PATH_BYTES], primary[LIMIT_PATH_BYTES], path[LIMIT_PATH_BYTES];
	char conninfo[LIMIT_CONNINFO_BYTES];
	bool running = false;
	int slots = 0;
	int rc;

	rc = cluster_abspath(dir, sizeof(dir), dir_in);
	if (rc == 0)
		rc = locate(primary, sizeof(primary), &running, primary_in);
	if (rc == 0)
		rc = cluster_conninfo_pair(conninfo, sizeof(conninfo), primary, dir,
					   CLUSTER_DBNAME);
	if (rc < 0)
		return rc;
	if (strcmp(dir, primary) == 0)
		return err_set(ERR_INVALID, "--standby-of %s: a cluster cannot be its own standby",
			       primary_in);
	if (!running)
		return err_set(ERR_INVALID, "--standby-of %s: the primary is not running (run:"
					    " tfledger db start --dir %s)", primary_in, primary_in);
	rc = count_rows(&slots, primary, "SELECT 1 FROM pg_replication_slots WHERE slot_name"
					 " = '" CLUSTER_STANDBY "'");
	if (rc < 0)
		return rc;
	if (slots > 0)
		return err_set(ERR_CONFLICT, "--standby-of %s: the primary already has a standby"
					     " (replication slot " CLUSTER_STANDBY "); if that standby"
					     " is gone, drop the slot: SELECT pg_drop_replication_slot('"
					     CLUSTER_STANDBY "')", primary_in);
	rc = prepare_dir(dir);
	if (rc < 0)
		return rc;
	{
		/* -R: standby.signal and primary_conninfo; -C -S: the slot that
		 * keeps the WAL the standby has not received yet. */
		const char *argv[] = {"pg_basebackup", "-D", dir, "-h", primary, "-p", PG_PORT,
				      "-U", SERVER_USER, "-X", "stream", "-R", "-C", "-S",
				      CLUSTER_STANDBY, "-c", "fast", NULL};

		rc = run_ok(dir, argv, "pg_basebackup", NULL);
		if (rc < 0)
			return rc;
	}
	/* The primary's log and its socket's lock file (both in its data
	 * directory) came along in the copy; the standby has its own. */
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		rc = join(path, sizeof(path), dir, copied[i]);
		if (rc < 0)
			return rc;
		if (unlink(path) < 0 && errno != ENOENT)
			return err_sys(ERR_SYSTEM, "%s", path);
	}
	rc = write_settings(dir, CLUSTER_STANDBY);
	if (rc == 0)
		rc = cluster_start(dir, NULL, out, size);
	if (rc == 0)
		rc = wait_for_row(primary, "SELECT 1 FROM pg_stat_replication WHERE application_name"
					   " = '" CLUSTER_STANDBY "' AND state = 'streaming'",
				  "the standby to stream");
	/* Only now that it streams: from here on a COMMIT on the primary
	 * returns once the standby has flushed it (synchronous_commit = on). */
	if (rc == 0)
		rc = admin_exec(primary, "ALTER SYSTEM SET synchronous_standby_names = '"
					 CLUSTER_STANDBY "'");
	if (rc == 0)
		rc = admin_exec(primary, "SELECT pg_reload_conf()");
	if (rc == 0)
		rc = wait_for_row(primary, "SELECT 1 FROM pg_stat_replication WHERE application_name"
					   " = '" CLUSTER_STANDBY "' AND sync_state = 'sync'",
				  "the standby to become synchronous");
	if (rc < 0)
		return rc;
	if (strlen(conninfo) >= size)
		return err_set(ERR_LIMIT, "conninfo buffer too small");
	snprintf(out, size, "%s", conninfo);
	return 0;
}

int cluster_promote(const char *dir_in)
{
	char dir[LIMIT_PATH_BYTES], path[LIMIT_PATH_BYTES], wait_s[16];
	bool running = false;
	int rc;

	rc = locate(dir, sizeof(dir), &running, dir_in);
	if (rc == 0)
		rc = join(path, sizeof(path), dir, "standby.signal");
	if (rc < 0)
		return rc;
	if (access(path, F_OK) != 0)
		return err_set(ERR_INVALID, "--dir %s: not a standby (no standby.signal)", dir_in);
	if (!running)
		return err_set(ERR_INVALID, "--dir %s: the standby is not running (run: tfledger"
					    " db start --dir %s)", dir_in, dir_in);
	snprintf(wait_s, sizeof(wait_s), "%d", LIMIT_PG_CTL_WAIT_S);
	{
		const char *argv[] = {"pg_ctl", "promote", "-D", dir, "-w", "-t", wait_s, NULL};

		return run_ok(dir, argv, "pg_ctl promote", NULL);
	}
}

int cluster_crash(const char *dir_in)
{
	return stop_mode(dir_in, "immediate");
}
