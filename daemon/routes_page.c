/*
 * routes_page.c - the one reader of a list's page parameters, after= and
 * limit=, for every list route paginated on a cursor (GET /v1/entries,
 * /v1/audit, /v1/pledges, /v1/receipts, /v1/in-kind, a meeting's trips):
 * the same names, rules and 400 texts everywhere. The cursor is the
 * previous page's "next": an integer, opaque to callers. Pages are keyset
 * pages in the domain (never OFFSET), so a row stored between two pages is
 * neither repeated nor skipped.
 */
#include <stdlib.h>

#include "common/err.h"
#include "common/limits.h"
#include "daemon/http.h"
#include "daemon/routes.h"

int route_page_args(int64_t *out_after, int *out_limit, struct req *q, enum MHD_Result *sent)
{
	const char *after_s = http_arg(q, "after"), *limit_s = http_arg(q, "limit");
	long long n;
	char *end;

	*out_after = 0;
	*out_limit = LIMIT_LIST_ROWS_DEFAULT;
	if (after_s) {
		n = strtoll(after_s, &end, 10);
		if (!*after_s || *end || n < 0) {
			*sent = http_send_error(q, EC_INVALID_FIELD, "after: a cursor (integer >= 0)");
			return -1;
		}
		*out_after = n;
	}
	if (limit_s) {
		n = strtoll(limit_s, &end, 10);
		if (!*limit_s || *end || n < 1 || n > LIMIT_LIST_ROWS) {
			*sent = http_send_error(q, EC_INVALID_FIELD, "limit: 1-%d", LIMIT_LIST_ROWS);
			return -1;
		}
		*out_limit = (int)n;
	}
	return 0;
}

enum MHD_Result route_list_page(struct req *q, route_page_fn fn)
{
	static const char *const args[] = {"after", "limit", NULL};
	enum MHD_Result sent;
	json_t *out = NULL;
	int64_t after;
	int limit, rc;
	const char *bad;

	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (route_page_args(&after, &limit, q, &sent) < 0)
		return sent;
	rc = fn(&out, http_db(q), after, limit);
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, out);
}
