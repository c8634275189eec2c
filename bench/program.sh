#!/usr/bin/env bash
# Program-as-code timings, each against a physical baseline from the same
# run: applying the example program (one durable transaction) against the
# sqlite3 CLI writing the same number of rows of the same total size in
# one transaction with the same durability settings, and a no-op plan
# against the sqlite3 CLI reading those rows back.
#
# Usage: bench/program.sh [RUNS]   (default 7; prints medians in ms)
set -euo pipefail
runs=${1:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/summary.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/evident" "$root/cmd/evident"
ev="$work/evident"
example="$root/examples/qtsp"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

apply_ms=(); plan_ms=(); base_w=(); base_r=()
for i in $(seq "$runs"); do
  d="$work/data$i"
  "$ev" --data "$d" --actor bench init >/dev/null
  t=$(ms); "$ev" --data "$d" --actor bench apply -f "$example" >/dev/null; apply_ms+=($(( $(ms) - t )))
  t=$(ms); "$ev" --data "$d" plan -f "$example" >/dev/null; plan_ms+=($(( $(ms) - t )))

  # The same rows, raw: count and average body size of what apply stored.
  read -r n bytes < <(sqlite3 -separator ' ' "$d/evident.db" "SELECT COUNT(*), SUM(LENGTH(body)) FROM (
    SELECT body FROM services UNION ALL SELECT body FROM systems UNION ALL SELECT body FROM zones
    UNION ALL SELECT body FROM suppliers UNION ALL SELECT body FROM roles UNION ALL SELECT body FROM people
    UNION ALL SELECT body FROM risks UNION ALL SELECT body FROM treatments UNION ALL SELECT body FROM acceptances
    UNION ALL SELECT body FROM controls UNION ALL SELECT body FROM policies UNION ALL SELECT body FROM soa)")
  half=$(( bytes / n / 2 ))
  b="$work/base$i.db"
  sqlite3 "$b" "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL);" >/dev/null
  t=$(ms)
  sqlite3 "$b" "PRAGMA synchronous=FULL; BEGIN IMMEDIATE;
    WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < $n)
    INSERT INTO t (id, body) SELECT i, hex(randomblob($half)) FROM s; COMMIT;" >/dev/null
  base_w+=($(( $(ms) - t )))
  t=$(ms); sqlite3 "$b" "SELECT body FROM t ORDER BY id" >/dev/null; base_r+=($(( $(ms) - t )))
done

a=$(printf '%s\n' "${apply_ms[@]}" | median); p=$(printf '%s\n' "${plan_ms[@]}" | median)
w=$(printf '%s\n' "${base_w[@]}" | median); r=$(printf '%s\n' "${base_r[@]}" | median)
echo "objects stored: $n ($bytes bytes of JSON)"
echo "apply example:        ${a} ms   sqlite3 CLI same rows, one txn: ${w} ms   ratio $(awk "BEGIN{printf \"%.1f\", $a/($w>0?$w:1)}")"
echo "plan example (no-op): ${p} ms   sqlite3 CLI read rows back:     ${r} ms   ratio $(awk "BEGIN{printf \"%.1f\", $p/($r>0?$r:1)}")"
summary "\`evident apply\` of the example ($n objects)" "${a} ms" "sqlite3 CLI same rows, one transaction ${w} ms" "$(awk "BEGIN{printf \"%.1f\", $a/($w>0?$w:1)}")x" "-" "-"
summary "\`evident plan\` of the example, no change" "${p} ms" "sqlite3 CLI reading the rows back ${r} ms" "$(awk "BEGIN{printf \"%.1f\", $p/($r>0?$r:1)}")x" "-" "-"
summary_end
