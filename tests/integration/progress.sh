#!/bin/sh
# progress.sh - the progress bar of `tfledger bank-statements import`, seen
# from outside: a camt.053 file of 20,000 entries (bench/camt.sh --gen)
# imported through tfledgerd with stderr in a file must leave that file
# empty; imported again under script(1), whose pty is the command's stderr,
# it must draw the bar (a percentage of the file sent, then the line
# cleared) and still print the same table. A private cluster and its
# tfledgerd, stopped and removed on every exit.
set -eu

tfledger=${TFLEDGER_BIN:-./tfledger}
src=${TFLEDGER_DATADIR:-.}
# shellcheck source=scripts/cluster.sh
. "$(dirname "$0")/../../scripts/cluster.sh"
cluster_work tfl-pb "$tfledger"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

sh "$src/bench/camt.sh" --gen 20000 "$work/bank.xml"
TFLEDGER_DATABASE=$(cluster_start db)
export TFLEDGER_DATABASE
"$tfledger" migrate 2>/dev/null
cluster_daemon "$TFLEDGER_DATABASE"
TFLEDGER_URL=$cluster_url
TFLEDGER_TOKEN=$("$tfledger" token create --role finance --name fin)
export TFLEDGER_URL TFLEDGER_TOKEN
unset TFLEDGER_DATABASE

"$tfledger" bank-statements import "$work/bank.xml" >"$work/out1" 2>"$work/err1"
[ ! -s "$work/err1" ] || fail "stderr is a file, yet something was written: $(od -c "$work/err1" | head)"
grep -q ' 20000 ' "$work/out1" || fail "the import printed no table: $(cat "$work/out1")"

if ! command -v script >/dev/null 2>&1; then
	echo "script(1) not found: the terminal half is skipped"
	exit 77
fi
# script gives the command a pty as stdin, stdout and stderr; what the
# command wrote to it lands in the typescript file.
script -qec "'$tfledger' bank-statements import '$work/bank.xml'" "$work/typescript" >/dev/null
grep -q '%' "$work/typescript" || fail "no bar on a terminal: $(head -c 400 "$work/typescript")"
grep -q "$(printf '\033\\[K')" "$work/typescript" || fail "the bar's line was never cleared"
grep -q 'BENCH-20000' "$work/typescript" || fail "no table after the bar"
echo "ok: silent with stderr in a file, a bar on a terminal"
