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
 * The CLI (tfledger db ...) and the test harness both use this code.
 */
#ifndef TFLEDGER_CLUSTER_H
#define TFLEDGER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#define CLUSTER_DBNAME "tfledger"

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

/* Turns dir into an absolute path in out (dir need not exist yet). */
int cluster_abspath(char *out, size_t size, const char *dir);

#endif
