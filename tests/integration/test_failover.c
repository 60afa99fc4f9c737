/*
 * test_failover.c - a standby that takes over with nothing lost (issue 16):
 * two private clusters made the way an operator makes them (a primary, and
 * `tfledger db init --standby-of`: a synchronous streaming standby; its
 * refusals through cluster_init_standby itself), one tfledgerd on the pair's multi-host conninfo
 * (target_session_attrs=read-write), eight clients posting entries with
 * Idempotency-Keys and retrying 503s with the same key, as a client
 * should. Mid-stream the primary stops at once (`tfledger db stop
 * --immediate`: pg_ctl stop -m immediate) and the standby is promoted
 * (`tfledger db promote`). Afterwards every acknowledged entry is on
 * the new primary exactly once, with the sequence its 201 answer gave,
 * the hash chain verifies (`tfledger verify`), and the daemon is the same
 * process: it reconnected by itself.
 *
 * These clusters are the test's own, not the harness's: the harness's runs
 * with synchronous_commit off (fast tests), which would make a COMMIT
 * return before the standby has it. Every step is logged on stderr with
 * its time, every wait is bounded, and the whole test ends within about
 * two minutes even on a loaded machine.
 */
#include "tests/integration/ledger_fixture.h"

#include <pthread.h>
#include <stdatomic.h>

#include "common/cluster.h"
#include "common/err.h"
#include "common/migrate.h"

#define WRITERS 8
#define PER_WRITER 40
#define WRITERS_LIMIT_S 60 /* writers give up this long after they start (the test then fails) */

static char base[LIMIT_PATH_BYTES];
static char primary[LIMIT_PATH_BYTES + 8], standby[LIMIT_PATH_BYTES + 8];
static char primary_ci[LIMIT_CONNINFO_BYTES], standby_ci[LIMIT_CONNINFO_BYTES];
static char pair_ci[LIMIT_CONNINFO_BYTES];
static struct daemon D;
static char *token;
static struct timespec t0;
static double writers_deadline; /* elapsed() at which writers give up */

/* Says on stderr how far the test got and when. */
static void phase(const char *what)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	fprintf(stderr, "[failover %6.1f s] %s\n",
		(double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9, what);
}

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
}

static void setup(void)
{
	char migrations[LIMIT_PATH_BYTES];
	PGconn *c = NULL;
	struct resp r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	harness_tmpdir(base, sizeof(base));
	snprintf(primary, sizeof(primary), "%s/p", base);
	snprintf(standby, sizeof(standby), "%s/s", base);
	phase("initdb and start the primary");
	ck_assert_msg(cluster_init(primary, NULL) == 0, "%s", err_last());
	ck_assert_msg(cluster_start(primary, NULL, primary_ci, sizeof(primary_ci)) == 0, "%s",
		      err_last());
	c = harness_connect(primary_ci);
	ck_assert_int_eq(migrate_default_dir(migrations, sizeof(migrations)), 0);
	ck_assert_msg(migrate_apply(c, migrations, NULL) == 0, "%s", err_last());
	PQfinish(c);
	token = make_token(primary_ci, "finance", "failover");
	phase("migrated; making the standby (tfledger db init --standby-of)");
	{
		const char *argv[] = {harness_bin_tfledger(), "db", "init", "--dir", standby,
				      "--standby-of", primary, NULL};
		char *out = NULL, *err = NULL;
		int rc = harness_run(&out, &err, NULL, argv);

		ck_assert_msg(rc == 0, "db init --standby-of: %d %s", rc, err);
		ck_assert_ptr_nonnull(strstr(err, "is a synchronous standby of"));
		out[strcspn(out, "\n")] = '\0';
		snprintf(pair_ci, sizeof(pair_ci), "%s", out);
		free(out);
		free(err);
	}
	ck_assert_int_eq(cluster_conninfo(standby_ci, sizeof(standby_ci), standby, CLUSTER_DBNAME), 0);
	phase("standby streaming and synchronous; starting tfledgerd on the pair");
	ck_assert_ptr_nonnull(strstr(pair_ci, "target_session_attrs=read-write"));
	daemon_start(&D, pair_ci, base);
	r = http(&D, "POST", "/v1/accounts", token, NULL,
		 "{\"code\":\"1010\",\"name\":\"Bank\",\"type\":\"asset\",\"currency\":\"EUR\"}");
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	resp_free(&r);
	r = http(&D, "POST", "/v1/accounts", token, NULL,
		 "{\"code\":\"4010\",\"name\":\"Contributions\",\"type\":\"revenue\",\"currency\":\"EUR\"}");
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	resp_free(&r);
}

/* The last bytes of the file at path on stderr, for a failure's story. */
static void show_tail(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n;

	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > (long)sizeof(buf) - 1)
		fseek(f, -(long)sizeof(buf) + 1, SEEK_END);
	else
		fseek(f, 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "--- the end of %s:\n%s\n", path, buf);
}

/* The end of tfledgerd's log and of both servers' logs on stderr. */
static void show_logs(void)
{
	char path[LIMIT_PATH_BYTES + 32];

	show_tail(D.log);
	snprintf(path, sizeof(path), "%s/server.log", primary);
	show_tail(path);
	snprintf(path, sizeof(path), "%s/server.log", standby);
	show_tail(path);
}

/* A failure that the logs explain: shows them, then fails the test (a
 * failed test skips the teardown, and the harness removes the files). */
#define FAIL_WITH_LOGS(...) \
	do { \
		show_logs(); \
		ck_abort_msg(__VA_ARGS__); \
	} while (0)

static void teardown(void)
{
	phase("teardown");
	if (D.pid)
		daemon_stop(&D);
	free(token);
	token = NULL;
	if (cluster_stop(standby) < 0)
		fprintf(stderr, "stopping the standby: %s\n", err_last());
	if (cluster_stop(primary) < 0)
		fprintf(stderr, "stopping the primary: %s\n", err_last());
}

struct writer {
	int n;
	atomic_int *acks;
	char *answers[PER_WRITER]; /* 201 bodies, NULL if never acknowledged */
	int unavailable;           /* 503 answers seen */
	int other_failures;
	char first_failure[256];
};

/* Entry i of writer n: its Idempotency-Key is also its reference. */
static void writer_entry(char *body, size_t size, char key[32], int n, int i)
{
	snprintf(key, 32, "fo-%d-%d", n, i);
	snprintf(body, size,
		 "{\"date\":\"2019-07-01\",\"memo\":\"failover\",\"reference\":\"%s\",\"postings\":["
		 "{\"account\":\"1010\",\"side\":\"debit\",\"amount\":\"%d.%02d\",\"currency\":\"EUR\"},"
		 "{\"account\":\"4010\",\"side\":\"credit\",\"amount\":\"%d.%02d\",\"currency\":\"EUR\"}]}",
		 key, n + 1, i, n + 1, i);
}

/* Posts PER_WRITER entries one after the other, each until it is
 * acknowledged, retrying 503 with the same key; stops at the deadline. */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	CURL *h = curl_easy_init();

	for (int i = 0; i < PER_WRITER && elapsed() < writers_deadline; i++) {
		char body[512], key[32];

		writer_entry(body, sizeof(body), key, w->n, i);
		while (elapsed() < writers_deadline) {
			struct resp r = http_on(h, &D, "POST", "/v1/entries", token, key, body,
						strlen(body));

			if (r.status == 201) {
				w->answers[i] = r.body;
				r.body = NULL;
				atomic_fetch_add(w->acks, 1);
				resp_free(&r);
				break;
			}
			if (r.status == 503 && strcmp(r.retry_after, "1") == 0)
				w->unavailable++;
			else if (w->other_failures++ == 0)
				snprintf(w->first_failure, sizeof(w->first_failure), "%s: %ld%s %s",
					 key, r.status, r.status == 503 ? " without Retry-After" : "",
					 r.body);
			resp_free(&r);
			usleep(20 * 1000);
		}
		usleep(20 * 1000); /* a steady stream, so the failover lands mid-way */
	}
	curl_easy_cleanup(h);
	return NULL;
}

/* Runs `tfledger db ACTION --dir DIR [EXTRA]` and asserts it succeeds. */
static void cli_db(const char *action, const char *dir, const char *extra)
{
	const char *argv[] = {harness_bin_tfledger(), "db", action, "--dir", dir, extra, NULL};
	char *err = NULL;
	int rc = harness_run(NULL, &err, NULL, argv);

	ck_assert_msg(rc == 0, "tfledger db %s --dir %s: %d %s", action, dir, rc, err);
	free(err);
}

/* Waits (at most limit_s seconds from now) until at least n
 * acknowledgements were counted. */
static void wait_acks(atomic_int *acks, int n, double limit_s)
{
	limit_s += elapsed();
	while (atomic_load(acks) < n && elapsed() < limit_s)
		usleep(10 * 1000);
	ck_assert_msg(atomic_load(acks) >= n, "only %d acknowledgements after %.0f s",
		      atomic_load(acks), elapsed());
}

/* GET /healthz until it answers 200, at most limit_s seconds from now. */
static void wait_healthy(double limit_s)
{
	long st = 0;

	limit_s += elapsed();
	while (elapsed() < limit_s) {
		struct resp r = http(&D, "GET", "/healthz", NULL, NULL, NULL);

		st = r.status;
		resp_free(&r);
		if (st == 200)
			return;
		usleep(50 * 1000);
	}
	FAIL_WITH_LOGS("/healthz still %ld after %.0f s", st, elapsed());
}

START_TEST(test_failover__standby_takes_over_nothing_lost)
{
	pthread_t t[WRITERS];
	struct writer w[WRITERS];
	char body[512], key[32], msg[160];
	char other[LIMIT_PATH_BYTES + 8], ci[LIMIT_CONNINFO_BYTES];
	json_t *stored;
	atomic_int acks = 0;
	pid_t pid = D.pid;
	int acked_at_crash, unavailable = 0, ws;
	char *out = NULL, *err = NULL, *v;
	struct resp r;

	/* The primary waits for its standby: it is named and synchronous. */
	v = query_str(primary_ci, "SELECT setting FROM pg_settings"
				  " WHERE name = 'synchronous_standby_names'");
	ck_assert_str_eq(v, CLUSTER_STANDBY);
	free(v);
	v = query_str(primary_ci, "SELECT setting FROM pg_settings WHERE name = 'synchronous_commit'");
	ck_assert_str_eq(v, "on");
	free(v);
	v = query_str(primary_ci, "SELECT sync_state FROM pg_stat_replication");
	ck_assert_str_eq(v, "sync");
	free(v);

	/* One standby per primary; none of itself; only a standby is promoted. */
	snprintf(other, sizeof(other), "%s/t", base);
	ck_assert_int_eq(cluster_init_standby(other, primary, ci, sizeof(ci)), ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err_last(), "already has a standby"));
	ck_assert_int_eq(cluster_init_standby(primary, primary, ci, sizeof(ci)), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "its own standby"));
	ck_assert_int_eq(cluster_promote(primary), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "not a standby"));
	ck_assert_int_eq(access(other, F_OK), -1); /* nothing made */

	writers_deadline = elapsed() + WRITERS_LIMIT_S;
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.n = i, .acks = &acks};
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	phase("8 writers started");
	wait_acks(&acks, 40, 30);
	phase("40 acknowledged; stopping the primary at once (tfledger db stop --immediate)");
	cli_db("stop", primary, "--immediate");
	acked_at_crash = atomic_load(&acks);
	snprintf(msg, sizeof(msg), "primary down with %d acknowledged; a write now must be 503",
		 acked_at_crash);
	phase(msg);
	ck_assert_int_lt(acked_at_crash, WRITERS * PER_WRITER); /* writes were in flight */

	/* No primary: 503 with Retry-After, never 500; nothing is stored. */
	writer_entry(body, sizeof(body), key, 99, 0);
	r = http(&D, "POST", "/v1/entries", token, NULL, body);
	if (r.status != 503 || strcmp(r.retry_after, "1") != 0)
		FAIL_WITH_LOGS("%ld (Retry-After '%s') %s", r.status, r.retry_after, r.body);
	resp_free(&r);
	/* No standby of a primary that is down. */
	ck_assert_int_eq(cluster_init_standby(other, primary, ci, sizeof(ci)), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "not running"));
	ck_assert_int_eq(access(other, F_OK), -1);
	phase("503 seen; promoting the standby (tfledger db promote)");
	cli_db("promote", standby, NULL);
	ck_assert_int_eq(cluster_promote(standby), ERR_INVALID); /* once is enough */
	ck_assert_ptr_nonnull(strstr(err_last(), "not a standby"));
	phase("standby promoted; waiting for /healthz");
	wait_healthy(30);
	phase("healthz 200; joining the writers");
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	snprintf(msg, sizeof(msg), "writers joined (%d acknowledged)", atomic_load(&acks));
	phase(msg);

	/* The same tfledgerd process carried on. */
	ck_assert_int_eq(D.pid, pid);
	ck_assert_int_eq(waitpid(D.pid, &ws, WNOHANG), 0);
	ck_assert_int_eq(kill(D.pid, 0), 0);

	/* Every acknowledged entry is on the new primary once, as answered:
	 * {reference: [count, first sequence]} in one query. */
	v = query_str(standby_ci, "SELECT json_object_agg(reference, json_build_array(n, s))"
				  " FROM (SELECT reference, count(*) AS n, min(sequence) AS s"
				  " FROM entries GROUP BY reference) x");
	stored = json_loads(v, 0, NULL);
	ck_assert_msg(stored != NULL, "%s", v);
	free(v);
	for (int i = 0; i < WRITERS; i++) {
		if (w[i].other_failures != 0)
			FAIL_WITH_LOGS("writer %d: %s", i, w[i].first_failure);
		unavailable += w[i].unavailable;
		for (int k = 0; k < PER_WRITER; k++) {
			json_t *a, *row;

			ck_assert_msg(w[i].answers[k] != NULL, "writer %d entry %d never acknowledged", i, k);
			a = json_loads(w[i].answers[k], 0, NULL);
			ck_assert_ptr_nonnull(a);
			writer_entry(body, sizeof(body), key, i, k);
			row = json_object_get(stored, key);
			ck_assert_msg(row != NULL, "%s: acknowledged but not on the new primary", key);
			ck_assert_msg(json_integer_value(json_array_get(row, 0)) == 1, "%s: stored %lld times",
				      key, (long long)json_integer_value(json_array_get(row, 0)));
			ck_assert_msg(json_integer_value(json_array_get(row, 1)) ==
					      json_integer_value(json_object_get(a, "sequence")),
				      "%s: sequence %lld on the new primary, %lld answered", key,
				      (long long)json_integer_value(json_array_get(row, 1)),
				      (long long)json_integer_value(json_object_get(a, "sequence")));
			json_decref(a);
			free(w[i].answers[k]);
		}
	}
	json_decref(stored);
	snprintf(msg, sizeof(msg), "every entry once as answered; %d 503s were retried", unavailable);
	phase(msg);
	ck_assert_int_eq(query_ll(standby_ci, "SELECT count(*) FROM entries"), WRITERS * PER_WRITER);
	ck_assert_int_eq(query_ll(standby_ci, "SELECT max(sequence) FROM entries"),
			 WRITERS * PER_WRITER);
	ck_assert_int_eq(query_ll(standby_ci, "SELECT count(*) FROM entries WHERE reference LIKE"
					      " 'fo-99-%'"), 0);

	/* The hash chain holds on the new primary. */
	{
		const char *argv[] = {harness_bin_tfledger(), "verify", "--database", standby_ci,
				      NULL};
		int rc = harness_run(&out, &err, NULL, argv);

		ck_assert_msg(rc == 0, "verify: %d %s %s", rc, out, err);
		ck_assert_msg(strncmp(out, "ok: 320 entries", 15) == 0, "verify: %s", out);
	}
	free(out);
	free(err);
	phase("tfledger verify ok on the new primary");
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test failover[] = {
		{test_failover__standby_takes_over_nothing_lost, 0},
	};
	Suite *s = suite_create("failover");

	/* The test bounds its own waits (about two minutes at worst); this
	 * limit is for a hang. */
	harness_add_tcase(s, "failover", setup, teardown, 240, failover, HARNESS_N(failover));
	return s;
}

int main(void)
{
	return harness_main(suite(), false); /* its own clusters, not the harness's */
}
