/*
 * test_sessions.c - the web workspace's sign-in through the real tfledgerd
 * on a real PostgreSQL (issue 17, docs/workspace.md "Sessions"): a person
 * made by an admin with a password signs in and gets an HttpOnly,
 * SameSite=Strict cookie (no Secure on plain HTTP) and a CSRF token; the
 * cookie does as a token on every route, a write only with its CSRF token
 * (403 csrf and nothing stored otherwise), and what it writes is audited
 * under the person's name (a fund write, and a journal entry through the
 * group-commit writer). A wrong password is 401 and makes no session; five
 * failures lock the name (429 with Retry-After, the right password refused
 * too), each failure and the lock audited without the password. An idle
 * session, a signed-out one and a disabled user's are 401 from the next
 * request. Changing one's own password from a session asks for the
 * current one. Each test gets a fresh migrated database and its own
 * tfledgerd.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>
#include <strings.h>

static struct roles_env E;

static const char password[] = "correct horse battery";

static void setup(void)
{
	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
	json_decref(call_on(&E.d, "POST", "/v1/users", E.admin,
			    "{\"name\":\"fatou\",\"roles\":[\"finance\"],"
			    "\"password\":\"correct horse battery\"}", 201));
}

static void teardown(void)
{
	roles_env_close(&E);
}

/* An answer as a browser sees it: status, body, Set-Cookie, Retry-After. */
struct wresp {
	long status;
	char *body;
	size_t len;
	char set_cookie[512];
	char retry_after[16];
	char content_type[128]; /* "" when the answer has none */
};

static size_t w_body(char *p, size_t size, size_t n, void *ud)
{
	struct wresp *r = ud;
	size_t k = size * n;
	char *b = realloc(r->body, r->len + k + 1);

	ck_assert_ptr_nonnull(b);
	memcpy(b + r->len, p, k);
	r->body = b;
	r->len += k;
	b[r->len] = '\0';
	return k;
}

static size_t w_header(char *p, size_t size, size_t n, void *ud)
{
	struct wresp *r = ud;
	size_t k = size * n;

	if (k > 12 && strncasecmp(p, "Set-Cookie: ", 12) == 0)
		snprintf(r->set_cookie, sizeof(r->set_cookie), "%.*s",
			 (int)strcspn(p + 12, "\r\n"), p + 12);
	if (k > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
		snprintf(r->retry_after, sizeof(r->retry_after), "%.*s",
			 (int)strcspn(p + 13, "\r\n"), p + 13);
	if (k > 14 && strncasecmp(p, "Content-Type: ", 14) == 0)
		snprintf(r->content_type, sizeof(r->content_type), "%.*s",
			 (int)strcspn(p + 14, "\r\n"), p + 14);
	return k;
}

/* The client address the next requests come from (NULL: the kernel's
 * choice, 127.0.0.1): all of 127/8 is loopback, so a test can be many
 * clients, as a guesser with many addresses is. */
static const char *from_address;

/* One request as the browser makes it: cookie (the session's value, NULL:
 * none), csrf (X-CSRF-Token, NULL: none), body (JSON, NULL: none). */
static struct wresp web(const char *method, const char *path, const char *cookie,
			const char *csrf, const char *body)
{
	struct wresp r = {0};
	struct curl_slist *hdr = NULL;
	char url[512], line[256];
	CURL *c = curl_easy_init();

	ck_assert_ptr_nonnull(c);
	snprintf(url, sizeof(url), "%s%s", E.d.base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, w_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, w_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (from_address)
		curl_easy_setopt(c, CURLOPT_INTERFACE, from_address);
	if (cookie) {
		snprintf(line, sizeof(line), "tfledger_session=%s", cookie);
		curl_easy_setopt(c, CURLOPT_COOKIE, line);
	}
	if (csrf) {
		snprintf(line, sizeof(line), "X-CSRF-Token: %s", csrf);
		hdr = curl_slist_append(hdr, line);
	}
	hdr = curl_slist_append(hdr, "Expect:");
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	if (!r.body)
		r.body = strdup("");
	return r;
}

/* Asserts an error answer: status, code, a message holding want. */
static void expect_error(struct wresp *r, long status, const char *code, const char *want)
{
	json_t *o = json_loads(r->body, 0, NULL), *e = json_object_get(o, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));

	ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
	ck_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
	ck_assert_msg(msg && strstr(msg, want), "message '%s' lacks '%s'", msg, want);
	json_decref(o);
	free(r->body);
}

/* The session of a sign-in: its cookie's value and CSRF token. */
struct session {
	char cookie[80];
	char csrf[80];
};

/* Signs name in with pw: 201, the cookie and CSRF token. */
static struct session sign_in(const char *name, const char *pw)
{
	char body[256];
	struct session s = {0};
	struct wresp r;
	json_t *o;

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"%s\"}", name, pw);
	r = web("POST", "/v1/sessions", NULL, NULL, body);
	ck_assert_msg(r.status == 201, "sign-in: %ld %s", r.status, r.body);
	ck_assert_msg(strncmp(r.set_cookie, "tfledger_session=", 17) == 0, "Set-Cookie: %s",
		      r.set_cookie);
	snprintf(s.cookie, sizeof(s.cookie), "%.*s", (int)strcspn(r.set_cookie + 17, ";"),
		 r.set_cookie + 17);
	o = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(o);
	snprintf(s.csrf, sizeof(s.csrf), "%s", json_string_value(json_object_get(o, "csrf")));
	json_decref(o);
	free(r.body);
	return s;
}

static bool hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

START_TEST(test_sign_in__sets_an_httponly_strict_cookie_and_answers_the_csrf_token)
{
	struct wresp r = web("POST", "/v1/sessions", NULL, NULL,
			     "{\"name\":\"fatou\",\"password\":\"correct horse battery\"}");
	json_t *o = json_loads(r.body, 0, NULL), *roles = json_object_get(o, "roles");
	char cookie[80], sha_sql[256];

	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	ck_assert_str_eq(json_string_value(json_object_get(o, "user")), "fatou");
	ck_assert_int_eq(json_array_size(roles), 1);
	ck_assert_str_eq(json_string_value(json_array_get(roles, 0)), "finance");
	ck_assert(hex64(json_string_value(json_object_get(o, "csrf"))));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "idle_timeout_s")), 900);
	/* the cookie: 32 random bytes in hex, HttpOnly, SameSite=Strict,
	 * Path=/, and no Secure on plain HTTP */
	ck_assert_msg(strncmp(r.set_cookie, "tfledger_session=", 17) == 0, "%s", r.set_cookie);
	snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(r.set_cookie + 17, ";"),
		 r.set_cookie + 17);
	ck_assert_msg(hex64(cookie), "cookie value %s", cookie);
	ck_assert_ptr_nonnull(strstr(r.set_cookie, "; HttpOnly"));
	ck_assert_ptr_nonnull(strstr(r.set_cookie, "; SameSite=Strict"));
	ck_assert_ptr_nonnull(strstr(r.set_cookie, "; Path=/"));
	ck_assert_ptr_null(strcasestr(r.set_cookie, "Secure;"));
	ck_assert_msg(!strcasestr(r.set_cookie, "; Secure"), "Secure on plain HTTP: %s",
		      r.set_cookie);
	ck_assert_ptr_null(strstr(r.body, cookie)); /* the cookie is not in the body */
	/* stored: the cookie's SHA-256, never the cookie; the sign-in audited */
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sessions"), 1);
	snprintf(sha_sql, sizeof(sha_sql),
		 "SELECT count(*) FROM sessions WHERE sha256 = encode(sha256('%s'), 'hex')",
		 cookie);
	ck_assert_int_eq(query_ll(E.conninfo, sha_sql), 1);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'session.create' AND user_name = 'fatou'"), 1);
	json_decref(o);
	free(r.body);
}
END_TEST

START_TEST(test_sign_in__a_wrong_password_or_unknown_name_is_401_and_makes_no_session)
{
	struct wresp r = web("POST", "/v1/sessions", NULL, NULL,
			     "{\"name\":\"fatou\",\"password\":\"wrong horse battery\"}");

	ck_assert_str_eq(r.set_cookie, "");
	expect_error(&r, 401, "unauthenticated", "unknown name or wrong password");
	r = web("POST", "/v1/sessions", NULL, NULL,
		"{\"name\":\"nobody\",\"password\":\"correct horse battery\"}");
	ck_assert_str_eq(r.set_cookie, "");
	expect_error(&r, 401, "unauthenticated", "unknown name or wrong password");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sessions"), 0);
	/* bad input names the field and stores nothing */
	r = web("POST", "/v1/sessions", NULL, NULL, "{\"name\":\"fatou\"}");
	expect_error(&r, 400, "invalid-field", "password: required");
	r = web("POST", "/v1/sessions", NULL, NULL,
		"{\"name\":\"fatou\",\"password\":\"correct horse battery\",\"remember\":true}");
	expect_error(&r, 400, "invalid-field", "remember: unknown field");
	r = web("POST", "/v1/sessions", NULL, NULL, "{\"name\":7,\"password\":\"x\"}");
	expect_error(&r, 400, "invalid-field", "name: required, a non-empty string");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sessions"), 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sign_in_failures"), 2);
}
END_TEST

START_TEST(test_sign_in__five_failures_lock_the_name_audited_without_the_password)
{
	static const char *const addresses[] = {"host!127.0.0.2", "host!127.0.0.3",
						"host!127.0.0.4", "host!127.0.0.5",
						"host!127.0.0.6", "host!127.0.0.7"};
	struct wresp r;

	/* from five addresses, so that no address is throttled (daemon/
	 * throttle.c counts each): the name is what locks */
	for (int i = 0; i < 5; i++) {
		from_address = addresses[i];
		r = web("POST", "/v1/sessions", NULL, NULL,
			"{\"name\":\"fatou\",\"password\":\"guess-number-x\"}");
		expect_error(&r, 401, "unauthenticated", "unknown name or wrong password");
	}
	/* locked: the right password is refused too, from a sixth address,
	 * with Retry-After */
	from_address = addresses[5];
	r = web("POST", "/v1/sessions", NULL, NULL,
		"{\"name\":\"fatou\",\"password\":\"correct horse battery\"}");
	ck_assert_str_eq(r.set_cookie, "");
	ck_assert_msg(atoi(r.retry_after) > 800 && atoi(r.retry_after) <= 900, "Retry-After %s",
		      r.retry_after);
	ck_assert_ptr_null(strstr(r.body, "horse"));
	expect_error(&r, 429, "too-many-requests", "locked");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sessions"), 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'session.fail' AND user_name = 'fatou'"), 5);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'session.lock' AND user_name = 'fatou'"), 1);
	/* no password tried nor the right one anywhere in the audit log or
	 * the failures */
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit a WHERE a::text LIKE"
					      " '%guess-number%' OR a::text LIKE '%horse%'"), 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sign_in_failures f WHERE"
					      " f::text LIKE '%guess-number%'"), 0);
	{
		char *log = harness_slurp(E.d.log, NULL);

		ck_assert_ptr_nonnull(log);
		ck_assert_ptr_null(strstr(log, "guess-number"));
		ck_assert_ptr_null(strstr(log, "horse"));
		free(log);
	}
	/* another name is not locked */
	json_decref(call_on(&E.d, "POST", "/v1/users", E.admin,
			    "{\"name\":\"kofi\",\"roles\":[\"auditor\"],"
			    "\"password\":\"another long one\"}", 201));
	sign_in("kofi", "another long one");
	/* once the lock ends the name signs in again (the lock moved back) */
	ck_assert_int_eq(query_ll(E.conninfo, "WITH u AS (UPDATE sign_in_locks SET at = at -"
					      " interval '1 hour', until = until - interval"
					      " '1 hour' RETURNING 1) SELECT count(*) FROM u"), 1);
	ck_assert_int_eq(query_ll(E.conninfo, "WITH u AS (UPDATE sign_in_failures SET at = at -"
					      " interval '1 hour' RETURNING 1) SELECT count(*)"
					      " FROM u"), 5);
	sign_in("fatou", password);
	from_address = NULL;
}
END_TEST

/* Failed sign-ins count per address too (daemon/throttle.c): the sixth
 * from one address within a minute is 429 whatever the name. */
START_TEST(test_sign_in__failures_from_one_address_are_throttled)
{
	struct wresp r;

	for (int i = 0; i < 5; i++) {
		r = web("POST", "/v1/sessions", NULL, NULL,
			"{\"name\":\"nobody\",\"password\":\"guess-number-x\"}");
		expect_error(&r, 401, "unauthenticated", "unknown name or wrong password");
	}
	r = web("POST", "/v1/sessions", NULL, NULL,
		"{\"name\":\"fatou\",\"password\":\"correct horse battery\"}");
	ck_assert_msg(atoi(r.retry_after) > 0, "Retry-After %s", r.retry_after);
	expect_error(&r, 429, "too-many-requests", "from your address");
	/* fatou, whose right password the address's sixth try carried, is not
	 * locked (the name tried five times is) */
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sign_in_locks WHERE name ="
					      " 'fatou'"), 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sign_in_locks WHERE name ="
					      " 'nobody'"), 1);
}
END_TEST

START_TEST(test_cookie__reads_and_writes_with_csrf_audited_under_the_person)
{
	struct session s = sign_in("fatou", password);
	struct wresp r = web("GET", "/v1/session", s.cookie, NULL, NULL);
	char entry[512];
	json_t *o = json_loads(r.body, 0, NULL);
	long long donors;

	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(json_string_value(json_object_get(o, "user")), "fatou");
	ck_assert_str_eq(json_string_value(json_object_get(o, "csrf")), s.csrf);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(o, "roles"), 0)),
			 "finance");
	json_decref(o);
	free(r.body);
	r = web("GET", "/v1/donors", s.cookie, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	free(r.body);
	/* not the role's: 403 as for a token */
	r = web("GET", "/v1/users", s.cookie, NULL, NULL);
	expect_error(&r, 403, "forbidden", "fatou (finance) may not read users");

	/* a write without the CSRF token, or with a wrong one: 403, nothing stored */
	donors = query_ll(E.conninfo, "SELECT count(*) FROM donors");
	r = web("POST", "/v1/donors", s.cookie, NULL,
		"{\"id\":\"eu\",\"name\":\"EU\",\"org_type\":\"40\"}");
	expect_error(&r, 403, "csrf", "X-CSRF-Token: missing or wrong");
	r = web("POST", "/v1/donors", s.cookie,
		"0000000000000000000000000000000000000000000000000000000000000000",
		"{\"id\":\"eu\",\"name\":\"EU\",\"org_type\":\"40\"}");
	expect_error(&r, 403, "csrf", "X-CSRF-Token: missing or wrong");
	r = web("POST", "/v1/donors", s.cookie, "short",
		"{\"id\":\"eu\",\"name\":\"EU\",\"org_type\":\"40\"}");
	expect_error(&r, 403, "csrf", "X-CSRF-Token: missing or wrong");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM donors"), donors);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'donor.add'"), 0);

	/* with it: stored, audited under fatou and the session's token */
	r = web("POST", "/v1/donors", s.cookie, s.csrf,
		"{\"id\":\"eu\",\"name\":\"EU\",\"org_type\":\"40\"}");
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	free(r.body);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM donors"), donors + 1);
	ck_assert_int_eq(query_ll(E.conninfo,
				  "SELECT count(*) FROM audit a JOIN sessions s ON"
				  " a.token_name = 'web-session-' || s.token_id WHERE a.action ="
				  " 'donor.add' AND a.user_name = 'fatou' AND a.role = 'finance'"),
			 1);

	/* a journal entry through the group-commit writer names the session's token */
	json_decref(call_on(&E.d, "POST", "/v1/accounts", E.admin,
			    "{\"code\":\"9010\",\"name\":\"Bank\",\"type\":\"asset\","
			    "\"currency\":\"EUR\"}", 201));
	json_decref(call_on(&E.d, "POST", "/v1/accounts", E.admin,
			    "{\"code\":\"9040\",\"name\":\"Gifts\",\"type\":\"revenue\","
			    "\"currency\":\"EUR\"}", 201));
	entry_body(entry, sizeof(entry), "2019-02-14", "9010", "9040", "5.00");
	r = web("POST", "/v1/entries", s.cookie, NULL, entry);
	expect_error(&r, 403, "csrf", "X-CSRF-Token");
	r = web("POST", "/v1/entries", s.cookie, s.csrf, entry);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	free(r.body);
	ck_assert_int_eq(query_ll(E.conninfo,
				  "SELECT count(*) FROM entries e JOIN sessions s ON"
				  " s.token_id = e.token_id"), 1);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'entry.post' AND user_name = 'fatou'"), 1);

	/* a token request needs no CSRF token; the Authorization header wins */
	json_decref(call_on(&E.d, "POST", "/v1/donors", E.finance,
			    "{\"id\":\"un\",\"name\":\"UN\",\"org_type\":\"40\"}", 201));
	o = call_on(&E.d, "GET", "/v1/session", E.finance, NULL, 200);
	ck_assert_str_eq(json_string_value(json_object_get(o, "user")), "fin");
	ck_assert(json_is_null(json_object_get(o, "csrf")));
	json_decref(o);
}
END_TEST

START_TEST(test_cookie__idle_longer_than_the_setting_is_401)
{
	struct session s = sign_in("fatou", password);
	struct wresp r;

	ck_assert_int_eq(query_ll(E.conninfo, "WITH u AS (UPDATE settings SET value = '1' WHERE"
					      " key = 'web.session_idle_s' RETURNING 1) SELECT"
					      " count(*) FROM u"), 1);
	r = web("GET", "/v1/session", s.cookie, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "\"idle_timeout_s\":1"));
	free(r.body);
	sleep(2);
	r = web("GET", "/v1/session", s.cookie, NULL, NULL);
	expect_error(&r, 401, "unauthenticated", "session expired or ended; sign in again");
	/* an unknown or malformed cookie alike */
	r = web("GET", "/v1/session",
		"1111111111111111111111111111111111111111111111111111111111111111", NULL, NULL);
	expect_error(&r, 401, "unauthenticated", "session expired or ended; sign in again");
	r = web("GET", "/v1/donors", "not-a-cookie", NULL, NULL);
	expect_error(&r, 401, "unauthenticated", "session expired or ended; sign in again");
}
END_TEST

START_TEST(test_sign_out__ends_the_session_on_the_server)
{
	struct session s = sign_in("fatou", password), other = sign_in("fatou", password);
	struct wresp r = web("DELETE", "/v1/session", s.cookie, NULL, NULL);

	/* signing out is a write: its CSRF token too */
	expect_error(&r, 403, "csrf", "X-CSRF-Token");
	r = web("DELETE", "/v1/session", s.cookie, s.csrf, NULL);
	ck_assert_msg(r.status == 204, "%ld %s", r.status, r.body);
	/* 204 No Content: no body, and so no Content-Type either */
	ck_assert_msg(r.len == 0, "a body of %zu bytes: %s", r.len, r.body);
	ck_assert_msg(r.content_type[0] == '\0', "Content-Type: %s", r.content_type);
	ck_assert_msg(strncmp(r.set_cookie, "tfledger_session=;", 18) == 0 &&
			      strstr(r.set_cookie, "Max-Age=0"),
		      "Set-Cookie: %s", r.set_cookie);
	free(r.body);
	r = web("GET", "/v1/session", s.cookie, NULL, NULL);
	expect_error(&r, 401, "unauthenticated", "session expired or ended; sign in again");
	r = web("DELETE", "/v1/session", s.cookie, s.csrf, NULL);
	expect_error(&r, 401, "unauthenticated", "session expired or ended");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM sessions WHERE ended_reason"
					      " = 'sign-out' AND ended_at IS NOT NULL"), 1);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'session.end' AND user_name = 'fatou'"), 1);
	/* the other session of the same person goes on */
	r = web("GET", "/v1/session", other.cookie, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	free(r.body);
	/* neither nothing nor a token has a session to end */
	r = web("DELETE", "/v1/session", NULL, NULL, NULL);
	expect_error(&r, 401, "unauthenticated", "Authorization");
	json_decref(call_on(&E.d, "DELETE", "/v1/session", E.finance, NULL, 409));
}
END_TEST

START_TEST(test_cookie__a_disabled_users_session_is_401_at_once)
{
	struct session s = sign_in("fatou", password);
	struct wresp r = web("GET", "/v1/session", s.cookie, NULL, NULL);

	ck_assert_int_eq(r.status, 200);
	free(r.body);
	json_decref(call_on(&E.d, "POST", "/v1/users/fatou/disable", E.admin,
			    "{\"reason\":\"left the fund\"}", 200));
	r = web("GET", "/v1/session", s.cookie, NULL, NULL);
	expect_error(&r, 401, "unauthenticated", "session expired or ended; sign in again");
	/* nor can a disabled user sign in: the same words as a wrong password */
	r = web("POST", "/v1/sessions", NULL, NULL,
		"{\"name\":\"fatou\",\"password\":\"correct horse battery\"}");
	expect_error(&r, 401, "unauthenticated", "unknown name or wrong password");
}
END_TEST

START_TEST(test_password__ones_own_from_a_session_needs_the_current_one)
{
	struct session s = sign_in("fatou", password);
	struct wresp r = web("POST", "/v1/users/fatou/password", s.cookie, s.csrf,
			     "{\"password\":\"a new long password\"}");

	expect_error(&r, 400, "invalid-field", "current: required");
	r = web("POST", "/v1/users/fatou/password", s.cookie, s.csrf,
		"{\"password\":\"a new long password\",\"current\":\"not the one\"}");
	expect_error(&r, 403, "forbidden", "current: not your current password");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'session.fail' AND user_name = 'fatou'"), 1);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'user.password' AND user_name = 'fatou'"), 0);
	r = web("POST", "/v1/users/fatou/password", s.cookie, s.csrf,
		"{\"password\":\"a new long password\",\"current\":\"correct horse battery\"}");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	free(r.body);
	sign_in("fatou", "a new long password");
	/* an admin sets another's password without it; a token as before */
	json_decref(call_on(&E.d, "POST", "/v1/users/fatou/password", E.admin,
			    "{\"password\":\"set by the admin\"}", 200));
	sign_in("fatou", "set by the admin");
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test api[] = {
		{test_sign_in__sets_an_httponly_strict_cookie_and_answers_the_csrf_token, 0},
		{test_sign_in__a_wrong_password_or_unknown_name_is_401_and_makes_no_session, 0},
		{test_sign_in__five_failures_lock_the_name_audited_without_the_password, 0},
		{test_sign_in__failures_from_one_address_are_throttled, 0},
		{test_cookie__reads_and_writes_with_csrf_audited_under_the_person, 0},
		{test_cookie__idle_longer_than_the_setting_is_401, 0},
		{test_sign_out__ends_the_session_on_the_server, 0},
		{test_cookie__a_disabled_users_session_is_401_at_once, 0},
		{test_password__ones_own_from_a_session_needs_the_current_one, 0},
	};
	Suite *s = suite_create("sessions");

	harness_add_tcase(s, "api", setup, teardown, 120, api, HARNESS_N(api));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
