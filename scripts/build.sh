#!/usr/bin/env bash
# scripts/build.sh - makes sure the packages are there (scripts/deps.sh),
# then configures (once) and builds tfledger out of tree in ./build, with
# warnings as errors. Idempotent: a second run only rebuilds what changed.
# Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/deps.sh"

tfledger_build() {
  local top=$1
  tfledger_ensure_packages
  cd "$top"
  if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    autoreconf -fi >/dev/null
  fi
  mkdir -p build
  cd build
  if [ ! -f Makefile ]; then
    ../configure --enable-werror -q
  fi
  make -j"$(nproc)" -s >/dev/null
  cd "$top"
}
