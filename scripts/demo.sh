#!/usr/bin/env bash
# scripts/demo.sh - the README's first command: builds tfledger and plays the
# IGF Trust Fund's 2018 and 2019 through tfledgerd, from the command line, as
# the people who keep the fund would - each with a URL and a token of their
# own, none of them with the database:
#   - the operator: a fresh private PostgreSQL cluster in $TFLEDGER_DEMO_DIR
#     (default /tmp/tfledger-demo-$UID), migrated; tfledgerd started on it
#     with a (demo, self-signed) signing key; the first admin, Ines, made on
#     the database itself - the only steps that touch it;
#   - Ines (admin): the people and their roles, through tfledgerd: Fatou
#     (DESA finance), Tomas (the Secretariat), Mei (approver: the second pair
#     of eyes on travel support) and Kofi (auditor), a token each;
#   - Fatou: the fund's chart of accounts, UN rates, donors from the seed
#     transcript with signed pledges in their own currencies (amounts
#     illustrative), in-kind gifts at fair value, a camt.053 bank statement
#     imported and reconciled both ways (the settlements the bank paid, the
#     bank's fee recorded from its line in the work queue), February signed
#     off; money allocated to each meeting from the European Commission's
#     travel earmark; the 2019 budget; every month of 2018 and 2019
#     revalued at the UN operational rates, its programme support costs
#     charged and closed (each close issues a signed journal checkpoint);
#     both years closed;
#   - Tomas: last year's trips (IGF 2018) and the first MAG meeting of 2019,
#     its travel requests (invented applicants, pseudonymous ids) ranked with
#     the default policy; one applicant corrected when a form arrives; an
#     over-budget ranking and a payment before the money arrived, both
#     refused; Tomas cannot approve his own ranking (four eyes): Mei does; one
#     traveller declines, the next who fits is offered the place;
#   - Kofi: every report, signed by tfledgerd, fetched into ./out and
#     verified offline with the certificate the server publishes (tfledger
#     and the stock xmlsec1); a checkpoint kept from the first quarter and
#     the year's account statement checked against it; the audit log by
#     person; and no applicant's name in the journal or the IATI files;
#   - the daemon left running, with its URL and a token per person.
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
# Everyone's commands go to tfledgerd; nobody but the operator has the database.
export TFLEDGER_URL=$url
unset TFLEDGER_TOKEN TFLEDGER_DATABASE
say() { printf '\n== %s\n' "$*"; }

declare -A token
# as PERSON COMMAND...: tfledger run by PERSON, with their token.
as() { local who=$1; shift; TFLEDGER_TOKEN=${token[$who]} "$tf" "$@"; }
# json PERSON COMMAND...: as, with --format json; the answer into $base/last.json.
json() { local who=$1; shift; as "$who" "$@" --format json >"$base/last.json"; }
# refused PERSON CODE COMMAND...: a command the books must refuse with the
# contract code CODE (exit 1); prints the refusal, stops the demo otherwise.
refused() {
  local who=$1 code=$2 text rc=0
  shift 2
  text=$(as "$who" "$@" 2>&1 >/dev/null) || rc=$?
  if [ "$rc" -ne 1 ] || [[ $text != *"[$code]"* ]]; then
    echo "demo: expected '$*' to be refused with $code (exit 1), got exit $rc: $text" >&2
    exit 2
  fi
  echo "refused: ${text#tfledger: }"
}
# The first "key": "STRING" in the last answer: a top-level key the answer
# writes before nested ones of the same name.
first_field() { grep -o "\"$1\": *\"[^\"]*\"" "$base/last.json" | head -n1 | cut -d'"' -f4; }
# The value of the first "key": NUMBER or "key": "STRING" in the last answer.
field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" "$base/last.json" | head -n1; }

say "The operator: a fresh private PostgreSQL cluster in $base/pg, and tfledgerd on $url"
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
db=$("$tf" db start --dir "$base/pg")
"$tf" migrate --database "$db" 2>&1 | grep -v '^ts='
# the server's signing key (a demo one: self-signed; docs/signing.md)
mkdir -p "$base/sign"
"$tf" report keygen --key "$base/sign/key.pem" --cert "$base/sign/cert.pem" \
  --subject "CN=tfledger demo signer,O=IGF Trust Fund (demo)"
"$tfd" --database "$db" --listen "127.0.0.1:$port" --web-dir "$top/web" \
  --sign-key "$base/sign/key.pem" --sign-cert "$base/sign/cert.pem" >"$base/tfledgerd.log" 2>&1 &
echo $! > "$base/tfledgerd.pid"
for _ in $(seq 1 100); do
  curl -sf "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "$url/healthz" >/dev/null || {
  echo "tfledgerd did not start; its log:" >&2; cat "$base/tfledgerd.log" >&2; exit 2; }
echo "tfledgerd is up (pid $(cat "$base/tfledgerd.pid")), signing with $base/sign/key.pem"
printf '%s\n' "ines's demo passphrase" | "$tf" user add --name ines --full-name "Ines Moreau (administrator)" --role admin --database "$db" >/dev/null
token[ines]=$("$tf" token create --user ines --database "$db")
echo "the first admin, ines, and her token: made on the database (the operator's last step there)"

say "Ines (admin): the people who keep the fund, a role each and a token each, through tfledgerd"
printf '%s\n' "fatou's demo passphrase" | as ines user add --name fatou --full-name "Fatou Diallo (DESA finance)" --role finance >/dev/null
printf '%s\n' "tomas's demo passphrase" | as ines user add --name tomas --full-name "Tomas Lindqvist (IGF Secretariat)" --role secretariat >/dev/null
printf '%s\n' "mei's demo passphrase" | as ines user add --name mei --full-name "Mei Tanaka (IGF Secretariat, approver)" --role approver >/dev/null
printf '%s\n' "kofi's demo passphrase" | as ines user add --name kofi --full-name "Kofi Asante (auditor)" --role auditor >/dev/null
for who in fatou tomas mei kofi; do
  token[$who]=$(as ines token create --user "$who")
done
as ines user list

say "Fatou (finance): the fund's books (chart of accounts, UN rates, donors, signed pledges)"
as fatou whoami
as fatou fund init >/dev/null
as fatou rates import "$data/rates.csv" >/dev/null
{
  read -r _
  while IFS=, read -r id name org country; do
    as fatou donors add --id "$id" --name "$name" --org-type "$org" ${country:+--country "$country"} >/dev/null
  done
} < "$data/donors.csv"
{
  read -r _
  while IFS=, read -r donor date amount ccy earmark agreement signed; do
    as fatou pledges add --donor "$donor" --date "$date" --amount "$amount" --currency "$ccy" \
      --earmark "$earmark" --agreement "$agreement" --signed-on "$signed" >/dev/null
  done
} < "$data/pledges.csv"
as fatou pledges list
echo "(the United Kingdom's pledge in GBP set up the GBP accounts in the same step:" \
  "$(as fatou accounts list | grep -c -- '-GBP') accounts)"

say "Fatou: the European Commission's 2018 travel contribution, received in July 2018"
as fatou receipts add --pledge 6 --date 2018-07-10 --bank-account 1010-EUR --amount 40000.00 >/dev/null

say "Fatou: in-kind gifts at fair value (disclosed in memo accounts, not revenue)"
{
  read -r _
  while IFS=, read -r donor kind amount ccy from to description; do
    as fatou in-kind add --donor "$donor" --kind "$kind" --amount "$amount" --currency "$ccy" \
      --period-start "$from" --period-end "$to" --description "$description" >/dev/null
  done
} < "$data/inkind.csv"
as fatou in-kind list

say "Fatou: the bank's camt.053 statement for February, imported and reconciled"
as fatou bank-statements import "$data/bank-2019-02.xml"
as fatou reconcile --bank-account 1010-EUR --statement-account DE89370400440532013000
as fatou reconcile --bank-account 1010-CHF --statement-account CH9300762011623852957
say "Fatou: CGI.br's receipt, recorded by hand from the USD account's advice"
as fatou receipts add --pledge 4 --date 2019-03-05 --bank-account 1010-USD --amount 50000.00 >/dev/null
as fatou receipts list
say "Donors by what they gave (USD at the UN rate of each receipt's month)"
as fatou donors list

say "Tomas (Secretariat): last year's trips (IGF 2018, Paris), the history the 2019 ranking reads"
as tomas meetings add --id igf2018 --name "IGF 2018" --starts-on 2018-11-12 --ends-on 2018-11-14 \
  --place Paris --currency EUR --budget-line "Travel support" >/dev/null
echo "Fatou allocates 10,000.00 EUR of the European Commission's travel money to it:"
as fatou allocations add --date 2018-10-01 --source-earmark travel --source-currency EUR \
  --meeting igf2018 --amount 10000.00 --memo "IGF 2018 travel support"
as tomas applicants import "$data/igf2018-applicants.csv" --meeting igf2018 >/dev/null
as tomas travel rank --meeting igf2018 --as-of 2018-10-05 >/dev/null
as mei travel approve --meeting igf2018 --date 2018-10-08 >/dev/null
for who in p-0391 p-0544 p-0476; do
  as tomas travel report --meeting igf2018 --applicant "$who" --report-received 2018-11-30 >/dev/null
done
as tomas travel settle --meeting igf2018 --applicant p-0391 --airfare 1750.00 --dsa 0.00 --date 2019-02-25 >/dev/null
as tomas travel settle --meeting igf2018 --applicant p-0544 --airfare 2100.00 --dsa 1150.00 --date 2019-02-25 >/dev/null
as tomas travel settle --meeting igf2018 --applicant p-0476 --airfare 1300.00 --dsa 800.00 --date 2019-02-25 >/dev/null
as tomas travel list --meeting igf2018
echo "(Applicant p-0309's report on the IGF 2018 trip is still outstanding: it was due 30 days after the meeting.)"

say "Fatou: February's reconciliation both ways - the settlements paid, the bank's fee"
eur=(--bank-account 1010-EUR --statement-account DE89370400440532013000)
json fatou reconcile "${eur[@]}"
echo "matched now: $(grep -o '"kind": *"payment"' "$base/last.json" | wc -l) settlements the bank has paid"
json fatou reconcile queue "${eur[@]}"
fee=$(tr -d '\n' < "$base/last.json" | grep -o '"bank_line": *[0-9]*[^{]*"ACMT/MDOP/CHRG"' |
      grep -o '^"bank_line": *[0-9]*' | grep -o '[0-9]*$')
echo "in the work queue: the bank's fee (bank line $fee), which the ledger does not have yet"
as fatou reconcile record --bank-line "$fee" --kind charge --bank-account 1010-EUR \
  --memo "Bank fee, February 2019" >/dev/null
as fatou reconcile "${eur[@]}"
as fatou reconcile signoff "${eur[@]}" --period-end 2019-02-28 >/dev/null
echo "February 2019 signed off for 1010-EUR: its matches are locked until an admin reopens it"

say "Kofi (auditor): a signed checkpoint of the journal as it stands, kept for later"
as kofi checkpoints create --output "$out/checkpoint-q1.xml" >/dev/null
echo "kept: $out/checkpoint-q1.xml (sequence $(xmllint --xpath "string(//*[local-name()='sequence'])" "$out/checkpoint-q1.xml"))"

say "Tomas: travel support for the first MAG meeting of 2019 (default IGF policy)"
as tomas meetings add --id "$meeting" --name "First MAG meeting 2019" --starts-on 2019-01-29 \
  --ends-on 2019-01-31 --place Geneva --currency USD --budget-line "Travel support" >/dev/null
as tomas applicants import "$data/mag1-applicants.csv" --meeting "$meeting" >/dev/null
echo "p-0615's funding forms arrive: Tomas corrects the one field, with the reason kept"
as tomas applicants update --meeting "$meeting" --applicant p-0615 --forms-complete yes \
  --reason "Funding forms received 2019-01-02" >/dev/null
as tomas applicants update --meeting "$meeting" --applicant p-0615 --forms-complete no \
  --reason "Forms received were for 2018; still missing for 2019" >/dev/null
as tomas applicants show --meeting "$meeting" --applicant p-0615
echo "Fatou allocates 15,000.00 USD to it from the European Commission's travel earmark in EUR"
echo "(booked through the memo trading accounts at the UN rate of January 2019):"
json fatou allocations add --date 2019-01-02 --source-earmark travel --source-currency EUR \
  --meeting "$meeting" --amount 15000.00 --memo "First MAG meeting 2019, travel support"
echo "source amount: $(tr -d '\n' < "$base/last.json" | sed -n 's/.*"source": *{[^}]*"amount": *"\([^"]*\)".*/\1/p') EUR"
as fatou funds available --as-of 2019-01-02
json tomas travel rank --meeting "$meeting" --as-of 2019-01-02
cp "$base/last.json" "$out/mag1-ranking.json"
as tomas travel rank --meeting "$meeting" --as-of 2019-01-02 --budget 15000.00 --currency USD --what-if
say "Tomas: a ranking with a budget of 1,000,000.00 USD, more than the meeting has"
refused tomas insufficient-funds travel rank --meeting "$meeting" --as-of 2019-01-02 \
  --budget 1000000.00 --currency USD
say "Four eyes: Tomas ranked it, so Tomas cannot approve it; Mei (approver) does"
refused tomas four-eyes travel approve --meeting "$meeting" --date 2019-01-03
as mei travel approve --meeting "$meeting" --date 2019-01-03 >/dev/null
as mei travel runs --meeting "$meeting"
say "Tomas: applicant p-0268 cannot travel; the next applicant who fits is offered the place"
json tomas travel decline --meeting "$meeting" --applicant p-0268 --date 2019-01-07
echo "declined: p-0268; offered the place:" \
  "$(tr -d '\n' < "$base/last.json" | grep -o '"offered": *\[[^]]*' | grep -o '"applicant": *"[^"]*"' | cut -d'"' -f4 | tr '\n' ' ')"
as mei travel approve --meeting "$meeting" --date 2019-01-08 >/dev/null
as tomas travel list --meeting "$meeting"
say "Tomas: paying a traveller from the USD account before any USD has arrived"
json tomas travel list --meeting "$meeting"
payee=$(tr -d '\n' < "$base/last.json" | grep -o '"applicant": *"[^"]*"[^}]*"status": *"approved"' |
        head -n1 | sed 's/"applicant": *"\([^"]*\)".*/\1/')
refused tomas insufficient-funds travel settle --meeting "$meeting" --applicant "$payee" \
  --airfare 300.00 --dsa 0.00 --date 2019-02-10
echo "paid once CGI.br's 50,000.00 USD is in the account (5 March):"
as tomas travel settle --meeting "$meeting" --applicant "$payee" --airfare 300.00 --dsa 0.00 \
  --date 2019-03-06 >/dev/null
echo "settled: $payee"

say "Fatou: the 2019 budget (USD), a line at a time"
for line in travel:300000.00 staff:250000.00 meetings:60000.00 contractual:40000.00 psc:84500.00; do
  as fatou budgets set --year 2019 --line "${line%%:*}" --amount "${line#*:}" >/dev/null
done
as fatou budgets status --year 2019 --as-of 2019-03-31

say "Fatou: month-end - revaluation at UN rates, programme support costs, the month closed"
as fatou bank-accounts link --iban DE89370400440532013000 --account 1010-EUR >/dev/null
as fatou bank-accounts link --iban CH9300762011623852957 --account 1010-CHF >/dev/null
as fatou reconcile signoff --bank-account 1010-CHF --statement-account CH9300762011623852957 \
  --period-end 2019-02-28 >/dev/null
month_end() { # month_end YYYY-MM: revalue, charge PSC
  json fatou revalue --month "$1"
  printf '%s revaluation %-10s %12s USD' "$1" "$(field status)" "$(field amount)"
  json fatou psc charge --month "$1"
  printf '   PSC %10s USD' "$(field amount)"
}
for m in 2018-05 2018-06 2018-07 2018-08 2018-09 2018-10 2018-11; do
  month_end "$m"
  as fatou periods close "$m" >/dev/null
  echo "   closed"
done
month_end 2018-12; echo
json fatou year close --year 2018
echo "2018 closed: surplus $(first_field surplus) USD into accumulated net assets; December 2018 closed"
say "Fatou: January 2019 cannot close before its month-end work is done"
refused fatou period-not-ready periods close 2019-01
for m in 2019-01 2019-02 2019-03 2019-04 2019-05 2019-06 2019-07 2019-08 2019-09 2019-10 2019-11; do
  month_end "$m"
  as fatou periods close "$m" >/dev/null
  echo "   closed"
done
month_end 2019-12; echo
json fatou year close --year 2019
cp "$base/last.json" "$out/year-close-2019.json"
echo "2019 closed: surplus $(first_field surplus) USD into accumulated net assets; December 2019 closed"
echo "operating reserve: $(grep -o '"target": *"[^"]*"' "$out/year-close-2019.json" | cut -d'"' -f4) USD" \
  "(15% of the 2019 budget) in restricted net assets"
as fatou periods list | tail -n 5

say "Kofi (auditor): reports in $out, signed by tfledgerd and verified offline"
# the certificate the server signs with (all of them, earlier ones too, at
# GET /v1/signing/certificates without a token), kept with the audit file
curl -sf -H "Authorization: Bearer ${token[kofi]}" "$url/v1/signing/certificate" >"$out/server-cert.pem"
q1=(--from 2019-01-01 --to 2019-03-31 --generated-at 2019-03-31T00:00:00Z)
for kind in trust-fund-statement donor-contributions in-kind trial-balance iati-activities \
            iati-organisation; do
  as kofi report "$kind" "${q1[@]}" --output "$out/$kind.xml"
done
as kofi report travel-allocation "${q1[@]}" --meeting "$meeting" --output "$out/travel-allocation.xml"
as kofi report reconciliation "${q1[@]}" --bank-account 1010-EUR --output "$out/reconciliation.xml"
y2019=(--from 2019-01-01 --to 2019-12-31 --generated-at 2020-01-15T00:00:00Z)
for kind in financial-position financial-performance changes-in-net-assets cash-flow \
            budget-status budget-comparison; do
  as kofi report "$kind" "${y2019[@]}" --output "$out/$kind-2019.xml"
done
as kofi report account-statement "${y2019[@]}" --output "$out/account-statement.xml"
for f in "$out"/*.xml; do
  case $f in
    */checkpoint-*.xml) ;;
    */iati-activities.xml | */iati-organisation.xml)
      # IATI files are checked against the official IATI 2.03 schemas too
      # (which take the signature as an element of another namespace)
      xsd=$top/reports/iati/iati-activities-schema.xsd
      case $f in */iati-organisation.xml) xsd=$top/reports/iati/iati-organisations-schema.xsd ;; esac
      xmllint --noout --nonet --schema "$xsd" "$f"
      ;;
  esac
  "$tf" report verify "$f" --cert "$out/server-cert.pem" >/dev/null
  xmlsec1 --verify --trusted-pem "$out/server-cert.pem" "$f" >/dev/null 2>&1 ||
    { echo "demo: xmlsec1 refused $f" >&2; exit 2; }
done
echo "every report and the checkpoint: signature valid (tfledger report verify and xmlsec1 --verify)"
echo "the year's account statement against the checkpoint Kofi kept in the first quarter:"
"$tf" verify-statement "$out/account-statement.xml" \
  --checkpoint "$out/checkpoint-q1.xml" --cert "$out/server-cert.pem"
xp() { xmllint --xpath "string($1)" "$2"; }
echo "2019 in USD: assets $(xp "//*[local-name()='check']/*[local-name()='assets']" "$out/financial-position-2019.xml")" \
  "= liabilities and net assets $(xp "//*[local-name()='check']/*[local-name()='liabilities-and-net-assets']" "$out/financial-position-2019.xml");" \
  "surplus $(xp "//*[local-name()='performance']/*[local-name()='surplus']" "$out/changes-in-net-assets-2019.xml");" \
  "revaluation not posted $(xp "//*[local-name()='row'][@id='revaluation-not-posted']/*[local-name()='total']" "$out/changes-in-net-assets-2019.xml")"
as kofi verify
echo "who approved travel support, from the audit log:"
as kofi audit --action travel.approve | cut -c1-120
say "Kofi: no applicant's name in the journal or the IATI files"
as kofi entries --format json >"$base/journal.json"
found=0
for csv in "$data/igf2018-applicants.csv" "$data/mag1-applicants.csv"; do
  while IFS=, read -r _ name _; do
    for f in "$base/journal.json" "$out/iati-activities.xml" "$out/iati-organisation.xml"; do
      if grep -qF "$name" "$f"; then echo "demo: $name appears in $f" >&2; found=1; fi
    done
  done < <(tail -n +2 "$csv")
done
[ "$found" -eq 0 ] || exit 2
echo "none of the $(($(wc -l < "$data/igf2018-applicants.csv") + $(wc -l < "$data/mag1-applicants.csv") - 2)) applicants' names" \
  "is in the journal ($(grep -c '"sequence"' "$base/journal.json") entries) or the IATI files"

cat <<TXT

tfledgerd is running at $url (log: $base/tfledgerd.log). A token per person:
$(for who in ines fatou tomas mei kofi; do printf '  %-6s export TFLEDGER_URL=%s TFLEDGER_TOKEN=%s\n' "$who" "$url" "${token[$who]}"; done)
then, e.g. as kofi:  $tf whoami; $tf balance 1010-EUR; $tf audit --user mei
Reports (signed by tfledgerd, verified): $out; its certificate: $out/server-cert.pem
Stop everything:  kill \$(cat $base/tfledgerd.pid); $tf db stop --dir $base/pg
TXT

# The web workspace (docs/workspace.md): the same people sign in with the
# passphrases Ines gave them above.
cat <<TXT

The web workspace: open $url/ in a browser and sign in as
$(for who in ines fatou tomas mei kofi; do
    case $who in
      ines) role=admin ;; fatou) role=finance ;; tomas) role=secretariat ;;
      mei) role=approver ;; kofi) role=auditor ;;
    esac
    printf '  %-12s user %-6s password: %s\n' "$role" "$who" "$who's demo passphrase"
  done)
(plain HTTP on loopback only; the demo's data is as of 2019: the dashboard opens on
December 2019, the last month with UN rates.)
TXT
