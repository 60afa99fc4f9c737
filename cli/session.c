/*
 * session.c - the direct database session of the fund and travel families
 * (see session.h).
 */
#include "cli/session.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "fund/fund.h"
#include "bank/reconcile.h"
#include "travel/travel.h"

int cli_session_open(PGconn **c, struct ledger_actor *who, char user[CLI_USER_BYTES],
		     char request_id[CLI_REQUEST_ID_BYTES], const char *database,
		     const char *role)
{
	const char *conninfo = cfg_database(database);
	struct passwd *pw = getpwuid(geteuid());
	const char *name = pw ? pw->pw_name : getenv("USER");
	int rc;

	snprintf(user, CLI_USER_BYTES, "%s", name && *name ? name : "unknown");
	snprintf(request_id, CLI_REQUEST_ID_BYTES, "cli-%ld", (long)getpid());
	*who = (struct ledger_actor){LEDGER_FUND_CLI_TOKEN_ID, user, role, request_id};
	if (!conninfo)
		return ERR_INVALID;
	rc = db_connect(c, conninfo);
	if (rc == 0)
		rc = ledger_store_setup(*c);
	if (rc == 0)
		rc = fund_setup(*c);
	if (rc == 0)
		rc = bank_reconcile_setup(*c);
	if (rc == 0)
		rc = travel_setup(*c);
	return rc;
}
