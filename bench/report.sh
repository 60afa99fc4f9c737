#!/bin/sh
# bench/report.sh - the all-accounts account statement of 100,000 and of
# 1,000,000 postings: wall time, postings/s and peak RSS of `tfledger report
# account-statement`, and of `tfledger verify-statement` on the same file.
# Prints figures; never passes or fails. Not run by `make check`.
#
#   bench/report.sh [BUILD_DIR]        (default: the current directory)
#
# A private cluster with fsync=off (the load is not what is measured; the
# report only reads). bench/report_bench loads the journal with COPY
# (triggers skipped for the load, see report_bench.c) and measures.
set -eu
BUILD=${1:-.}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=$(pg_config --bindir)
export TFLEDGER_DATADIR="$SRC" TFLEDGER_LOG_LEVEL=warn
TFL="$BUILD/tfledger"
. "$SRC/scripts/cluster.sh"
cluster_work tflr "$TFL"
DIR=$work

DB=$(cluster_start pg)
PSQL="$PGBIN/psql -X -q -At -h $DIR/pg -U postgres"
$PSQL -d tfledger -c "ALTER SYSTEM SET fsync = off" -c "SELECT pg_reload_conf()" >/dev/null
"$TFL" migrate --database "$DB" >/dev/null 2>&1
echo "cluster: fsync=$($PSQL -d tfledger -c 'SHOW fsync') cpus=$(nproc)" \
     "page=$(grep -o 'LIMIT_REPORT_PAGE_ENTRIES [0-9]*' "$SRC/common/limits.h")"
"$BUILD/bench/report_bench" "$DB" "$TFL" "$DIR" ${POSTINGS:-100000 1000000}
