#!/bin/sh
# bench/camt.sh - camt.053 import benchmark (not run by make check).
#
# Generates camt.053.001.08 files of 10,000 and 100,000 entries (every entry
# with a bank reference, a TxDtls with end-to-end id, debtor and remittance;
# every 50th a batch of 3; every 10th reuses the bank reference of the entry
# before it, as banks do; every 100th booked in EUR with the USD counter
# value in AmtDtls), imports each through a tfledgerd of a fresh database
# of a private cluster in /tmp (`tfledger bank-statements import`, the one
# door: the file streamed to the server, which reads and stores it), and
# prints entries/s end to end, the peak RSS of `tfledger` and of
# `tfledgerd` (which holds the request body, up to 64 MiB), and the lines
# stored against the lines the file holds (none may be lost).
# Requirements (issue 4): RSS(100k) <= 1.2 x RSS(10k), >= 20,000 entries/s.
#
# Usage: bench/camt.sh [BUILD_DIR]   (default: the current directory)
#        bench/camt.sh --gen N FILE   only write a file of N entries
set -eu
gen() { # gen N FILE
	awk -v n="$1" 'BEGIN {
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	print "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>"
	print "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2019-12-31T20:00:00Z</CreDtTm></GrpHdr>"
	print "<Stmt><Id>BENCH-" n "</Id><CreDtTm>2019-12-31T20:00:00Z</CreDtTm>"
	print "<Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>USD</Ccy></Acct>"
	print "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"USD\">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2019-01-01</Dt></Dt></Bal>"
	for (i = 1; i <= n; i++) {
		cents = (i * 7919) % 10000000 + 1
		amt = sprintf("%d.%02d", int(cents / 100), cents % 100)
		side = (i % 5 == 0) ? "DBIT" : "CRDT"
		d = sprintf("2019-%02d-%02d", (i % 12) + 1, (i % 28) + 1)
		ref = (i % 10 == 0) ? i - 1 : i
		if (i % 100 == 1)
			printf "<Ntry><Amt Ccy=\"EUR\">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>", amt, side
		else
			printf "<Ntry><Amt Ccy=\"USD\">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>", amt, side
		printf "<BookgDt><Dt>%s</Dt></BookgDt><ValDt><Dt>%s</Dt></ValDt><AcctSvcrRef>BNK%09d</AcctSvcrRef>", d, d, ref
		printf "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
		if (i % 100 == 1)
			printf "<AmtDtls><CntrValAmt><Amt Ccy=\"USD\">%s</Amt><CcyXchg><SrcCcy>EUR</SrcCcy><TrgtCcy>USD</TrgtCcy><XchgRate>1</XchgRate></CcyXchg></CntrValAmt></AmtDtls>", amt
		printf "<NtryDtls>"
		if (i % 50 == 0) {
			c1 = int(cents / 3); c2 = int(cents / 3); c3 = cents - c1 - c2
			split(c1 " " c2 " " c3, parts, " ")
			for (k = 1; k <= 3; k++)
				printf "<TxDtls><Refs><EndToEndId>E2E-%d-%d</EndToEndId></Refs><Amt Ccy=\"USD\">%d.%02d</Amt><CdtDbtInd>%s</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>Donor %d</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>Batch part %d of IGF-TF-%d</Ustrd></RmtInf></TxDtls>", i, k, int(parts[k] / 100), parts[k] % 100, side, i % 97, k, i
		} else {
			printf "<TxDtls><Refs><EndToEndId>E2E-%d</EndToEndId></Refs><Amt Ccy=\"USD\">%s</Amt><CdtDbtInd>%s</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>Donor %d</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>Contribution IGF-TF-%d</Ustrd></RmtInf></TxDtls>", i, amt, side, i % 97, i
		}
		print "</NtryDtls></Ntry>"
	}
	print "</Stmt></BkToCstmrStmt></Document>"
	}' > "$2"
}

if [ "${1:-}" = "--gen" ]; then
	gen "$2" "$3"
	exit 0
fi
build=$(cd "${1:-.}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
tfl="$build/tfledger"
[ -x "$tfl" ] || { echo "no tfledger in $build" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (GNU time)" >&2; exit 2; }
work=$(mktemp -d /tmp/tfl-bench-XXXXXX)
chmod 755 "$work"
trap '"$tfl" db stop --dir "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

"$tfl" db init --dir "$work/pg" >/dev/null
conninfo=$("$tfl" db start --dir "$work/pg")
TFLEDGER_DATADIR="$src" "$tfl" migrate --database "$conninfo" 2>/dev/null

run() { # run N -> prints a line; sets rss_N
	n=$1
	gen "$n" "$work/camt_$n.xml"
	db="bench_$n"
	psql -q -d "$conninfo" -c "CREATE DATABASE $db TEMPLATE tfledger_bench_template" >/dev/null
	dbc=$(printf '%s' "$conninfo" | sed "s/dbname=[^ ]*/dbname=$db/")
	token=$("$tfl" token create --role finance --name "bench-$n" --database "$dbc")
	port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
	"$build/tfledgerd" --database "$dbc" --listen "127.0.0.1:$port" 2>"$work/tfledgerd_$n.log" &
	dpid=$!
	i=0
	until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
		i=$((i + 1)); [ $i -gt 500 ] && { cat "$work/tfledgerd_$n.log" >&2; exit 2; }
		sleep 0.02
	done
	/usr/bin/time -f '%e %M' -o "$work/time_$n" \
		"$tfl" bank-statements import "$work/camt_$n.xml" --format json \
		--url "http://127.0.0.1:$port" --token "$token" \
		> "$work/out_$n" 2>"$work/err_$n" || { cat "$work/err_$n" >&2; exit 1; }
	drss=$(sed -n 's/^VmHWM: *\([0-9]*\) kB/\1/p' "/proc/$dpid/status")
	kill "$dpid"; wait "$dpid" || true
	read -r secs rss < "$work/time_$n"
	lines=$(psql -At -d "$dbc" -c "SELECT count(*) FROM bank_lines")
	rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
	want=$((n + 2 * (n / 50))) # every line of the file: a batch of 3 is 3 lines
	printf '%7d entries  %8s bytes  %6.2f s  %8d entries/s  peak RSS %6d KiB (tfledgerd %d KiB)  %7d lines stored (of %d)\n' \
		"$n" "$(wc -c < "$work/camt_$n.xml")" "$secs" "$rate" "$rss" "$drss" "$lines" "$want"
	[ "$lines" -eq "$want" ] || { echo "lines lost: $lines stored of $want" >&2; exit 1; }
	eval "rss_$n=$rss; rate_$n=$rate"
}

# every run starts from the same migrated, empty database
psql -q -d "$conninfo" -c "CREATE DATABASE tfledger_bench_template TEMPLATE $(printf '%s' "$conninfo" | sed 's/.*dbname=\([^ ]*\).*/\1/')" >/dev/null
run 10000
run 100000
awk -v a="$rss_10000" -v b="$rss_100000" -v r="$rate_100000" 'BEGIN {
	printf "RSS ratio 100k/10k: %.3f (required <= 1.2): %s\n", b / a, (b <= 1.2 * a ? "ok" : "NOT MET")
	printf "entries/s at 100k: %d (required >= 20000): %s\n", r, (r >= 20000 ? "ok" : "NOT MET")
}'
