# scripts/cluster.sh - throwaway private PostgreSQL clusters for the shell
# scripts that need them (tests/integration/*.sh, bench/*.sh,
# scripts/schema-snapshot.sh). Sourced, POSIX sh. Every cluster is a
# directory under one work directory; whatever way the script exits, each
# is stopped, the work directory removed and the exit status kept.

# cluster_work PREFIX TFLEDGER: sets work to a new directory
# /tmp/PREFIX.XXXXXX and arranges the cleanup on every exit with the tfledger
# binary TFLEDGER. The directory is made traversable: as root, the servers
# run as the postgres user, which must reach the cluster directories. A
# script that has more to stop (a daemon) defines cluster_before_stop.
cluster_work() {
	work=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$work"
	cluster_tfledger=$2
	trap cluster_cleanup EXIT
	trap 'exit 1' HUP INT TERM
}

# The EXIT trap: stops every cluster under $work (showing the tail of its
# server log when the script failed), removes $work, keeps the status.
cluster_cleanup() {
	cluster_status=$?
	if command -v cluster_before_stop >/dev/null 2>&1; then
		cluster_before_stop || true
	fi
	for cluster_dir in "$work"/*/; do
		cluster_dir=${cluster_dir%/}
		"$cluster_tfledger" db stop --dir "$cluster_dir" >/dev/null 2>&1 || true
		if [ "$cluster_status" -ne 0 ] && [ -f "$cluster_dir/server.log" ]; then
			echo "==== $cluster_dir/server.log"
			tail -n 40 "$cluster_dir/server.log"
		fi
	done
	rm -rf "$work"
	exit "$cluster_status"
}

# cluster_start NAME: initialises and starts the cluster $work/NAME and
# prints its conninfo; what initdb said is shown only when it fails.
cluster_start() {
	"$cluster_tfledger" db init --dir "$work/$1" >"$work/$1.init.log" 2>&1 ||
		{ cat "$work/$1.init.log" >&2; return 1; }
	"$cluster_tfledger" db start --dir "$work/$1"
}
