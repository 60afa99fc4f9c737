/*
 * output.c - writing a file the user named (see output.h for the contract).
 *
 * Invariant: nothing at the path that is not a regular file is ever
 * replaced, removed or chmod-ed; a regular file is replaced by rename(2) of
 * a complete, flushed temporary file beside it, or left as it was.
 * The temporary file is made with O_CREAT | O_EXCL and mode 0666, so the
 * kernel applies the umask as it does for fopen(3): umask(2) is never
 * called, since it is process-wide and the daemon has threads.
 */
#include "common/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/limits.h"

/* How many temporary names to try before giving up (each is random). */
#define TMP_TRIES 100

/* Finishes f after fn returned rc: flush, fsync if sync, close (always).
 * Returns rc, or ERR_SYSTEM if rc was 0 and finishing failed. */
static int finish(FILE *f, int rc, const char *what, bool sync)
{
	if (rc == 0 && fflush(f) != 0)
		rc = err_sys(ERR_SYSTEM, "%s: cannot write", what);
	if (rc == 0 && ferror(f))
		rc = err_set(ERR_SYSTEM, "%s: cannot write", what);
	if (rc == 0 && sync && fsync(fileno(f)) != 0)
		rc = err_sys(ERR_SYSTEM, "%s: cannot write to disk", what);
	if (fclose(f) != 0 && rc == 0)
		rc = err_sys(ERR_SYSTEM, "%s: cannot write", what);
	return rc;
}

/* A device, a FIFO: opened as it is and written into. */
static int write_in_place(const char *path, output_write_fn *fn, void *arg)
{
	struct stat st;
	FILE *f = NULL;
	int fd, rc;

	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(ERR_INVALID, "%s: cannot open", path);
	if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(ERR_SYSTEM, "%s: replaced by a regular file while being opened",
			       path);
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = err_sys(ERR_SYSTEM, "%s", path);
		close(fd);
		return rc;
	}
	return finish(f, fn(f, arg), path, false);
}

/* Creates a new temporary file beside target: its name into tmp, its fd. */
static int create_tmp(int *out, char tmp[LIMIT_PATH_BYTES], const char *target)
{
	struct timespec ts;
	unsigned long x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16);
	for (int i = 0; i < TMP_TRIES; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		if (snprintf(tmp, LIMIT_PATH_BYTES, "%s.%06lx.tmp", target,
			     (x >> 40) & 0xffffff) >= LIMIT_PATH_BYTES)
			return err_set(ERR_INVALID, "%s: path too long", target);
		*out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0666);
		if (*out >= 0)
			return 0;
		if (errno != EEXIST)
			return err_sys(ERR_INVALID, "%s: cannot create", target);
	}
	return err_set(ERR_SYSTEM, "%s: no free temporary name after %d tries", target,
		       TMP_TRIES);
}

/* A regular file, or none yet: a temporary file renamed over it. */
static int replace(const char *path, output_write_fn *fn, void *arg)
{
	char tmp[LIMIT_PATH_BYTES];
	char *real = NULL;
	const char *target = path;
	struct stat st;
	bool exists, created = false;
	FILE *f = NULL;
	int fd = -1, rc;

	/* Through a symbolic link: replace the file it names, keep the link. */
	exists = stat(path, &st) == 0;
	if (exists && (real = realpath(path, NULL)))
		target = real;
	rc = create_tmp(&fd, tmp, target);
	if (rc < 0)
		goto cleanup;
	created = true;
	if (exists && fchmod(fd, st.st_mode & 0777) != 0) {
		rc = err_sys(ERR_SYSTEM, "%s: cannot set the mode of %s", tmp, target);
		goto cleanup;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = err_sys(ERR_SYSTEM, "%s", tmp);
		goto cleanup;
	}
	fd = -1; /* f owns it */
	rc = finish(f, fn(f, arg), tmp, true);
	if (rc == 0 && rename(tmp, target) != 0)
		rc = err_sys(ERR_SYSTEM, "cannot rename %s to %s", tmp, target);
cleanup:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && created)
		(void)unlink(tmp);
	free(real);
	return rc;
}

int output_write(const char *path, output_write_fn *fn, void *arg)
{
	struct stat st;

	if (stat(path, &st) != 0 || S_ISREG(st.st_mode))
		return replace(path, fn, arg);
	if (S_ISDIR(st.st_mode))
		return err_set(ERR_INVALID, "%s: is a directory", path);
	return write_in_place(path, fn, arg);
}
