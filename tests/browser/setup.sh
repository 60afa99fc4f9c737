# setup.sh - what the browser tests' runners (run.sh, run-roles.sh) share,
# sourced by them: the packages the tests need, a private cluster made with
# the real CLI, tfledgerd on it serving the source tree's web/, the first
# admin (ines) and people with passwords through tfledgerd, and the demo's
# books as fatou keeps them (scripts/demo.sh).
#
# Without chromium, chromedriver, python3-selenium or Chart.js the runner
# skips (77), unless CI=true: CI must run it, so there it fails instead.

tfledger=${TFLEDGER_BIN:-./tfledger}
tfd=${TFLEDGERD_BIN:-$(dirname "$tfledger")/tfledgerd}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
shots=${TFLEDGER_SCREENSHOTS:-$PWD/tests/browser/screenshots}
python=/usr/bin/python3
data=$top/demo/igf2019

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

# browser_start NAME: a cluster in a work directory named NAME ($work),
# migrated; the runner's browser_prepare, if it has one, run once $work
# exists (it may make files there and set daemon_args, more tfledgerd
# arguments); tfledgerd on it serving web/ (TFLEDGER_WEB_DIR, else the
# source tree's), its log kept as
# tests/browser/NAME.log; ines, the first admin, made on the database; her
# URL and token exported as TFLEDGER_URL and TFLEDGER_TOKEN.
browser_start() {
	name=$1
	daemon_args=
	cluster_work "$name" "$tfledger"
	# a failure's reading: tfledgerd's log beside the test's own
	cluster_before_stop() { cp "$work/tfledgerd.log" "$PWD/tests/browser/$name.log" 2>/dev/null || true; }
	umask 022
	if command -v browser_prepare >/dev/null 2>&1; then browser_prepare; fi
	cat >"$work/tfledgerd" <<SH
#!/bin/sh
exec "$tfd" --web-dir "${TFLEDGER_WEB_DIR:-$top/web}" $daemon_args "\$@"
SH
	chmod 755 "$work/tfledgerd"
	db=$(cluster_start pg)
	"$tfledger" migrate --database "$db" >/dev/null 2>&1
	TFLEDGERD_BIN=$work/tfledgerd cluster_daemon "$db"
	printf '%s\n' "ines's test passphrase" |
		"$tfledger" user add --name ines --full-name "Ines (admin)" --role admin \
			--database "$db" >/dev/null
	TFLEDGER_URL=$cluster_url
	TFLEDGER_TOKEN=$("$tfledger" token create --user ines --database "$db")
	export TFLEDGER_URL TFLEDGER_TOKEN
}

# browser_users NAME:ROLE...: each person made by ines, with the password
# "NAME's test passphrase" the tests sign in with.
browser_users() {
	for who in "$@"; do
		printf '%s\n' "${who%%:*}'s test passphrase" |
			"$tfledger" user add --name "${who%%:*}" --full-name "${who%%:*} (${who#*:})" \
				--role "${who#*:}" >/dev/null
	done
}

# browser_books: the demo's books as fatou keeps them (her token in
# TFLEDGER_TOKEN): chart of accounts, UN rates, donors, signed pledges, the
# European Commission's travel money received, the EUR statement account
# linked to its bank account.
browser_books() {
	"$tfledger" fund init >/dev/null
	"$tfledger" rates import "$data/rates.csv" >/dev/null
	tail -n +2 "$data/donors.csv" | while IFS=, read -r id name org country; do
		"$tfledger" donors add --id "$id" --name "$name" --org-type "$org" \
			${country:+--country "$country"} >/dev/null
	done
	tail -n +2 "$data/pledges.csv" |
		while IFS=, read -r donor date amount ccy earmark agreement signed; do
			"$tfledger" pledges add --donor "$donor" --date "$date" --amount "$amount" \
				--currency "$ccy" --earmark "$earmark" --agreement "$agreement" \
				--signed-on "$signed" >/dev/null
		done
	"$tfledger" receipts add --pledge 6 --date 2018-07-10 --bank-account 1010-EUR \
		--amount 40000.00 >/dev/null
	"$tfledger" bank-accounts link --iban DE89370400440532013000 --account 1010-EUR >/dev/null
}
