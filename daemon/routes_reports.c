/*
 * routes_reports.c - GET /v1/reports/{KIND}?from=&to=[&account=] (reconciliation:
 * &bank_account=[&statement_account=]; travel-allocation: &meeting=) and
 * [&generated_at=] (fixed, as --generated-at: the same bytes again); its
 * roles are in the route table (routes.c) (reports/report.h, docs/reports.md
 * "Serving reports over HTTP"). The report is written to a temporary file
 * under /tmp and sent from it once complete (and signed), so a failed
 * report is an error answer, never a truncated document.
 *
 * The route's row lets every role in; which role reads which kind is the
 * table below (docs/reports.md "Who reads which report"): 403 in words
 * for the others. With a signing key configured (daemon/signing.h) the
 * report is signed enveloped before it is sent, and the answer says so:
 * X-Signature: enveloped and X-Signature-Key-Id: the SHA-256 of the
 * signer's certificate; without one, X-Signature: none. A report too large
 * to sign inline (LIMIT_REPORT_SIGN_INLINE_BYTES) is refused with 413: the
 * server never serves an unsigned report when it has a key.
 */
#include <errno.h>
#include <fcntl.h>
#include <libxml/xmlIO.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/date.h"
#include "common/err.h"
#include "common/limits.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "daemon/signing.h"
#include "reports/report.h"
#include "reports/sign.h"
#include "reports/writer.h"

/* Who reads the money: the books' keepers and the auditor. */
#define MONEY_READERS (ROLE_ADMIN | ROLE_FINANCE | ROLE_AUDITOR)

/* The kinds a role outside MONEY_READERS may read too; every other kind is
 * MONEY_READERS' only. */
static const struct {
	const char *kind;
	unsigned roles;
	const char *readers; /* for the 403 */
} readers[] = {
	{"travel-allocation",
	 MONEY_READERS | ROLE_SECRETARIAT | ROLE_APPROVER,
	 "admin, finance, auditor, secretariat, approver"},
	{"budget-status", MONEY_READERS | ROLE_SECRETARIAT,
	 "admin, finance, auditor, secretariat"},
};

/* The roles that may read kind and their names. */
static unsigned kind_readers(const char **names, const char *kind)
{
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (strcmp(kind, readers[i].kind) == 0) {
			*names = readers[i].readers;
			return readers[i].roles;
		}
	*names = "admin, finance, auditor";
	return MONEY_READERS;
}

/* Signs the report at path in place with s; 413 if it is too large to sign
 * inline (sent: 1), else 0 or a failure. */
static int sign_report(struct req *q, const struct reports_signer *s, const char *path,
		       off_t size, enum MHD_Result *sent)
{
	if ((long long)size > LIMIT_REPORT_SIGN_INLINE_BYTES) {
		*sent = http_send_error(q, EC_TOO_LARGE,
					"the report is %lld bytes, more than the %lld the server "
					"signs; ask for a shorter period or one account",
					(long long)size, (long long)LIMIT_REPORT_SIGN_INLINE_BYTES);
		return 1;
	}
	return reports_signer_sign_file(NULL, s, path, path, LIMIT_REPORT_SIGN_INLINE_BYTES);
}

enum MHD_Result route_report(struct req *q, const char *const *path_args)
{
	const char *kind = path_args[0];
	static const char *const args[] = {"from", "to", "account", "bank_account",
					   "statement_account", "meeting", "generated_at", NULL};
	struct reports_request rq = {.kind = kind,
				     .from = http_arg(q, "from"),
				     .to = http_arg(q, "to"),
				     .account = http_arg(q, "account"),
				     .generated_at = http_arg(q, "generated_at"),
				     .bank_account = http_arg(q, "bank_account"),
				     .statement_account = http_arg(q, "statement_account"),
				     .meeting = http_arg(q, "meeting")};
	char path[] = "/tmp/tfledgerd-report-XXXXXX";
	struct daemon_signing *sg = NULL;
	const struct reports_signer *signer;
	const char *names;
	xmlOutputBufferPtr out;
	enum MHD_Result sent = MHD_NO;
	struct stat st;
	const char *bad;
	int fd = -1, rc;

	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (!reports_kind_valid(kind))
		return http_send_error(q, EC_NOT_FOUND, "no report kind %s (kinds: %s)", kind,
				       reports_kind_names());
	if (!http_role_in(q, kind_readers(&names, kind)))
		return http_send_error(q, EC_FORBIDDEN,
				       "the role %s may not read the %s report (its readers: %s)",
				       http_actor(q).role, kind, names);
	if (!rq.from || !date_valid(rq.from))
		return http_send_error(q, EC_INVALID_FIELD, "from: a date YYYY-MM-DD is required");
	if (!rq.to || !date_valid(rq.to))
		return http_send_error(q, EC_INVALID_FIELD, "to: a date YYYY-MM-DD is required");
	if (rq.account && !ledger_code_valid(rq.account))
		return http_send_error(q, EC_INVALID_FIELD, "account: not an account code");
	if (rq.bank_account && !ledger_code_valid(rq.bank_account))
		return http_send_error(q, EC_INVALID_FIELD, "bank_account: not an account code");
	if (rq.generated_at && reports_check_time(rq.generated_at, "generated_at") < 0)
		return http_send_error(q, EC_INVALID_FIELD, "%s", err_last());
	fd = mkstemp(path);
	if (fd < 0)
		return http_send_failure(q, err_sys(ERR_SYSTEM, "%s", path));
	out = xmlOutputBufferCreateFd(fd, NULL); /* does not close fd */
	rc = out ? reports_write(http_db(q), &rq, out)
		 : err_set(ERR_INTERNAL, "out of memory");
	if (rc == 0 && fstat(fd, &st) < 0)
		rc = err_sys(ERR_SYSTEM, "report file %s", path);
	sg = daemon_signing_acquire();
	signer = daemon_signing_signer(sg);
	if (rc == 0 && signer) {
		/* signed in place: a new file replaces path, so read it anew */
		close(fd);
		fd = -1;
		if ((rc = sign_report(q, signer, path, st.st_size, &sent)) == 1)
			goto cleanup;
		if (rc == 0 && ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0))
			rc = err_sys(ERR_SYSTEM, "signed report %s", path);
	}
	if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
		rc = err_sys(ERR_SYSTEM, "report file %s", path);
	if (rc < 0) {
		sent = http_send_failure(q, rc);
		goto cleanup;
	}
	sent = http_send_fd_with(q, 200, "application/xml", fd, (uint64_t)st.st_size,
				 signer ? (const char *const[]){"X-Signature", "enveloped",
								"X-Signature-Key-Id",
								reports_signer_key_id(signer), NULL}
					: (const char *const[]){"X-Signature", "none", NULL});
	fd = -1; /* the answer's now */
cleanup:
	if (fd >= 0)
		close(fd);
	unlink(path);
	daemon_signing_release(sg);
	return sent;
}
