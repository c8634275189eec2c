#!/usr/bin/env bash
# Page times of the web UI over the demo program (`evident serve --demo`:
# the example program and a generated year, a few thousand ledger
# records). Signs in as the compliance manager with curl and requests each
# page N times one after the other (default 100), after one untimed
# warm-up, and prints p50 and p95 per page.
#
# The physical limit measured in the same run is the sqlite3 CLI answering
# the evidence list's query (the newest 51 records with their JSON bodies)
# on the demo's own database, 1000 times in one process. Each page's p50
# is reported as a ratio to it.
#
# Usage: bench/webui.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
n=${1:-100}
command -v sqlite3 >/dev/null || apt-get install -y sqlite3
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/evident" ./cmd/evident
"$work/evident" serve --demo --addr 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 300); do grep -q "Demo ready" "$work/out" 2>/dev/null && break; sleep 0.2; done
base=$(grep -o 'http://[^ ]*' "$work/out" | head -1 | sed 's#/$##')
data=$(grep -o 'data=[^ ]*' "$work/err" | head -1 | cut -d= -f2)
pw=$(awk '$2 == "user" && $3 == "carla" {print $5}' "$work/out")
jar="$work/cookies"
token=$(curl -s -c "$jar" -b "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" --data-urlencode name=carla --data-urlencode "password=$pw" "$base/login"
echo "== $(sqlite3 "$data/evident.db" 'SELECT COUNT(*) FROM ledger_leaves') ledger records, $(sqlite3 "$data/evident.db" 'SELECT COUNT(*) FROM evidence') evidence records; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

q="SELECT ledger_idx, actor, received_at, body FROM evidence ORDER BY ledger_idx DESC LIMIT 51;"
for _ in $(seq 1000); do echo "$q"; done >"$work/q.sql"
start=$(date +%s.%N)
sqlite3 "$data/evident.db" <"$work/q.sql" >/dev/null
end=$(date +%s.%N)
limit=$(echo "($end - $start) / 1000 * 1000" | bc -l)
printf '== limit: sqlite3 CLI, newest 51 evidence records: %.3f ms per query\n' "$limit"

printf '%-28s %10s %10s %8s\n' page p50_ms p95_ms ratio
for p in / /tasks /catalog /catalog/REQ-7.8-14 /scope /risks /controls /controls/clock-sync-daily /policies /evidence /incidents /changes /audit; do
	curl -s -o /dev/null -b "$jar" "$base$p"
	for _ in $(seq "$n"); do curl -s -o /dev/null -b "$jar" -w '%{time_total}\n' "$base$p"; done | sort -n >"$work/t"
	p50=$(awk -v n="$n" 'NR == int(n*0.50) {print $1*1000}' "$work/t")
	p95=$(awk -v n="$n" 'NR == int(n*0.95) {print $1*1000}' "$work/t")
	printf '%-28s %10.1f %10.1f %8.0f\n' "$p" "$p50" "$p95" "$(echo "$p50 / $limit" | bc -l)"
	summary "web page $p on the demo, one client: p95" "$p95 ms" "sqlite3 newest 51 records $(printf '%.3f' "$limit") ms" "$(printf '%.0f' "$(echo "$p50 / $limit" | bc -l)")x (p50)" "< 100 ms" "$(meets "$p95" "<" 100)"
done
summary_end
