#!/bin/sh
# run-month.sh - the browser test of finance's month-end pages
# (tests/browser/test_month.py) in `make check`: Debian's chromium,
# headless, driven by python3-selenium through chromedriver, against the
# real tfledgerd serving the source tree's web/ and signing with a
# throwaway key, on a private cluster made with the real CLI:
#   db init/start, migrate, the first admin (ines) with --database, then
#   through tfledgerd: fatou (finance) with a password; the demo's books
#   (setup.sh's browser_books) without February 2019's UN rates, which
#   fatou uploads through the page; both statement accounts linked
#   (EUR and CHF), February's camt.053 imported, 1,000.00 EUR of staff
#   costs paid in February (the base of its programme support costs) and
#   an indicative pledge of Finland's, for fatou to sign through the page.
# Screenshots of every page at 1280 and 360 px go to
# tests/browser/screenshots/ in the build directory.
#
# Without the packages it needs it skips (77), unless CI=true (setup.sh).
set -eu

# shellcheck source=tests/browser/setup.sh
. "$(dirname "$0")/setup.sh"
browser_prepare() {
	"$tfledger" report keygen --key "$work/sign-key.pem" --cert "$work/sign-cert.pem" \
		--subject "CN=tfledger browser test signer" >/dev/null
	daemon_args="--sign-key $work/sign-key.pem --sign-cert $work/sign-cert.pem"
}
browser_start tfl-web-month
browser_users fatou:finance
TFLEDGER_TOKEN=$("$tfledger" token create --user fatou)

# the demo's books, February 2019's rates left out: the test uploads them
mkdir "$work/books"
cp "$data/donors.csv" "$data/pledges.csv" "$work/books/"
grep -v ',2019-02,' "$data/rates.csv" >"$work/books/rates.csv"
demo=$data
data=$work/books
browser_books
data=$demo
"$tfledger" bank-accounts link --iban CH9300762011623852957 --account 1010-CHF >/dev/null
"$tfledger" bank-statements import "$data/bank-2019-02.xml" >/dev/null
cat >"$work/staff.json" <<'JSON'
{"date": "2019-02-20", "memo": "Consultant, February 2019", "reference": "STAFF-2019-02",
 "postings": [
   {"account": "5400-EUR", "side": "debit",  "amount": "1000.00", "currency": "EUR"},
   {"account": "1010-EUR", "side": "credit", "amount": "1000.00", "currency": "EUR"}]}
JSON
"$tfledger" post "$work/staff.json" >/dev/null
"$tfledger" pledges add --donor finland --date 2019-02-15 --amount 20000.00 --currency EUR \
	--earmark none >/dev/null

# February's rates, as the UN publishes them, and the same with a bad line
grep -e '^currency,' -e ',2019-02,' "$data/rates.csv" >"$work/rates-2019-02.csv"
sed 's/^CHF,2019-02,1.006$/CHF,2019-02,one/' "$work/rates-2019-02.csv" >"$work/rates-2019-02-bad.csv"

mkdir -p "$shots"
TFLEDGER_WEB_URL=$cluster_url TFLEDGER_SCREENSHOTS=$shots TFLEDGER_WORK=$work \
TFLEDGER_RATES=$work/rates-2019-02.csv TFLEDGER_RATES_BAD=$work/rates-2019-02-bad.csv \
TFLEDGER_AXE=${TFLEDGER_AXE:-$here/vendor/axe.min.js} \
	"$python" "$here/test_month.py"
