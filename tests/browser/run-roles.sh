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
#   money received, February's EUR bank statement), the meeting
#   igf2019-mag1 with 15,000.00 USD allocated to it; a signed checkpoint of
#   the journal. The applicants, the ranking, the approval and the reports
#   are the tests' own, done through the pages.
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
if [ -n "$missing" ]; then
	echo "browser tests need:$missing (apt-get install$missing)" >&2
	if [ "${CI:-}" = true ]; then exit 1; fi
	exit 77
fi

# shellcheck source=scripts/cluster.sh
. "$top/scripts/cluster.sh"
cluster_work tfl-web-roles "$tfledger"
cluster_before_stop() { cp "$work/tfledgerd.log" "$PWD/tests/browser/tfledgerd-roles.log" 2>/dev/null || true; }
umask 022
data=$top/demo/igf2019

# the server's signing key, a throwaway self-signed one (docs/signing.md)
"$tfledger" report keygen --key "$work/sign-key.pem" --cert "$work/sign-cert.pem" \
	--subject "CN=tfledger browser test signer" >/dev/null
# tfledgerd serving the source tree's web/ and signing (cluster_daemon starts $TFLEDGERD_BIN)
cat >"$work/tfledgerd" <<SH
#!/bin/sh
exec "$tfd" --web-dir "${TFLEDGER_WEB_DIR:-$top/web}" --sign-key "$work/sign-key.pem" --sign-cert "$work/sign-cert.pem" "\$@"
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
for who in fatou:finance tomas:secretariat mei:approver kofi:auditor; do
	printf '%s\n' "${who%%:*}'s test passphrase" |
		"$tfledger" user add --name "${who%%:*}" --full-name "${who%%:*} (${who#*:})" \
			--role "${who#*:}" >/dev/null
done
fatou=$("$tfledger" token create --user fatou)
tomas=$("$tfledger" token create --user tomas)

# the demo's books, as fatou keeps them (scripts/demo.sh)
export TFLEDGER_TOKEN="$fatou"
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
# February's EUR statement, for the reconciliation report
"$tfledger" bank-accounts link --iban DE89370400440532013000 --account 1010-EUR >/dev/null
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
