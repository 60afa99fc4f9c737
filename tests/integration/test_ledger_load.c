/*
 * test_ledger_load.c - the ledger under load and failure, through the real
 * tfledgerd: 16 concurrent clients on the same two accounts (group commit),
 * kill -9 while clients post with idempotency keys (exactly once after
 * replay), and PostgreSQL stopped and restarted under load (503 while it is
 * down, full service after, nothing lost). Nothing here waits on a clock:
 * each step waits for an observed event (acknowledgements counted, a
 * health check answering) with generous bounds.
 *
 * Every wait is bounded in time, never only in tries, so that a test can
 * fail but never hang (issue 16: the outage test once hung silently). A
 * try can itself take up to the client's 60 s (ledger_fixture.h), so a
 * bound in tries alone (3000 retries of each of 30 requests, 3000 health
 * checks) was hours against a daemon that stopped answering; the writers
 * now give up at a deadline, the health check has one, and tfledgerd is
 * stopped with a bound (SIGKILL after it) instead of an endless waitpid.
 */
#include "tests/integration/ledger_fixture.h"

#include <pthread.h>
#include <stdatomic.h>

#include "common/cluster.h"

static char conninfo[LIMIT_CONNINFO_BYTES];
static char dir[LIMIT_PATH_BYTES];
static struct daemon D;
static char *token;

static void setup(void)
{
	struct resp r;

	harness_new_db(conninfo, sizeof(conninfo));
	harness_tmpdir(dir, sizeof(dir));
	token = make_token(conninfo, "finance", "load");
	daemon_start(&D, conninfo, dir);
	r = http(&D, "POST", "/v1/accounts", token, NULL,
		 "{\"code\":\"1010\",\"name\":\"Bank\",\"type\":\"asset\",\"currency\":\"EUR\"}");
	ck_assert_int_eq(r.status, 201);
	resp_free(&r);
	r = http(&D, "POST", "/v1/accounts", token, NULL,
		 "{\"code\":\"4010\",\"name\":\"Contributions\",\"type\":\"revenue\",\"currency\":\"EUR\"}");
	ck_assert_int_eq(r.status, 201);
	resp_free(&r);
}

/* Seconds on the monotonic clock. */
static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* How long tfledgerd may take to exit on SIGTERM before it is killed. */
#define STOP_S 30.0

/* daemon_stop with a bound: SIGTERM, and SIGKILL if tfledgerd has not
 * exited within STOP_S (then the test fails: it must exit by itself). */
static void daemon_stop_bounded(struct daemon *d)
{
	double until = now_s() + STOP_S;
	pid_t done = 0;
	int ws = 0;

	ck_assert_int_eq(kill(d->pid, SIGTERM), 0);
	while (now_s() < until &&
	       ((done = waitpid(d->pid, &ws, WNOHANG)) == 0 || (done < 0 && errno == EINTR)))
		usleep(10000);
	if (done <= 0) {
		kill(d->pid, SIGKILL);
		while (waitpid(d->pid, &ws, 0) < 0 && errno == EINTR)
			;
	}
	d->pid = 0;
	ck_assert_msg(done > 0, "tfledgerd did not exit within %.0f s of SIGTERM (killed)", STOP_S);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "tfledgerd did not exit 0 on SIGTERM");
}

static void teardown(void)
{
	if (D.pid)
		daemon_stop_bounded(&D);
	free(token);
}

/* The database's own view: gap-free sequences, balances = sum of postings,
 * the chain intact. */
static void check_consistent(long long want_entries)
{
	struct resp r;

	ck_assert_int_eq(query_ll(conninfo, "SELECT count(*) FROM entries"), want_entries);
	ck_assert_int_eq(query_ll(conninfo, "SELECT COALESCE(max(sequence), 0) FROM entries"), want_entries);
	ck_assert_int_eq(query_ll(conninfo, "SELECT count(DISTINCT sequence) FROM entries"), want_entries);
	ck_assert_int_eq(query_ll(conninfo,
				  "SELECT count(*) FROM accounts a WHERE COALESCE((SELECT sum(CASE side WHEN 'debit'"
				  " THEN amount ELSE -amount END) FROM postings p WHERE p.account = a.code), 0)"
				  " <> COALESCE((SELECT debit_balance FROM balances b WHERE b.account = a.code"
				  " ORDER BY day DESC LIMIT 1), 0)"),
			 0);
	r = http(&D, "GET", "/v1/journal/verify", token, NULL, NULL);
	ck_assert_msg(r.status == 200 && strstr(r.body, "\"ok\":true"), "verify: %s", r.body);
	resp_free(&r);
}

/* --- 16 concurrent clients ------------------------------------------------------ */

#define CLIENTS 16
#define PER_CLIENT 25

struct client {
	int n;
	long long sum_minor;
	int failures;
	char first_failure[256];
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	CURL *h = curl_easy_init(); /* one keep-alive connection per client */

	for (int i = 0; i < PER_CLIENT; i++) {
		char body[512], amount[32];
		long long minor = 100 + c->n * 1000 + i;
		struct resp r;

		snprintf(amount, sizeof(amount), "%lld.%02lld", minor / 100, minor % 100);
		entry_body(body, sizeof(body), "2019-06-01", "1010", "4010", amount);
		r = http_on(h, &D, "POST", "/v1/entries", token, NULL, body, strlen(body));
		if (r.status == 201) {
			c->sum_minor += minor;
		} else if (c->failures++ == 0) {
			snprintf(c->first_failure, sizeof(c->first_failure), "%ld %s", r.status, r.body);
		}
		resp_free(&r);
	}
	curl_easy_cleanup(h);
	return NULL;
}

START_TEST(test_load__16_clients_on_two_accounts)
{
	pthread_t t[CLIENTS];
	struct client c[CLIENTS];
	long long sum = 0;
	char want[64];
	struct resp r;

	for (int i = 0; i < CLIENTS; i++) {
		c[i] = (struct client){.n = i};
		ck_assert_int_eq(pthread_create(&t[i], NULL, client_main, &c[i]), 0);
	}
	for (int i = 0; i < CLIENTS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(c[i].failures == 0, "client %d: %d failures, first: %s", i, c[i].failures,
			      c[i].first_failure);
		sum += c[i].sum_minor;
	}
	check_consistent(CLIENTS * PER_CLIENT);
	snprintf(want, sizeof(want), "\"balance\":\"%lld.%02lld\"", sum / 100, sum % 100);
	r = http(&D, "GET", "/v1/accounts/4010/balance", token, NULL, NULL);
	ck_assert_msg(strstr(r.body, want), "%s, want %s", r.body, want);
	resp_free(&r);
	r = http(&D, "GET", "/v1/accounts/1010", token, NULL, NULL);
	ck_assert_msg(strstr(r.body, want), "%s, want %s", r.body, want);
	resp_free(&r);
}
END_TEST

/* --- concurrent batches: both writer lanes at once ------------------------------ */

#define BATCHERS 4
#define BATCHES 6
#define BATCH_ENTRIES 400 /* > LIMIT_LANE_SPLIT_ENTRIES: a second lane starts */

static void *batcher_main(void *arg)
{
	struct client *c = arg;
	CURL *h = curl_easy_init();
	size_t size = BATCH_ENTRIES * 256 + 64, len = 0;
	char *body = malloc(size);

	ck_assert_ptr_nonnull(body);
	for (int b = 0; b < BATCHES; b++) {
		struct resp r;

		len = (size_t)snprintf(body, size, "{\"entries\":[");
		for (int i = 0; i < BATCH_ENTRIES; i++) {
			len += (size_t)snprintf(body + len, size - len,
				"%s{\"date\":\"2019-06-%02d\",\"memo\":\"c%d b%d i%d\",\"postings\":["
				"{\"account\":\"1010\",\"side\":\"debit\",\"amount\":\"1.00\",\"currency\":\"EUR\"},"
				"{\"account\":\"4010\",\"side\":\"credit\",\"amount\":\"1.00\",\"currency\":\"EUR\"}]}",
				i ? "," : "", 1 + i % 28, c->n, b, i);
		}
		len += (size_t)snprintf(body + len, size - len, "]}");
		r = http_on(h, &D, "POST", "/v1/entries/batch", token, NULL, body, len);
		if (r.status == 201)
			c->sum_minor += BATCH_ENTRIES * 100;
		else if (c->failures++ == 0)
			snprintf(c->first_failure, sizeof(c->first_failure), "%ld %.200s", r.status,
				 r.body ? r.body : "(no answer)");
		resp_free(&r);
	}
	free(body);
	curl_easy_cleanup(h);
	return NULL;
}

/* Two lanes copy at once and finish in turn. Whatever a copy locks in the
 * database must not be waited for by an earlier group's copy, or the
 * earlier group never finishes and the later one never gets its turn (a
 * wait between a row lock and the writer's turn that PostgreSQL cannot
 * see: the daemon hung, answering nothing, since migration 0067's
 * currency totals). Every request must be answered (60 s each at most). */
START_TEST(test_load__concurrent_batches_use_both_lanes_and_never_hang)
{
	pthread_t t[BATCHERS];
	struct client c[BATCHERS];

	for (int i = 0; i < BATCHERS; i++) {
		c[i] = (struct client){.n = i};
		ck_assert_int_eq(pthread_create(&t[i], NULL, batcher_main, &c[i]), 0);
	}
	for (int i = 0; i < BATCHERS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(c[i].failures == 0, "batcher %d: %d failures, first: %s", i, c[i].failures,
			      c[i].first_failure);
	}
	check_consistent(BATCHERS * BATCHES * BATCH_ENTRIES);
	ck_assert_int_eq(query_ll(conninfo, "SELECT debits FROM ledger_currency_totals WHERE currency = 'EUR'"),
			 (long long)BATCHERS * BATCHES * BATCH_ENTRIES * 100);
}
END_TEST

/* --- clients that retry with their Idempotency-Key -------------------------------- */

#define WRITERS 8
#define PER_WRITER 30

struct writer {
	int n;
	atomic_int *acks;
	bool retry;          /* retry a request until 201 (else stop at a failure) */
	double deadline;     /* monotonic seconds: no new try after it (0: none) */
	char *answers[PER_WRITER]; /* 201 bodies, NULL if not acknowledged */
	int unavailable;     /* 503 answers seen */
	int other_failures;
	char first_failure[256];
};

static void writer_body(char *out, size_t size, int n, int i)
{
	char amount[32];

	snprintf(amount, sizeof(amount), "%d.%02d", n + 1, i);
	entry_body(out, size, "2019-07-01", "1010", "4010", amount);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	CURL *h = curl_easy_init();

	for (int i = 0; i < PER_WRITER; i++) {
		char body[512], key[32];

		writer_body(body, sizeof(body), w->n, i);
		snprintf(key, sizeof(key), "w%d-%d", w->n, i);
		for (int attempt = 0; attempt < 3000; attempt++) {
			struct resp r;

			if (w->deadline > 0 && now_s() > w->deadline) {
				if (w->other_failures++ == 0)
					snprintf(w->first_failure, sizeof(w->first_failure),
						 "request %d not acknowledged by the deadline", i);
				goto done;
			}
			r = http_on(h, &D, "POST", "/v1/entries", token, key, body, strlen(body));

			if (r.status == 201) {
				w->answers[i] = r.body;
				r.body = NULL;
				atomic_fetch_add(w->acks, 1);
				resp_free(&r);
				break;
			}
			if (r.status == 503) {
				w->unavailable++;
				if (strcmp(r.retry_after, "1") != 0 && w->other_failures++ == 0)
					snprintf(w->first_failure, sizeof(w->first_failure),
						 "503 without Retry-After");
			} else if (r.status != 0 && w->other_failures++ == 0) {
				snprintf(w->first_failure, sizeof(w->first_failure), "%ld %s", r.status,
					 r.body);
			}
			resp_free(&r);
			if (!w->retry)
				goto done;
			usleep(10000);
		}
	}
done:
	curl_easy_cleanup(h);
	return NULL;
}

/* Says on stderr how far the outage test got and when: a run that times
 * out under a loaded machine then shows which step it was in. */
static void phase(const char *what)
{
	static struct timespec t0;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (t0.tv_sec == 0)
		t0 = t;
	fprintf(stderr, "[outage %6.1f s] %s\n",
		(double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9, what);
}

/* How long the writers may take to see n acknowledgements. */
#define ACKS_S 120.0

static void wait_acks(atomic_int *acks, int n)
{
	double until = now_s() + ACKS_S;

	while (atomic_load(acks) < n && now_s() < until)
		usleep(1000);
	ck_assert_msg(atomic_load(acks) >= n, "%d acknowledged within %.0f s, want %d",
		      atomic_load(acks), ACKS_S, n);
}

START_TEST(test_crash__kill9_then_replay_is_exactly_once)
{
	pthread_t t[WRITERS];
	struct writer w[WRITERS];
	atomic_int acks = 0;
	int acked = 0;

	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.n = i, .acks = &acks, .retry = false};
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	wait_acks(&acks, 40);
	daemon_kill9(&D);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	daemon_start(&D, conninfo, dir);
	/* Replay every request: acknowledged ones get their first answer. */
	for (int i = 0; i < WRITERS; i++) {
		for (int k = 0; k < PER_WRITER; k++) {
			char body[512], key[32];
			struct resp r;

			writer_body(body, sizeof(body), i, k);
			snprintf(key, sizeof(key), "w%d-%d", i, k);
			r = http(&D, "POST", "/v1/entries", token, key, body);
			ck_assert_msg(r.status == 201, "%s: %ld %s", key, r.status, r.body);
			if (w[i].answers[k]) {
				ck_assert_str_eq(r.body, w[i].answers[k]);
				acked++;
			}
			free(w[i].answers[k]);
			resp_free(&r);
		}
	}
	ck_assert_int_ge(acked, 40);
	check_consistent(WRITERS * PER_WRITER);
	ck_assert_int_eq(query_ll(conninfo, "SELECT count(DISTINCT idempotency_key) FROM entries"),
			 WRITERS * PER_WRITER);
}
END_TEST

/* The outage test's whole budget: every wait in it ends by then (plus one
 * request's 60 s), well inside the test case's 900 s. */
#define OUTAGE_S 420.0
/* From PostgreSQL's start to tfledgerd's /healthz 200. */
#define RECOVER_S 60.0

START_TEST(test_outage__database_restart_under_load)
{
	struct cluster_opts opts = {.fsync_off = true};
	pthread_t t[WRITERS];
	struct writer w[WRITERS];
	char ci[LIMIT_CONNINFO_BYTES], body[512];
	atomic_int acks = 0;
	struct resp r;
	double deadline = now_s() + OUTAGE_S, until;
	long st = 0;
	int i;

	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){.n = i, .acks = &acks, .retry = true, .deadline = deadline};
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	phase("writers started");
	wait_acks(&acks, 20);
	phase("20 acknowledged; stopping PostgreSQL");
	ck_assert_int_eq(cluster_stop(harness_dir()), 0);
	phase("PostgreSQL stopped");
	/* While it is down: 503 unavailable with Retry-After, and /healthz says so. */
	entry_body(body, sizeof(body), "2019-07-02", "1010", "4010", "1.00");
	r = http(&D, "POST", "/v1/entries", token, NULL, body);
	ck_assert_msg(r.status == 503, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.retry_after, "1");
	resp_free(&r);
	r = http(&D, "GET", "/v1/accounts/1010", token, NULL, NULL);
	ck_assert_msg(r.status == 503 && strstr(r.body, "\"unavailable\""), "%ld %s", r.status, r.body);
	resp_free(&r);
	r = http(&D, "GET", "/healthz", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 503);
	resp_free(&r);
	phase("503s seen; starting PostgreSQL");
	ck_assert_int_eq(cluster_start(harness_dir(), &opts, ci, sizeof(ci)), 0);
	phase("PostgreSQL started");
	/* The daemon comes back by itself. */
	until = now_s() + RECOVER_S;
	while (st != 200 && now_s() < until) {
		r = http(&D, "GET", "/healthz", NULL, NULL, NULL);
		st = r.status;
		resp_free(&r);
		if (st != 200)
			usleep(10000);
	}
	ck_assert_msg(st == 200, "/healthz still %ld %.0f s after PostgreSQL started", st,
		      RECOVER_S);
	phase("healthz 200; joining the writers");
	for (i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(w[i].other_failures == 0, "writer %d: %s", i, w[i].first_failure);
		for (int k = 0; k < PER_WRITER; k++) {
			ck_assert_msg(w[i].answers[k] != NULL, "writer %d request %d never acknowledged", i, k);
			free(w[i].answers[k]);
		}
	}
	phase("writers joined");
	check_consistent(WRITERS * PER_WRITER);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test load[] = {
		{test_load__16_clients_on_two_accounts, 0},
		{test_load__concurrent_batches_use_both_lanes_and_never_hang, 0},
		{test_crash__kill9_then_replay_is_exactly_once, 0},
		{test_outage__database_restart_under_load, 0},
	};
	Suite *s = suite_create("ledger_load");

	/* About 70 s each alone; the sanitizer build under the whole suite's
	 * parallel load once took more than 300 s (issue 16): the limit is for
	 * a test that hangs, not a slow machine. */
	harness_add_tcase(s, "load", setup, teardown, 900, load, HARNESS_N(load));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
