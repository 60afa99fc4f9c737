#!/bin/sh
# tests/layers/layers.sh - make check's run of check_layers.sh: first on a
# small tree with one include up and one sideways (it must fail and name
# both), then on the source tree (it must pass).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${TFLEDGER_DATADIR:-$here/../..}
tmp=$(mktemp -d /tmp/tfledger-layers.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/ledger" "$tmp/bank" "$tmp/common"
printf '#include "common/err.h"\n#include "fund/fund.h"\n' >"$tmp/ledger/up.c"
printf '#include "travel/travel.h"\n' >"$tmp/bank/side.c"
printf '#include "common/err.h"\n' >"$tmp/common/ok.c"
if sh "$here/check_layers.sh" "$tmp" >"$tmp/out" 2>&1; then
	echo "FAIL: an upward and a sideways include passed"; cat "$tmp/out"; exit 1
fi
grep -q '^ledger/up.c:2: ledger/ includes fund/, up' "$tmp/out" ||
	{ echo "FAIL: the upward include is not named"; cat "$tmp/out"; exit 1; }
grep -q '^bank/side.c:1: bank/ includes travel/, sideways' "$tmp/out" ||
	{ echo "FAIL: the sideways include is not named"; cat "$tmp/out"; exit 1; }
echo "the check refuses an include up and one sideways"

sh "$here/check_layers.sh" "$src"
