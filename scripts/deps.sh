#!/usr/bin/env bash
# scripts/deps.sh - makes sure the Debian packages tfledger needs are there.
# As root, installs what is missing with apt-get; otherwise prints the
# apt-get line to run and fails. Sourced by scripts/build.sh and .ci/run.
set -euo pipefail

TFLEDGER_PACKAGES=(
  build-essential autoconf automake pkg-config
  libpq-dev postgresql-15
  libxml2-dev libxml2-utils
  check
  libmicrohttpd-dev libjansson-dev libargon2-dev
  libssl-dev libxmlsec1-dev xmlsec1
  libcurl4-openssl-dev curl
  libgnutls28-dev openssl
  # the web workspace: Chart.js served by tfledgerd; its browser tests
  # (tests/browser) drive Chromium headless through chromedriver
  libjs-chart.js chromium chromium-driver python3-selenium
)

# Only for the libFuzzer harnesses (configure CC=clang --enable-fuzz,
# docs/fuzzing.md): .ci/run installs them; a build does not need them.
# libclang-rt-14-dev holds libFuzzer and clang's sanitizer runtimes; clang
# only recommends it, and .ci/run installs without recommends.
TFLEDGER_FUZZ_PACKAGES=(
  clang libclang-rt-14-dev
)

tfledger_missing_packages() {
  local p missing=()
  for p in "${TFLEDGER_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  echo "${missing[@]:-}"
}

tfledger_ensure_packages() {
  local missing
  missing=$(tfledger_missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "tfledger: installing missing packages: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
  else
    echo "tfledger: missing packages; run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends $missing" >&2
    return 1
  fi
}
