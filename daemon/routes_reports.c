/*
 * routes_reports.c - GET /v1/reports/{KIND}?from=&to=[&account=] (reconciliation:
 * &bank_account=[&statement_account=]; travel-allocation: &meeting=) and
 * [&generated_at=] (fixed, as --generated-at: the same bytes again); its
 * roles are in the route table (routes.c) (reports/report.h, docs/reports.md
 * "Serving reports over HTTP"). The report is written to an unlinked
 * temporary file under /tmp and sent from it once complete, so a failed
 * report is an error answer, never a truncated document.
 */
#include <errno.h>
#include <libxml/xmlIO.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/date.h"
#include "common/err.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "reports/report.h"
#include "reports/writer.h"

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
	xmlOutputBufferPtr out;
	struct stat st;
	const char *bad;
	int fd, rc;

	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (!reports_kind_valid(kind))
		return http_send_error(q, EC_NOT_FOUND, "no report kind %s (kinds: %s)", kind,
				       reports_kind_names());
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
	unlink(path);
	out = xmlOutputBufferCreateFd(fd, NULL); /* does not close fd */
	rc = out ? reports_write(http_db(q), &rq, out)
		 : err_set(ERR_INTERNAL, "out of memory");
	if (rc == 0 && (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0))
		rc = err_set(ERR_SYSTEM, "report file: %s", strerror(errno));
	if (rc < 0) {
		close(fd);
		return http_send_failure(q, rc);
	}
	return http_send_fd(q, 200, "application/xml", fd, (uint64_t)st.st_size);
}
