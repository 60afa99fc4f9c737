/*
 * session.c - the routes of the web workspace's sign-in (session.h,
 * ledger/sessions.h, docs/workspace.md "Sessions") and the check of the
 * session cookie that server.c's authorise() calls.
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Strict (no other
 * site's page sends it), Path=/ and, on TLS, Secure; it carries no
 * Max-Age, so it ends with the browser, and the server refuses it after
 * web.session_idle_s of silence or a sign-out whatever the browser keeps.
 * The password of a sign-in reaches ledger_sign_in only: it is not logged,
 * audited, nor kept in an Idempotency-Key record (the sign-in route honours
 * none: its answer holds the session's secrets, which no record may keep).
 */
#include "daemon/session.h"

#include <string.h>

#include "common/err.h"
#include "common/limits.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "daemon/throttle.h"
#include "ledger/people.h"
#include "ledger/sessions.h"

int daemon_session_check(struct ledger_token *out, char out_csrf[HASH_HEX_BYTES], PGconn *c,
			 const char *cookie, const char *method, const char *csrf)
{
	int rc = ledger_session_check(out, out_csrf, c, cookie);

	if (rc < 0 || strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return rc;
	if (!csrf || strlen(csrf) != 64 || !hash_equal_ct(csrf, out_csrf, 64))
		return err_code_set(ERR_INVALID, EC_CSRF, "X-CSRF-Token: missing or wrong");
	return 0;
}

/*
 * Whether q came over TLS (libmicrohttpd runs it, daemon/tls.c): the cookie
 * is then Secure. On plain HTTP, which tfledgerd serves on loopback only
 * unless --insecure-http, it goes without (a browser would not send a
 * Secure cookie back over http://127.0.0.1); test_tls checks both.
 */
static bool is_tls(struct req *q)
{
	return MHD_get_connection_info(http_connection(q), MHD_CONNECTION_INFO_GNUTLS_SESSION) !=
	       NULL;
}

/* Answers an error (code ec, message msg) with the headers given. */
static enum MHD_Result send_error_with(struct req *q, enum err_code ec, const char *msg,
				       const char *const *headers)
{
	json_t *o = json_pack("{s:{s:s, s:s}}", "error", "code", err_code_name(ec), "message", msg);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	enum MHD_Result sent;

	json_decref(o);
	if (!text)
		return http_send_error(q, EC_INTERNAL, "out of memory");
	sent = http_send_bytes(q, err_code_status(ec), "application/json", text, strlen(text),
			       headers);
	free(text);
	return sent;
}

/* The string field key of body (required, at most max bytes): else 400. */
static const char *field(struct req *q, json_t *body, const char *key, size_t max,
			 enum MHD_Result *sent)
{
	json_t *v = json_object_get(body, key);

	if (!json_is_string(v) || json_string_length(v) == 0) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s: required, a non-empty string",
					key);
		return NULL;
	}
	if (json_string_length(v) > max) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s: at most %zu bytes", key, max);
		return NULL;
	}
	return json_string_value(v);
}

/*
 * POST /v1/sessions {"name","password"}: 201 {"user","roles","csrf",
 * "idle_timeout_s"} with Set-Cookie; 401 "unknown name or wrong password"
 * (the same for an unknown name, a wrong password and a disabled user);
 * 429 with Retry-After for a locked name or an address with too many
 * failed authentications (daemon/throttle.c).
 */
enum MHD_Result route_session_create(struct req *q, const char *const *args)
{
	static const char *const allowed[] = {"name", "password", NULL};
	char client[64], cookie[HASH_HEX_BYTES], header[160], ra[16];
	struct ledger_actor who = http_actor(q);
	struct ledger_sign_in_from from = {client, who.request_id};
	const char *name, *password, *key;
	json_t *body = NULL, *out = NULL, *v;
	enum MHD_Result sent;
	int rc, wait_s = daemon_throttle_wait_s(http_client(q));

	(void)args;
	daemon_throttle_address(client, sizeof(client), http_client(q));
	if (wait_s > 0) {
		snprintf(ra, sizeof(ra), "%d", wait_s);
		return send_error_with(q, EC_TOO_MANY_REQUESTS,
				       "too many failed authentications from your address: try"
				       " again later", (const char *const[]){"Retry-After", ra, NULL});
	}
	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	json_object_foreach(body, key, v) {
		size_t i = 0;

		while (allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (!allowed[i]) {
			sent = http_send_error(q, EC_INVALID_FIELD, "%s: unknown field", key);
			goto cleanup;
		}
	}
	if (!(name = field(q, body, "name", LIMIT_SIGN_IN_NAME_BYTES, &sent)) ||
	    !(password = field(q, body, "password", LEDGER_PASSWORD_MAX_BYTES, &sent)))
		goto cleanup;
	if ((rc = http_need_db(q)) == 0)
		rc = ledger_sign_in(cookie, &out, &wait_s, http_db(q), name, password, &from);
	if (err_code_of(rc) == EC_UNAUTHENTICATED)
		daemon_throttle_failure(http_client(q));
	if (rc < 0 && wait_s > 0) {
		snprintf(ra, sizeof(ra), "%d", wait_s);
		sent = send_error_with(q, EC_TOO_MANY_REQUESTS, err_last(),
				       (const char *const[]){"Retry-After", ra, NULL});
		goto cleanup;
	}
	if (rc < 0) {
		sent = http_send_failure(q, rc);
		goto cleanup;
	}
	daemon_throttle_success(http_client(q));
	snprintf(header, sizeof(header), DAEMON_SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict;"
		 " Path=/%s", cookie, is_tls(q) ? "; Secure" : "");
	explicit_bzero(cookie, sizeof(cookie));
	{
		char *text = json_dumps(out, JSON_COMPACT);

		sent = text ? http_send_bytes(q, 201, "application/json", text, strlen(text),
					      (const char *const[]){"Set-Cookie", header, NULL})
			    : http_send_error(q, EC_INTERNAL, "out of memory");
		free(text);
	}
	explicit_bzero(header, sizeof(header));
cleanup:
	json_decref(body);
	json_decref(out);
	return sent;
}

/* GET /v1/session: 200 {"user","roles","csrf","idle_timeout_s"}; csrf is
 * null for a request that came with a token (it needs none). */
enum MHD_Result route_session_get(struct req *q, const char *const *args)
{
	const struct ledger_token *t = http_token(q);
	const char *csrf = http_session_csrf(q), *bad = http_unknown_arg(q, http_no_args);
	int idle_s, rc;

	(void)args;
	if (bad)
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if ((rc = ledger_session_idle_s(&idle_s, http_db(q))) < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, json_pack("{s:s, s:o, s:o, s:i}", "user", t->user, "roles",
						ledger_roles_json(t->roles), "csrf",
						csrf ? json_string(csrf) : json_null(),
						"idle_timeout_s", idle_s));
}

/* DELETE /v1/session: 204 (no body, no Content-Type) and the cookie
 * cleared; the session is ended on the server (its cookie is 401 from the
 * next request). 409 for a request that came with a token: there is no
 * session to end. */
enum MHD_Result route_session_end(struct req *q, const char *const *args)
{
	struct ledger_actor who = http_actor(q);
	char header[160];
	int rc;

	(void)args;
	if (!http_session_csrf(q))
		return http_send_error(q, EC_CONFLICT, "this request came with a token, not a"
						       " session: there is no session to end (a"
						       " token is revoked with POST"
						       " /v1/tokens/{name}/revoke)");
	if ((rc = ledger_session_end(http_db(q), who.token_id, &who)) < 0)
		return http_send_failure(q, rc);
	snprintf(header, sizeof(header), DAEMON_SESSION_COOKIE "=; Max-Age=0; HttpOnly;"
		 " SameSite=Strict; Path=/%s", is_tls(q) ? "; Secure" : "");
	return http_send_bytes(q, 204, NULL, "", 0,
			       (const char *const[]){"Set-Cookie", header, NULL});
}
