/*
 * file.c - reading a whole file into one buffer (see file.h). It never
 * allocates more than the caller's limit plus one byte.
 */
#include "common/file.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

int file_read(char **out, size_t *len_out, const char *path, long long max_bytes,
	      const char *limit_name)
{
	FILE *f = NULL;
	char *buf = NULL;
	struct stat st;
	size_t len;
	int rc = 0;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) < 0) {
		rc = err_sys(ERR_SYSTEM, "%s: cannot read", path);
		goto cleanup;
	}
	if ((long long)st.st_size > max_bytes) {
		rc = err_set(ERR_LIMIT, "%s: larger than %lld bytes (%s)", path, max_bytes,
			     limit_name);
		goto cleanup;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = err_set(ERR_SYSTEM, "out of memory");
		goto cleanup;
	}
	len = fread(buf, 1, (size_t)st.st_size, f);
	if (len != (size_t)st.st_size || ferror(f)) {
		rc = err_sys(ERR_SYSTEM, "%s: read error", path);
		goto cleanup;
	}
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	*out = buf;
	buf = NULL;
cleanup:
	free(buf);
	if (f)
		fclose(f);
	return rc;
}

int file_open_checked(int *out, const char *path, const char *holds)
{
	struct stat st;
	int fd, rc = 0;

	*out = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(ERR_SYSTEM, "%s: cannot open", path);
	if (fstat(fd, &st) < 0)
		rc = err_sys(ERR_SYSTEM, "%s: cannot read", path);
	else if (!S_ISREG(st.st_mode))
		rc = err_set(ERR_INVALID, "%s: not a regular file", path);
	else if (holds && (st.st_mode & (S_IRWXG | S_IRWXO)))
		rc = err_set(ERR_INVALID, "%s: holds %s but its group or others may read it "
				      "(mode %04o): chmod 600 %s", path, holds,
			     (unsigned)(st.st_mode & 07777), path);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}
