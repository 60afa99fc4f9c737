/*
 * session.h - how the tfledger families that work on the database directly
 * (fund, donors, ..., meetings, travel) connect: one connection with every
 * ledger module's statements prepared, and the OS user as the actor of the
 * audit rows.
 */
#ifndef TFLEDGER_CLI_SESSION_H
#define TFLEDGER_CLI_SESSION_H

#include <libpq-fe.h>

#include "ledger/ledger.h"

#define CLI_USER_BYTES 128
#define CLI_REQUEST_ID_BYTES 64

/*
 * Connects to database (or $TFLEDGER_DATABASE), prepares the store, fund,
 * reconcile and travel statements, and fills *who (role as given, the CLI
 * token id, the OS user, a request id "cli-PID") with user and request_id as
 * its storage. The caller owns *c (PQfinish). ERR_INVALID if no database is
 * given, ERR_UNAVAILABLE if it cannot be reached.
 */
int cli_session_open(PGconn **c, struct ledger_actor *who, char user[CLI_USER_BYTES],
		     char request_id[CLI_REQUEST_ID_BYTES], const char *database,
		     const char *role);

#endif
