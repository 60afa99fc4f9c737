/*
 * report_bench.c - the all-accounts account statement at scale (issue 6).
 *
 *   bench/report_bench CONNINFO TFLEDGER_BIN OUT_DIR POSTINGS...
 *
 * For each POSTINGS figure (ascending), on the database CONNINFO (migrated,
 * owned by a superuser, fresh): loads entries of two postings each over 100
 * USD accounts, dated across 2019, hashed and chained by the ledger's own
 * ledger_entry_chain, with COPY. For the load only, triggers are skipped
 * (session_replication_role = replica: the balance check would run once per
 * row) and synchronous_commit is off; the bench script also turns fsync off
 * for its private cluster. The running balances are rebuilt with one
 * INSERT ... SELECT (what ledger_post keeps entry by entry). Then it runs the real `tfledger report
 * account-statement` for 2019 and `tfledger verify-statement` on its file,
 * and prints wall time, postings/s and peak RSS (wait4) of each, and the
 * 1-minute load average (/proc/loadavg) before and after the report: on a
 * shared machine the figures mean little without it.
 * Prints figures; never passes or fails.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "ledger/ledger.h"

#define ACCOUNTS 100

static void die(PGconn *c, const char *what)
{
	fprintf(stderr, "report_bench: %s: %s\n", what, c ? PQerrorMessage(c) : "");
	exit(2);
}

static void exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die(c, sql);
	PQclear(r);
}

static void copy_begin(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COPY_IN)
		die(c, sql);
	PQclear(r);
}

/* COPY buffered: flushes every 1 MiB. */
struct copy {
	PGconn *c;
	char buf[1 << 20];
	size_t len;
};

static void put(struct copy *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct copy *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (k->len + 1024 > sizeof(k->buf)) {
		if (PQputCopyData(k->c, k->buf, (int)k->len) != 1)
			die(k->c, "COPY data");
		k->len = 0;
	}
	va_start(ap, fmt);
	n = vsnprintf(k->buf + k->len, sizeof(k->buf) - k->len, fmt, ap);
	va_end(ap);
	k->len += (size_t)n;
}

static void copy_end(struct copy *k)
{
	PGresult *r;

	if ((k->len && PQputCopyData(k->c, k->buf, (int)k->len) != 1) ||
	    PQputCopyEnd(k->c, NULL) != 1)
		die(k->c, "COPY end");
	k->len = 0;
	r = PQgetResult(k->c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die(k->c, "COPY");
	PQclear(r);
}

/* A deterministic UUID for sequence s. */
static void uuid(char out[LEDGER_UUID_BYTES], int64_t s)
{
	char t[64];

	snprintf(t, sizeof(t), "%08" PRIx64 "-0000-4000-8000-%012" PRIx64,
		 ((uint64_t)s >> 20) & 0xffffffffu, (uint64_t)s & 0xffffffffffffu);
	memcpy(out, t, LEDGER_UUID_BYTES - 1);
	out[LEDGER_UUID_BYTES - 1] = '\0';
}

/* Appends entries from *seq+1 until the journal holds `postings` postings. */
static void load(PGconn *c, int64_t *seq, char prev[HASH_HEX_BYTES], int64_t postings)
{
	static struct copy k;
	struct ledger_posting p[2];
	struct ledger_entry e = {0};
	int64_t first = *seq + 1, last = postings / 2;
	char sql[128];

	k.c = c;
	exec(c, "BEGIN");
	exec(c, "SET LOCAL session_replication_role = replica");
	exec(c, "SET LOCAL synchronous_commit = off");
	copy_begin(c, "COPY entries (id, sequence, date, memo, reference, created_at, token_id,"
		" prev_hash, hash) FROM STDIN");
	e.memo = "bench entry";
	e.reference = "";
	e.postings = p;
	e.n_postings = 2;
	snprintf(e.token_id, sizeof(e.token_id), "0000000000000000");
	for (int64_t s = first; s <= last; s++) {
		int day = (int)((s - 1) * 365 / last);
		struct tm tm = {.tm_year = 119, .tm_mon = 0, .tm_mday = 1 + day};
		int64_t a = s % ACCOUNTS, b = (s * 7 + 1) % ACCOUNTS;

		if (b == a)
			b = (a + 1) % ACCOUNTS;
		timegm(&tm);
		uuid(e.id, s);
		strftime(e.date, sizeof(e.date), "%Y-%m-%d", &tm);
		snprintf(e.created_at, sizeof(e.created_at), "%sT12:00:00.%06dZ", e.date,
			 (int)(s % 1000000));
		p[0] = (struct ledger_posting){"", true, 1 + (s * 7919) % 10000000, "USD"};
		p[1] = (struct ledger_posting){"", false, p[0].amount_minor, "USD"};
		snprintf(p[0].account, sizeof(p[0].account), "B%03" PRId64, a);
		snprintf(p[1].account, sizeof(p[1].account), "B%03" PRId64, b);
		if (ledger_entry_chain(&e, s, prev) < 0)
			die(NULL, "hashing");
		memcpy(prev, e.hash, HASH_HEX_BYTES);
		put(&k, "%s\t%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.id, s, e.date, e.memo,
		    e.reference, e.created_at, e.token_id, e.prev_hash, e.hash);
	}
	copy_end(&k);
	copy_begin(c, "COPY postings (entry_id, line, account, side, amount, currency) FROM STDIN");
	for (int64_t s = first; s <= last; s++) {
		int64_t a = s % ACCOUNTS, b = (s * 7 + 1) % ACCOUNTS, amount = 1 + (s * 7919) % 10000000;
		char id[LEDGER_UUID_BYTES];

		if (b == a)
			b = (a + 1) % ACCOUNTS;
		uuid(id, s);
		put(&k, "%s\t1\tB%03" PRId64 "\tdebit\t%" PRId64 "\tUSD\n", id, a, amount);
		put(&k, "%s\t2\tB%03" PRId64 "\tcredit\t%" PRId64 "\tUSD\n", id, b, amount);
	}
	copy_end(&k);
	/* running balances (migrations/0002), rebuilt for the whole journal */
	exec(c, "DELETE FROM balances");
	exec(c, "INSERT INTO balances (account, day, debit_balance)"
		" SELECT account, date, sum(delta) OVER (PARTITION BY account ORDER BY date)"
		" FROM (SELECT p.account, e.date,"
		"       sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END) AS delta"
		"       FROM postings p JOIN entries e ON e.id = p.entry_id GROUP BY 1, 2) d");
	snprintf(sql, sizeof(sql), "UPDATE ledger_head SET sequence = %" PRId64 ", hash = '%s'",
		 last, prev);
	exec(c, sql);
	exec(c, "COMMIT");
	/* what autovacuum would have done to a journal that grew over time:
	 * hint bits and visibility set, statistics current */
	exec(c, "VACUUM ANALYZE entries");
	exec(c, "VACUUM ANALYZE postings");
	exec(c, "VACUUM ANALYZE balances");
	*seq = last;
}

/* The 1-minute load average, or -1 if it cannot be read. */
static double load1(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = -1;

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

/* Runs argv; returns wall seconds, peak RSS in KiB into *rss_kb. */
static double measure(char *const argv[], long *rss_kb)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "report_bench: %s %s failed\n", argv[0], argv[1]);
		exit(2);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*rss_kb = ru.ru_maxrss;
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	char prev[HASH_HEX_BYTES], out[4096];
	int64_t seq = 0;
	PGconn *c;

	if (argc < 5) {
		fprintf(stderr, "usage: report_bench CONNINFO TFLEDGER OUT_DIR POSTINGS...\n");
		return 2;
	}
	c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK)
		die(c, "connect");
	memset(prev, '0', 64);
	prev[64] = '\0';
	exec(c, "BEGIN");
	for (int i = 0; i < ACCOUNTS; i++) {
		char sql[160];

		snprintf(sql, sizeof(sql), "INSERT INTO accounts (code, name, type, currency)"
			 " VALUES ('B%03d', 'Bench account %d', '%s', 'USD')", i, i,
			 i % 2 ? "revenue" : "asset");
		exec(c, sql);
	}
	exec(c, "COMMIT");
	printf("%10s %12s %10s %12s %12s %11s | %12s %12s\n", "postings", "report s",
	       "postings/s", "peak RSS KiB", "file MiB", "load1 b a", "verify s", "verify RSS");
	for (int i = 4; i < argc; i++) {
		int64_t n = strtoll(argv[i], NULL, 10);
		long rss, vrss;
		double t, vt, l0, l1;
		struct stat st;

		load(c, &seq, prev, n);
		if (snprintf(out, sizeof(out), "%s/statement-%" PRId64 ".xml", argv[3], n) >=
		    (int)sizeof(out))
			return 2;
		l0 = load1();
		t = measure((char *const[]){argv[2], "report", "account-statement", "--from",
					    "2019-01-01", "--to", "2019-12-31", "--output", out,
					    "--generated-at", "2020-01-01T00:00:00Z", "--database",
					    argv[1], NULL}, &rss);
		l1 = load1();
		vt = measure((char *const[]){argv[2], "verify-statement", out, NULL}, &vrss);
		if (stat(out, &st) < 0)
			return 2;
		printf("%10" PRId64 " %12.2f %10.0f %12ld %12.1f %5.2f %5.2f | %12.2f %12ld\n",
		       seq * 2, t, (double)(seq * 2) / t, rss, (double)st.st_size / 1048576.0, l0,
		       l1, vt, vrss);
		fflush(stdout);
		unlink(out);
	}
	PQfinish(c);
	return 0;
}
