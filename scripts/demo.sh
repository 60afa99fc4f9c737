#!/usr/bin/env bash
# scripts/demo.sh - the README's first command: builds tfledger and plays the
# IGF Trust Fund's early 2019 through tfledgerd's HTTP API, as DESA finance
# staff, the Secretariat and an auditor would:
#   - a fresh private PostgreSQL cluster in $TFLEDGER_DEMO_DIR (default
#     /tmp/tfledger-demo-$UID), migrated; tfledgerd started on it; one token
#     per role (the only step done with the CLI, as an administrator would);
#   - finance: the fund's chart of accounts, UN rates for the months used,
#     donors from the seed transcript with signed pledges in their own
#     currencies (amounts illustrative), in-kind gifts at fair value, a
#     camt.053 bank statement imported and reconciled (one line left
#     unmatched on purpose), one receipt recorded by hand;
#   - finance again, once the Secretariat has paid last year's travellers:
#     the reconciliation both ways (settlements matched to the bank's
#     debits, the bank's fee recorded from its line in the work queue), the
#     reconciliation statement explaining the difference to zero, and
#     February signed off;
#   - Secretariat: the first MAG meeting of 2019 and its travel requests,
#     ranked with the default policy within the money finance allocated to
#     it from the European Commission's travel earmark (EUR to a USD
#     meeting, at the UN rate), approved; an over-budget ranking and a
#     payment before the money arrived, both refused (and shown); one
#     traveller declines and the next applicant who fits is offered the
#     place, then approved;
#   - finance: the 2019 budget; every month of 2018 and 2019 revalued at
#     the UN operational rates, its programme support costs charged and
#     closed; both years closed (surplus into accumulated net assets, the
#     operating reserve set);
#   - auditor: every report written to ./out, the IPSAS statements and the
#     budget comparison of 2019 among them, signed by tfledgerd (a demo key
#     made here) and verified offline with the certificate it publishes
#     (tfledger and the stock xmlsec1); a signed journal checkpoint kept and
#     the account statement checked against it; the hash chain verified;
#   - the daemon left running, with its URL and a token to explore with.
# Every write goes through the API; the tables shown are read with the CLI.
# Running it again starts over from a fresh cluster.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/build.sh"

tfledger_build "$top"

export TFLEDGER_DATADIR="$top"
tf="$top/build/tfledger"
tfd="$top/build/tfledgerd"
data="$top/demo/igf2019"
base=${TFLEDGER_DEMO_DIR:-/tmp/tfledger-demo-$(id -u)}
port=${TFLEDGER_DEMO_PORT:-8080}
url="http://127.0.0.1:$port"
out="$top/out"
meeting=igf2019-mag1
say() { printf '\n== %s\n' "$*"; }

# api TOKEN METHOD PATH [CONTENT-TYPE BODY-FILE | JSON]: one request; the
# answer goes to $base/last.json; a status of 400 or above stops the demo
# with the answer shown.
api() {
  local token=$1 method=$2 path=$3 status
  local args=(-s -o "$base/last.json" -w '%{http_code}' -X "$method"
              -H "Authorization: Bearer $token" "$url$path")
  if [ $# -eq 5 ]; then
    args+=(-H "Content-Type: $4" --data-binary "@$5")
  elif [ $# -eq 4 ]; then
    args+=(-H "Content-Type: application/json" --data-binary "$4")
  fi
  status=$(curl "${args[@]}")
  last_status=$status
  if [ "$status" -ge 400 ] && [ "${expect_status:-}" != "$status" ]; then
    echo "demo: $method $path answered $status:" >&2
    cat "$base/last.json" >&2
    echo >&2
    exit 2
  fi
}
# refused STATUS TOKEN METHOD PATH [JSON]: a request the books must refuse;
# prints the refusal and stops the demo if it was not refused so.
refused() {
  local want=$1 status
  shift
  expect_status=$want api "$@"
  status=$(sed -n 's/.*"code": *"\([^"]*\)".*/\1/p' "$base/last.json" | head -n1)
  if [ "$last_status" != "$want" ]; then
    echo "demo: expected a $want refusal, got:" >&2; cat "$base/last.json" >&2; exit 2
  fi
  echo "refused ($want $status): $(sed -n 's/.*"message": *"\(.*\)".*/\1/p' "$base/last.json" | head -n1)"
}
# A JSON string: the demo's CSV fields hold no control characters.
js() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
# post_csv TOKEN PATH FILE KEY...: POSTs each row of the CSV FILE after its
# header line as a JSON object of strings: KEY n is field n (the last KEY
# takes the rest of the line, commas and all); an empty field is left out.
post_csv() {
  local token=$1 path=$2 file=$3 line key value body i
  shift 3
  {
    read -r line
    while IFS= read -r line; do
      body= i=0
      for key; do
        i=$((i + 1))
        if [ "$i" -lt $# ] && [[ $line == *,* ]]; then
          value=${line%%,*} line=${line#*,}
        else
          value=$line line=
        fi
        if [ -n "$value" ]; then
          body+="${body:+,}\"$key\":$(js "$value")"
        fi
      done
      api "$token" POST "$path" "{$body}"
    done
  } < "$file"
}
# The first "key": "STRING" in the last answer: a top-level key the answer
# writes before nested ones of the same name (field below takes the last).
first_field() { grep -o "\"$1\": *\"[^\"]*\"" "$base/last.json" | head -n1 | cut -d'"' -f4; }
# The value of a top-level "key": NUMBER or "key": "STRING" in the last answer.
field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" "$base/last.json" | head -n1; }

say "a fresh private PostgreSQL cluster in $base/pg, and tfledgerd on $url"
if [ -f "$base/tfledgerd.pid" ]; then
  kill "$(cat "$base/tfledgerd.pid")" 2>/dev/null || true
  rm -f "$base/tfledgerd.pid"
fi
if [ -d "$base/pg" ]; then
  "$tf" db stop --dir "$base/pg" 2>/dev/null || true
fi
rm -rf "$base"
mkdir -p "$base" "$out"
rm -f "$out"/*.xml "$out"/*.json "$out"/*.pem
chmod 755 "$base"
"$tf" db init --dir "$base/pg"
TFLEDGER_DATABASE=$("$tf" db start --dir "$base/pg")
export TFLEDGER_DATABASE
"$tf" migrate 2>&1 | grep -v '^ts='
finance=$("$tf" token create --role finance --name demo-finance)
secretariat=$("$tf" token create --role secretariat --name demo-secretariat)
auditor=$("$tf" token create --role auditor --name demo-auditor)
# the server's signing key (a demo one: self-signed; docs/signing.md)
mkdir -p "$base/sign"
"$tf" report keygen --key "$base/sign/key.pem" --cert "$base/sign/cert.pem" \
  --subject "CN=tfledger demo signer,O=IGF Trust Fund (demo)"
"$tfd" --database "$TFLEDGER_DATABASE" --listen "127.0.0.1:$port" \
  --sign-key "$base/sign/key.pem" --sign-cert "$base/sign/cert.pem" >"$base/tfledgerd.log" 2>&1 &
echo $! > "$base/tfledgerd.pid"
for _ in $(seq 1 100); do
  curl -sf "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "$url/healthz" >/dev/null || {
  echo "tfledgerd did not start; its log:" >&2; cat "$base/tfledgerd.log" >&2; exit 2; }
echo "tfledgerd is up (pid $(cat "$base/tfledgerd.pid")); tokens made for finance, secretariat, auditor"

say "DESA finance: the fund's books (chart of accounts, UN rates, donors, signed pledges)"
api "$finance" POST /v1/fund/init
api "$finance" POST /v1/rates text/csv "$data/rates.csv"
echo "UN operational rates stored: $(field stored)"
post_csv "$finance" /v1/donors "$data/donors.csv" id name org_type country
post_csv "$finance" /v1/pledges "$data/pledges.csv" \
  donor date amount currency earmark agreement signed_on
"$tf" pledges list
echo "(the United Kingdom's pledge in GBP set up the GBP accounts in the same step:" \
  "$("$tf" accounts list | grep -c -- '-GBP') accounts)"

say "DESA finance: the European Commission's 2018 travel contribution, received in July 2018"
api "$finance" POST /v1/receipts '{"pledge":6,"date":"2018-07-10","bank_account":"1010-EUR","amount":"40000.00"}'

say "DESA finance: in-kind gifts at fair value (disclosed in memo accounts, not revenue)"
post_csv "$finance" /v1/inkind "$data/inkind.csv" \
  donor kind amount currency period_start period_end description
"$tf" inkind list

say "DESA finance: the bank's camt.053 statement for February, imported and reconciled"
api "$finance" POST /v1/bank-statements application/xml "$data/bank-2019-02.xml"
cat "$base/last.json"; echo
api "$finance" POST /v1/reconcile '{"bank_account":"1010-EUR","statement_account":"DE89370400440532013000"}'
api "$finance" POST /v1/reconcile '{"bank_account":"1010-CHF","statement_account":"CH9300762011623852957"}'
"$tf" reconcile --bank-account 1010-EUR --statement-account DE89370400440532013000
"$tf" reconcile --bank-account 1010-CHF --statement-account CH9300762011623852957
say "DESA finance: CGI.br's receipt, recorded by hand from the USD account's advice"
api "$finance" POST /v1/receipts '{"pledge":4,"date":"2019-03-05","bank_account":"1010-USD","amount":"50000.00"}'
"$tf" receipts list
say "Donors by what they gave (USD at the UN rate of each receipt's month)"
"$tf" donors list

say "Secretariat: last year's trips (IGF 2018, Paris), the history the 2019 ranking reads"
api "$secretariat" POST /v1/meetings \
  '{"id":"igf2018","name":"IGF 2018","starts_on":"2018-11-12","ends_on":"2018-11-14","place":"Paris","currency":"EUR","budget_line":"Travel support"}'
echo "finance allocates 10,000.00 EUR of the European Commission's travel money to it:"
api "$finance" POST /v1/allocations \
  '{"date":"2018-10-01","source":{"earmark":"travel","currency":"EUR"},"meeting":"igf2018","amount":"10000.00","memo":"IGF 2018 travel support"}'
api "$secretariat" POST /v1/meetings/igf2018/applicants text/csv "$data/igf2018-applicants.csv"
api "$secretariat" POST /v1/meetings/igf2018/rank '{"as_of":"2018-10-05"}'
api "$secretariat" POST /v1/meetings/igf2018/approve '{"date":"2018-10-08"}'
for who in p-0391 p-0544 p-0476; do
  api "$secretariat" POST "/v1/meetings/igf2018/trips/$who/report" '{"report_received":"2018-11-30"}'
done
api "$secretariat" POST /v1/meetings/igf2018/trips/p-0391/settle '{"airfare":"1750.00","dsa":"0.00","date":"2019-02-25"}'
api "$secretariat" POST /v1/meetings/igf2018/trips/p-0544/settle '{"airfare":"2100.00","dsa":"1150.00","date":"2019-02-25"}'
api "$secretariat" POST /v1/meetings/igf2018/trips/p-0476/settle '{"airfare":"1300.00","dsa":"800.00","date":"2019-02-25"}'
"$tf" travel list --meeting igf2018
echo "(Applicant p-0309's report on the IGF 2018 trip is still outstanding.)"

say "DESA finance: February's reconciliation both ways - the settlements paid, the bank's fee"
eur='"bank_account":"1010-EUR","statement_account":"DE89370400440532013000"'
api "$finance" POST /v1/reconcile "{$eur}"
echo "matched now: $(grep -o '"kind": *"payment"' "$base/last.json" | wc -l) settlements the bank has paid"
api "$finance" GET "/v1/reconcile/queue?bank_account=1010-EUR&statement_account=DE89370400440532013000"
fee=$(grep -o '"bank_line": *[0-9]*[^{]*"ACMT/MDOP/CHRG"' "$base/last.json" |
      grep -o '^"bank_line": *[0-9]*' | grep -o '[0-9]*$')
echo "in the work queue: the bank's fee (bank line $fee), which the ledger does not have yet"
api "$finance" POST /v1/reconcile/record \
  "{\"bank_line\":$fee,\"kind\":\"charge\",\"bank_account\":\"1010-EUR\",\"memo\":\"Bank fee, February 2019\"}"
"$tf" reconcile --bank-account 1010-EUR --statement-account DE89370400440532013000
api "$finance" POST /v1/reconcile/signoffs "{$eur,\"period_end\":\"2019-02-28\"}"
echo "February 2019 signed off for 1010-EUR: its matches are locked until an admin reopens it"

say "Secretariat: travel support for the first MAG meeting of 2019 (default IGF policy)"
api "$secretariat" POST /v1/meetings \
  "{\"id\":\"$meeting\",\"name\":\"First MAG meeting 2019\",\"starts_on\":\"2019-01-29\",\"ends_on\":\"2019-01-31\",\"place\":\"Geneva\",\"currency\":\"USD\",\"budget_line\":\"Travel support\"}"
api "$secretariat" POST "/v1/meetings/$meeting/applicants" text/csv "$data/mag1-applicants.csv"
echo "finance allocates 15,000.00 USD to it from the European Commission's travel earmark in EUR"
echo "(booked through the memo trading accounts at the UN rate of January 2019):"
api "$finance" POST /v1/allocations \
  "{\"date\":\"2019-01-02\",\"source\":{\"earmark\":\"travel\",\"currency\":\"EUR\"},\"meeting\":\"$meeting\",\"amount\":\"15000.00\",\"memo\":\"First MAG meeting 2019, travel support\"}"
echo "source amount: $(sed -n 's/.*"source": *{[^}]*"amount": *"\([^"]*\)".*/\1/p' "$base/last.json" | head -n1) EUR"
"$tf" funds available --as-of 2019-01-02
api "$secretariat" POST "/v1/meetings/$meeting/rank" '{"as_of":"2019-01-02"}'
cp "$base/last.json" "$out/mag1-ranking.json"
"$tf" travel rank --meeting "$meeting" --as-of 2019-01-02 --budget 15000.00 --currency USD --what-if
say "Secretariat: a ranking with a budget of 1,000,000.00 USD, more than the meeting has"
refused 409 "$secretariat" POST "/v1/meetings/$meeting/rank" '{"as_of":"2019-01-02","budget":"1000000.00","currency":"USD"}'
api "$secretariat" POST "/v1/meetings/$meeting/approve" '{"date":"2019-01-03"}'
say "Secretariat: applicant p-0268 cannot travel; the next applicant who fits is offered the place"
api "$secretariat" POST "/v1/meetings/$meeting/trips/p-0268/decline" '{"date":"2019-01-07"}'
echo "declined: p-0268; offered the place:" \
  "$(grep -o '"offered":\[.*' "$base/last.json" | grep -o '"applicant": *"[^"]*"' | cut -d'"' -f4 | tr '\n' ' ')"
api "$secretariat" POST "/v1/meetings/$meeting/approve" '{"date":"2019-01-08"}'
"$tf" travel list --meeting "$meeting"
say "Secretariat: paying a traveller from the USD account before any USD has arrived"
api "$secretariat" GET "/v1/meetings/$meeting/trips"
payee=$(tr -d '\n' < "$base/last.json" | grep -o '"applicant": *"[^"]*"[^}]*"status": *"approved"' |
        head -n1 | sed 's/"applicant": *"\([^"]*\)".*/\1/')
refused 409 "$secretariat" POST "/v1/meetings/$meeting/trips/$payee/settle" \
  '{"airfare":"300.00","dsa":"0.00","date":"2019-02-10"}'
echo "paid once CGI.br's 50,000.00 USD is in the account (5 March):"
api "$secretariat" POST "/v1/meetings/$meeting/trips/$payee/settle" \
  '{"airfare":"300.00","dsa":"0.00","date":"2019-03-06"}'
echo "settled: $payee"

say "DESA finance: the 2019 budget (USD), a line at a time"
for line in travel:300000.00 staff:250000.00 meetings:60000.00 contractual:40000.00 psc:84500.00; do
  api "$finance" POST /v1/budgets "{\"year\":2019,\"line\":\"${line%%:*}\",\"amount\":\"${line#*:}\"}"
done
"$tf" budgets status --year 2019 --as-of 2019-03-31

say "DESA finance: month-end - revaluation at UN rates, programme support costs, the month closed"
api "$finance" POST /v1/bank-accounts/links '{"iban":"DE89370400440532013000","account":"1010-EUR"}'
api "$finance" POST /v1/bank-accounts/links '{"iban":"CH9300762011623852957","account":"1010-CHF"}'
api "$finance" POST /v1/reconcile/signoffs \
  '{"bank_account":"1010-CHF","statement_account":"CH9300762011623852957","period_end":"2019-02-28"}'
month_end() { # month_end YYYY-MM: revalue, charge PSC, close
  api "$finance" POST /v1/revaluations "{\"month\":\"$1\"}"
  printf '%s revaluation %-10s %12s USD' "$1" "$(field status)" "$(field amount)"
  api "$finance" POST "/v1/periods/$1/psc"
  printf '   PSC %10s USD' "$(field amount)"
}
for m in 2018-05 2018-06 2018-07 2018-08 2018-09 2018-10 2018-11; do
  month_end "$m"
  api "$finance" POST "/v1/periods/$m/close"
  echo "   closed"
done
month_end 2018-12; echo
api "$finance" POST /v1/years/2018/close
echo "2018 closed: surplus $(first_field surplus) USD into accumulated net assets; December 2018 closed"
say "DESA finance: January 2019 cannot close before its month-end work is done"
refused 409 "$finance" POST /v1/periods/2019-01/close
for m in 2019-01 2019-02 2019-03 2019-04 2019-05 2019-06 2019-07 2019-08 2019-09 2019-10 2019-11; do
  month_end "$m"
  api "$finance" POST "/v1/periods/$m/close"
  echo "   closed"
done
month_end 2019-12; echo
api "$finance" POST /v1/years/2019/close
cp "$base/last.json" "$out/year-close-2019.json"
echo "2019 closed: surplus $(first_field surplus) USD into accumulated net assets; December 2019 closed"
echo "operating reserve: $(grep -o '"target": *"[^"]*"' "$out/year-close-2019.json" | cut -d'"' -f4) USD" \
  "(15% of the 2019 budget) in restricted net assets"
"$tf" periods list | tail -n 5

say "Auditor: reports in $out, signed by tfledgerd and verified offline"
# the certificate the server signs with (all of them, earlier ones too, at
# GET /v1/signing/certificates without a token), kept with the audit file
curl -sf -H "Authorization: Bearer $auditor" "$url/v1/signing/certificate" >"$out/server-cert.pem"
period="from=2019-01-01&to=2019-03-31&generated_at=2019-03-31T00:00:00Z"
for kind in trust-fund-statement donor-contributions in-kind account-statement \
            trial-balance iati-activities iati-organisation; do
  api "$auditor" GET "/v1/reports/$kind?$period"
  cp "$base/last.json" "$out/$kind.xml"
done
year="from=2019-01-01&to=2019-12-31&generated_at=2020-01-15T00:00:00Z"
for kind in financial-position financial-performance changes-in-net-assets cash-flow \
            budget-status budget-comparison; do
  api "$auditor" GET "/v1/reports/$kind?$year"
  cp "$base/last.json" "$out/$kind-2019.xml"
done
api "$auditor" GET "/v1/reports/travel-allocation?$period&meeting=$meeting"
cp "$base/last.json" "$out/travel-allocation.xml"
api "$auditor" GET "/v1/reports/reconciliation?$period&bank_account=1010-EUR"
cp "$base/last.json" "$out/reconciliation.xml"
for f in "$out"/*.xml; do
  case $f in
    */iati-activities.xml | */iati-organisation.xml)
      # IATI files are checked against the official IATI 2.03 schemas too
      # (which take the signature as an element of another namespace)
      xsd=$top/reports/iati/iati-activities-schema.xsd
      case $f in */iati-organisation.xml) xsd=$top/reports/iati/iati-organisations-schema.xsd ;; esac
      xmllint --noout --nonet --schema "$xsd" "$f"
      ;;
  esac
  "$tf" report verify "$f" --cert "$out/server-cert.pem"
  xmlsec1 --verify --trusted-pem "$out/server-cert.pem" "$f" >/dev/null 2>&1 ||
    { echo "demo: xmlsec1 refused $f" >&2; exit 2; }
done
# a signed checkpoint of the journal, kept; the statement checked against it
"$tf" checkpoints create --output "$out/checkpoint.xml" --url "$url" --token "$auditor"
xmlsec1 --verify --trusted-pem "$out/server-cert.pem" "$out/checkpoint.xml" >/dev/null 2>&1 ||
  { echo "demo: xmlsec1 refused the checkpoint" >&2; exit 2; }
"$tf" checkpoints list --url "$url" --token "$auditor" | tail -n 4
"$tf" verify-statement "$out/account-statement.xml" \
  --checkpoint "$out/checkpoint.xml" --cert "$out/server-cert.pem"
xp() { xmllint --xpath "string($1)" "$2"; }
echo "2019 in USD: assets $(xp "//*[local-name()='check']/*[local-name()='assets']" "$out/financial-position-2019.xml")" \
  "= liabilities and net assets $(xp "//*[local-name()='check']/*[local-name()='liabilities-and-net-assets']" "$out/financial-position-2019.xml");" \
  "surplus $(xp "//*[local-name()='performance']/*[local-name()='surplus']" "$out/changes-in-net-assets-2019.xml");" \
  "revaluation not posted $(xp "//*[local-name()='row'][@id='revaluation-not-posted']/*[local-name()='total']" "$out/changes-in-net-assets-2019.xml")"
api "$auditor" GET /v1/journal/verify
echo "journal: $(cat "$base/last.json")"

cat <<TXT

tfledgerd is running at $url (log: $base/tfledgerd.log).
An auditor token to explore with (read-only):
  export TFLEDGER_URL=$url TFLEDGER_TOKEN=$auditor
  curl -s -H "Authorization: Bearer \$TFLEDGER_TOKEN" \$TFLEDGER_URL/v1/journal/verify
  curl -s -H "Authorization: Bearer \$TFLEDGER_TOKEN" \$TFLEDGER_URL/v1/donors
  $tf balance 1010-EUR
Reports (signed by tfledgerd, verified): $out; its certificate: $out/server-cert.pem
Stop everything:  kill \$(cat $base/tfledgerd.pid); $tf db stop --dir $base/pg
TXT
