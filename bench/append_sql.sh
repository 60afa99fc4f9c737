#!/bin/sh
# bench/append_sql.sh - what one group of the writer costs the database,
# statement by statement: pgbench -r over the statements a group runs
# (INSERTs into entries, postings and audit fire the triggers the writer's
# COPYs fire; then ledger_append() and COMMIT), with one client, for groups
# of 1 and 16 entries, with the functions' plans kept (migration 0071,
# plan_cache_mode = force_generic_plan) and made afresh (PostgreSQL's
# default), alternately, ROUNDS times (default 3). Durable commits on a
# private cluster. Prints figures; never passes or fails. Not run by
# `make check`.
#
#   bench/append_sql.sh [BUILD_DIR]    (default: the current directory)
#
# The statements differ from the writer's in one way: rows come from
# INSERT ... SELECT, not binary COPY, so the INSERTs' own figures include
# making the rows; ledger_append() and COMMIT are the writer's own.
set -eu
BUILD=${1:-.}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=$(pg_config --bindir)
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-5}
export TFLEDGER_DATADIR="$SRC" TFLEDGER_LOG_LEVEL=warn
TFL="$BUILD/tfledger"
. "$SRC/scripts/cluster.sh"
cluster_work tfla "$TFL"
DIR=$work

DB=$(cluster_start pg)
PSQL="$PGBIN/psql -X -q -At -h $DIR/pg -U postgres -d tfledger"
"$TFL" migrate --database "$DB" >/dev/null 2>&1
"$TFL" token create --role finance --name bench --database "$DB" >/dev/null
TOKEN_ID=$($PSQL -c "SELECT id FROM tokens WHERE name = 'bench'")
$PSQL -c "INSERT INTO accounts (code, name, type, currency) VALUES
	('1010', 'Bank', 'asset', 'EUR'), ('4010', 'Contributions', 'revenue', 'EUR')"
cat >"$DIR/group.sql" <<EOF
BEGIN;
INSERT INTO entries (id, sequence, date, memo, reference, created_at, token_id, prev_hash, hash)
 SELECT md5((h.sequence + g)::text)::uuid, h.sequence + g, '2019-06-01', 'bench', 'B', now(),
        '$TOKEN_ID', CASE WHEN g = 1 THEN h.hash ELSE md5(g::text) || md5(g::text) END,
        md5(random()::text) || md5(g::text)
 FROM ledger_head h, generate_series(1, :n) g;
INSERT INTO postings (entry_id, line, account, side, amount, currency)
 SELECT md5((h.sequence + g)::text)::uuid, l, CASE l WHEN 1 THEN '1010' ELSE '4010' END,
        CASE l WHEN 1 THEN 'debit' ELSE 'credit' END, 1234, 'EUR'
 FROM ledger_head h, generate_series(1, :n) g, generate_series(1, 2) l;
INSERT INTO audit (token_name, role, action, object, request_id, user_name)
 SELECT 'bench', 'finance', 'entry.post', 'x', 'r' || g, 'bench' FROM generate_series(1, :n) g;
SELECT ledger_append();
COMMIT;
EOF
FUNCS=$($PSQL -c "SELECT string_agg(p.oid::regprocedure::text, ' ') FROM pg_proc p
	WHERE 'plan_cache_mode=force_generic_plan' = ANY (p.proconfig)")
plans() {
	for f in $FUNCS; do
		if [ "$1" = kept ]; then
			$PSQL -c "ALTER FUNCTION $f SET plan_cache_mode = force_generic_plan"
		else
			$PSQL -c "ALTER FUNCTION $f RESET plan_cache_mode"
		fi
	done
}
echo "functions with plan_cache_mode set by the migrations: $FUNCS"
echo "ms per statement, one client, ${SECONDS_EACH}s each: BEGIN, INSERT entries," \
     "INSERT postings, INSERT audit, ledger_append(), COMMIT = the group"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for mode in kept afresh; do
		plans "$mode"
		for n in 1 16; do
			"$PGBIN/pgbench" -n -r -c 1 -T "$SECONDS_EACH" -D n=$n -f "$DIR/group.sql" \
				-h "$DIR/pg" -U postgres tfledger 2>&1 |
				awk -v r="$r" -v m="$mode" -v n="$n" '
					/latency average/ { avg = $4 }
					/^ +[0-9.]+ +[0-9]+ +[A-Z]/ { s = s sprintf(" %5.2f", $1) }
					END { printf "round %d, plans %-6s, %2d entries:%s = %5.2f\n", r, m, n, s, avg }'
		done
	done
	r=$((r + 1))
done
plans kept
