/*
 * file.h - reading a whole file the program needs as one buffer (a migration,
 * a policy), bounded by a named limit so that a wrong path cannot make memory
 * grow without end.
 */
#ifndef TFLEDGER_FILE_H
#define TFLEDGER_FILE_H

#include <stddef.h>

/*
 * Reads the file at path into *out: a buffer of *len_out bytes plus a
 * terminating NUL, owned by the caller (free it). len_out may be NULL.
 * Returns 0, ERR_LIMIT when the file is larger than max_bytes (the message
 * names limit_name, the limits.h constant), or ERR_SYSTEM when it cannot be
 * opened or read; on failure *out is NULL.
 */
int file_read(char **out, size_t *len_out, const char *path, long long max_bytes,
	      const char *limit_name);

/*
 * Opens path for reading (a link: its target is checked) as a regular file;
 * when holds is not NULL (what the file holds, for the message: "a secret",
 * "a private key"), also one that its group and others may not read.
 * *out is the descriptor (close it), -1 on failure. Returns 0, ERR_SYSTEM
 * ("PATH: cannot open", "PATH: cannot read") or ERR_INVALID naming the file
 * and, for its mode, the chmod that fixes it.
 */
int file_open_checked(int *out, const char *path, const char *holds);

#endif
