/*
 * cfg.h - where tfledger finds its data files (migrations, policies, country
 * data, schemas) and its database.
 *
 * Data directory lookup, first that exists wins:
 *   1. the environment variable TFLEDGER_DATADIR
 *   2. the installed $(pkgdatadir)
 *   3. the source tree it was built from ($(abs_top_srcdir)), so that an
 *      uninstalled build runs as is.
 */
#ifndef TFLEDGER_CFG_H
#define TFLEDGER_CFG_H

#include <stddef.h>

/*
 * Writes DATADIR/rel into out (size bytes), where DATADIR is the first of
 * the directories above that contains rel. Returns 0, or ERR_NOTFOUND naming
 * every place it looked.
 */
int cfg_data_path(char *out, size_t size, const char *rel);

/*
 * The database conninfo: opt if not NULL, else $TFLEDGER_DATABASE. Returns
 * NULL with ERR_INVALID set if neither is given.
 */
const char *cfg_database(const char *opt);

#endif
