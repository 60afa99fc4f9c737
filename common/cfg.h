/*
 * cfg.h - where tfledger finds its data files (migrations, policies, country
 * data, schemas) and its database.
 *
 * Data directory lookup, first that exists wins:
 *   1. the environment variable TFLEDGER_DATADIR
 *   2. the installed $(pkgdatadir)
 *   3. the source tree it was built from ($(abs_top_srcdir)), so that an
 *      uninstalled build runs as is.
 *
 * It also reads configuration files (tfledgerd.conf): one `key = value` per
 * line, `#` starts a comment line, blank lines are skipped. What the keys mean
 * is the caller's business; this file only splits the lines.
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

/*
 * Reads a secret (a conninfo with its password, an API token) from the
 * file at path into out (size bytes): its first line, blanks trimmed, so
 * that it never shows in `ps` as an argument would. The file must be a
 * regular file that neither its group nor others may read, write or run
 * (as libpq's ~/.pgpass). Returns 0; ERR_SYSTEM if it cannot be read;
 * ERR_INVALID naming the file and its mode ("chmod 600 FILE") if others
 * may read it, or if the line is empty; ERR_LIMIT if it is longer than
 * size - 1 or LIMIT_SECRET_FILE_BYTES. The message never holds the secret.
 */
int cfg_secret_file(char *out, size_t size, const char *path);

/*
 * Called by cfg_file_read() for each `key = value` line. key and value are
 * trimmed of surrounding blanks, never empty, and valid only during the call
 * (copy what you keep). Returns 0 to go on, or a negative code with err_set()
 * (e.g. "unknown key 'x'") to stop; the message gets "FILE:LINE: " in front.
 */
typedef int (*cfg_file_fn)(void *ud, const char *key, const char *value);

/*
 * Reads the configuration file at path, calling fn(ud, key, value) for each
 * setting in file order. The value is the rest of the line after the first
 * '=' (so it may hold '=' and '#'; only whole lines are comments). Returns 0;
 * ERR_SYSTEM if the file cannot be read; ERR_INVALID naming FILE:LINE for a
 * line that is not `key = value`; ERR_LIMIT for a line over
 * LIMIT_CFG_LINE_BYTES; or fn's code, with FILE:LINE prefixed to its message.
 */
int cfg_file_read(const char *path, cfg_file_fn fn, void *ud);

#endif
