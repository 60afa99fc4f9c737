/*
 * cfg.c - locating data files and the database conninfo (see cfg.h).
 */
#include "common/cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/err.h"

int cfg_data_path(char *out, size_t size, const char *rel)
{
	const char *dirs[3];
	int n = 0;
	const char *env = getenv("TFLEDGER_DATADIR");

	if (env && *env)
		dirs[n++] = env;
	dirs[n++] = PKGDATADIR;
	dirs[n++] = SRCDATADIR;
	for (int i = 0; i < n; i++) {
		int len = snprintf(out, size, "%s/%s", dirs[i], rel);

		if (len < 0 || (size_t)len >= size)
			return err_set(ERR_LIMIT, "path too long: %s/%s", dirs[i], rel);
		if (access(out, F_OK) == 0)
			return 0;
	}
	return err_set(ERR_NOTFOUND,
		       "cannot find %s (looked in $TFLEDGER_DATADIR=%s, %s, %s)",
		       rel, env ? env : "(unset)", PKGDATADIR, SRCDATADIR);
}

const char *cfg_database(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv("TFLEDGER_DATABASE");
	if (env && *env)
		return env;
	err_set(ERR_INVALID,
		"no database given: use --database CONNINFO or set TFLEDGER_DATABASE "
		"(tfledger db start --dir DIR prints one)");
	return NULL;
}
