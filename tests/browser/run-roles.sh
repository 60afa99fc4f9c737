#!/bin/sh
# run-roles.sh - the browser tests of the Secretariat's and the auditor's
# pages (tests/browser/test_secretariat.py, test_auditor.py) in `make
# check`: Debian's chromium, headless, driven by python3-selenium through
# chromedriver, against the real tfledgerd serving the source tree's web/
# and signing its reports with a throwaway key, on a private cluster made
# with the real CLI:
#   db init/start, migrate, the first admin (ines) with --database, then
#   through tfledgerd: fatou (finance), tomas (secretariat), mei (approver)
#   and kofi (auditor) with passwords; the demo's books (chart of accounts,
#   UN rates, donors, signed pledges, the European Commission's travel
#   money received, CGI.br's USD, February's EUR bank statement), the meeting
#   igf2019-mag1 with 15,000.00 USD allocated to it; a signed checkpoint of
#   the journal. The applicants, the ranking, the approval and the reports
#   are the tests' own, done through the pages.
# Screenshots of every page at 1280 and 360 px go to
# tests/browser/screenshots/ in the build directory.
#
# Without the packages it needs it skips (77), unless CI=true (setup.sh).
set -eu

# shellcheck source=tests/browser/setup.sh
. "$(dirname "$0")/setup.sh"
# the server's signing key, a throwaway self-signed one (docs/signing.md)
browser_prepare() {
	"$tfledger" report keygen --key "$work/sign-key.pem" --cert "$work/sign-cert.pem" \
		--subject "CN=tfledger browser test signer" >/dev/null
	daemon_args="--sign-key $work/sign-key.pem --sign-cert $work/sign-cert.pem"
}
browser_start tfl-web-roles
browser_users fatou:finance tomas:secretariat mei:approver kofi:auditor
fatou=$("$tfledger" token create --user fatou)
tomas=$("$tfledger" token create --user tomas)
export TFLEDGER_TOKEN="$fatou"
browser_books

# CGI.br's USD, received 5 March 2019: the money travel is paid from
# (test_secretariat settles a trip before and after it)
"$tfledger" receipts add --pledge 4 --date 2019-03-05 --bank-account 1010-USD \
	--amount 50000.00 >/dev/null

# February's EUR statement, for the reconciliation report
"$tfledger" bank-statements import "$data/bank-2019-02.xml" >/dev/null

# the meeting the Secretariat works on, and its money
TFLEDGER_TOKEN=$tomas "$tfledger" meetings add --id igf2019-mag1 --name "First MAG meeting 2019" \
	--starts-on 2019-01-29 --ends-on 2019-01-31 --place Geneva --currency USD \
	--budget-line "Travel support" >/dev/null
"$tfledger" allocations add --date 2019-01-02 --source-earmark travel --source-currency EUR \
	--meeting igf2019-mag1 --amount 15000.00 --memo "First MAG meeting 2019, travel support" >/dev/null

# a signed checkpoint of the journal as it stands, for the auditor's page
"$tfledger" checkpoints create --output "$work/checkpoint-setup.xml" >/dev/null

mkdir -p "$shots"
status=0
for test in test_secretariat test_auditor; do
	TFLEDGER_WEB_URL=$cluster_url TFLEDGER_SCREENSHOTS=$shots TFLEDGER_WORK=$work \
	TFLEDGER_APPLICANTS=$data/mag1-applicants.csv TFLEDGER_AXE=${TFLEDGER_AXE:-$here/vendor/axe.min.js} \
	TFLEDGER_CLI=$tfledger \
		"$python" "$here/$test.py" || status=1
done
exit "$status"
