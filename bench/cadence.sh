#!/usr/bin/env bash
# Benchmark of `evident status` and `evident tasks` at scale: a program of
# 500 controls with 5 years of history and 1 000 000 evidence records, on
# SQLite and on PostgreSQL, now and over a period (`status --from --to`
# over the last 12 months and over the whole 5 years: every window of
# every control). Each figure is the median wall time of 5 runs
# of the real binary (process start included) and its peak memory, next to
# the limits measured in the same run: a plain GROUP BY over the evidence
# index by the database's own client (sqlite3, psql), which is what a scan
# would cost, and the start of the binary doing nothing (`evident version`).
# bench/cadencescan times the same GROUP BY, and a read of every row with
# the columns a window's judgement needs, in process through the store's
# own Go driver: the floor of any implementation that reads through it.
#
# Usage: [RUNS=5] bench/cadence.sh [RECORDS]
# PostgreSQL: EVIDENT_BENCH_POSTGRES (default the local test server), in
# schema CADENCE_BENCH_SCHEMA (default cadence_bench).
# CADENCE_BENCH_DIR=DIR keeps the generated data in DIR (and the PostgreSQL
# schema) and reuses them on the next run, which then only measures.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
records=${1:-1000000}
runs=${RUNS:-5}
pg=${EVIDENT_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
command -v sqlite3 >/dev/null || apt-get install -y sqlite3
command -v psql >/dev/null || apt-get install -y postgresql-client
if [ -n "${CADENCE_BENCH_DIR:-}" ]; then
	work=$CADENCE_BENCH_DIR
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
go build -o "$work/evident" ./cmd/evident
go build -o "$work/cadencegen" ./bench/cadencegen
go build -o "$work/cadencescan" ./bench/cadencescan

# median FILE: the median of the numbers in FILE, one per line.
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# measure LABEL CMD...: $runs runs (RUNS, default 5), prints "LABEL
# median_s median_cpu_s max_rss_MB" (CPU: user + system of the command).
measure() {
	local label=$1; shift
	: >"$work/t"; : >"$work/m"; : >"$work/c"
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %M %U %S" -o "$work/one" "$@" >/dev/null
		read -r s kb u sy <"$work/one"
		echo "$s" >>"$work/t"; echo "$kb" >>"$work/m"; echo "$u $sy" | awk '{print $1+$2}' >>"$work/c"
	done
	last_s=$(median "$work/t")
	last_mb=$(sort -n "$work/m" | tail -1 | awk '{printf "%.0f", $1/1024}')
	printf '%-34s %6.2f s  CPU %6.2f s  %5.0f MB\n' "$label" "$last_s" "$(median "$work/c")" "$last_mb"
}

# instant LABEL DIALECT and over LABEL DIALECT SCAN_S: the summary's row for
# the last measure, of a command at the instant (under 1 s and 200 MB) or
# over five years (within 1.5x of the GROUP BY scan SCAN_S, under 200 MB).
instant() {
	summary "$1 at $records records ($2)" "$last_s s, $last_mb MB" "-" "-" "< 1 s, < 200 MB" "$(awk -v s="$last_s" -v m="$last_mb" 'BEGIN { print (s < 1 && m < 200) ? "yes" : "no" }')"
}
over() {
	local r
	r=$(awk -v a="$last_s" -v b="$3" 'BEGIN { printf "%.2f", a / b }')
	summary "$1 at $records records ($2)" "$last_s s, $last_mb MB" "GROUP BY scan $3 s" "${r}x" "<= 1.5x, < 200 MB" "$(awk -v r="$r" -v m="$last_mb" 'BEGIN { print (r <= 1.5 && m < 200) ? "yes" : "no" }')"
}

mkdir -p "$work/data"
if [ ! -e "$work/data/evident.db" ]; then
	echo "== generating $records records (SQLite)"
	time "$work/cadencegen" -dsn "$work/data/evident.db" -records "$records"
fi
# The periods end now; the generated history starts 5 years before today.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
year=$(date -u -d '1 year ago' +%Y-%m-%dT00:00:00Z)
years5=$(date -u -d '5 years ago' +%Y-%m-%dT00:00:00Z)
scan="SELECT control_id, COUNT(*), MAX(effective_from) FROM evidence_controls GROUP BY control_id;"
echo "== SQLite (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
measure "evident version (process start)" "$work/evident" version
measure "sqlite3 GROUP BY (scan limit)" sqlite3 "$work/data/evident.db" "$scan"
scan_s=$last_s
"$work/cadencescan" -dsn "$work/data/evident.db" -runs "$runs"
measure "evident status" "$work/evident" --data "$work/data" status --json
instant "\`evident status\`" SQLite
measure "evident tasks" "$work/evident" --data "$work/data" tasks --json
instant "\`evident tasks\`" SQLite
measure "evident status --at 1 year ago" "$work/evident" --data "$work/data" status --json --at "$(date -u -d '1 year ago' +%Y-%m-%dT%H:%M:%SZ)"
measure "evident status --from 12 months" "$work/evident" --data "$work/data" status --json --from "$year" --to "$now"
# cold: no window facts kept, every record judged (and the closed windows
# kept); then the usual runs, which read the kept windows.
sqlite3 "$work/data/evident.db" "DELETE FROM window_facts"
runs=1 measure "evident status --from 5 years, cold" "$work/evident" --data "$work/data" status --json --from "$years5" --to "$now"
measure "evident status --from 5 years" "$work/evident" --data "$work/data" status --json --from "$years5" --to "$now"
over "\`evident status --from --to\` over 5 years, 500 controls" SQLite "$scan_s"

schema=${CADENCE_BENCH_SCHEMA:-cadence_bench}
dsn="$pg&search_path=$schema"
if [ -z "${CADENCE_BENCH_DIR:-}" ] || ! psql -qtA "$pg" -c "SELECT 1 FROM $schema.program" 2>/dev/null | grep -q 1; then
	echo "== generating $records records (PostgreSQL)"
	psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "CREATE SCHEMA $schema"
	time "$work/cadencegen" -dsn "$dsn" -records "$records"
	psql -q "$pg" -c "ANALYZE $schema.evidence_controls" -c "ANALYZE $schema.evidence"
fi
echo "== PostgreSQL (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
measure "psql GROUP BY (scan limit)" env PGOPTIONS="-c search_path=$schema" psql -q "$pg" -c "$scan"
scan_s=$last_s
"$work/cadencescan" -dsn "$dsn" -runs "$runs"
measure "evident status" "$work/evident" --db "$dsn" --data "$work/data" status --json
instant "\`evident status\`" PostgreSQL
measure "evident tasks" "$work/evident" --db "$dsn" --data "$work/data" tasks --json
instant "\`evident tasks\`" PostgreSQL
measure "evident status --from 12 months" "$work/evident" --db "$dsn" --data "$work/data" status --json --from "$year" --to "$now"
psql -q "$pg" -c "DELETE FROM $schema.window_facts"
runs=1 measure "evident status --from 5 years, cold" "$work/evident" --db "$dsn" --data "$work/data" status --json --from "$years5" --to "$now"
measure "evident status --from 5 years" "$work/evident" --db "$dsn" --data "$work/data" status --json --from "$years5" --to "$now"
over "\`evident status --from --to\` over 5 years, 500 controls" PostgreSQL "$scan_s"
echo "== done (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
[ -n "${CADENCE_BENCH_DIR:-}" ] || psql -q "$pg" -c "DROP SCHEMA $schema CASCADE"
summary_end
