#!/usr/bin/env bash
# Load benchmark of the API and the dashboard: with RECORDS evidence
# records (default 1 000 000, made by bench/cadencegen: 500 controls, five
# years), 50 concurrent clients on loopback send each list endpoint, the
# dashboard and the web list pages 500 requests (bounded to 2 minutes per endpoint) and the
# latency percentiles are printed per endpoint.
#
# The physical limit measured in the same run is the database answering
# the same first page of evidence by itself: the sqlite3 CLI running the
# query 10 000 times in one process (its CPU time; at 0.05 ms a query, a
# thousand took five of the 10 ms ticks /usr/bin/time counts in). Each
# endpoint's CPU time per request (of the server's process alone; the load
# generator's is printed beside it) is reported as a ratio to it, next to
# its p95. The machine's load average is printed too: on a shared machine
# it explains more of the spread than the code does.
#
# Usage: bench/web.sh [RECORDS] [DB_FILE_TO_REUSE]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
records=${1:-1000000}
reuse=${2:-}
command -v sqlite3 >/dev/null || apt-get install -y sqlite3
command -v bc >/dev/null || apt-get install -y bc
[ -x /usr/bin/time ] || apt-get install -y time
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/cadencegen" ./bench/cadencegen
go build -o "$work/webload" ./bench/webload

db="$work/evident.db"
if [ -n "$reuse" ]; then
	db=$reuse
else
	echo "== generating $records evidence records"
	time "$work/cadencegen" -dsn "$db" -records "$records"
fi
echo "== records: $(sqlite3 "$db" 'SELECT COUNT(*) FROM evidence')"

echo "== limit: sqlite3 CLI, first page of evidence (51 rows), 10000 times"
q="SELECT e.ledger_idx, e.actor, e.received_at, e.body FROM evidence e ORDER BY e.ledger_idx LIMIT 51;"
for _ in $(seq 10000); do echo "$q"; done >"$work/q.sql"
# CPU time, not wall time: the API's figure is CPU time too, and on a
# shared machine wall time measures the neighbours.
/usr/bin/time -f "%e %U %S" -o "$work/t" sqlite3 "$db" <"$work/q.sql" >/dev/null
read -r wall user sys <"$work/t"
limit_ms=$(echo "($user + $sys) * 1000 / 10000" | bc -l)
printf 'sqlite3 page query: %.3f ms CPU each (%.3f ms wall)\n' "$limit_ms" "$(echo "$wall" | awk '{print $1 / 10}')"

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
"$work/webload" -dsn "$db" -c 50 -n 500 -max 2m | tee "$work/out"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== the server's CPU per request as a multiple of the sqlite3 page query and of /healthz (an HTTP request that reads nothing)"
awk -v l="$limit_ms" 'NR > 1 && $1 == "/healthz" { h = $8 }
	NR > 1 { printf "%-40s %7.3f ms CPU per request = %6.1f x sqlite3 = %5.1f x /healthz (clients %.3f ms); p95 %8.1f ms%s\n", $1, $8, $8 / l, $8 / h, $9, $4, ($4 < 100 ? "" : "  (over 100 ms)") }' "$work/out"
# Two rows an endpoint: its p95 (target under 100 ms) and its CPU per
# request against the sqlite3 page query (target within 3x).
n=$(sqlite3 "$db" 'SELECT COUNT(*) FROM evidence')
awk -v l="$limit_ms" -v n="$n" -v sum="$BENCH_SUMMARY" 'NR > 1 && $1 != "/healthz" {
	printf "%s, 50 clients, %d records (SQLite): p95\t%.1f ms\t-\t-\t< 100 ms\t%s\n", $1, n, $4, ($4 < 100 ? "yes" : "no") >>sum
	printf "%s, 50 clients, %d records (SQLite): server CPU per request\t%.3f ms\tsqlite3 page query %.3f ms\t%.1fx\t<= 3x\t%s\n", $1, n, $8, l, $8 / l, ($8 / l <= 3 ? "yes" : "no") >>sum
}' "$work/out"
summary_end
