#!/bin/sh
# bench/reval.sh - month-end revaluation of a month with 1,000,000 postings
# across 100 accounts in four currencies (the issue's target: under 2 s):
# wall time of `tfledger revalue --month 2019-03` (posted), and of a second
# run (unchanged). Prints figures; never passes or fails. Not run by
# `make check`.
#
#   bench/reval.sh [BUILD_DIR]         (default: the current directory)
#   POSTINGS=20000 bench/reval.sh ...  (a small run to see that it works)
#
# The journal is filled through its own batch route, POST /v1/entries/batch
# (1,000 two-posting entries a request, as bench/ledger.sh does), never by
# COPY or SQL: 50 asset accounts BNNN-CCY and 50 revenue accounts RNNN-CCY
# in USD, EUR, CHF and GBP, each entry Dr an asset / Cr a revenue account of
# one currency, dated over the 31 days of March 2019 (and 200 postings on
# 2019-02-28, so that R is not zero). A private cluster with
# fsync=off (the load is not what is measured).
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
cluster_work tflv "$TFL"
DIR=$work

DB=$(cluster_start pg)
PSQL="$PGBIN/psql -X -q -At -h $DIR/pg -U postgres"
$PSQL -d tfledger -c "ALTER SYSTEM SET fsync = off" -c "SELECT pg_reload_conf()" >/dev/null
"$TFL" migrate --database "$DB" >/dev/null 2>&1
printf 'currency,month,usd_per_unit\nEUR,2019-02,1.1351\nEUR,2019-03,1.1297\nCHF,2019-02,0.9976\nCHF,2019-03,1.0043\nGBP,2019-02,1.2858\nGBP,2019-03,1.3165\n' >"$DIR/rates.csv"
echo "cluster: fsync=$($PSQL -d tfledger -c 'SHOW fsync') cpus=$(nproc)"
load() { echo "  (load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }
TOKEN=$("$TFL" token create --role finance --name bench --database "$DB")
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

# The 100 accounts: k = 0..49, currency USD EUR CHF GBP by k mod 4.
for k in $(seq 0 49); do
	c=$(echo "USD EUR CHF GBP" | cut -d' ' -f$((k % 4 + 1)))
	for a in "B$(printf %03d "$k")-$c asset" "R$(printf %03d "$k")-$c revenue"; do
		set -- $a
		curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -X POST "$URL/v1/accounts" \
		     -d "{\"code\":\"$1\",\"name\":\"bench $1\",\"type\":\"$2\",\"currency\":\"$c\"}"
	done
done
# One batch: 1,000 entries of 2 postings, the pairs and days in turn.
awk 'BEGIN { split("USD EUR CHF GBP", ccy, " "); printf "{\"entries\":["
	for (i = 0; i < 1000; i++) {
		k = i % 50; c = ccy[k % 4 + 1]
		printf "%s{\"date\":\"2019-03-%02d\",\"memo\":\"r%d\",\"postings\":[" \
		       "{\"account\":\"B%03d-%s\",\"side\":\"debit\",\"amount\":\"1.%02d\",\"currency\":\"%s\"}," \
		       "{\"account\":\"R%03d-%s\",\"side\":\"credit\",\"amount\":\"1.%02d\",\"currency\":\"%s\"}]}",
		       i ? "," : "", i % 31 + 1, i, k, c, i % 100, c, k, c, i % 100, c
	}
	printf "]}" }' >"$DIR/batch.json"
# The end of February holds a balance in each currency, so that R(March)
# is not zero: 100 entries (200 postings) dated 2019-02-28.
awk 'BEGIN { split("USD EUR CHF GBP", ccy, " "); printf "{\"entries\":["
	for (i = 0; i < 100; i++) {
		k = i % 50; c = ccy[k % 4 + 1]
		printf "%s{\"date\":\"2019-02-28\",\"memo\":\"f%d\",\"postings\":[" \
		       "{\"account\":\"B%03d-%s\",\"side\":\"debit\",\"amount\":\"1000.00\",\"currency\":\"%s\"}," \
		       "{\"account\":\"R%03d-%s\",\"side\":\"credit\",\"amount\":\"1000.00\",\"currency\":\"%s\"}]}",
		       i ? "," : "", i, k, c, c, k, c, c
	}
	printf "]}" }' >"$DIR/feb.json"
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
     --data-binary @"$DIR/feb.json" "$URL/v1/entries/batch" || { echo "February was refused"; exit 2; }
echo "== loading $POSTINGS postings through POST /v1/entries/batch"
n=0
while [ "$n" -lt "$POSTINGS" ]; do
	curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
	     --data-binary @"$DIR/batch.json" "$URL/v1/entries/batch" ||
		{ echo "a batch was refused"; tail -3 "$DIR/tfledgerd.log"; exit 2; }
	n=$((n + 2000))
done
echo "postings dated in 2019-03: $($PSQL -d tfledger -c "SELECT count(*) FROM postings p JOIN entries e ON e.id = p.entry_id WHERE e.date BETWEEN '2019-03-01' AND '2019-03-31'")" \
     "accounts: $($PSQL -d tfledger -c "SELECT count(*) FROM accounts")"
$PSQL -d tfledger -c "VACUUM (ANALYZE) postings, balances, entries"
$PSQL -d tfledger -c "CHECKPOINT"

now() { date +%s.%N; }
# What any command costs before its work (a request to tfledgerd): the
# baseline of the figures below.
t0=$(now)
"$TFL" rates list --url "$URL" --token "$TOKEN" >/dev/null
t1=$(now)
echo "== baseline: tfledger rates list: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s"
for run in posted unchanged; do
	t0=$(now)
	"$TFL" revalue --month 2019-03 --format json --url "$URL" --token "$TOKEN" >"$DIR/reval-$run.json"
	t1=$(now)
	echo "== tfledger revalue --month 2019-03 ($run): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s (target < 2 s)," \
	     "status $(sed -n 's/.*"status": "\([a-z]*\)".*/\1/p' "$DIR/reval-$run.json")," \
	     "R = $(sed -n 's/.*"amount": "\([-0-9.]*\)".*/\1/p' "$DIR/reval-$run.json" | head -1) USD"
	load
done
