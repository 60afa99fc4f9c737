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
# Without chromium, chromedriver or python3-selenium it skips (77), unless
# CI=true: CI must run it, so there it fails instead.
set -eu

tfledger=${TFLEDGER_BIN:-./tfledger}
tfd=${TFLEDGERD_BIN:-$(dirname "$tfledger")/tfledgerd}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
shots=${TFLEDGER_SCREENSHOTS:-$PWD/tests/browser/screenshots}
python=/usr/bin/python3

missing=
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
"$python" -c 'import selenium' 2>/dev/null || missing="$missing python3-selenium"
[ -f /usr/share/javascript/chart.js/chart.min.js ] || missing="$missing libjs-chart.js"
if [ -n "$missing" ]; then
	echo "browser tests need:$missing (apt-get install$missing)" >&2
	if [ "${CI:-}" = true ]; then exit 1; fi
	exit 77
fi

# shellcheck source=scripts/cluster.sh
. "$top/scripts/cluster.sh"
cluster_work tfl-web "$tfledger"
# tfledgerd's log kept beside the test's own for a failure's reading
cluster_before_stop() { cp "$work/tfledgerd.log" "$PWD/tests/browser/tfledgerd.log" 2>/dev/null || true; }
umask 022
data=$top/demo/igf2019

# tfledgerd serving the source tree's web/ (cluster_daemon starts $TFLEDGERD_BIN)
cat >"$work/tfledgerd" <<SH
#!/bin/sh
exec "$tfd" --web-dir "$top/web" "\$@"
SH
chmod 755 "$work/tfledgerd"

db=$(cluster_start pg)
"$tfledger" migrate --database "$db" >/dev/null 2>&1
TFLEDGERD_BIN=$work/tfledgerd cluster_daemon "$db"
printf '%s\n' "ines's test passphrase" |
	"$tfledger" user add --name ines --full-name "Ines (admin)" --role admin --database "$db" >/dev/null
TFLEDGER_URL=$cluster_url
TFLEDGER_TOKEN=$("$tfledger" token create --user ines --database "$db")
export TFLEDGER_URL TFLEDGER_TOKEN
printf '%s\n' "fatou's test passphrase" |
	"$tfledger" user add --name fatou --full-name "Fatou (finance)" --role finance >/dev/null
printf '%s\n' "kofi's test passphrase" |
	"$tfledger" user add --name kofi --full-name "Kofi (auditor)" --role auditor >/dev/null
TFLEDGER_TOKEN=$("$tfledger" token create --user fatou)

# the demo's books, as fatou keeps them (scripts/demo.sh)
"$tfledger" fund init >/dev/null
"$tfledger" rates import "$data/rates.csv" >/dev/null
tail -n +2 "$data/donors.csv" | while IFS=, read -r id name org country; do
	"$tfledger" donors add --id "$id" --name "$name" --org-type "$org" \
		${country:+--country "$country"} >/dev/null
done
tail -n +2 "$data/pledges.csv" | while IFS=, read -r donor date amount ccy earmark agreement signed; do
	"$tfledger" pledges add --donor "$donor" --date "$date" --amount "$amount" --currency "$ccy" \
		--earmark "$earmark" --agreement "$agreement" --signed-on "$signed" >/dev/null
done
"$tfledger" receipts add --pledge 6 --date 2018-07-10 --bank-account 1010-EUR --amount 40000.00 >/dev/null
for line in travel:300000.00 staff:250000.00 meetings:60000.00; do
	"$tfledger" budgets set --year 2019 --line "${line%%:*}" --amount "${line#*:}" >/dev/null
done
"$tfledger" bank-accounts link --iban DE89370400440532013000 --account 1010-EUR >/dev/null

mkdir -p "$shots"
TFLEDGER_WEB_URL=$cluster_url TFLEDGER_SCREENSHOTS=$shots TFLEDGER_WORK=$work \
TFLEDGER_STATEMENT=$data/bank-2019-02.xml TFLEDGER_AXE=$here/vendor/axe.min.js \
	"$python" "$here/test_workspace.py"
