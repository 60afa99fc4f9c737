#!/usr/bin/env bash
# scripts/demo.sh - the README's first command: builds tfledger, starts a
# private PostgreSQL cluster (in $TFLEDGER_DEMO_DIR, default
# /tmp/tfledger-demo-$UID), migrates it, ranks the sample IGF 2019 travel
# requests with the default policy (reports in ./out) and shows where
# things stand.
# Safe to run again: it reuses the cluster and applies only what is new.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/deps.sh"
. "$top/scripts/build.sh"

tfledger_ensure_packages
tfledger_build "$top"

export TFLEDGER_DATADIR="$top"
tf="$top/build/tfledger"
dir=${TFLEDGER_DEMO_DIR:-/tmp/tfledger-demo-$(id -u)}
out="$top/out"
mkdir -p "$out"

echo "== private PostgreSQL cluster in $dir"
if ! "$tf" db status --dir "$dir" >/dev/null 2>&1; then
  "$tf" db init --dir "$dir"
fi
TFLEDGER_DATABASE=$("$tf" db start --dir "$dir")
export TFLEDGER_DATABASE

echo "== migrations"
"$tf" migrate
"$tf" migrate --status

echo
echo "== travel support for the first MAG meeting of 2019 (default IGF policy)"
applicants="$top/demo/igf2019/mag1-applicants.csv"
rank=("$tf" rank --applicants "$applicants" --meeting-date 2019-01-29
      --budget 15000.00 --currency USD)
"${rank[@]}"
"${rank[@]}" --format json --output "$out/mag1-ranking.json"
"${rank[@]}" --format xml --output "$out/mag1-ranking.xml"
echo "(also written: $out/mag1-ranking.json and $out/mag1-ranking.xml)"

echo
echo "== done"
"$tf" db status --dir "$dir"
cat <<TXT

The cluster keeps running. To use it:
  export TFLEDGER_DATADIR=$top
  export TFLEDGER_DATABASE="$TFLEDGER_DATABASE"
  $tf migrate --status
To stop it:  $tf db stop --dir $dir
TXT
