#!/usr/bin/env bash
# scripts/build.sh - configures (once) and builds tfledger out of tree in
# ./build, with warnings as errors. Idempotent: a second run only rebuilds
# what changed. Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail

tfledger_build() {
  local top=$1
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
