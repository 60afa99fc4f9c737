#!/usr/bin/env bash
# scripts/demo.sh - the README's first command: builds tfledger and plays the
# IGF Trust Fund's early 2019 on a private PostgreSQL cluster, as DESA
# finance staff, the Secretariat and an auditor would:
#   - a fresh cluster in $TFLEDGER_DEMO_DIR (default /tmp/tfledger-demo-$UID),
#     migrated; the fund's chart of accounts; UN rates for the months used;
#   - donors from the seed transcript with signed pledges in their own
#     currencies (amounts illustrative), in-kind gifts at fair value;
#   - a camt.053 bank statement imported and reconciled (one line left
#     unmatched on purpose), one receipt recorded by hand;
#   - travel requests for the first MAG meeting of 2019 ranked with the
#     default policy, within the money available for travel;
#   - reports written to ./out, signed with a demo key made here, verified;
#   - the daemon left running, with its URL and a token to explore with.
# Running it again starts over from a fresh cluster.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/deps.sh"
. "$top/scripts/build.sh"

tfledger_ensure_packages
tfledger_build "$top"

export TFLEDGER_DATADIR="$top"
tf="$top/build/tfledger"
tfd="$top/build/tfledgerd"
data="$top/demo/igf2019"
base=${TFLEDGER_DEMO_DIR:-/tmp/tfledger-demo-$(id -u)}
port=${TFLEDGER_DEMO_PORT:-8080}
out="$top/out"
say() { printf '\n== %s\n' "$*"; }
quiet() { "$@" >/dev/null; }

say "a fresh private PostgreSQL cluster in $base/pg"
if [ -f "$base/tfledgerd.pid" ]; then
  kill "$(cat "$base/tfledgerd.pid")" 2>/dev/null || true
  rm -f "$base/tfledgerd.pid"
fi
if [ -d "$base/pg" ]; then
  "$tf" db stop --dir "$base/pg" 2>/dev/null || true
fi
rm -rf "$base"
mkdir -p "$base" "$out"
chmod 755 "$base"
"$tf" db init --dir "$base/pg"
TFLEDGER_DATABASE=$("$tf" db start --dir "$base/pg")
export TFLEDGER_DATABASE
"$tf" migrate 2>&1 | grep -v '^ts='

say "DESA finance: the fund's books (chart of accounts, UN rates, donors, pledges)"
quiet "$tf" fund init
"$tf" rates import "$data/rates.csv"
while IFS=, read -r id name type country; do
  [ "$id" = id ] && continue
  quiet "$tf" donors add --id "$id" --name "$name" --org-type "$type" ${country:+--country "$country"}
done < "$data/donors.csv"
while IFS=, read -r donor date amount ccy earmark agreement signed; do
  [ "$donor" = donor ] && continue
  quiet "$tf" pledges add --donor "$donor" --date "$date" --amount "$amount" --currency "$ccy" \
    --earmark "$earmark" --agreement "$agreement" --signed-on "$signed"
done < "$data/pledges.csv"
"$tf" pledges list

say "DESA finance: in-kind gifts at fair value (disclosed in memo accounts, not revenue)"
while IFS=, read -r donor kind amount ccy from to description; do
  [ "$donor" = donor ] && continue
  quiet "$tf" inkind add --donor "$donor" --kind "$kind" --amount "$amount" --currency "$ccy" \
    --period-start "$from" --period-end "$to" --description "$description"
done < "$data/inkind.csv"
"$tf" inkind list

say "DESA finance: the bank's camt.053 statement for February, imported and reconciled"
"$tf" statements import "$data/bank-2019-02.xml"
"$tf" reconcile --bank-account 1010-EUR --statement-account DE89370400440532013000
"$tf" reconcile --bank-account 1010-CHF --statement-account CH9300762011623852957
say "DESA finance: CGI.br's receipt, recorded by hand from the USD account's advice"
"$tf" receipts add --pledge 4 --date 2019-03-05 --bank-account 1010-USD --amount 50000.00
say "Donors by what they gave (USD at the UN rate of each receipt's month)"
"$tf" donors list

say "Secretariat: travel support for the first MAG meeting of 2019 (default IGF policy)"
"$tf" funds travel-available --as-of 2019-02-28
echo "(this meeting's travel budget: 15000.00 USD of it)"
rank=("$tf" rank --applicants "$data/mag1-applicants.csv" --meeting-date 2019-01-29
      --budget 15000.00 --currency USD)
"${rank[@]}"
"${rank[@]}" --format json --output "$out/mag1-ranking.json"
"${rank[@]}" --format xml --output "$out/travel-allocation.xml"

say "Auditor: reports in $out, signed with a demo key and verified"
rm -f "$out/demo-key.pem" "$out/demo-cert.pem"
"$tf" report keygen --key "$out/demo-key.pem" --cert "$out/demo-cert.pem" \
  --subject "CN=tfledger demo signer,O=IGF Trust Fund (demo)"
gen=2019-03-31T00:00:00Z
for kind in trial-balance account-statement; do
  "$tf" report "$kind" --from 2019-01-01 --to 2019-03-31 --generated-at "$gen" \
    --output "$out/$kind.xml" --sign "$out/demo-key.pem" --cert "$out/demo-cert.pem"
done
"$tf" report sign "$out/travel-allocation.xml" --key "$out/demo-key.pem" --cert "$out/demo-cert.pem"
for f in "$out"/trial-balance.xml "$out"/account-statement.xml "$out"/travel-allocation.xml; do
  "$tf" report verify "$f" --cert "$out/demo-cert.pem"
done
"$tf" verify

say "The ledger daemon"
token=$("$tf" token create --role auditor --name "demo-auditor")
"$tfd" --database "$TFLEDGER_DATABASE" --listen "127.0.0.1:$port" >"$base/tfledgerd.log" 2>&1 &
echo $! > "$base/tfledgerd.pid"
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || {
  echo "tfledgerd did not start; its log:" >&2; cat "$base/tfledgerd.log" >&2; exit 2; }

cat <<TXT

tfledgerd is running at http://127.0.0.1:$port (log: $base/tfledgerd.log).
An auditor token to explore with (read-only):
  export TFLEDGER_URL=http://127.0.0.1:$port TFLEDGER_TOKEN=$token
  curl -s -H "Authorization: Bearer \$TFLEDGER_TOKEN" \$TFLEDGER_URL/v1/journal/verify
  $tf balance 1010-EUR
Reports: $out
Stop everything:  kill \$(cat $base/tfledgerd.pid); $tf db stop --dir $base/pg
TXT
