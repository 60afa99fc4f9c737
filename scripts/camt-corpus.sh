#!/bin/sh
# camt-corpus.sh - runs every camt.053 sample of a directory through the real
# importer and checks, with a count made outside tfledger, that nothing was
# dropped: the evidence behind tests/data/camt/CORPUS.md.
#
#   scripts/camt-corpus.sh [-v] BUILD_DIR SAMPLE_DIR
#
# BUILD_DIR holds the tfledger binary; SAMPLE_DIR the *.xml samples (fetched
# from public parser test suites; see CORPUS.md for where each comes from).
# A throwaway cluster is started; each sample gets a fresh database made
# from a migrated template, so no sample sees another's lines. Per file it
# prints one line:
#
#   FILE VERSION result=read|refused|dropped expected=N stored=N reimport_new=N why
#
# expected is counted by python3's xml.etree, not by tfledger: per Ntry
# of a non-zero amount, the number of its NtryDtls/TxDtls when there are two
# or more (a batch the reader splits), else 1. stored is
# SELECT count(*) FROM bank_lines. reimport_new is the "new" figure of a
# second import of the same file (it must be 0). With -v the importer's
# stderr (its warnings) is shown under each line. Exit status: 0 when every
# sample was read with nothing dropped and nothing new on re-import, else 1.
# Needs python3 and psql on PATH (and what scripts/cluster.sh needs).
set -eu

verbose=0
if [ "${1:-}" = "-v" ]; then
	verbose=1
	shift
fi
if [ $# -ne 2 ]; then
	echo "usage: $0 [-v] BUILD_DIR SAMPLE_DIR" >&2
	exit 2
fi
tfledger=$(cd "$1" && pwd)/tfledger
samples=$(cd "$2" && pwd)
[ -x "$tfledger" ] || { echo "$0: no tfledger in $1" >&2; exit 2; }

# shellcheck source=scripts/cluster.sh
. "$(dirname "$0")/cluster.sh"
cluster_work tfl-corpus "$tfledger"

conninfo=$(cluster_start db)
# The conninfo names the database postgres; each sample gets its own.
with_db() {
	printf '%s' "$conninfo" | sed "s/dbname=[^ ]*/dbname=$1/"
}
psql_c() {
	psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$(with_db postgres)" -c "$1"
}
psql_c "CREATE DATABASE corpus_template" >/dev/null
TFLEDGER_DATABASE=$(with_db corpus_template) "$tfledger" migrate >/dev/null 2>"$work/migrate.err" ||
	{ cat "$work/migrate.err" >&2; exit 1; }

# Independent count: lines the file holds, per the rule above; the version
# is the last 2 digits of the root's namespace (whatever it is).
count_lines() {
	python3 - "$1" <<'EOF'
import sys, re
import xml.etree.ElementTree as ET
def local(tag):
    return tag.rsplit('}', 1)[-1]
try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    print("not-well-formed 0 0")
    sys.exit(0)
ns = root.tag[1:].split('}')[0] if root.tag.startswith('{') else ''
m = re.search(r'(camt\.05\d\.001\.\d\d)', ns)
version = m.group(1) if m else (ns or 'no-namespace')
lines = zero = 0
for ntry in root.iter():
    if local(ntry.tag) != 'Ntry':
        continue
    amt = [c for c in ntry if local(c.tag) == 'Amt']
    try:
        if amt and float((amt[0].text or '0').strip() or '0') == 0:
            zero += 1   # only a zero test: no figure is kept
            continue
    except ValueError:
        pass
    ntx = sum(1 for d in ntry if local(d.tag) == 'NtryDtls'
              for t in d if local(t.tag) == 'TxDtls')
    lines += ntx if ntx > 1 else 1
print(version, lines, zero)
EOF
}

# json_sum FIELD FILE: the sum of FIELD over the statements of the
# importer's JSON output, "?" if it cannot be read.
json_sum() {
	python3 -c 'import json, sys
try:
    print(sum(s[sys.argv[1]] for s in json.load(open(sys.argv[2]))["statements"]))
except Exception:
    print("?")' "$1" "$2"
}

status=0
n=0
for f in "$samples"/*.xml; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	name=$(basename "$f")
	db=corpus_$n
	psql_c "CREATE DATABASE $db TEMPLATE corpus_template" >/dev/null
	set -- $(count_lines "$f")
	version=$1 expected=$2 zero=$3
	why=""
	if TFLEDGER_DATABASE=$(with_db $db) "$tfledger" statements import --format json "$f" \
		>"$work/out1" 2>"$work/err1"; then
		stored=$(psql -X -q -t -A -d "$(with_db $db)" -c "SELECT count(*) FROM bank_lines")
		TFLEDGER_DATABASE=$(with_db $db) "$tfledger" statements import --format json "$f" \
			>"$work/out2" 2>"$work/err2" || true
		renew=$(json_sum new "$work/out2")
		dups=$(json_sum duplicates "$work/out1")
		if [ "$stored" -lt "$expected" ]; then
			result="dropped"
			why="$((expected - stored)) line(s) not stored"
			status=1
		else
			result="read"
		fi
		[ "$renew" = "0" ] || { why="$why; re-import stored $renew new"; status=1; }
		[ "$dups" = "0" ] || why="$why; $dups line(s) of the file taken as duplicates of others"
		[ "$zero" -eq 0 ] || why="$why; $zero zero-amount entr(y|ies) (no line by design)"
	else
		result="refused"
		stored=0
		renew="-"
		why=$(grep -v 'deviation tolerated\|further deviations\|deviations tolerated in all' "$work/err1" |
			head -n 1)
		status=1
	fi
	printf '%s %s result=%s expected=%s stored=%s reimport_new=%s %s\n' \
		"$name" "$version" "$result" "$expected" "$stored" "$renew" "${why#; }"
	if [ "$verbose" -eq 1 ]; then
		sed 's/^/    /' "$work/err1"
	fi
done
[ "$n" -gt 0 ] || { echo "$0: no *.xml in $samples" >&2; exit 2; }
exit "$status"
