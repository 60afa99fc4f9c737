#!/bin/sh
# bench/workspace.sh - every page of the web workspace (web/js/page-*.js)
# with POSTINGS postings in the journal (default 1,000,000): each API call
# a page makes, as the page makes it (same path, same query parameters,
# the role that uses the page), timed over HTTP; p50 and p95 per call and
# per page, every p95 of 200 ms or more flagged (issue 17: "a page that
# still answers fast with 1,000,000 postings"). Prints figures; never
# passes or fails. Not run by `make check`.
#
#   bench/workspace.sh [BUILD_DIR]     (default: the current directory)
#
# A private cluster (fsync off: the load is not what is measured) and
# tfledgerd with a signing key, as the demo runs it. The books are the
# demo's (scripts/demo.sh, demo/igf2019): the chart, UN rates, donors,
# signed pledges in four currencies, receipts, in-kind gifts, February's
# camt.053 imported and reconciled, the IGF 2018 meeting with its trips
# settled and reported, the first MAG meeting of 2019 ranked and approved
# by a second person, the 2019 budget, a checkpoint; no month is closed,
# so every month has its open items. Then the journal gets POSTINGS
# postings through POST /v1/entries/batch, 1,000 two-posting entries a
# request as bench/ipsas.sh makes them, on the fund's bank, revenue and
# expense accounts in EUR, USD and CHF, spread over every day of 2018 and
# 2019 (net +1.95 a day per currency: no bank account goes below zero).
# VACUUM ANALYZE and CHECKPOINT, then each call: WARMUP answers thrown
# away, SAMPLES (default 50) timed by curl (time_total) on one kept-alive
# connection, one after another. A page's figure is the sum of its calls'
# (what it waits for if it made them one after another; the dashboard
# makes its calls at once) and the slowest call's p95.
set -eu
BUILD=${1:-.}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
POSTINGS=${POSTINGS:-1000000}
SAMPLES=${SAMPLES:-50}
WARMUP=${WARMUP:-5}
PGBIN=$(pg_config --bindir)
export TFLEDGER_DATADIR="$SRC" TFLEDGER_LOG_LEVEL=warn
TFL="$BUILD/tfledger"
DATA="$SRC/demo/igf2019"
PORT=${PORT:-18185}
URL="http://127.0.0.1:$PORT"
DPID=
cluster_before_stop() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; }
}
. "$SRC/scripts/cluster.sh"
cluster_work tflw "$TFL"
DIR=$work

# THE PAGES' CALLS. This list must follow web/js/page-*.js: when a page
# asks for something else (another route, other query parameters, a
# "More" page), change its lines here. One line per call:
#   PAGE ROLE PATH
# ROLE is the role whose token asks (the role that uses the page). In
# PATH: {ASOF} the dashboard's default day (the last day of the latest
# month with UN rates), {YEAR} its year, {TODAY} today (the statements
# page's default), {MONTH} the earliest open month (the month-end page's
# default), {BYEAR} the latest year with a budget (the budgets page's
# default), {MEETING} the latest meeting to start (the travel
# pages' default), {RUN} its latest run, {BANK} and {IBAN} the first
# linked bank account (the bank page's default), {ACCOUNT} every account
# in turn (the statements page asks each account's balance).
PAGES_CALLS='
dashboard   finance     /v1/rates
dashboard   finance     /v1/reports/financial-position?from={YEAR}-01-01&to={ASOF}
dashboard   finance     /v1/pledges?limit=1000
dashboard   finance     /v1/donors
dashboard   finance     /v1/funds/travel-available?as_of={ASOF}
dashboard   finance     /v1/funds/available?as_of={ASOF}
dashboard   finance     /v1/budgets/status?year={YEAR}&as_of={ASOF}
donors      finance     /v1/donors
pledges     finance     /v1/pledges?limit=50
pledges     finance     /v1/donors
pledges     finance     /v1/pledges?limit=1000
receipts    finance     /v1/receipts?limit=50
receipts    finance     /v1/pledges?limit=1000
inkind      finance     /v1/in-kind?limit=50
inkind      finance     /v1/donors
bank        finance     /v1/bank-accounts/links
bank        finance     /v1/reconcile/queue?bank_account={BANK}&statement_account={IBAN}&limit=20
bank        finance     /v1/reconcile?bank_account={BANK}&statement_account={IBAN}
periods     finance     /v1/periods
rates       finance     /v1/rates
rates       finance     /v1/rates/corrections
month-end   finance     /v1/periods
month-end   finance     /v1/revaluations/{MONTH}
month-end   finance     /v1/bank-accounts/links
month-end   finance     /v1/reconcile/signoffs
month-end   finance     /v1/years
budgets     finance     /v1/budgets
budgets     finance     /v1/budgets/status?year={BYEAR}
budgets     finance     /v1/budgets?year={BYEAR}
meetings    secretariat /v1/meetings
applicants  secretariat /v1/meetings
applicants  secretariat /v1/meetings/{MEETING}/applicants
ranking     secretariat /v1/meetings
ranking     secretariat /v1/meetings/{MEETING}/runs
ranking     secretariat /v1/meetings/{MEETING}/runs/{RUN}
trips       secretariat /v1/meetings
trips       secretariat /v1/meetings/{MEETING}/trips?limit=1000
approval    approver    /v1/meetings/{MEETING}/runs
approval    approver    /v1/meetings/{MEETING}/runs/{RUN}
journal     auditor     /v1/journal/head
journal     auditor     /v1/entries?limit=50
statements  auditor     /v1/accounts
statements  auditor     /v1/accounts/{ACCOUNT}/balance?as_of={TODAY}
statements  auditor     /v1/signing/certificates
reports     auditor     /v1/signing/certificates
checkpoints auditor     /v1/checkpoints?limit=50
checkpoints auditor     /v1/signing/certificates
audit       auditor     /v1/audit?limit=100
'

DB=$(cluster_start pg)
PSQL="$PGBIN/psql -X -q -At -h $DIR/pg -U postgres"
$PSQL -d tfledger -c "ALTER SYSTEM SET fsync = off" -c "SELECT pg_reload_conf()" >/dev/null
"$TFL" migrate --database "$DB" >/dev/null 2>&1
for ROLE in finance secretariat approver auditor; do
	"$TFL" token create --role "$ROLE" --name "bench-$ROLE" --database "$DB" >"$DIR/token.$ROLE"
done
token() { cat "$DIR/token.$1"; }
"$TFL" report keygen --key "$DIR/key.pem" --cert "$DIR/cert.pem" \
	--subject "CN=tfledger bench signer" >/dev/null 2>&1
"$BUILD/tfledgerd" --database "$DB" --listen "127.0.0.1:$PORT" \
	--sign-key "$DIR/key.pem" --sign-cert "$DIR/cert.pem" 2>"$DIR/tfledgerd.log" &
DPID=$!
i=0
until curl -sf "$URL/healthz" >/dev/null; do
	i=$((i + 1)); [ $i -gt 500 ] && { echo "tfledgerd did not start"; cat "$DIR/tfledgerd.log"; exit 2; }
	sleep 0.02
done
echo "cluster: fsync=$($PSQL -d tfledger -c 'SHOW fsync') cpus=$(nproc) postings=$POSTINGS samples=$SAMPLES"

# as ROLE COMMAND...: tfledger through tfledgerd with ROLE's token; what it
# says goes to $DIR/books.log, and a refusal stops the bench.
as() {
	ROLE=$1; shift
	TFLEDGER_URL=$URL TFLEDGER_TOKEN=$(token "$ROLE") "$TFL" "$@" >>"$DIR/books.log" 2>&1 ||
		{ echo "the books: '$*' was refused:"; tail -5 "$DIR/books.log"; exit 2; }
}

# The demo's books (scripts/demo.sh, without closing any month).
START=$(date +%s)
as finance fund init
as finance rates import "$DATA/rates.csv"
tail -n +2 "$DATA/donors.csv" | while IFS=, read -r id name org country; do
	as finance donors add --id "$id" --name "$name" --org-type "$org" ${country:+--country "$country"}
done
tail -n +2 "$DATA/pledges.csv" | while IFS=, read -r donor date amount ccy earmark agreement signed; do
	as finance pledges add --donor "$donor" --date "$date" --amount "$amount" --currency "$ccy" \
		--earmark "$earmark" --agreement "$agreement" --signed-on "$signed"
done
as finance receipts add --pledge 6 --date 2018-07-10 --bank-account 1010-EUR --amount 40000.00
tail -n +2 "$DATA/inkind.csv" | while IFS=, read -r donor kind amount ccy from to description; do
	as finance in-kind add --donor "$donor" --kind "$kind" --amount "$amount" --currency "$ccy" \
		--period-start "$from" --period-end "$to" --description "$description"
done
as finance bank-statements import "$DATA/bank-2019-02.xml"
as finance reconcile --bank-account 1010-EUR --statement-account DE89370400440532013000
as finance reconcile --bank-account 1010-CHF --statement-account CH9300762011623852957
as finance receipts add --pledge 4 --date 2019-03-05 --bank-account 1010-USD --amount 50000.00
as secretariat meetings add --id igf2018 --name "IGF 2018" --starts-on 2018-11-12 --ends-on 2018-11-14 \
	--place Paris --currency EUR --budget-line "Travel support"
as finance allocations add --date 2018-10-01 --source-earmark travel --source-currency EUR \
	--meeting igf2018 --amount 10000.00 --memo "IGF 2018 travel support"
as secretariat applicants import "$DATA/igf2018-applicants.csv" --meeting igf2018
as secretariat travel rank --meeting igf2018 --as-of 2018-10-05
as approver travel approve --meeting igf2018 --date 2018-10-08
for who in p-0391 p-0544 p-0476; do
	as secretariat travel report --meeting igf2018 --applicant "$who" --report-received 2018-11-30
done
as secretariat travel settle --meeting igf2018 --applicant p-0391 --airfare 1750.00 --dsa 0.00 --date 2019-02-25
as secretariat travel settle --meeting igf2018 --applicant p-0544 --airfare 2100.00 --dsa 1150.00 --date 2019-02-25
as secretariat travel settle --meeting igf2018 --applicant p-0476 --airfare 1300.00 --dsa 800.00 --date 2019-02-25
as auditor checkpoints create --output "$DIR/checkpoint.xml"
as secretariat meetings add --id igf2019-mag1 --name "First MAG meeting 2019" --starts-on 2019-01-29 \
	--ends-on 2019-01-31 --place Geneva --currency USD --budget-line "Travel support"
as secretariat applicants import "$DATA/mag1-applicants.csv" --meeting igf2019-mag1
as finance allocations add --date 2019-01-02 --source-earmark travel --source-currency EUR \
	--meeting igf2019-mag1 --amount 15000.00 --memo "First MAG meeting 2019, travel support"
as secretariat travel rank --meeting igf2019-mag1 --as-of 2019-01-02
as approver travel approve --meeting igf2019-mag1 --date 2019-01-03
for line in travel:300000.00 staff:250000.00 meetings:60000.00 contractual:40000.00 psc:84500.00; do
	as finance budgets set --year 2019 --line "${line%%:*}" --amount "${line#*:}"
done
as finance bank-accounts link --iban DE89370400440532013000 --account 1010-EUR
as finance bank-accounts link --iban CH9300762011623852957 --account 1010-CHF
echo "the demo's books in $(($(date +%s) - START)) s"

# batch.C.json: 1,000 entries in currency C, four a day (net +1.95 a day:
# no bank account goes below zero on any day), over 2018 and 2019.
for C in EUR USD CHF; do
	awk -v c="$C" 'BEGIN { printf "{\"entries\":["
		split("1010 4100 3.00|5200 1010 1.00|5100 1010 0.10|1010 4300 0.05", k, "|")
		for (i = 0; i < 1000; i++) {
			split(k[i % 4 + 1], p, " ")
			d = 1514764800 + (int(i / 4) % 250) * 86400 * 730 / 250
			printf "%s{\"date\":\"%s\",\"memo\":\"workspace bench %d\",\"postings\":[" \
			       "{\"account\":\"%s-%s\",\"side\":\"debit\",\"amount\":\"%s\",\"currency\":\"%s\"}," \
			       "{\"account\":\"%s-%s\",\"side\":\"credit\",\"amount\":\"%s\",\"currency\":\"%s\"}]}",
			       i ? "," : "", strftime("%Y-%m-%d", d, 1), i, p[1], c, p[3], c, p[2], c, p[3], c
		}
		printf "]}" }' >"$DIR/batch.$C.json"
done
START=$(date +%s)
N=0
while [ "$N" -lt "$POSTINGS" ]; do
	for C in EUR USD CHF; do
		[ "$N" -lt "$POSTINGS" ] || break
		curl -sf -o /dev/null -H "Authorization: Bearer $(token finance)" -H "Content-Type: application/json" \
		     --data-binary @"$DIR/batch.$C.json" "$URL/v1/entries/batch" ||
			{ echo "a batch was refused"; tail -5 "$DIR/tfledgerd.log"; exit 2; }
		N=$((N + 2000))
	done
done
echo "loaded $($PSQL -d tfledger -c 'SELECT count(*) FROM postings') postings in $(($(date +%s) - START)) s"
$PSQL -d tfledger -c "VACUUM (ANALYZE)"
$PSQL -d tfledger -c "CHECKPOINT"

# What the pages' defaults are on these books.
LAST=$(curl -sf -H "Authorization: Bearer $(token finance)" "$URL/v1/rates" |
	grep -o '"month": *"[0-9-]*"' | cut -d'"' -f4 | sort | tail -n1)
ASOF=$($PSQL -d tfledger -c "SELECT (to_date('$LAST', 'YYYY-MM') + interval '1 month' - interval '1 day')::date")
[ "$ASOF" \< "$(date +%F)" ] || ASOF=$(date +%F)
YEAR=${ASOF%%-*}
TODAY=$(date +%F)
MEETING=$($PSQL -d tfledger -c "SELECT id FROM travel_meetings ORDER BY starts_on DESC LIMIT 1")
RUN=$(curl -sf -H "Authorization: Bearer $(token secretariat)" "$URL/v1/meetings/$MEETING/runs" |
	grep -o '"id": *[0-9]*' | tail -n1 | grep -o '[0-9]*$')
LINK=$(curl -sf -H "Authorization: Bearer $(token finance)" "$URL/v1/bank-accounts/links" | tr -d ' \n')
BANK=$(echo "$LINK" | grep -o '"account":"[^"]*"' | head -n1 | cut -d'"' -f4)
IBAN=$(echo "$LINK" | grep -o '"iban":"[^"]*"' | head -n1 | cut -d'"' -f4)
MONTH=$(curl -sf -H "Authorization: Bearer $(token finance)" "$URL/v1/periods" | python3 -c '
import json, sys
ps = json.load(sys.stdin)["periods"]
print(([p["month"] for p in ps if p["status"] == "open"] or [ps[-1]["month"]])[0])')
BYEAR=$($PSQL -d tfledger -c "SELECT COALESCE(max(year), extract(year FROM now())::int) FROM budgets")
$PSQL -d tfledger -c "SELECT code FROM accounts ORDER BY code" >"$DIR/accounts"
echo "defaults: as_of=$ASOF month=$MONTH budget year=$BYEAR meeting=$MEETING run=$RUN bank=$BANK ($IBAN) accounts=$(wc -l <"$DIR/accounts")"
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"

# pct P FILE: the P-th percentile (nearest rank) of the numbers in FILE.
pct() { sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { r = int(NR * p / 100 + 0.999999); if (r < 1) r = 1; printf "%.1f", v[r] }'; }

# Each call: WARMUP then SAMPLES requests on one connection (a curl config
# file of urls); {ACCOUNT} takes every account in turn, at least SAMPLES
# requests in all. Seconds per answer into $DIR/t.N, statuses checked.
printf '%-12s %-7s %9s %9s  %s\n' page calls "p50 ms" "p95 ms" "call (role)"
echo "$PAGES_CALLS" | awk 'NF == 3' >"$DIR/calls"
n=0
: >"$DIR/results"
while read -r PAGE ROLE P; do
	n=$((n + 1))
	P=$(echo "$P" | sed -e "s/{ASOF}/$ASOF/g" -e "s/{YEAR}/$YEAR/g" -e "s/{TODAY}/$TODAY/g" \
		-e "s/{MEETING}/$MEETING/g" -e "s/{RUN}/$RUN/g" -e "s/{BANK}/$BANK/g" -e "s/{IBAN}/$IBAN/g" \
		-e "s/{MONTH}/$MONTH/g" -e "s/{BYEAR}/$BYEAR/g")
	awk -v p="$P" -v u="$URL" -v w="$WARMUP" -v s="$SAMPLES" '
		{ a[NR] = $1 } END {
			total = w + s; if (p ~ /{ACCOUNT}/ && NR + w > total) total = NR + w
			for (i = 0; i < total; i++) { q = p; sub(/{ACCOUNT}/, a[i % NR + 1], q)
				printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", u, q } }' "$DIR/accounts" >"$DIR/curl.$n"
	curl -s -K "$DIR/curl.$n" -H "Authorization: Bearer $(token "$ROLE")" \
	     -w '%{http_code} %{time_total}\n' >"$DIR/out.$n" 2>/dev/null || true
	awk -v w="$WARMUP" 'NR > w { print $2 * 1000 }' "$DIR/out.$n" >"$DIR/t.$n"
	BAD=$(awk -v w="$WARMUP" 'NR > w && $1 != 200 { b++ } END { print b + 0 }' "$DIR/out.$n")
	GOT=$(wc -l <"$DIR/t.$n")
	[ "$GOT" -ge "$SAMPLES" ] || { BAD=$((BAD + SAMPLES - GOT)); echo 0 >>"$DIR/t.$n"; }
	P50=$(pct 50 "$DIR/t.$n")
	P95=$(pct 95 "$DIR/t.$n")
	FLAG=
	awk -v v="$P95" 'BEGIN { exit !(v >= 200) }' && FLAG="  <-- p95 >= 200 ms"
	[ "$BAD" -eq 0 ] || FLAG="$FLAG  (INVALID: $BAD of $SAMPLES answers missing or not 200)"
	printf '%-12s %-7s %9s %9s  GET %s (%s)%s\n' "$PAGE" "" "$P50" "$P95" "$P" "$ROLE" "$FLAG"
	echo "$PAGE $n $P50 $P95" >>"$DIR/results"
done <"$DIR/calls"

echo "== per page: the sum of its calls' times, sample by sample, and its slowest call's p95"
for PAGE in $(awk '{ print $1 }' "$DIR/calls" | uniq); do
	FILES=$(awk -v p="$PAGE" '$1 == p { printf "%s/t.%s ", d, $2 }' d="$DIR" "$DIR/results")
	# sample i of the page: the sum of sample i of each call (the first
	# SAMPLES of the balances: one account's balance stands for each)
	for f in $FILES; do head -n "$SAMPLES" "$f" >"$f.page"; done
	# shellcheck disable=SC2086
	paste $(echo "$FILES" | sed 's/ /.page /g') | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }' >"$DIR/page.$PAGE"
	WORST=$(awk -v p="$PAGE" '$1 == p && $4 > m { m = $4 } END { printf "%.1f", m }' "$DIR/results")
	FLAG=
	awk -v v="$WORST" 'BEGIN { exit !(v >= 200) }' && FLAG="  <-- a call's p95 >= 200 ms"
	printf '%-12s %7s %9s %9s  slowest call p95 %s ms%s\n' "$PAGE" \
		"$(awk -v p="$PAGE" '$1 == p' "$DIR/calls" | wc -l)" \
		"$(pct 50 "$DIR/page.$PAGE")" "$(pct 95 "$DIR/page.$PAGE")" "$WORST" "$FLAG"
done
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
