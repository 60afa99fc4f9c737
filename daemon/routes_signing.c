/*
 * routes_signing.c - tfledgerd's routes of trust (docs/signing.md): the
 * certificates its signatures verify with (GET /v1/signing/certificates,
 * public, and GET /v1/signing/certificate, the current one as PEM), and
 * signed journal checkpoints (POST /v1/checkpoints, GET /v1/checkpoints,
 * GET /v1/checkpoints/{id}). Roles are in the route table (routes.c).
 *
 * A checkpoint is a write: http_write stores it, its audit row and the
 * Idempotency-Key's record in ONE transaction. Without a signing key a
 * checkpoint cannot be issued (409, saying so): an unsigned one would
 * prove nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "daemon/signing.h"
#include "reports/checkpoint.h"

/* GET /v1/signing/certificates: {"certificates": [{key_id, subject,
 * not_before, not_after, current, pem}]}, the current one first. */
enum MHD_Result route_signing_certificates(struct req *q, const char *const *args)
{
	struct daemon_signing *sg = daemon_signing_acquire();
	const struct reports_signer *signer = daemon_signing_signer(sg);
	const struct reports_cert_info *ci;
	json_t *arr = json_array();
	const char *bad;
	size_t n;

	(void)args;
	if ((bad = http_unknown_arg(q, http_no_args))) {
		json_decref(arr);
		daemon_signing_release(sg);
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	}
	ci = daemon_signing_certs(sg, &n);
	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(
			    arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "key_id", ci[i].key_id,
					   "subject", ci[i].subject, "not_before",
					   ci[i].not_before, "not_after", ci[i].not_after,
					   "current",
					   signer && strcmp(ci[i].key_id,
							    reports_signer_key_id(signer)) == 0,
					   "pem", ci[i].pem)) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	daemon_signing_release(sg);
	if (!arr)
		return http_send_error(q, EC_INTERNAL, "out of memory");
	return http_send_json(q, 200, json_pack("{s:o}", "certificates", arr));
}

/* GET /v1/signing/certificate: the current certificate as PEM; 404 when
 * reports are served unsigned. */
enum MHD_Result route_signing_certificate(struct req *q, const char *const *args)
{
	struct daemon_signing *sg = daemon_signing_acquire();
	const struct reports_signer *signer = daemon_signing_signer(sg);
	const struct reports_cert_info *ci;
	enum MHD_Result sent;
	size_t n;

	(void)args;
	ci = daemon_signing_certs(sg, &n);
	if (!signer || n == 0)
		sent = http_send_error(q, EC_NOT_FOUND, "no signing key is configured: reports "
							"are served unsigned");
	else
		sent = http_send_bytes(q, 200, "application/x-pem-file", ci[0].pem,
				       strlen(ci[0].pem),
				       (const char *const[]){"X-Signature-Key-Id", ci[0].key_id,
							     NULL});
	daemon_signing_release(sg);
	return sent;
}

/* --- checkpoints ------------------------------------------------------------------ */

static int issue(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		 void *ctx)
{
	*status = 201;
	return reports_checkpoint_issue(out, c, ctx, who, "request", NULL);
}

/* POST /v1/checkpoints: no body (or {}); 201 the checkpoint's row. */
enum MHD_Result route_checkpoint_create(struct req *q, const char *const *args)
{
	struct daemon_signing *sg;
	const struct reports_signer *signer;
	enum MHD_Result sent;
	json_t *body = NULL;

	(void)args;
	if (http_body_len(q) > 0) {
		if (route_parse_body(&body, q, &sent, NULL))
			return sent;
		if (json_object_size(body) > 0) {
			const char *k = json_object_iter_key(json_object_iter(body));

			sent = http_send_error(q, EC_INVALID_FIELD, "%s: unknown field (this route "
								  "takes no fields)", k);
			json_decref(body); /* after: k is the body's */
			return sent;
		}
		json_decref(body);
	}
	sg = daemon_signing_acquire();
	signer = daemon_signing_signer(sg);
	if (!signer)
		sent = http_send_error(q, EC_CONFLICT,
				       "no signing key is configured, so no checkpoint can be "
				       "signed: start tfledgerd with --sign-key and --sign-cert");
	else
		sent = http_write(q, issue, (void *)signer);
	daemon_signing_release(sg);
	return sent;
}

/* A positive id from s; false if s is not one. */
static bool id_of(int64_t *out, const char *s)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return !*end && errno == 0 && *out > 0;
}

/* GET /v1/checkpoints?after=ID&limit=N: oldest first, "next" to go on. */
enum MHD_Result route_checkpoints_list(struct req *q, const char *const *args)
{
	static const char *const allowed[] = {"after", "limit", NULL};
	const char *after = http_arg(q, "after"), *limit = http_arg(q, "limit"), *bad;
	int64_t a = 0, l = 100;
	json_t *out = NULL;
	int rc;

	(void)args;
	if ((bad = http_unknown_arg(q, allowed)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (after && !id_of(&a, after))
		return http_send_error(q, EC_INVALID_FIELD, "after: a checkpoint id (1, 2, ...)");
	if (limit && (!id_of(&l, limit) || l > REPORTS_CHECKPOINTS_PAGE_MAX))
		return http_send_error(q, EC_INVALID_FIELD, "limit: 1 to %d",
				       REPORTS_CHECKPOINTS_PAGE_MAX);
	rc = reports_checkpoints_list(&out, http_db(q), a, (int)l);
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, out);
}

/* GET /v1/checkpoints/{id}: the signed XML as stored. */
enum MHD_Result route_checkpoint_get(struct req *q, const char *const *args)
{
	char *doc = NULL;
	enum MHD_Result sent;
	const char *bad;
	int64_t id;
	int rc;

	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (!id_of(&id, args[0]))
		return http_send_error(q, EC_INVALID_FIELD, "id: a checkpoint id (1, 2, ...)");
	rc = reports_checkpoint_document(&doc, http_db(q), id);
	if (rc < 0)
		return http_send_failure(q, rc);
	sent = http_send_bytes(q, 200, "application/xml", doc, strlen(doc), NULL);
	free(doc);
	return sent;
}

/* GET /v1/journal/head: the head and the latest checkpoint, whether it
 * holds (reports_journal_head); what the journal page opens with, in a
 * few index lookups, where GET /v1/journal/verify reads every entry. */
enum MHD_Result route_journal_head(struct req *q, const char *const *args)
{
	const char *bad;
	json_t *out = NULL;
	int rc;

	(void)args;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = reports_journal_head(&out, http_db(q));
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, out);
}
