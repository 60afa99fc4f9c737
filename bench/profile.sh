# bench/profile.sh - where a section's CPU goes, for bench/ledger.sh with
# PROFILE=DIR (sourced, not run). Needs perf.
#
# profile_start SECTION, called as a section's load starts, waits 2 s for
# it to settle and records tfledgerd's threads and every process of the
# bench's cluster (perf record -g, PROFILE_HZ samples per second, default
# 999) for DURATION - 4 seconds, in the background; profile_stop SECTION
# RATE ONE MANY waits for it and prints the CPU time per unit (ONE: entry,
# request...; RATE of them per second over the section) by who spent it:
#   tfledgerd by thread (MHD-connection: the HTTP threads, parsing, JSON,
#   token check's client side, answers; tfl-lane: the writer lanes), the
#   HTTP threads again by library; PostgreSQL by backend (application_name:
#   'tfledgerd writer lane', 'tfledgerd pool' for token checks and reads;
#   otherwise the backend type: walwriter, checkpointer, client backend for
#   pgbench...). The recording stays in DIR/SECTION.data for perf report.
# Expects DPID (tfledgerd), DIR (the cluster's directory) and PSQL from
# bench/ledger.sh. PROFILE_OFF set: no profile (ledger.sh's later rounds).

profile_start() {
	[ -n "${PROFILE:-}" ] && [ -z "${PROFILE_OFF:-}" ] || return 0
	mkdir -p "$PROFILE"
	sleep 2
	PROFILE_S=$((DURATION > 5 ? DURATION - 4 : 1))
	pids="$DPID,$(pgrep -d, -P "$(head -1 "$DIR/pg/postmaster.pid")")"
	$PSQL -d postgres -F' ' -c "SELECT pid, CASE WHEN application_name LIKE 'tfledgerd%'
		THEN replace(application_name, ' ', '-') ELSE replace(backend_type, ' ', '-') END
		FROM pg_stat_activity" >"$PROFILE/$1.who"
	perf record -F "${PROFILE_HZ:-999}" -g -p "$pids" -o "$PROFILE/$1.data" -- sleep "$PROFILE_S" \
		>"$PROFILE/$1.log" 2>&1 &
	PROFILE_PID=$!
}

profile_stop() {
	[ -n "${PROFILE:-}" ] && [ -z "${PROFILE_OFF:-}" ] || return 0
	wait "$PROFILE_PID" || { echo "  (profile: perf record failed: $(tail -1 "$PROFILE/$1.log"))"; return 0; }
	hz=${PROFILE_HZ:-999}
	# samples per thread: "SAMPLES TID:COMM"
	perf report -i "$PROFILE/$1.data" --stdio -g none --sort pid -F sample,pid 2>/dev/null |
		awk '!/^#/ && NF >= 2 { print $1, $2 }' >"$PROFILE/$1.threads"
	perf report -i "$PROFILE/$1.data" --stdio -g none --sort comm,dso -F sample,comm,dso 2>/dev/null |
		awk '$2 == "MHD-connection" && $1 > 0 { print $1, $3 }' >"$PROFILE/$1.http"
	awk -v units="$(awk -v r="$2" -v s="$PROFILE_S" 'BEGIN { print r * s }')" -v one="$3" -v many="$4" -v hz="$hz" -v secs="$PROFILE_S" -v section="$1" '
		FILENAME ~ /\.who$/ { who[$1] = $2; next }
		FILENAME ~ /\.threads$/ {
			split($2, t, ":"); tid = t[1]; comm = t[2]
			if (comm == "postgres") k = "PostgreSQL " (tid in who ? who[tid] : "other")
			else k = "tfledgerd " comm
			cpu[k] += $1; total += $1; next
		}
		{ n = split($2, p, "/"); lib[p[n]] += $1; libs++ }
		END {
			if (units <= 0 || total == 0) { print "  (profile " section ": no samples)"; exit }
			printf "  profile %s: %.0f %s in %d s; CPU per %s, in microseconds:\n", section,
				units, many, secs, one
			for (k in cpu) printf "    %8.1f  %s\n", cpu[k] / hz / units * 1e6, k | "sort -rn"
			close("sort -rn")
			printf "    %8.1f  in all (%.2f CPU-seconds of %d s on %d cores)\n",
				total / hz / units * 1e6, total / hz, secs, ncpu
			if (libs) printf "    the HTTP threads by library:\n"
			for (l in lib) printf "    %8.1f    %s\n", lib[l] / hz / units * 1e6, l | "sort -rn"
			close("sort -rn")
		}' ncpu="$(nproc)" "$PROFILE/$1.who" "$PROFILE/$1.threads" "$PROFILE/$1.http"
}
