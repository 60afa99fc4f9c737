/*
 * output.h - the one way to write a file the user named (--output, a signed
 * report, its .sig): whole or not at all for a regular file, and straight
 * into anything else.
 *
 * A regular file (or a path that does not exist yet) is written through a
 * temporary file in the same directory, flushed to disk and renamed over
 * it, so a reader sees the old contents or the new, never part of them. A
 * path that exists and is not a regular file (a device such as /dev/null or
 * /dev/stdout, a FIFO) is opened and written in place: it is never
 * replaced, removed or given another mode. That matters most as root,
 * where rename(2) would happily put a regular file where /dev/null was.
 */
#ifndef TFLEDGER_OUTPUT_H
#define TFLEDGER_OUTPUT_H

#include <stdio.h>

/*
 * Writes the contents to f (a stream open for writing, owned by
 * output_write: do not close it); returns 0 or a negative ERR_* code with
 * err_set. Whatever it returns, output_write closes f afterwards.
 */
typedef int output_write_fn(FILE *f, void *arg);

/*
 * Calls fn(f, arg) with f open on path and finishes the file.
 *
 * A regular file at path (through any symbolic links: the file they name
 * is replaced, the links stay) is replaced atomically and keeps its
 * permission bits (not its owner: the new file is the caller's). A new
 * file gets the mode fopen(3) would give it (0666 less the umask). A path
 * that exists and is neither a regular file nor a directory is opened
 * without O_CREAT or O_TRUNC and written in place; opening a FIFO waits for
 * its reader, as a shell's redirection does.
 *
 * On any failure the regular file at path is left as it was and the
 * temporary file is removed; what was written to a device or FIFO stays
 * written. Returns 0; fn's code if fn fails; ERR_INVALID if path cannot be
 * opened or created (no such directory, no permission, a directory, too
 * long); ERR_SYSTEM if writing, flushing or renaming fails. Not for
 * concurrent writers of one path (each gets its own temporary file; the
 * last rename wins).
 */
int output_write(const char *path, output_write_fn *fn, void *arg);

#endif
