#!/bin/sh
# tests/layers/check_layers.sh - the layering rule of docs/architecture.md,
# checked on every #include "folder/file.h" of the production code:
#
#   common  <  ledger, rules  <  fund  <  bank, travel  <  reports  <  daemon, cli
#
# A file may include its own folder and any folder of a lower layer; an
# include that points up, or sideways to another folder of the same layer,
# fails with file:line. Tests and benchmarks stand outside the layers.
# Usage: check_layers.sh [SRCDIR] (default $TFLEDGER_DATADIR, else .).
set -eu
top=${1:-${TFLEDGER_DATADIR:-.}}
cd "$top"

rank() {
	case $1 in
	common) echo 0 ;;
	ledger | rules) echo 1 ;;
	fund) echo 2 ;;
	bank | travel) echo 3 ;;
	reports) echo 4 ;;
	daemon | cli) echo 5 ;;
	*) echo -1 ;;
	esac
}

bad=0
checked=0
for dir in common ledger rules fund bank travel reports daemon cli; do
	from=$(rank "$dir")
	for f in $(find "$dir" -name '*.[ch]' | sort); do
		# file:line:folder of each quoted include with a folder in it
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]*/' "$f" |
			sed 's/^\([0-9]*\):.*"\([a-z_]*\)\/.*/\1 \2/' >"${TMPDIR:-/tmp}/layers.$$" || true
		while read -r line to; do
			checked=$((checked + 1))
			[ "$to" = "$dir" ] && continue
			r=$(rank "$to")
			if [ "$r" -lt 0 ]; then
				echo "$f:$line: includes $to/, a folder outside the layers"
				bad=$((bad + 1))
			elif [ "$r" -ge "$from" ]; then
				if [ "$r" -eq "$from" ]; then how=sideways; else how=up; fi
				echo "$f:$line: $dir/ includes $to/, $how against common < ledger, rules < fund < bank, travel < reports < daemon, cli"
				bad=$((bad + 1))
			fi
		done <"${TMPDIR:-/tmp}/layers.$$"
		rm -f "${TMPDIR:-/tmp}/layers.$$"
	done
done
if [ "$checked" -eq 0 ]; then
	echo "no includes found under $top: wrong directory?"
	exit 1
fi
echo "$checked includes checked, $bad against the layers"
[ "$bad" -eq 0 ]
