#!/bin/sh
# run.sh - the web workspace's browser tests (tests/browser/test_*.py) in
# `make check`: Debian's chromium, headless, driven by python3-selenium
# through chromedriver, against the real tfledgerd serving the source
# tree's web/ on a private cluster made with the real CLI:
#   db init/start, migrate, the first admin (ines) with --database, then
#   through tfledgerd: fatou (finance) and kofi (auditor) with passwords,
#   the demo's books (chart of accounts, UN rates, donors, signed pledges,
#   the 2019 budget) and the link of the EUR statement account; the
#   statement itself is uploaded by the test, through the page.
# Screenshots of every page at 1280 and 360 px go to
# tests/browser/screenshots/ in the build directory.
#
# Without the packages it needs it skips (77), unless CI=true (setup.sh).
set -eu

# shellcheck source=tests/browser/setup.sh
. "$(dirname "$0")/setup.sh"
browser_start tfl-web
browser_users fatou:finance kofi:auditor
TFLEDGER_TOKEN=$("$tfledger" token create --user fatou)
browser_books
for line in travel:300000.00 staff:250000.00 meetings:60000.00; do
	"$tfledger" budgets set --year 2019 --line "${line%%:*}" --amount "${line#*:}" >/dev/null
done

mkdir -p "$shots"
TFLEDGER_WEB_URL=$cluster_url TFLEDGER_SCREENSHOTS=$shots TFLEDGER_WORK=$work \
TFLEDGER_STATEMENT=$data/bank-2019-02.xml TFLEDGER_AXE=$here/vendor/axe.min.js \
	"$python" "$here/test_workspace.py"
