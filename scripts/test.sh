#!/usr/bin/env bash
# scripts/test.sh - the README's second command: builds tfledger and runs the
# whole test suite (unit tests, and integration tests against private
# PostgreSQL clusters that the harness starts and removes itself).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/build.sh"

tfledger_build "$top"
cd "$top/build"
if ! make -j"$(nproc)" check; then
  echo "tfledger: tests failed; the logs of the failing tests:" >&2
  for log in $(grep -l -E '^(FAIL|ERROR)' $(find . -name '*.trs') 2>/dev/null | sed 's/\.trs$/.log/'); do
    echo "==== $log" >&2
    tail -n 80 "$log" >&2
  done
  exit 1
fi
