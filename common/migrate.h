/*
 * migrate.h - schema migrations: numbered SQL files (NNNN_name.sql) applied
 * in order, each in one transaction, recorded with their SHA-256 in
 * schema_migrations. A landed migration is never edited: if a file's hash no
 * longer matches what was recorded, nothing runs and the caller is told
 * which file changed. A new file is never numbered below the last one
 * applied, so every database applies the files in the same order: a pending
 * file that sorts below an applied one is refused, and nothing runs.
 * Concurrent runs are serialised by an advisory lock.
 * Migration files must not contain transaction control (BEGIN/COMMIT).
 * schema.sql in the same directory is the schema snapshot, never applied.
 */
#ifndef TFLEDGER_MIGRATE_H
#define TFLEDGER_MIGRATE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/hash.h"

struct migration {
	char name[128];                    /* file name, e.g. 0001_init.sql */
	char file_sha256[HASH_HEX_BYTES];  /* "" if not on disk */
	char db_sha256[HASH_HEX_BYTES];    /* "" if not applied */
	char applied_at[40];               /* RFC 3339, "" if not applied */
};

/* The default migrations directory: DATADIR/migrations (see cfg.h). */
int migrate_default_dir(char *out, size_t size);

/*
 * Lists the migrations on disk in dir and those recorded in the database,
 * in name order, into a new array *out of *n rows (free() it). Changes
 * nothing.
 */
int migrate_list(struct migration **out, size_t *n, PGconn *c, const char *dir);

/*
 * Applies every pending migration of dir, in order. *applied (if not NULL)
 * counts those applied by this call. ERR_CONFLICT if a recorded migration's
 * file changed or is missing, the database has one this program does not
 * know, or a pending file sorts below the last one applied (the message
 * names both); ERR_INVALID if a file is malformed or its SQL fails (the message
 * names the file and the server's error). Nothing of a failed migration is
 * kept; those before it stay applied.
 */
int migrate_apply(PGconn *c, const char *dir, int *applied);

/*
 * 0 if every migration of dir is applied and unchanged; ERR_CONFLICT as in
 * migrate_apply; ERR_INVALID if some are pending. For the daemon's start-up.
 */
int migrate_check(PGconn *c, const char *dir);

#endif
