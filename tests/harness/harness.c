/*
 * harness.c - the throwaway cluster for tests (see harness.h). The cluster
 * is the same code as `tfledger db`, with fsync off: tests only.
 */
#define _XOPEN_SOURCE 700
#include "tests/harness/harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cluster.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/migrate.h"
#include "fund/fund.h"
#include "reports/writer.h"
#include "travel/travel.h"

#define TEMPLATE_DB "tfledger_template"

static char cluster_dir[128];
static char tmp_root[64];
static pid_t owner;
static unsigned counter;

const char *harness_dir(void)
{
	return cluster_dir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int harness_rmtree(const char *path)
{
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static void print_log(void)
{
	char path[LIMIT_PATH_BYTES];
	char buf[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/server.log", cluster_dir);
	f = fopen(path, "r");
	if (!f)
		return;
	fprintf(stderr, "---- PostgreSQL server log (%s) ----\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "---- end of server log ----\n");
	fclose(f);
}

static void cleanup(void)
{
	if (getpid() != owner || !tmp_root[0])
		return;
	if (cluster_dir[0] && cluster_stop(cluster_dir) < 0)
		fprintf(stderr, "harness: stopping the cluster: %s\n", err_last());
	harness_rmtree(tmp_root);
	tmp_root[0] = cluster_dir[0] = '\0';
}

static void die(const char *what)
{
	fprintf(stderr, "harness: %s: %s\n", what, err_last());
	print_log();
	cleanup();
	exit(2);
}

static void admin_exec(const char *sql)
{
	char conninfo[LIMIT_CONNINFO_BYTES];
	PGconn *c = NULL;
	int rc;

	if (cluster_conninfo(conninfo, sizeof(conninfo), cluster_dir, "postgres") < 0 ||
	    db_connect(&c, conninfo) < 0)
		die("connect");
	rc = db_exec_sql(c, sql);
	PQfinish(c);
	if (rc < 0)
		die(sql);
}

static void start_cluster(void)
{
	struct cluster_opts opts = {.fsync_off = true};
	char conninfo[LIMIT_CONNINFO_BYTES];
	char migrations[LIMIT_PATH_BYTES];
	PGconn *c = NULL;

	if (cluster_init(cluster_dir, &opts) < 0)
		die("initdb");
	if (cluster_start(cluster_dir, &opts, conninfo, sizeof(conninfo)) < 0)
		die("start");
	admin_exec("CREATE DATABASE " TEMPLATE_DB);
	if (cluster_conninfo(conninfo, sizeof(conninfo), cluster_dir, TEMPLATE_DB) < 0 ||
	    db_connect(&c, conninfo) < 0)
		die("connect to template");
	if (migrate_default_dir(migrations, sizeof(migrations)) < 0 ||
	    migrate_apply(c, migrations, NULL) < 0) {
		PQfinish(c);
		die("migrate the template");
	}
	PQfinish(c);
}

int harness_main(Suite *s, bool needs_db)
{
	SRunner *sr;
	int failed;

	owner = getpid();
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/tfl-XXXXXX");
	if (!mkdtemp(tmp_root)) {
		perror("harness: mkdtemp");
		return 2;
	}
	chmod(tmp_root, 0755); /* the postgres user must reach the cluster */
	atexit(cleanup);
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread, for tfledgerd tests */
	if (needs_db) {
		snprintf(cluster_dir, sizeof(cluster_dir), "%s/pg", tmp_root);
		start_cluster();
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed && needs_db)
		print_log();
	cleanup();
	curl_global_cleanup();
	return failed ? 1 : 0;
}

void harness_add_tcase(Suite *s, const char *name, SFun setup, SFun teardown, double timeout,
		       const struct harness_test *tests, size_t n)
{
	TCase *tc = tcase_create(name);

	if (setup || teardown)
		tcase_add_checked_fixture(tc, setup, teardown);
	if (timeout > 0)
		tcase_set_timeout(tc, timeout);
	for (size_t i = 0; i < n; i++) {
		if (tests[i].loops > 0)
			tcase_add_loop_test(tc, tests[i].test, 0, tests[i].loops);
		else
			tcase_add_test(tc, tests[i].test);
	}
	suite_add_tcase(s, tc);
}

static void new_db(char *out, size_t size, bool from_template)
{
	char name[64];
	char sql[160];

	snprintf(name, sizeof(name), "t_%ld_%u", (long)getpid(), counter++);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s%s", name,
		 from_template ? " TEMPLATE " TEMPLATE_DB : "");
	admin_exec(sql);
	ck_assert_int_eq(cluster_conninfo(out, size, cluster_dir, name), 0);
}

void harness_new_db(char *out, size_t size)
{
	ck_assert_msg(cluster_dir[0], "this test program did not ask for a database");
	new_db(out, size, true);
}

void harness_new_empty_db(char *out, size_t size)
{
	ck_assert_msg(cluster_dir[0], "this test program did not ask for a database");
	new_db(out, size, false);
}

PGconn *harness_connect(const char *conninfo)
{
	PGconn *c = NULL;
	int rc = db_connect(&c, conninfo);

	ck_assert_msg(rc == 0, "connect: %s", err_last());
	return c;
}

char *harness_query_value(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	char *v = NULL;
	int rc = db_result_check(c, r, sql);

	ck_assert_msg(rc == 0, "%s", err_last());
	if (PQntuples(r) > 0)
		v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

char *harness_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

void harness_spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

void harness_spit_text(const char *path, const char *text)
{
	harness_spit(path, text, strlen(text));
}

static char *slurp_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	ck_assert_ptr_nonnull(buf);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	buf[len] = '\0';
	return buf;
}

static int temp_fd(void)
{
	char path[] = "/tmp/tfl-out-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}

int harness_tfledger(char **err, const char *first, ...)
{
	const char *argv[32] = {harness_bin_tfledger()};
	char *out = NULL;
	size_t n = 1;
	va_list ap;
	int rc;

	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		ck_assert(n < 31);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	rc = harness_run(&out, err, NULL, argv);
	free(out);
	return rc;
}

int harness_run(char **out, char **err, const char *input,
		const char *const *argv)
{
	int ofd = temp_fd(), efd = temp_fd(), ifd = temp_fd();
	pid_t pid;
	int ws;

	if (input) {
		size_t n = strlen(input);

		ck_assert_int_eq(write(ifd, input, n), (ssize_t)n);
		lseek(ifd, 0, SEEK_SET);
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(ifd, STDIN_FILENO);
		dup2(ofd, STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &ws, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	if (out)
		*out = slurp_fd(ofd);
	if (err)
		*err = slurp_fd(efd);
	close(ofd);
	close(efd);
	close(ifd);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static const char *bin(const char *env, const char *fallback)
{
	const char *s = getenv(env);

	return s && *s ? s : fallback;
}

const char *harness_bin_tfledger(void)
{
	return bin("TFLEDGER_BIN", "./tfledger");
}

const char *harness_bin_tfledgerd(void)
{
	return bin("TFLEDGERD_BIN", "./tfledgerd");
}

void harness_tmpdir(char *out, size_t size)
{
	int n;

	ck_assert_msg(tmp_root[0], "harness_tmpdir outside harness_main");
	n = snprintf(out, size, "%s/d%ld_%u", tmp_root, (long)getpid(), counter++);
	ck_assert(n > 0 && (size_t)n < size);
	ck_assert_int_eq(mkdir(out, 0755), 0);
}

int harness_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
	char *buf = ud;
	size_t have = strlen(buf), add = size * n;

	if (have + add < 1024) {
		memcpy(buf + have, p, add);
		buf[have + add] = '\0';
	}
	return size * n;
}

long harness_http_get(const char *url, char body[1024])
{
	CURL *c = curl_easy_init();
	long status = 0;

	ck_assert_ptr_nonnull(c);
	body[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

/* --- a FIFO with a reader ------------------------------------------------------ */

struct harness_fifo {
	pthread_t thread;
	int fd;
	atomic_bool stop;
	char *data;
	size_t len;
};

/* Appends what can be read now: 1 read some, 0 end of file or an error,
 * -1 nothing yet (a writer has it open). */
static int fifo_read(struct harness_fifo *ff)
{
	char buf[65536];
	ssize_t n = read(ff->fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -1 : 0;
	if (n == 0)
		return 0;
	ff->data = realloc(ff->data, ff->len + (size_t)n + 1);
	if (!ff->data)
		abort();
	memcpy(ff->data + ff->len, buf, (size_t)n);
	ff->len += (size_t)n;
	ff->data[ff->len] = '\0';
	return 1;
}

static void *fifo_drain(void *arg)
{
	struct harness_fifo *ff = arg;
	struct pollfd p = {ff->fd, POLLIN, 0};

	/* POLLHUP comes only after a writer has come and gone (Linux); until
	 * then, and if none ever comes, wake up now and then to look at stop. */
	while (!atomic_load(&ff->stop))
		if (poll(&p, 1, 20) > 0 && fifo_read(ff) == 0)
			return NULL;
	/* every writer has exited: what they wrote is in the pipe */
	while (fifo_read(ff) > 0)
		;
	return NULL;
}

struct harness_fifo *harness_fifo_start(const char *path)
{
	struct harness_fifo *ff = calloc(1, sizeof(*ff));

	ck_assert_ptr_nonnull(ff);
	ck_assert_msg(mkfifo(path, 0600) == 0, "mkfifo %s: %s", path, strerror(errno));
	/* O_NONBLOCK: opening for reading does not wait for a writer */
	ff->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(ff->fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(pthread_create(&ff->thread, NULL, fifo_drain, ff), 0);
	return ff;
}

char *harness_fifo_finish(struct harness_fifo *ff, size_t *len)
{
	char *data;

	atomic_store(&ff->stop, true);
	pthread_join(ff->thread, NULL);
	close(ff->fd);
	data = ff->data ? ff->data : strdup("");
	if (len)
		*len = ff->len;
	free(ff);
	return data;
}

json_t *harness_op_ok(PGconn *c, harness_op_fn op, const struct ledger_actor *who,
		      const char *fmt, ...)
{
	char text[4096];
	json_error_t je;
	json_t *body, *out = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	ck_assert_int_lt(vsnprintf(text, sizeof(text), fmt, ap), (int)sizeof(text));
	va_end(ap);
	body = json_loads(text, 0, &je);
	ck_assert_msg(body, "bad test JSON %s: %s", text, je.text);
	rc = op(&out, c, body, who);
	ck_assert_msg(rc == 0, "%s: %s [%s]", text, err_last(), err_code_name(err_code_of(rc)));
	json_decref(body);
	return out;
}

const char *const harness_camt_refused[HARNESS_CAMT_REFUSED_N] = {
	"hostile_doctype.xml", "hostile_billion_laughs.xml", "hostile_xxe.xml",
	"hostile_undefined_entity.xml", "hostile_not_well_formed.xml",
	"hostile_wrong_root.xml", "hostile_wrong_version.xml", "hostile_too_deep.xml",
	"bad_late_error.xml", "bad_batch_sum.xml", "bad_currency.xml",
};

void harness_expect_run_refused(size_t i, int rc, char *err, const char *want,
				const char *output)
{
	ck_assert_msg(rc == 1, "case %zu: exit %d (%s)", i, rc, err);
	ck_assert_msg(err && strstr(err, want), "case %zu: '%s' lacks '%s'", i, err, want);
	ck_assert_msg(access(output, F_OK) != 0, "case %zu left %s", i, output);
	free(err);
}

void harness_same_bytes(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	ck_assert_msg(a[i] == b[i], "outputs differ at byte %zu: '%.60s' vs '%.60s'", i,
		      a + i, b + i);
}

uint64_t harness_xorshift(uint64_t *state)
{
	/* xorshift64*: small, seeded, the same sequence on every machine */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

void harness_op_refused(PGconn *c, harness_op_fn op, const struct ledger_actor *who,
			const char *text, int want_rc, const char *want_code, const char *want)
{
	json_t *body = json_loads(text, 0, NULL), *out = NULL;
	int rc;

	ck_assert_ptr_nonnull(body);
	rc = op(&out, c, body, who);
	ck_assert_msg(rc == want_rc, "%s: rc %d (%s), want %d", text, rc, err_last(), want_rc);
	ck_assert_msg(strcmp(err_code_name(err_code_of(rc)), want_code) == 0,
		      "%s: code %s, want %s", text, err_code_name(err_code_of(rc)), want_code);
	ck_assert_msg(strstr(err_last(), want), "%s: message '%s' lacks '%s'", text, err_last(),
		      want);
	ck_assert_ptr_null(out);
	json_decref(body);
}

void harness_sql_refused(PGconn *c, const char *sql, const char *want)
{
	PGresult *r = PQexec(c, sql);

	ck_assert_msg(PQresultStatus(r) == PGRES_FATAL_ERROR, "not refused: %s", sql);
	ck_assert_msg(strstr(PQresultErrorMessage(r), want), "%s: %s", sql,
		      PQresultErrorMessage(r));
	PQclear(r);
}

void harness_expect_balances(PGconn *c, const struct harness_balance *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		harness_expect_balance(c, rows[i].account, rows[i].want);
}

void harness_expect_value(PGconn *c, const char *sql, const char *want)
{
	char *v = harness_query_value(c, sql);

	ck_assert_msg(v && strcmp(v, want) == 0, "%s: got '%s', want '%s'", sql, v ? v : "(none)",
		      want);
	free(v);
}

void harness_expect_balance(PGconn *c, const char *account, const char *want)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT COALESCE((SELECT debit_balance FROM balances WHERE account = '%s'"
		 " ORDER BY day DESC LIMIT 1), 0)", account);
	harness_expect_value(c, sql, want);
}

void harness_expect_trial_balance_zero(PGconn *c)
{
	harness_expect_value(
		c, "SELECT count(*) FROM (SELECT currency FROM postings GROUP BY currency HAVING"
		   " sum(CASE WHEN side = 'debit' THEN amount ELSE -amount END) <> 0) x", "0");
	harness_expect_value(
		c, "SELECT count(*) FROM (SELECT a.currency FROM accounts a LEFT JOIN LATERAL"
		   " (SELECT debit_balance FROM balances b WHERE b.account = a.code ORDER BY day"
		   " DESC LIMIT 1) b ON true GROUP BY a.currency"
		   " HAVING COALESCE(sum(b.debit_balance), 0) <> 0) x", "0");
}

void harness_expect_verified(PGconn *c, long long entries)
{
	struct ledger_verify_result v;

	if (entries < 0) {
		char *n = harness_query_value(c, "SELECT count(*) FROM entries");

		ck_assert_ptr_nonnull(n);
		entries = strtoll(n, NULL, 10);
		free(n);
	}
	ck_assert_int_eq(ledger_verify(&v, c), 0);
	ck_assert_msg(v.ok, "journal verify: %s at %lld", v.why, (long long)v.bad_sequence);
	ck_assert_int_eq(v.entries, entries);
}

const char *harness_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s, "no string '%s'", key);
	return s;
}

void harness_travel_fund(PGconn *c, const struct ledger_actor *who)
{
	json_t *p;
	int created = 0;

	ck_assert_int_eq(ledger_store_setup(c), 0);
	ck_assert_int_eq(fund_setup(c), 0);
	ck_assert_int_eq(travel_setup(c), 0);
	ck_assert_msg(fund_init(&created, c, who) == 0, "%s", err_last());
	json_decref(harness_op_ok(
		c, fund_donor_add, who,
		"{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\",\"country\":\"FIN\"}"));
	p = harness_op_ok(c, fund_pledge_add, who,
			  "{\"donor\":\"fin\",\"date\":\"2018-08-01\",\"amount\":\"8000.00\","
			  "\"currency\":\"USD\",\"earmark\":\"travel\",\"agreement\":\"TF-2018-1\"}");
	json_decref(harness_op_ok(c, fund_receipt_add, who,
				  "{\"pledge\":%lld,\"date\":\"2018-09-01\",\"bank_account\":"
				  "\"1010-USD\",\"amount\":\"8000.00\"}",
				  (long long)json_integer_value(json_object_get(p, "id"))));
	json_decref(p);
}

void harness_four_eyes(const char *conninfo, bool on)
{
	PGconn *c = harness_connect(conninfo);
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "WITH u AS (UPDATE settings SET value = '%s' WHERE key = 'travel.four_eyes'"
		 " RETURNING 1) SELECT count(*) FROM u", on ? "on" : "off");
	harness_expect_value(c, sql, "1");
	PQfinish(c);
}

void harness_allow_overdrafts(const char *conninfo)
{
	PGconn *c = harness_connect(conninfo);
	PGresult *r = PQexec(c, "INSERT INTO account_overdrafts (account, limit_minor, reason, set_by)"
			      " SELECT code, 10000000000, 'test fixture: payments before the"
			      " receipts that cover them', 'harness' FROM accounts"
			      " WHERE code ~ '^10[0-9][0-9]-[A-Z]{3}$' ON CONFLICT DO NOTHING");

	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "overdrafts: %s",
		      PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

char *harness_xpath(xmlDocPtr doc, const char *fmt, ...)
{
	char expr[512];
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	char *s;
	va_list ap;

	va_start(ap, fmt);
	ck_assert_int_lt(vsnprintf(expr, sizeof(expr), fmt, ap), (int)sizeof(expr));
	va_end(ap);
	ck_assert_ptr_nonnull(ctx);
	xmlXPathRegisterNs(ctx, BAD_CAST "r", BAD_CAST REPORTS_NS);
	o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	ck_assert_msg(o, "bad XPath %s", expr);
	s = (char *)xmlXPathCastToString(o);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return s;
}

int harness_tfledger_db(char **out, char **err, const char *db, const char *const *args)
{
	const char *argv[32];
	int n = 0;

	argv[n++] = harness_bin_tfledger();
	while (*args) {
		ck_assert_int_lt(n, 29);
		argv[n++] = *args++;
	}
	argv[n++] = "--database";
	argv[n++] = db;
	argv[n] = NULL;
	return harness_run(out, err, NULL, argv);
}
