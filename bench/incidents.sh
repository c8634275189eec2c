#!/usr/bin/env bash
# Incident register timings on SQLite, each next to a physical limit
# measured in the same run:
#  - `evident incident list --json` over a register of N incidents (every
#    classification and notification read, every clock computed) against
#    the sqlite3 CLI reading the same four tables;
#  - `evident incident notify --file` with a 1 MiB report (blob, evidence
#    record, notification and checkpoint, all durable) against
#    `dd conv=fsync` writing the same bytes, plus process start
#    (`evident version`).
# Prints medians of 5 runs and the ratios.
#
# Usage: bench/incidents.sh [INCIDENTS]   (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
n=${1:-1000}
command -v sqlite3 >/dev/null || apt-get install -y sqlite3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/evident" ./cmd/evident
go build -o "$work/incidentgen" ./bench/incidentgen
ev="$work/evident"
data="$work/data"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# med CMD...: median wall milliseconds of 5 runs.
med() {
	for _ in 1 2 3 4 5; do
		t=$(ms); "$@" >/dev/null; echo $(( $(ms) - t ))
	done | median
}

"$ev" --data "$data" --actor bench init >/dev/null
t=$(ms); "$work/incidentgen" -dsn "$data/evident.db" -incidents "$n"; gen=$(( $(ms) - t ))
echo "generated $n incidents (3 durable writes each) in $gen ms: $(( gen / (3 * n) )) ms per write"

list=$(med "$ev" --data "$data" incident list --json)
scan=$(med sqlite3 "$data/evident.db" "SELECT * FROM incidents; SELECT * FROM incident_classifications; SELECT * FROM incident_steps; SELECT * FROM incident_notifications;")
start=$(med "$ev" version)
echo "incident list --json ($n incidents): $list ms; sqlite3 reading the same tables: $scan ms; process start: $start ms"
awk -v a="$list" -v b="$scan" -v s="$start" 'BEGIN { printf "  ratio to the sqlite3 read: %.1f (%.1f without process start)\n", a / (b > 0 ? b : 1), (a - s) / (b > 0 ? b : 1) }'

head -c 1048576 /dev/urandom >"$work/report.pdf"
id=$("$ev" --data "$data" --actor bench incident open --title "bench" --json | sed -n 's/^    "id": "\(.*\)",$/\1/p' | head -1)
notify=$(med "$ev" --data "$data" --actor bench incident notify "$id" --to csirt --kind intermediate-report --file "$work/report.pdf")
dd=$(med dd if="$work/report.pdf" of="$work/copy" bs=1M conv=fsync status=none)
echo "incident notify --file (1 MiB): $notify ms; dd conv=fsync of the same bytes: $dd ms; process start: $start ms"
awk -v a="$notify" -v b="$dd" -v s="$start" 'BEGIN { printf "  ratio to dd + process start: %.1f\n", a / (b + s > 0 ? b + s : 1) }'
summary "\`incident list --json\` ($n incidents)" "$list ms" "sqlite3 reading the same tables $scan ms" "$(awk -v a="$list" -v b="$scan" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }')x" "-" "-"
summary "\`incident notify --file\` (1 MiB)" "$notify ms" "dd conv=fsync $dd ms + process start $start ms" "$(awk -v a="$notify" -v b="$dd" -v s="$start" 'BEGIN { printf "%.1f", a / (b + s > 0 ? b + s : 1) }')x" "-" "-"
summary_end
