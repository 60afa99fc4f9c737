/*
 * cfg.c - locating data files and the database conninfo, splitting
 * configuration files into key/value pairs, and reading secrets from files
 * others may not read (see cfg.h).
 */
#include "common/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/file.h"
#include "common/limits.h"

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

/* s with blanks removed at both ends (in place). */
static char *trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int cfg_secret_file(char *out, size_t size, const char *path)
{
	char buf[LIMIT_SECRET_FILE_BYTES + 2];
	ssize_t n;
	size_t len;
	char *line;
	int fd = -1, rc = 0;

	if (size)
		out[0] = '\0';
	rc = file_open_checked(&fd, path, "a secret");
	if (rc < 0)
		return rc;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rc = err_sys(ERR_SYSTEM, "%s: cannot read", path);
		goto cleanup;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	line = trim(buf);
	len = strlen(line);
	if (len == 0) {
		rc = err_set(ERR_INVALID, "%s: the first line is empty", path);
		goto cleanup;
	}
	if (len >= size || len > LIMIT_SECRET_FILE_BYTES) {
		rc = err_set(ERR_LIMIT, "%s: the first line is longer than %zu bytes", path,
			     (size < LIMIT_SECRET_FILE_BYTES ? size : LIMIT_SECRET_FILE_BYTES) - 1);
		goto cleanup;
	}
	memcpy(out, line, len + 1);
cleanup:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

int cfg_file_read(const char *path, cfg_file_fn fn, void *ud)
{
	char line[LIMIT_CFG_LINE_BYTES];
	FILE *f = NULL;
	int lineno = 0;
	int rc = 0;

	f = fopen(path, "r");
	if (!f)
		return err_sys(ERR_SYSTEM, "%s: cannot open", path);
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *key, *value, *eq;

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n' && !feof(f)) {
			rc = err_set(ERR_LIMIT, "%s:%d: line longer than %d bytes", path,
				     lineno, LIMIT_CFG_LINE_BYTES - 2);
			goto cleanup;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			rc = err_set(ERR_INVALID, "%s:%d: expected 'key = value'", path,
				     lineno);
			goto cleanup;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (*key == '\0' || *value == '\0') {
			rc = err_set(ERR_INVALID, "%s:%d: expected 'key = value'%s", path,
				     lineno, *key ? ", the value is empty" : "");
			goto cleanup;
		}
		rc = fn(ud, key, value);
		if (rc < 0) {
			rc = err_wrap(rc, "%s:%d", path, lineno);
			goto cleanup;
		}
	}
	if (ferror(f))
		rc = err_sys(ERR_SYSTEM, "%s: cannot read", path);
cleanup:
	fclose(f);
	return rc;
}
