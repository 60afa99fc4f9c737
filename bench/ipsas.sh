#!/bin/sh
# bench/ipsas.sh - the four IPSAS statements (financial-position,
# financial-performance, changes-in-net-assets, cash-flow) over a year of
# POSTINGS postings (default 1,000,000): wall time, postings/s and the peak
# RSS of each `tfledger report KIND` (/usr/bin/time -v). Prints figures;
# never passes or fails. Not run by `make check`. Target (issue 14):
# 150,000 postings/s or more, with memory that does not grow with the
# postings (compare POSTINGS=100000 with the default).
#
#   bench/ipsas.sh [BUILD_DIR]        (default: the current directory)
#
# A private cluster with fsync=off (the load is not what is measured; the
# reports only read). The journal is loaded through tfledgerd's
# POST /v1/entries/batch, 1,000 two-posting entries per request, as
# bench/ledger.sh builds them, on the fund's own chart (tfledger fund init)
# so that every entry moves a bank account: per day and currency (EUR and
# USD in turns) a contribution received (Dr 1010 / Cr 4100 3.00), travel
# paid (Dr 5200 / Cr 1010 1.00), bank charges (Dr 5100 / Cr 1010 0.10) and
# interest (Dr 1010 / Cr 4300 0.05), dated over 2019. EUR rates for
# 2018-12 to 2019-12 are imported first.
set -eu
BUILD=${1:-.}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
POSTINGS=${POSTINGS:-1000000}
PGBIN=$(pg_config --bindir)
export TFLEDGER_DATADIR="$SRC" TFLEDGER_LOG_LEVEL=warn
TFL="$BUILD/tfledger"
PORT=${PORT:-18183}
URL="http://127.0.0.1:$PORT"
DPID=
cluster_before_stop() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; }
}
. "$SRC/scripts/cluster.sh"
cluster_work tfli "$TFL"
DIR=$work

DB=$(cluster_start pg)
PSQL="$PGBIN/psql -X -q -At -h $DIR/pg -U postgres"
$PSQL -d tfledger -c "ALTER SYSTEM SET fsync = off" -c "SELECT pg_reload_conf()" >/dev/null
"$TFL" migrate --database "$DB" >/dev/null 2>&1
{
	echo "currency,month,usd_per_unit"
	echo "EUR,2018-12,1.1450"
	for m in 01 02 03 04 05 06 07 08 09 10 11 12; do echo "EUR,2019-$m,1.1$m"; done
} >"$DIR/rates.csv"
TOKEN=$("$TFL" token create --role finance --name bench --database "$DB")
echo "cluster: fsync=$($PSQL -d tfledger -c 'SHOW fsync') cpus=$(nproc) postings=$POSTINGS" \
     "page=$(grep -o 'LIMIT_REPORT_PAGE_ENTRIES [0-9]*' "$SRC/common/limits.h")"
"$BUILD/tfledgerd" --database "$DB" --listen "127.0.0.1:$PORT" 2>"$DIR/tfledgerd.log" &
DPID=$!
i=0
until curl -sf "$URL/healthz" >/dev/null; do
	i=$((i + 1)); [ $i -gt 500 ] && { echo "tfledgerd did not start"; cat "$DIR/tfledgerd.log"; exit 2; }
	sleep 0.02
done
# the fund's books through tfledgerd, as finance does them
"$TFL" fund init --url "$URL" --token "$TOKEN" >/dev/null 2>&1
"$TFL" rates import "$DIR/rates.csv" --url "$URL" --token "$TOKEN" >/dev/null 2>&1

# batch.C.json: 1,000 entries in currency C, four a day (net +1.95 a day:
# no bank account goes below zero on any day).
for C in EUR USD; do
	awk -v c="$C" 'BEGIN { printf "{\"entries\":["
		split("1010 4100 3.00|5200 1010 1.00|5100 1010 0.10|1010 4300 0.05", k, "|")
		for (i = 0; i < 1000; i++) {
			split(k[i % 4 + 1], p, " ")
			d = 1546300800 + (int(i / 4) % 250) * 86400 * 365 / 250
			printf "%s{\"date\":\"%s\",\"memo\":\"ipsas bench %d\",\"postings\":[" \
			       "{\"account\":\"%s-%s\",\"side\":\"debit\",\"amount\":\"%s\",\"currency\":\"%s\"}," \
			       "{\"account\":\"%s-%s\",\"side\":\"credit\",\"amount\":\"%s\",\"currency\":\"%s\"}]}",
			       i ? "," : "", strftime("%Y-%m-%d", d, 1), i, p[1], c, p[3], c, p[2], c, p[3], c
		}
		printf "]}" }' >"$DIR/batch.$C.json"
done
START=$(date +%s)
N=0
while [ "$N" -lt "$POSTINGS" ]; do
	for C in EUR USD; do
		curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
		     --data-binary @"$DIR/batch.$C.json" "$URL/v1/entries/batch" ||
			{ echo "a batch was refused"; tail -5 "$DIR/tfledgerd.log"; exit 2; }
		N=$((N + 2000))
	done
done
echo "loaded $($PSQL -d tfledger -c 'SELECT count(*) FROM postings') postings in $(($(date +%s) - START)) s"
$PSQL -d tfledger -c "VACUUM (ANALYZE) postings, balances, entries"
$PSQL -d tfledger -c "CHECKPOINT"
TOTAL=$($PSQL -d tfledger -c "SELECT count(*) FROM postings p JOIN entries e ON e.id = p.entry_id
	WHERE e.date BETWEEN '2019-01-01' AND '2019-12-31'")
echo "postings dated 2019: $TOTAL  (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
for KIND in financial-position financial-performance changes-in-net-assets cash-flow; do
	/usr/bin/time -v "$TFL" report "$KIND" --from 2019-01-01 --to 2019-12-31 \
		--output "$DIR/$KIND.xml" --database "$DB" 2>"$DIR/$KIND.time" ||
		{ echo "$KIND failed"; cat "$DIR/$KIND.time"; exit 2; }
	awk -v k="$KIND" -v n="$TOTAL" -v bytes="$(wc -c <"$DIR/$KIND.xml")" '
		/Elapsed \(wall clock\)/ { t = $NF; s = 0; m = split(t, a, ":")
			for (i = 1; i <= m; i++) s = s * 60 + a[i] }
		/Maximum resident set size/ { rss = $NF }
		END { printf "%-22s %7.2f s  %9.0f postings/s  max RSS %6.1f MiB  (%d bytes)\n",
			k, s, (s > 0 ? n / s : 0), rss / 1024, bytes }' "$DIR/$KIND.time"
done
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
