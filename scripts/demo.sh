#!/usr/bin/env bash
# scripts/demo.sh - the README's first command: builds tfledger, starts a
# private PostgreSQL cluster (in $TFLEDGER_DEMO_DIR, default
# /tmp/tfledger-demo-$UID), migrates it and shows where things stand.
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
echo "== done"
"$tf" db status --dir "$dir"
cat <<TXT

The cluster keeps running. To use it:
  export TFLEDGER_DATADIR=$top
  export TFLEDGER_DATABASE="$TFLEDGER_DATABASE"
  $tf migrate --status
To stop it:  $tf db stop --dir $dir
TXT
