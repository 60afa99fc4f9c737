/*
 * cluster.h - the private PostgreSQL cluster ("the embedded default").
 *
 * A cluster lives in one directory DIR: initdb's data files, the server log
 * (DIR/server.log) and the unix socket, with no TCP listener. PostgreSQL
 * refuses to run as root, so when the caller is root every server program
 * runs as the "postgres" user and DIR is handed to that user. The bootstrap
 * superuser is always named "postgres", so the conninfo is the same whoever
 * started it. Authentication is "trust" on the socket only: DIR is mode 0700,
 * so only its owner (and root) can reach the socket.
 *
 * A cluster can have one synchronous standby: another private cluster, a
 * streaming replica made with pg_basebackup, fed through the replication
 * slot CLUSTER_STANDBY and named so in the primary's
 * synchronous_standby_names, so that a COMMIT on the primary returns only
 * once the standby has flushed it (synchronous_commit stays "on"). When the
 * primary is lost, promoting the standby loses no acknowledged commit: a
 * promoted standby replays all the WAL it flushed before it takes writes.
 *
 * The CLI (tfledger db ...), the test harness and test_failover use this code.
 */
#ifndef TFLEDGER_CLUSTER_H
#define TFLEDGER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#define CLUSTER_DBNAME "tfledger"
/* The standby's replication slot and application name on its primary. */
#define CLUSTER_STANDBY "tfledger_standby"

struct cluster_opts {
	bool fsync_off; /* tests only: fsync=off, full_page_writes=off */
};

/*
 * initdb into dir (created if missing; it must be empty or absent).
 * ERR_CONFLICT if dir already holds a cluster.
 */
int cluster_init(const char *dir, const struct cluster_opts *opts);

/*
 * Starts the cluster in dir (a no-op if it is running), creates the
 * database CLUSTER_DBNAME if absent, and writes its conninfo into out.
 */
int cluster_start(const char *dir, const struct cluster_opts *opts, char *out,
		  size_t size);

/* Stops the cluster (fast shutdown); a no-op if it is not running. */
int cluster_stop(const char *dir);

/* *running = whether the server of dir is up. ERR_NOTFOUND if no cluster. */
int cluster_status(const char *dir, bool *running);

/* Writes the conninfo of database dbname in the cluster at dir into out. */
int cluster_conninfo(char *out, size_t size, const char *dir, const char *dbname);

/*
 * The conninfo of database dbname over the pair primary, standby (absolute
 * directories, no ',' in them): libpq tries the primary first, then the
 * standby, and takes only the one that accepts writes
 * (target_session_attrs=read-write), so that after a promotion a new
 * connection reaches the new primary.
 */
int cluster_conninfo_pair(char *out, size_t size, const char *primary, const char *standby,
			  const char *dbname);

/*
 * Makes dir a synchronous standby of the running cluster at primary and
 * starts it: pg_basebackup -R (standby.signal, primary_conninfo) -C -S
 * CLUSTER_STANDBY into dir, the private settings (socket in dir,
 * cluster_name CLUSTER_STANDBY), start, wait until it streams, then set the
 * primary's synchronous_standby_names to it (ALTER SYSTEM, reload) and wait
 * until it is synchronous. Writes the pair's conninfo
 * (cluster_conninfo_pair) into out. ERR_INVALID if the primary is not
 * running; ERR_CONFLICT if dir holds a cluster or the primary already has
 * the slot (one standby per primary).
 */
int cluster_init_standby(const char *dir, const char *primary, char *out, size_t size);

/* Promotes the running standby at dir to a primary (pg_ctl promote -w).
 * ERR_INVALID if dir is not a standby or does not run. */
int cluster_promote(const char *dir);

/* Stops the cluster at once, as a crash would (pg_ctl stop -m immediate),
 * for failover drills and tests; a no-op if it is not running. */
int cluster_crash(const char *dir);

/* Turns dir into an absolute path in out (dir need not exist yet). */
int cluster_abspath(char *out, size_t size, const char *dir);

#endif
