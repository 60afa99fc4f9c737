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
	cluster_daemon_stop
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

# cluster_daemon CONNINFO: starts tfledgerd ($TFLEDGERD_BIN, else the
# tfledgerd beside the tfledger binary) for CONNINFO on a free loopback
# port, waits for its /healthz and sets cluster_url to its URL (a port
# taken meanwhile is tried again, five times). Its log is
# $work/tfledgerd.log; cluster_daemon_stop, or the cleanup, stops it.
cluster_daemon() {
	cluster_tfd=${TFLEDGERD_BIN:-$(dirname "$cluster_tfledger")/tfledgerd}
	for cluster_try in 1 2 3 4 5; do
		cluster_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		"$cluster_tfd" --database "$1" --listen "127.0.0.1:$cluster_port" \
			>>"$work/tfledgerd.log" 2>&1 &
		echo $! >"$work/tfledgerd.pid"
		cluster_wait=0
		while [ "$cluster_wait" -lt 200 ]; do
			if curl -fs "http://127.0.0.1:$cluster_port/healthz" >/dev/null 2>&1; then
				cluster_url="http://127.0.0.1:$cluster_port"
				return 0
			fi
			kill -0 "$(cat "$work/tfledgerd.pid")" 2>/dev/null || break
			sleep 0.05
			cluster_wait=$((cluster_wait + 1))
		done
		cluster_daemon_stop
	done
	echo "tfledgerd did not start; its log:" >&2
	tail -n 20 "$work/tfledgerd.log" >&2
	return 1
}

# cluster_daemon_stop: stops the tfledgerd of cluster_daemon, if one runs.
cluster_daemon_stop() {
	if [ -f "$work/tfledgerd.pid" ]; then
		kill "$(cat "$work/tfledgerd.pid")" 2>/dev/null || true
		wait "$(cat "$work/tfledgerd.pid")" 2>/dev/null || true
		rm -f "$work/tfledgerd.pid"
	fi
}
