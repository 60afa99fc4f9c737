/*
 * test_signing.c - tfledgerd signs what it serves (docs/signing.md), against
 * the real daemon, PostgreSQL, xmlsec1 and tfledger: an auditor fetches a
 * signed trial balance and verifies it offline with stock xmlsec1 and with
 * `tfledger report verify`, using the certificate the daemon publishes; a
 * changed byte fails; after a key rotation (SIGHUP) the old signature still
 * verifies with the old certificate and both are listed; checkpoints are
 * issued on request and at a month's close; verify-statement checks a
 * statement against a checkpoint and says "rewritten" (exit 2) once the
 * test has really rewritten the journal's history (a memo changed and the
 * chain recomputed, as someone with the database's owner rights could);
 * GET /v1/journal/head says the latest checkpoint no longer holds once
 * history is rewritten, where the recomputed chain verifies; report roles
 * per kind.
 */
#include <check.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/hash.h"
#include "ledger/ledger.h"
#include "reports/keys.h"
#include "tests/harness/harness.h"
#include "tests/integration/ledger_fixture.h"

#define TB "/v1/reports/trial-balance?from=2019-01-01&to=2019-03-31"
#define STMT "/v1/reports/account-statement?from=2019-01-01&to=2019-12-31"

static struct env {
	char db[LIMIT_CONNINFO_BYTES];
	char dir[256];
	char key[LIMIT_PATH_BYTES], cert[LIMIT_PATH_BYTES], old[LIMIT_PATH_BYTES];
	struct daemon d;
	char *admin, *finance, *auditor, *secretariat;
} E;

static void path(char *out, const char *name)
{
	ck_assert_int_lt(snprintf(out, LIMIT_PATH_BYTES, "%.255s/%.200s", E.dir, name),
			 LIMIT_PATH_BYTES);
}

/* Starts tfledgerd with the signing options extra (NULL-terminated). */
static int start_with(struct daemon *d, const char *const *extra)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		const char *argv[16];
		char listen[32];
		int n = 0, ws;

		d->port = harness_free_port();
		snprintf(d->base, sizeof(d->base), "http://127.0.0.1:%d", d->port);
		snprintf(d->log, sizeof(d->log), "%s/tfledgerd-%d.log", E.dir, d->port);
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
		argv[n++] = "tfledgerd";
		argv[n++] = "--database";
		argv[n++] = E.db;
		argv[n++] = "--listen";
		argv[n++] = listen;
		for (size_t i = 0; extra && extra[i]; i++)
			argv[n++] = extra[i];
		argv[n] = NULL;
		d->pid = fork();
		ck_assert_int_ge(d->pid, 0);
		if (d->pid == 0) {
			FILE *f = fopen(d->log, "a");

			if (f)
				dup2(fileno(f), STDERR_FILENO);
			execv(harness_bin_tfledgerd(), (char *const *)argv);
			_exit(127);
		}
		for (int i = 0; i < 1000; i++) {
			struct resp r = http(d, "GET", "/healthz", NULL, NULL, NULL);
			long st = r.status;

			resp_free(&r);
			if (st == 200)
				return 0;
			if (waitpid(d->pid, &ws, WNOHANG) != 0)
				break;
			usleep(10000);
		}
		d->pid = 0;
	}
	ck_abort_msg("tfledgerd did not start: %s", harness_slurp(d->log, NULL));
	return -1;
}

static void start_signed(void)
{
	start_with(&E.d, (const char *const[]){"--sign-key", E.key, "--sign-cert", E.cert,
					       "--sign-certs-dir", E.old, NULL});
}

/* A GET whose answer's headers matter: status, body, X-Signature and
 * X-Signature-Key-Id. */
struct got {
	long status;
	char *body;
	size_t len;
	char signature[32], key_id[80];
};

static size_t got_body(char *p, size_t size, size_t n, void *ud)
{
	struct got *g = ud;
	char *b = realloc(g->body, g->len + size * n + 1);

	ck_assert_ptr_nonnull(b);
	memcpy(b + g->len, p, size * n);
	g->body = b;
	g->len += size * n;
	b[g->len] = '\0';
	return size * n;
}

static size_t got_header(char *p, size_t size, size_t n, void *ud)
{
	struct got *g = ud;
	size_t k = size * n;

	if (k > 20 && strncasecmp(p, "X-Signature-Key-Id: ", 20) == 0)
		snprintf(g->key_id, sizeof(g->key_id), "%.*s", (int)strcspn(p + 20, "\r\n"),
			 p + 20);
	else if (k > 13 && strncasecmp(p, "X-Signature: ", 13) == 0)
		snprintf(g->signature, sizeof(g->signature), "%.*s", (int)strcspn(p + 13, "\r\n"),
			 p + 13);
	return k;
}

static struct got get(const char *url_path, const char *token)
{
	struct got g = {0};
	struct curl_slist *hdr = NULL;
	char url[1024], auth[256];
	CURL *c = curl_easy_init();

	ck_assert_ptr_nonnull(c);
	snprintf(url, sizeof(url), "%s%s", E.d.base, url_path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, got_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, got_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &g);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdr = curl_slist_append(hdr, auth);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	}
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &g.status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	if (!g.body)
		g.body = strdup("");
	return g;
}

/* GETs url_path as token into the file name (must answer 200); returns the got. */
static struct got fetch(const char *url_path, const char *token, const char *name)
{
	char p[LIMIT_PATH_BYTES];
	struct got g = get(url_path, token);

	ck_assert_msg(g.status == 200, "GET %s: %ld %s", url_path, g.status, g.body);
	path(p, name);
	harness_spit(p, g.body, g.len);
	return g;
}

/* Runs argv (NULL-terminated, argv[0] a path); exit status, stdout/stderr
 * joined into *out (free it; NULL to drop). */
static int run(char **out, const char *const *argv)
{
	char *o = NULL, *e = NULL;
	int rc = harness_run(&o, &e, NULL, argv);

	if (out) {
		*out = malloc(strlen(o) + strlen(e) + 2);
		ck_assert_ptr_nonnull(*out);
		sprintf(*out, "%s\n%s", o, e);
	}
	free(o);
	free(e);
	return rc;
}

/* Stock xmlsec1 --verify --trusted-pem cert file: its exit status. */
static int xmlsec1(const char *cert, const char *file)
{
	return run(NULL, (const char *const[]){"/usr/bin/xmlsec1", "--verify", "--trusted-pem",
					       cert, file, NULL});
}

/* The published certificates: writes the one with key id (or the current
 * one, id NULL) to the file name; returns how many are listed. */
static size_t published(const char *id, const char *name, bool *current)
{
	json_t *o = call_on(&E.d, "GET", "/v1/signing/certificates", NULL, NULL, 200);
	json_t *arr = json_object_get(o, "certificates"), *c;
	char p[LIMIT_PATH_BYTES];
	size_t i, n = json_array_size(arr);
	bool found = false;

	json_array_foreach(arr, i, c) {
		bool cur = json_is_true(json_object_get(c, "current"));
		const char *kid = json_string_value(json_object_get(c, "key_id"));

		ck_assert_int_eq(strlen(kid), 64);
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c, "subject")),
					     "CN="));
		if (id ? strcmp(kid, id) == 0 : cur) {
			const char *pem = json_string_value(json_object_get(c, "pem"));

			path(p, name);
			harness_spit(p, pem, strlen(pem));
			if (current)
				*current = cur;
			found = true;
		}
	}
	ck_assert_msg(found || n == 0, "certificate %s not listed", id ? id : "(current)");
	json_decref(o);
	return n;
}

/* The books: a fund, rates, a donor, a pledge and two receipts (finance). */
static void books(void)
{
	char *csv = harness_slurp(SRCDATADIR "/tests/data/fund/rates-2019.csv", NULL);
	struct resp r;
	json_t *o;
	char body[256];
	long long pledge;

	json_decref(call_on(&E.d, "POST", "/v1/fund/init", E.finance, NULL, 201));
	r = http_on_typed(NULL, &E.d, "POST", "/v1/rates", E.finance, NULL, "text/csv", csv,
			  strlen(csv));
	ck_assert_msg(r.status == 201, "rates: %ld %s", r.status, r.body);
	resp_free(&r);
	free(csv);
	json_decref(call_on(&E.d, "POST", "/v1/donors", E.finance,
			    "{\"id\":\"eu\",\"name\":\"European Commission\",\"org_type\":\"40\"}",
			    201));
	o = call_on(&E.d, "POST", "/v1/pledges", E.finance,
		    "{\"donor\":\"eu\",\"date\":\"2019-01-10\",\"amount\":\"100000.00\","
		    "\"currency\":\"EUR\",\"agreement\":\"EU-2019-1\"}",
		    201);
	pledge = (long long)json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	snprintf(body, sizeof(body),
		 "{\"pledge\":%lld,\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
		 "\"amount\":\"40000.00\"}", pledge);
	json_decref(call_on(&E.d, "POST", "/v1/receipts", E.finance, body, 201));
	snprintf(body, sizeof(body),
		 "{\"pledge\":%lld,\"date\":\"2019-02-20\",\"bank_account\":\"1010-EUR\","
		 "\"amount\":\"10000.00\"}", pledge);
	json_decref(call_on(&E.d, "POST", "/v1/receipts", E.finance, body, 201));
	entry_body(body, sizeof(body), "2019-02-25", "5100-EUR", "1010-EUR", "35.00");
	json_decref(call_on(&E.d, "POST", "/v1/entries", E.finance, body, 201));
}

static void setup(void)
{
	memset(&E, 0, sizeof(E));
	harness_new_db(E.db, sizeof(E.db));
	harness_tmpdir(E.dir, sizeof(E.dir));
	path(E.key, "key.pem");
	path(E.cert, "cert.pem");
	path(E.old, "old");
	ck_assert_int_eq(mkdir(E.old, 0755), 0);
	ck_assert_msg(reports_keys_generate(E.key, E.cert, "CN=tfledgerd test signer 1,O=Test") ==
			      0, "%s", err_last());
	E.admin = make_token(E.db, "admin", "ada");
	E.finance = make_token(E.db, "finance", "fin");
	E.auditor = make_token(E.db, "auditor", "aud");
	E.secretariat = make_token(E.db, "secretariat", "sec");
}

static void teardown(void)
{
	if (E.d.pid)
		daemon_stop(&E.d);
	free(E.admin);
	free(E.finance);
	free(E.auditor);
	free(E.secretariat);
}

START_TEST(test_signing__auditor_verifies_a_served_report_offline_and_after_rotation)
{
	char tb[LIMIT_PATH_BYTES], cur[LIMIT_PATH_BYTES], oldcert[LIMIT_PATH_BYTES];
	char tb2[LIMIT_PATH_BYTES], k2[LIMIT_PATH_BYTES], c2[LIMIT_PATH_BYTES];
	char first_id[80], *out = NULL;
	struct got g;
	bool current = false;
	int ws;

	start_signed();
	books();

	/* an auditor's trial balance, signed; the header names the key */
	g = fetch(TB, E.auditor, "tb.xml");
	ck_assert_str_eq(g.signature, "enveloped");
	ck_assert_int_eq(strlen(g.key_id), 64);
	ck_assert_ptr_nonnull(strstr(g.body, "SignatureValue"));
	snprintf(first_id, sizeof(first_id), "%s", g.key_id);
	free(g.body);
	path(tb, "tb.xml");

	/* the certificate published without a token is the one that signed */
	ck_assert_int_eq(published(first_id, "cur.pem", &current), 1);
	ck_assert(current);
	path(cur, "cur.pem");

	/* offline: stock xmlsec1 and tfledger report verify, trusting that certificate */
	ck_assert_int_eq(xmlsec1(cur, tb), 0);
	ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "report", "verify",
							tb, "--cert", cur, NULL}),
			 0);
	ck_assert_msg(strstr(out, "valid enveloped signature by") &&
			      strstr(out, "CN=tfledgerd test signer 1"), "%s", out);
	free(out);

	/* one byte changed in a figure: both refuse it */
	{
		char bad[LIMIT_PATH_BYTES];
		size_t len;
		char *x = harness_slurp(tb, &len), *digit = strstr(x, "49965.00");

		ck_assert_msg(digit, "no 49965.00 in %.3000s", x);
		digit[0] = '5';
		path(bad, "tb-changed.xml");
		harness_spit(bad, x, len);
		free(x);
		ck_assert_int_ne(xmlsec1(cur, bad), 0);
		ck_assert_int_eq(harness_tfledger(NULL, "report", "verify", bad, "--cert", cur,
						  NULL),
				 1);
	}

	/* the CLI through the one door writes the same signed kind */
	{
		char p[LIMIT_PATH_BYTES];

		path(p, "tb-cli.xml");
		ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "report",
								"trial-balance", "--from", "2019-01-01",
								"--to", "2019-03-31", "--output", p,
								"--url", E.d.base, "--token",
								E.auditor, NULL}),
				 0);
		free(out);
		ck_assert_int_eq(xmlsec1(cur, p), 0);
	}

	/* rotation: the old certificate to the certs dir, a new key and
	 * certificate in place, SIGHUP */
	path(oldcert, "old/2019-signer.pem");
	path(k2, "key2.pem");
	path(c2, "cert2.pem");
	ck_assert_int_eq(rename(E.cert, oldcert), 0);
	ck_assert_int_eq(reports_keys_generate(k2, c2, "CN=tfledgerd test signer 2,O=Test"), 0);
	ck_assert_int_eq(rename(k2, E.key), 0);
	ck_assert_int_eq(rename(c2, E.cert), 0);
	ck_assert_int_eq(kill(E.d.pid, SIGHUP), 0);
	for (int i = 0; i < 500; i++) {
		g = get(TB, E.auditor);
		if (g.status == 200 && strcmp(g.key_id, first_id) != 0)
			break;
		free(g.body);
		g.body = NULL;
		usleep(10000);
	}
	ck_assert_msg(g.body && strcmp(g.key_id, first_id) != 0, "SIGHUP did not rotate the key");
	path(tb2, "tb2.xml");
	harness_spit(tb2, g.body, g.len);
	free(g.body);
	ck_assert_int_eq(waitpid(E.d.pid, &ws, WNOHANG), 0); /* still running */

	/* both listed: the new one current, the old one not */
	ck_assert_int_eq(published(first_id, "old-listed.pem", &current), 2);
	ck_assert(!current);
	ck_assert_int_eq(published(NULL, "new-listed.pem", &current), 2);
	ck_assert(current);
	/* the report signed before the rotation still verifies with the old
	 * certificate, the new one with the new; not crosswise */
	path(cur, "old-listed.pem");
	ck_assert_int_eq(xmlsec1(cur, tb), 0);
	ck_assert_int_eq(harness_tfledger(NULL, "report", "verify", tb, "--cert", cur, NULL), 0);
	ck_assert_int_ne(xmlsec1(cur, tb2), 0);
	path(cur, "new-listed.pem");
	ck_assert_int_eq(xmlsec1(cur, tb2), 0);
	ck_assert_int_eq(harness_tfledger(NULL, "report", "verify", tb, "--cert", cur, NULL), 1);

	/* a SIGHUP with a key that does not match its certificate keeps the set in force */
	ck_assert_int_eq(rename(oldcert, E.cert), 0);
	ck_assert_int_eq(kill(E.d.pid, SIGHUP), 0);
	usleep(300000);
	g = fetch(TB, E.auditor, "tb3.xml");
	ck_assert_str_ne(g.key_id, first_id);
	ck_assert_str_eq(g.signature, "enveloped");
	free(g.body);
	daemon_stop(&E.d);

	/* at start-up such a pair stops tfledgerd, naming the files */
	{
		char listen[32];

		snprintf(listen, sizeof(listen), "127.0.0.1:%d", harness_free_port());
		ck_assert_int_ne(run(&out, (const char *const[]){harness_bin_tfledgerd(),
								"--database", E.db, "--listen",
								listen, "--sign-key", E.key,
								"--sign-cert", E.cert, NULL}),
				 0);
		ck_assert_msg(strstr(out, E.cert) && strstr(out, E.key) &&
				      strstr(out, "public half"), "%s", out);
		free(out);
	}
}
END_TEST

START_TEST(test_signing__unsigned_without_a_key_and_report_roles_per_kind)
{
	struct got g;
	json_t *o;

	daemon_start(&E.d, E.db, E.dir); /* the fixture's: no signing options */
	books();
	g = fetch(TB, E.finance, "tb.xml");
	ck_assert_str_eq(g.signature, "none");
	ck_assert_str_eq(g.key_id, "");
	ck_assert_ptr_null(strstr(g.body, "Signature"));
	free(g.body);
	ck_assert_int_eq(published(NULL, "none.pem", NULL), 0);
	g = get("/v1/signing/certificate", E.auditor);
	ck_assert_int_eq(g.status, 404);
	free(g.body);
	/* no key, no checkpoint: 409 saying why, nothing stored */
	o = call_on(&E.d, "POST", "/v1/checkpoints", E.auditor, NULL, 409);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
					     json_object_get(o, "error"), "message")),
				     "no signing key"));
	json_decref(o);
	ck_assert_int_eq(query_ll(E.db, "SELECT count(*) FROM journal_checkpoints"), 0);

	/* the secretariat reads travel-allocation (here: refused for its missing
	 * meeting, not for the role), not the money kinds */
	g = get(TB, E.secretariat);
	ck_assert_int_eq(g.status, 403);
	ck_assert_ptr_nonnull(strstr(g.body, "may not read the trial-balance report"));
	free(g.body);
	g = get("/v1/reports/donor-contributions?from=2019-01-01&to=2019-12-31", E.secretariat);
	ck_assert_int_eq(g.status, 403);
	free(g.body);
	g = get("/v1/reports/travel-allocation?from=2019-01-01&to=2019-12-31", E.secretariat);
	ck_assert_int_eq(g.status, 400);
	ck_assert_ptr_nonnull(strstr(g.body, "meeting"));
	free(g.body);
	g = get("/v1/reports/budget-status?from=2019-01-01&to=2019-12-31", E.secretariat);
	ck_assert_int_ne(g.status, 403);
	free(g.body);
	/* the auditor and finance read the money kinds */
	g = get(TB, E.auditor);
	ck_assert_int_eq(g.status, 200);
	free(g.body);
}
END_TEST

/* Rewrites the journal's history as the database's owner could: entry
 * sequence `at` gets another memo, and every hash from it to the head is
 * recomputed, so that the rewritten chain is consistent in itself. */
static void rewrite_history(int64_t at)
{
	PGconn *c = harness_connect(E.db);
	char prev[HASH_HEX_BYTES], sql[512];
	char *head = NULL, *v;
	long long last;

	ck_assert_int_eq(ledger_store_setup_owner(c), 0);
	v = harness_query_value(c, "SELECT max(sequence) FROM entries");
	last = strtoll(v, NULL, 10);
	free(v);
	snprintf(sql, sizeof(sql), "SELECT prev_hash FROM entries WHERE sequence = %lld",
		 (long long)at);
	v = harness_query_value(c, sql);
	snprintf(prev, sizeof(prev), "%s", v);
	free(v);
	free(harness_query_value(c, "ALTER TABLE entries DISABLE TRIGGER entries_append_only; "
				    "SELECT 1"));
	for (long long s = at; s <= last; s++) {
		struct ledger_entry e = {0};
		const char *params[4];
		PGresult *r;
		char *id;

		snprintf(sql, sizeof(sql), "SELECT id FROM entries WHERE sequence = %lld", s);
		id = harness_query_value(c, sql);
		ck_assert_int_eq(ledger_entry_get(&e, c, id), 0);
		if (s == at) {
			free(e.memo);
			e.memo = strdup("a memo written afterwards");
		}
		snprintf(e.prev_hash, sizeof(e.prev_hash), "%s", prev);
		ck_assert_int_eq(ledger_entry_hash(e.hash, &e), 0);
		params[0] = e.memo;
		params[1] = e.prev_hash;
		params[2] = e.hash;
		params[3] = id;
		r = PQexecParams(c, "UPDATE entries SET memo = $1, prev_hash = $2, hash = $3"
				    " WHERE id = $4", 4, NULL, params, NULL, NULL, 0);
		ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
		PQclear(r);
		snprintf(prev, sizeof(prev), "%s", e.hash);
		ledger_entry_free(&e);
		free(id);
	}
	snprintf(sql, sizeof(sql), "UPDATE ledger_head SET hash = '%s'; "
				   "ALTER TABLE entries ENABLE TRIGGER entries_append_only; SELECT 1",
		 prev);
	head = harness_query_value(c, sql);
	free(head);
	PQfinish(c);
}

START_TEST(test_signing__checkpoints_on_request_and_close_and_rewritten_history)
{
	char cert[LIMIT_PATH_BYTES], cp1[LIMIT_PATH_BYTES], cp2[LIMIT_PATH_BYTES];
	char st[LIMIT_PATH_BYTES], st2[LIMIT_PATH_BYTES], url[64], *out = NULL;
	char cp0[LIMIT_PATH_BYTES], late[LIMIT_PATH_BYTES];
	long long id1, seq1, head;
	struct got g;
	json_t *o, *cp;

	start_signed();
	/* a checkpoint of the empty journal, before any entry */
	o = call_on(&E.d, "POST", "/v1/checkpoints", E.finance, NULL, 201);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "sequence")), 0);
	snprintf(url, sizeof(url), "/v1/checkpoints/%lld",
		 (long long)json_integer_value(json_object_get(o, "id")));
	json_decref(o);
	g = fetch(url, E.auditor, "cp0.xml");
	free(g.body);
	path(cp0, "cp0.xml");
	books();
	ck_assert_int_eq(published(NULL, "cert.pem", NULL), 1);
	path(cert, "cert.pem");

	/* on request: the head now, signed; the secretariat may not */
	json_decref(call_on(&E.d, "POST", "/v1/checkpoints", E.secretariat, NULL, 403));
	o = call_on(&E.d, "POST", "/v1/checkpoints", E.auditor, NULL, 201);
	id1 = (long long)json_integer_value(json_object_get(o, "id"));
	seq1 = (long long)json_integer_value(json_object_get(o, "sequence"));
	head = query_ll(E.db, "SELECT sequence FROM ledger_head");
	ck_assert_int_eq(seq1, head);
	ck_assert_int_gt(seq1, 2);
	ck_assert_str_eq(json_string_value(json_object_get(o, "reason")), "request");
	ck_assert(json_is_null(json_object_get(o, "month")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "created_by")), "aud");
	json_decref(o);
	ck_assert_int_eq(query_ll(E.db, "SELECT count(*) FROM audit WHERE action = "
					"'checkpoint.create'"), 2);
	ck_assert_int_eq(query_ll(E.db, "SELECT count(*) FROM audit WHERE action = "
					"'checkpoint.create' AND user_name = 'aud'"), 1);
	/* a field it does not take: 400 naming it, nothing stored; a key replays */
	{
		long long before = query_ll(E.db, "SELECT count(*) FROM journal_checkpoints");
		struct resp r = http(&E.d, "POST", "/v1/checkpoints", E.auditor, NULL,
				     "{\"reason\":\"close\"}");
		json_t *a, *b, *c;

		ck_assert_int_eq(r.status, 400);
		ck_assert_msg(strstr(r.body, "reason: unknown field"), "%s", r.body);
		resp_free(&r);
		ck_assert_int_eq(query_ll(E.db, "SELECT count(*) FROM journal_checkpoints"), before);
		a = call_on(&E.d, "POST", "/v1/checkpoints", E.auditor, "{}", 201);
		r = http(&E.d, "POST", "/v1/checkpoints", E.auditor, "cp-key", NULL);
		ck_assert_int_eq(r.status, 201);
		b = json_loads(r.body, 0, NULL);
		resp_free(&r);
		r = http(&E.d, "POST", "/v1/checkpoints", E.auditor, "cp-key", NULL);
		ck_assert_int_eq(r.status, 201);
		c = json_loads(r.body, 0, NULL);
		resp_free(&r);
		ck_assert_ptr_nonnull(c);
		ck_assert_int_eq(json_integer_value(json_object_get(c, "id")),
				 json_integer_value(json_object_get(b, "id")));
		json_decref(c);
		ck_assert_int_eq(query_ll(E.db, "SELECT count(*) FROM journal_checkpoints"),
				 before + 2);
		ck_assert_int_ne(json_integer_value(json_object_get(a, "id")),
				 json_integer_value(json_object_get(b, "id")));
		json_decref(a);
		json_decref(b);
	}
	snprintf(url, sizeof(url), "/v1/checkpoints/%lld", id1);
	g = fetch(url, E.auditor, "cp1.xml");
	free(g.body);
	path(cp1, "cp1.xml");
	ck_assert_int_eq(xmlsec1(cert, cp1), 0);

	/* at a month's close: in the close's answer and the list */
	o = call_on(&E.d, "POST", "/v1/periods/2019-01/close", E.finance,
		    "{\"acknowledge\":[{\"item\":\"revaluation:2019-01\","
		    "\"reason\":\"no revaluation in this test\"}]}",
		    201);
	cp = json_object_get(o, "checkpoint");
	ck_assert_msg(json_is_object(cp), "close answered no checkpoint: %s",
		      json_dumps(o, 0));
	ck_assert_str_eq(json_string_value(json_object_get(cp, "reason")), "close");
	ck_assert_str_eq(json_string_value(json_object_get(cp, "month")), "2019-01");
	json_decref(o);
	snprintf(url, sizeof(url), "/v1/checkpoints?after=%lld&limit=1", id1 - 1);
	o = call_on(&E.d, "GET", url, E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "checkpoints")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "next")), id1);
	json_decref(o);
	snprintf(url, sizeof(url), "/v1/checkpoints?after=%lld", id1);
	o = call_on(&E.d, "GET", url, E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "checkpoints")), 3); /* {}, key, close */
	ck_assert(json_is_null(json_object_get(o, "next")));
	json_decref(o);

	/* the CLI through the one door keeps a checkpoint */
	path(cp2, "cp2.xml");
	ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "checkpoints",
							"create", "--output", cp2, "--url",
							E.d.base, "--token", E.finance, NULL}),
			 0);
	free(out);
	ck_assert_int_eq(xmlsec1(cert, cp2), 0);
	ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "checkpoints",
							"list", "--url", E.d.base, "--token",
							E.auditor, NULL}),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "close"));
	free(out);

	/* a statement checked against the checkpoint: consistent */
	g = fetch(STMT, E.auditor, "st.xml");
	free(g.body);
	path(st, "st.xml");
	ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "verify-statement",
							st, "--checkpoint", cp1, "--cert", cert,
							NULL}),
			 0);
	ck_assert_msg(strstr(out, "consistent with checkpoint"), "%s", out);
	free(out);
	/* the empty journal's checkpoint: the first entry's prev-hash */
	ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "verify-statement",
							st, "--checkpoint", cp0, "--cert", cert,
							NULL}),
			 0);
	ck_assert_msg(strstr(out, "consistent with checkpoint"), "%s", out);
	free(out);
	/* a statement whose chain starts after the checkpoint cannot prove it */
	g = fetch("/v1/reports/account-statement?from=2019-02-21&to=2019-12-31", E.auditor,
		  "late.xml");
	free(g.body);
	path(late, "late.xml");
	ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "verify-statement",
							late, "--checkpoint", cp0, "--cert", cert,
							NULL}),
			 1);
	ck_assert_msg(strstr(out, "cannot compare"), "%s", out);
	free(out);
	/* a checkpoint whose signature was changed is refused */
	{
		char bad[LIMIT_PATH_BYTES];
		size_t len;
		char *x = harness_slurp(cp1, &len), *p = strstr(x, "<sequence>");

		ck_assert_ptr_nonnull(p);
		p[10] = p[10] == '1' ? '2' : '1';
		path(bad, "cp-changed.xml");
		harness_spit(bad, x, len);
		free(x);
		ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(),
								"verify-statement", st,
								"--checkpoint", bad, "--cert", cert,
								NULL}),
				 1);
		ck_assert_msg(strstr(out, "checkpoint is INVALID"), "%s", out);
		free(out);
	}

	/* history rewritten: the new statement is consistent in itself, but
	 * not with the checkpoint kept before */
	rewrite_history(2);
	g = fetch(STMT, E.auditor, "st2.xml");
	free(g.body);
	path(st2, "st2.xml");
	ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "verify-statement",
							st2, NULL}),
			 0);
	free(out);
	ck_assert_int_eq(run(&out, (const char *const[]){harness_bin_tfledger(), "verify-statement",
							st2, "--checkpoint", cp1, "--cert", cert,
							NULL}),
			 2);
	ck_assert_msg(strstr(out, "history was rewritten since the checkpoint"), "%s", out);
	free(out);
	/* the statement made before still agrees with it */
	ck_assert_int_eq(run(NULL, (const char *const[]){harness_bin_tfledger(), "verify-statement",
							st, "--checkpoint", cp1, "--cert", cert,
							NULL}),
			 0);
}
END_TEST

START_TEST(test_signing__journal_head_says_whether_the_latest_checkpoint_holds)
{
	json_t *o, *cp, *v;
	long long id, seq;
	char *hash;

	start_signed();
	/* the empty journal, no checkpoint yet */
	o = call_on(&E.d, "GET", "/v1/journal/head", E.auditor, NULL, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "sequence")), 0);
	ck_assert(json_is_null(json_object_get(o, "checkpoint")));
	json_decref(o);
	books();
	o = call_on(&E.d, "POST", "/v1/checkpoints", E.auditor, NULL, 201);
	id = (long long)json_integer_value(json_object_get(o, "id"));
	seq = (long long)json_integer_value(json_object_get(o, "sequence"));
	json_decref(o);
	/* one more entry after it: the head moves on, the checkpoint holds */
	json_decref(call_on(&E.d, "POST", "/v1/entries", E.finance,
			    "{\"date\":\"2019-03-01\",\"memo\":\"after the checkpoint\",\"postings\":["
			    "{\"account\":\"1010-EUR\",\"side\":\"debit\",\"amount\":\"1.00\","
			    "\"currency\":\"EUR\"},{\"account\":\"4300-EUR\",\"side\":\"credit\","
			    "\"amount\":\"1.00\",\"currency\":\"EUR\"}]}",
			    201));
	o = call_on(&E.d, "GET", "/v1/journal/head", E.auditor, NULL, 200);
	hash = query_str(E.db, "SELECT hash FROM ledger_head");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "sequence")),
			 query_ll(E.db, "SELECT sequence FROM ledger_head"));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "sequence")), seq + 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "hash")), hash);
	free(hash);
	cp = json_object_get(o, "checkpoint");
	ck_assert_int_eq(json_integer_value(json_object_get(cp, "id")), id);
	ck_assert_int_eq(json_integer_value(json_object_get(cp, "sequence")), seq);
	ck_assert_str_eq(json_string_value(json_object_get(cp, "reason")), "request");
	ck_assert(json_is_true(json_object_get(cp, "holds")));
	json_decref(o);
	/* the roles of checkpoints; no query parameter */
	json_decref(call_on(&E.d, "GET", "/v1/journal/head", E.secretariat, NULL, 403));
	o = call_on(&E.d, "GET", "/v1/journal/head?limit=1", E.auditor, NULL, 400);
	ck_assert_msg(strstr(json_string_value(json_object_get(json_object_get(o, "error"),
								 "message")),
			     "limit: unknown query parameter"),
		      "%s", json_dumps(o, 0));
	json_decref(o);

	/* history rewritten from sequence 2 with every hash recomputed: the
	 * chain is consistent in itself (verify says ok), but the entry at the
	 * checkpoint's sequence no longer has the hash it signed */
	rewrite_history(2);
	v = call_on(&E.d, "GET", "/v1/journal/verify", E.auditor, NULL, 200);
	ck_assert(json_is_true(json_object_get(v, "ok")));
	json_decref(v);
	o = call_on(&E.d, "GET", "/v1/journal/head", E.auditor, NULL, 200);
	cp = json_object_get(o, "checkpoint");
	ck_assert_int_eq(json_integer_value(json_object_get(cp, "id")), id);
	ck_assert(json_is_false(json_object_get(cp, "holds")));
	json_decref(o);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tests[] = {
		{test_signing__auditor_verifies_a_served_report_offline_and_after_rotation, 0},
		{test_signing__unsigned_without_a_key_and_report_roles_per_kind, 0},
		{test_signing__checkpoints_on_request_and_close_and_rewritten_history, 0},
		{test_signing__journal_head_says_whether_the_latest_checkpoint_holds, 0},
	};
	Suite *s = suite_create("signing");

	harness_add_tcase(s, "signing", setup, teardown, 240, tests, HARNESS_N(tests));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
