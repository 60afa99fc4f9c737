#!/bin/sh
# bench/ledger.sh - tfledgerd throughput against pgbench on the same private
# cluster with durable commits (fsync on, synchronous_commit on). Prints
# figures; never passes or fails. Not run by `make check`.
#
#   bench/ledger.sh [BUILD_DIR]        (default: the current directory)
#
# 1. single-entry POST /v1/entries: 16 keep-alive clients (wrk), entries/s,
#    p50, p99; then pgbench tpcb-like with 16 clients: tps; the ratio;
#    ROUNDS times (default 3), then the ratios' median.
# 2. POST /v1/entries/batch with 1,000 two-posting entries, 4 clients (two
#    per writer lane): entries/s.
# 3. GET balance as_of on an account with >= 1,000,000 postings: p50, p99;
#    then the machine's floor for the same wake-ups (bench/wakeup.c).
# Needs wrk and pgbench (`pg_config --bindir`). DURATION (seconds, default 15);
# SETTLE and QUIET_LOAD: see quiet() below. SECTIONS: which sections run,
# a list of single, batch and as-of (default all three; as-of fills the
# account with batches first). ROUNDS: see section 1. PROFILE=DIR: where
# each section's CPU goes, per entry or request (bench/profile.sh; needs
# perf).
set -eu
BUILD=${1:-.}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-15}
PGBIN=$(pg_config --bindir)
export TFLEDGER_DATADIR="$SRC" TFLEDGER_LOG_LEVEL=warn
TFL="$BUILD/tfledger"
PORT=${PORT:-18181}
URL="http://127.0.0.1:$PORT"
DPID=
cluster_before_stop() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; }
}
. "$SRC/scripts/cluster.sh"
. "$SRC/bench/profile.sh"
cluster_work tflb "$TFL"
DIR=$work

DB=$(cluster_start pg)
PSQL="$PGBIN/psql -X -q -At -h $DIR/pg -U postgres"
echo "cluster: fsync=$($PSQL -d tfledger -c 'SHOW fsync')" \
     "synchronous_commit=$($PSQL -d tfledger -c 'SHOW synchronous_commit')" \
     "cpus=$(nproc)"
# The machine may be shared. Before each measurement, quiet waits up to
# SETTLE seconds (default 90) for the one-minute load average to fall below
# QUIET_LOAD (default 1.0) and prints it; if it does not, the section's
# figures are marked NOT VALID (the run goes on). Every section ends with
# the load average too.
SETTLE=${SETTLE:-90}
QUIET_LOAD=${QUIET_LOAD:-1.0}
BUSY=
INVALID_SECTIONS=
load1() { cut -d' ' -f1 /proc/loadavg; }
quiet() {
	t=0
	while awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN { exit !(l >= q) }' && [ "$t" -lt "$SETTLE" ]; do
		sleep 5; t=$((t + 5))
	done
	l=$(load1)
	if awk -v l="$l" -v q="$QUIET_LOAD" 'BEGIN { exit !(l >= q) }'; then
		BUSY="  (NOT VALID: the machine was busy before this section: load $l >= $QUIET_LOAD after ${t}s)"
		INVALID_SECTIONS="$INVALID_SECTIONS $1"
	else
		BUSY=
	fi
	echo "  (load average before: $(cut -d' ' -f1-3 /proc/loadavg); quiet below $QUIET_LOAD)"
}
load() { echo "  (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"; }
"$TFL" migrate --database "$DB" >/dev/null 2>&1
TOKEN=$("$TFL" token create --role finance --name bench --database "$DB")
export TOKEN
"$BUILD/tfledgerd" --database "$DB" --listen "127.0.0.1:$PORT" 2>"$DIR/tfledgerd.log" &
DPID=$!
i=0
until curl -sf "$URL/healthz" >/dev/null; do
	i=$((i + 1)); [ $i -gt 500 ] && { echo "tfledgerd did not start"; cat "$DIR/tfledgerd.log"; exit 2; }
	sleep 0.02
done
for a in '"1010","name":"Bank","type":"asset"' '"4010","name":"Contributions","type":"revenue"' \
	 '"BIG","name":"Busy","type":"asset"'; do
	curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -X POST "$URL/v1/accounts" \
	     -d "{\"code\":$a,\"currency\":\"EUR\"}"
done

# wrk --latency prints "50%    1.23ms"; convert a latency to milliseconds.
ms() { awk -v p="$1" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
	if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
	printf "%.2f", v }'; }
rps() { awk '/^Requests\/sec:/ { print $2 }'; }
# wrk counts answers other than 2xx/3xx; the figures are void if there are any.
bad() { awk '/Non-2xx/ { n = $NF } END { if (n) printf "  (INVALID: %d non-2xx answers)", n }'; }

# Single entries against pgbench in ROUNDS rounds (default 3), each a
# tfledgerd section then a pgbench section: the machine's speed drifts
# (pgbench alone ran 1,354-2,253 tps on quiet starts, bench/README.md), so
# a ratio is taken within each round and the run gives them all and their
# median. Only round 1 is profiled.
SECTIONS=${SECTIONS:-single batch as-of}
section() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }
ROUNDS=${ROUNDS:-3}
MEDIAN=- BATCH_EPS=- ASOF_P99=-
if section single; then
	$PSQL -d postgres -c "CREATE DATABASE pgbench"
	"$PGBIN/pgbench" -q -i -s 16 -h "$DIR/pg" -U postgres pgbench >/dev/null 2>&1
	$PSQL -d postgres -c "CHECKPOINT"
	RATIOS=
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		[ "$r" -eq 1 ] || PROFILE_OFF=1
		echo "== round $r of $ROUNDS: single-entry POST /v1/entries, 16 keep-alive clients, ${DURATION}s"
		quiet "single-entry-$r"
		wrk -t4 -c16 -d"${DURATION}s" --latency -s "$SRC/bench/ledger_post.lua" "$URL/v1/entries" >"$DIR/post.txt" 2>"$DIR/post.err" &
		WRK=$!
		profile_start single-entry
		wait $WRK
		EPS=$(rps <"$DIR/post.txt")
		echo "entries/s: $EPS  p50: $(ms 50% <"$DIR/post.txt") ms  p99: $(ms 99% <"$DIR/post.txt") ms$(bad <"$DIR/post.txt")$BUSY"
		[ -s "$DIR/post.err" ] && head -3 "$DIR/post.err"
		profile_stop single-entry "$EPS" entry entries
		load
		curl -s "$URL/metrics" | awk '/^tfledger_group_commit_entries_(sum|count)/ { v[$1] = $2 }
			END { if (v["tfledger_group_commit_entries_count"] > 0)
				printf "group commit so far: %d groups, %.1f entries per group\n", v["tfledger_group_commit_entries_count"],
				v["tfledger_group_commit_entries_sum"] / v["tfledger_group_commit_entries_count"] }'

		echo "== round $r of $ROUNDS: pgbench tpcb-like, 16 clients, ${DURATION}s, same cluster"
		quiet "pgbench-$r"
		"$PGBIN/pgbench" -c 16 -j 4 -T "$DURATION" -b tpcb-like -h "$DIR/pg" -U postgres pgbench >"$DIR/pgbench.txt" 2>&1 &
		WRK=$!
		profile_start pgbench
		wait $WRK
		TPS=$(awk -F'= ' '/^tps/ { split($2, a, " "); print a[1]; exit }' "$DIR/pgbench.txt")
		echo "pgbench tps: $TPS$BUSY"
		profile_stop pgbench "$TPS" transaction transactions
		load
		RATIO=$(awk -v a="$EPS" -v b="$TPS" 'BEGIN { printf "%.2f", a / b }')
		echo "round $r ratio entries/s / pgbench tps: $RATIO (required >= 1.5)"
		RATIOS="$RATIOS $RATIO"
		r=$((r + 1))
	done
	PROFILE_OFF=
	MEDIAN=$(echo "$RATIOS" | tr ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
	echo "ratios:$RATIOS; median $MEDIAN (required >= 1.5)"
	# pgbench's 1.6 million fresh rows would keep autovacuum and the
	# checkpointer busy through the next sections: drop them and start clean.
	$PSQL -d postgres -c "DROP DATABASE pgbench"
	$PSQL -d postgres -c "CHECKPOINT"
fi

# The batch every batch request posts (and the as-of section's fill): 1,000
# two-posting entries, one for each day of 2019 in turn.
awk 'BEGIN { printf "{\"entries\":["
	for (i = 0; i < 1000; i++) {
		d = 1546300800 + (i % 365) * 86400
		printf "%s{\"date\":\"%s\",\"memo\":\"b%d\",\"postings\":[" \
		       "{\"account\":\"BIG\",\"side\":\"debit\",\"amount\":\"1.00\",\"currency\":\"EUR\"}," \
		       "{\"account\":\"4010\",\"side\":\"credit\",\"amount\":\"1.00\",\"currency\":\"EUR\"}]}",
		       i ? "," : "", strftime("%Y-%m-%d", d, 1), i
	}
	printf "]}" }' >"$DIR/batch.json"
export BATCH_FILE="$DIR/batch.json"

if section batch; then
	# Four clients: two per writer lane (LIMIT_WRITER_LANES), so that a lane
	# has its next batch parsed while it stores one.
	echo "== POST /v1/entries/batch, 1,000 two-posting entries per request, 4 clients, ${DURATION}s"
	quiet batch
	wrk -t2 -c4 -d"${DURATION}s" --latency --timeout 30s -s "$SRC/bench/ledger_batch.lua" "$URL/v1/entries/batch" >"$DIR/batch.txt" 2>"$DIR/batch.err" &
	WRK=$!
	profile_start batch
	wait $WRK
	BPS=$(rps <"$DIR/batch.txt")
	BATCH_EPS=$(awk -v r="$BPS" 'BEGIN { printf "%.0f", r * 1000 }')
	echo "entries/s: $BATCH_EPS (required >= 30000)  request p50: $(ms 50% <"$DIR/batch.txt") ms$(bad <"$DIR/batch.txt")$BUSY"
	[ -s "$DIR/batch.err" ] && head -3 "$DIR/batch.err"
	profile_stop batch "$(awk -v r="$BPS" 'BEGIN { print r * 1000 }')" entry entries
	load
fi

if section as-of; then
	echo "== as-of balance on an account with >= 1,000,000 postings"
	N=$($PSQL -d tfledger -c "SELECT count(*) FROM postings WHERE account = 'BIG'")
	while [ "$N" -lt 1000000 ]; do
		curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
		     --data-binary @"$DIR/batch.json" "$URL/v1/entries/batch"
		N=$((N + 1000))
	done
	echo "postings on BIG: $($PSQL -d tfledger -c "SELECT count(*) FROM postings WHERE account = 'BIG'")," \
	     "running-balance rows: $($PSQL -d tfledger -c "SELECT count(*) FROM balances WHERE account = 'BIG'")"
	# The fill above leaves autovacuum a million fresh rows to work through and
	# the checkpointer their pages to write; the lookup is measured in steady
	# state, after both, not while they compete for the two cores.
	$PSQL -d tfledger -c "VACUUM (ANALYZE) postings, balances, entries"
	$PSQL -d tfledger -c "CHECKPOINT"
	quiet as-of
	wrk -t1 -c1 -d"${DURATION}s" --latency -s "$SRC/bench/ledger_asof.lua" "$URL" >"$DIR/asof.txt" 2>"$DIR/asof.err" &
	WRK=$!
	profile_start as-of
	wait $WRK
	ASOF_P99=$(ms 99% <"$DIR/asof.txt")
	echo "HTTP GET balance?as_of: p50 $(ms 50% <"$DIR/asof.txt") ms  p99 $ASOF_P99 ms (required < 1 ms)$(bad <"$DIR/asof.txt")$BUSY"
	[ -s "$DIR/asof.err" ] && head -3 "$DIR/asof.err"
	profile_stop as-of "$(rps <"$DIR/asof.txt")" request requests
	load
	# The same wake-ups with nothing in between: three processes, the
	# middle one asking the last twice a request (the token, the balance).
	echo "the machine's floor for those wake-ups (bench/wakeup 3 5 2):"
	"$BUILD/bench/wakeup" 3 5 2
	$PSQL -d tfledger -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) SELECT debit_balance FROM balances WHERE account = 'BIG' AND day <= '2019-07-01' ORDER BY day DESC LIMIT 1" | grep -E "Index|Execution"
fi
echo "== summary: single/pgbench median ratio $MEDIAN (>= 1.5), batch $BATCH_EPS entries/s" \
     "(>= 30000), as-of p99 $ASOF_P99 ms (< 1)"
if [ -n "$INVALID_SECTIONS" ]; then
	echo "== NOT VALID (busy machine):$INVALID_SECTIONS; rerun on a quiet machine"
else
	echo "== every section started on a quiet machine (load < $QUIET_LOAD)"
fi
