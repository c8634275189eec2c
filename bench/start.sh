#!/bin/sh
# Process start and `status` end to end (issue #19), each beside a limit
# measured in the same run:
#   version  `evident version`        limit: a Go hello-world's start
#   status   `evident status` on the example program (init + apply into a
#            fresh data directory first)
#                                     limit: `sqlite3 DB 'select count(*)
#            from evidence'` on the same database, a process that opens the
#            store and reads it once
# The four commands run in alternating rounds (bench/starttime); each
# figure is the median of RUNS, from the kernel's accounting of the
# process itself: wall, CPU (user + system) and peak RSS.
#
# Usage: bench/start.sh [RUNS]   (default 21)
set -eu
runs=${1:-21}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/summary.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The release build (make build), so the figures are the shipped binary's.
CGO_ENABLED=0 go build -trimpath -o "$work/evident" "$root/cmd/evident"
go build -o "$work/starttime" "$root/bench/starttime"
mkdir "$work/hello"
cat >"$work/hello/main.go" <<'GO'
package main

import "fmt"

func main() { fmt.Println("hello") }
GO
(cd "$work/hello" && printf 'module hello\n\ngo 1.26\n' >go.mod && CGO_ENABLED=0 go build -trimpath -o "$work/hello-bin" .)

ev="$work/evident"
d="$work/data"
"$ev" --data "$d" --actor bench init >/dev/null
"$ev" --data "$d" --actor bench apply -f "$root/examples/qtsp" >/dev/null

echo "rounds: $runs; load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
"$work/starttime" -n "$runs" \
  hello "$work/hello-bin" \; \
  version "$ev" version \; \
  sqlite3 sqlite3 "$d/evident.db" 'select count(*) from evidence' \; \
  status "$ev" --data "$d" status >"$work/out"
cat "$work/out"

# One summary table: each command beside its limit and the issue's target.
awk '
  NR > 1 { w[$1] = $2; c[$1] = $3; r[$1] = $4 }
  END {
    print ""
    printf "%-8s %9s %9s %8s   %-8s %9s %9s   %11s %10s %8s\n", "command", "wall ms", "cpu ms", "rss MB", "limit", "wall ms", "cpu ms", "wall ratio", "cpu ratio", "target"
    row("version", "hello", 30); row("status", "sqlite3", 150)
  }
  function row(n, l, t) {
    printf "%-8s %9.1f %9.1f %8.1f   %-8s %9.1f %9.1f   %11.1f %10.1f %5d ms %s\n", n, w[n], c[n], r[n], l, w[l], c[l], w[n]/w[l], c[n]/(c[l] > 0 ? c[l] : 0.1), t, (w[n] < t ? "met" : "not met")
    printf "`evident %s` start to end\t%.1f ms wall, %.1f ms CPU\t%s %.1f ms\t%.1fx wall\t< %d ms\t%s\n", n, w[n], c[n], l, w[l], w[n]/w[l], t, (w[n] < t ? "yes" : "no") >>sum
  }' sum="$BENCH_SUMMARY" "$work/out"
summary_end
