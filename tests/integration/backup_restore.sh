#!/bin/sh
# backup_restore.sh - the backup and restore of docs/operations.md, run as
# written: a private cluster is migrated and given entries through the CLI
# and tfledgerd, dumped with pg_dump -Fc (and its roles with pg_dumpall
# --roles-only), restored into a NEW cluster, and there `tfledger verify`
# (the database's own check) must say ok with the same entry count and
# head hash, the account statement (balances, head
# sequence and hash) must equal the original's byte for byte, and no
# migration may be pending or changed. Then one posting of the restored copy
# is changed by the superuser with the triggers disabled, and verify must
# fail naming that entry's sequence.
#
# Runs under `make check` (TFLEDGER_BIN is set by AM_TESTS_ENVIRONMENT) and
# as root in CI, where the servers run as the postgres user: the work
# directory is made traversable and the dump files are written by this
# script's user, which reads them back itself. Both clusters are stopped
# and removed on every exit.
set -eu

tfledger=${TFLEDGER_BIN:-./tfledger}
pgbin=$(pg_config --bindir)
# shellcheck source=scripts/cluster.sh
. "$(dirname "$0")/../../scripts/cluster.sh"
cluster_work tfl-br "$tfledger"
umask 022

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# --- the original: a cluster, migrated, with entries in three currencies ---
orig=$(cluster_start a)
export TFLEDGER_DATABASE="$orig"
"$tfledger" migrate 2>/dev/null
# the books are written as finance does, through tfledgerd
cluster_daemon "$orig"
TFLEDGER_URL=$cluster_url
TFLEDGER_TOKEN=$("$tfledger" token create --role finance --name fin)
export TFLEDGER_URL TFLEDGER_TOKEN
"$tfledger" fund init >/dev/null 2>&1
"$tfledger" donors add --id fin --name "Government of Finland" --org-type 10 \
	--country FIN >/dev/null
"$tfledger" donors add --id che --name "Government of Switzerland" --org-type 10 \
	--country CHE >/dev/null
"$tfledger" pledges add --donor fin --date 2019-01-10 --amount 500000.00 \
	--currency EUR --agreement FIN-2019 --signed-on 2019-01-15 >/dev/null
"$tfledger" pledges add --donor che --date 2019-02-01 --amount 100000.00 \
	--currency CHF --agreement CHE-2019 --signed-on 2019-02-04 >/dev/null
"$tfledger" receipts add --pledge 1 --date 2019-02-14 --bank-account 1010-EUR \
	--amount 500000.00 >/dev/null
"$tfledger" receipts add --pledge 2 --date 2019-03-01 --bank-account 1010-CHF \
	--amount 100000.00 >/dev/null

cluster_daemon_stop
verify_orig=$("$tfledger" verify)
case $verify_orig in
"ok: 4 entries, head "*) ;;
*) fail "verify of the original: '$verify_orig' (expected ok with 4 entries)" ;;
esac
"$tfledger" report account-statement --from 2019-01-01 --to 2019-12-31 \
	--generated-at 2026-01-01T00:00:00Z --output "$work/statement-orig.xml" \
	--database "$orig"
grep -q '<sequence>4</sequence>' "$work/statement-orig.xml" ||
	fail "the original's account statement does not carry head sequence 4"

# --- the backup: the database in custom format, and the roles -------------
mkdir "$work/backup"
"$pgbin/pg_dump" -Fc -f "$work/backup/tfledger.dump" -d "$orig"
"$pgbin/pg_dumpall" --roles-only -f "$work/backup/roles.sql" -d "$orig"
grep -q 'CREATE ROLE tfledger_daemon;' "$work/backup/roles.sql" ||
	fail "roles.sql lacks the role tfledger_daemon"
"$tfledger" db stop --dir "$work/a" 2>/dev/null # the original is gone

# --- the restore into a new cluster ------------------------------------------
copy=$(cluster_start b)
[ "$copy" != "$orig" ] || fail "the new cluster has the original's conninfo"
export TFLEDGER_DATABASE="$copy"
# roles.sql also creates the bootstrap superuser, which exists: that one
# error is expected; the roles the dump needs must be there afterwards.
"$pgbin/psql" -X -q -d "$copy" -f "$work/backup/roles.sql" >/dev/null 2>&1 || true
[ "$("$pgbin/psql" -X -At -d "$copy" \
	-c "SELECT count(*) FROM pg_roles WHERE rolname = 'tfledger_daemon'")" = 1 ] ||
	fail "the role tfledger_daemon was not restored"
"$pgbin/pg_restore" --exit-on-error -d "$copy" "$work/backup/tfledger.dump"

verify_copy=$("$tfledger" verify)
[ "$verify_copy" = "$verify_orig" ] ||
	fail "verify after restore: '$verify_copy', the original said '$verify_orig'"
"$tfledger" report account-statement --from 2019-01-01 --to 2019-12-31 \
	--generated-at 2026-01-01T00:00:00Z --output "$work/statement-copy.xml" \
	--database "$copy"
cmp "$work/statement-orig.xml" "$work/statement-copy.xml" ||
	fail "the restored account statement differs from the original's"
"$tfledger" migrate --status >"$work/status"
nfiles=$(ls "${TFLEDGER_DATADIR:-.}"/migrations/[0-9][0-9][0-9][0-9]_*.sql | wc -l)
napplied=$(grep -c ' applied ' "$work/status" || true)
[ "$napplied" -eq "$nfiles" ] && ! grep -Eq ' (pending|changed|unknown) ' "$work/status" ||
	fail "migrate --status after restore: $napplied of $nfiles applied: $(cat "$work/status")"

# --- tampering with the restored copy ----------------------------------------
"$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d "$copy" >/dev/null <<'EOF'
ALTER TABLE postings DISABLE TRIGGER ALL;
UPDATE postings SET amount = amount + 100
 WHERE entry_id = (SELECT id FROM entries WHERE sequence = 2);
ALTER TABLE postings ENABLE TRIGGER ALL;
EOF
status=0
broken=$("$tfledger" verify) || status=$?
[ "$status" -eq 2 ] || fail "verify of the tampered copy exited $status, expected 2"
case $broken in
"BROKEN at sequence 2: "*) ;;
*) fail "verify of the tampered copy: '$broken' (expected BROKEN at sequence 2)" ;;
esac
echo "ok: restored copy verified ($verify_copy); tampered copy: $broken"
