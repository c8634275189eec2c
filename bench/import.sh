#!/usr/bin/env bash
# Benchmark of `evident import` through the real binary, each figure next to
# the physical limit measured in the same run on the same disk:
#
#   1. one large nmap scan (HOSTS copies of the recorded host, about 1.1 KiB
#      each, kept under the 64 MiB input limit): import time and peak memory
#      vs `openssl dgst -sha256` over the same file (warm page cache);
#   2. SMALL chrony reports in one command, each its own transaction with a
#      compare against the previous one: imports per second vs a plain loop
#      writing and fsyncing the same files one by one (bench/fsyncloop).
#
# Usage: bench/import.sh [HOSTS [SMALL]]   (defaults 40000 500)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
hosts=${1:-40000}
small=${2:-500}
command -v openssl >/dev/null || apt-get install -y openssl
work=$(mktemp -d "${TMPDIR:-/var/tmp}/evident-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/evident" ./cmd/evident
go build -o "$work/fsyncloop" ./bench/fsyncloop
ev() { "$work/evident" --data "$work/data" --actor bench "$@"; }
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
fix=internal/importer/testdata

ev init --name bench >/dev/null
ev apply -f examples/qtsp >/dev/null

echo "== nmap scan of $hosts hosts"
base=$fix/nmap/baseline.xml
{
	sed -n '1,8p' "$base"
	awk -v n="$hosts" 'NR >= 9 && NR <= 20 { block = block $0 "\n" }
		END { for (i = 0; i < n; i++) { b = block; gsub(/127\.0\.0\.1/, sprintf("10.%d.%d.%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256), b); printf "%s", b } }' "$base"
	sed -n '21,$p' "$base" | sed "s/up=\"1\" down=\"0\" total=\"1\"/up=\"$hosts\" down=\"0\" total=\"$hosts\"/"
} >"$work/big.xml"
size=$(stat -c %s "$work/big.xml")
openssl dgst -sha256 "$work/big.xml" >/dev/null
t0=$(now); openssl dgst -sha256 "$work/big.xml" >/dev/null; t1=$(now)
sha_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
/usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$work/evident" --data "$work/data" --actor bench import nmap "$work/big.xml" --control vuln-scan-quarterly --target issuing-ca >/dev/null
read -r imp_s imp_kb imp_u imp_sys <"$work/time.txt"
imp_cpu=$(awk -v u="$imp_u" -v s="$imp_sys" 'BEGIN { print u + s }')
echo "file $((size / 1048576)) MiB; openssl dgst -sha256: ${sha_s}s; import: ${imp_s}s wall, ${imp_cpu}s CPU (peak RSS $((imp_kb / 1024)) MiB); ratio $(ratio "$imp_s" "$sha_s") wall"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
# The targets: CPU within 5x openssl's over the same file (user + system
# of five runs, divided by five: one run is at the edge of time's
# resolution), peak RSS within twice the file and 30 MB.
/usr/bin/time -f "%U %S" -o "$work/sha.txt" sh -c 'for i in 1 2 3 4 5; do openssl dgst -sha256 "$1" >/dev/null; done' sh "$work/big.xml"
sha_cpu=$(awk '{ printf "%.3f", ($1 + $2) / 5 }' "$work/sha.txt")
mib=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')
cpu_ratio=$(ratio "$imp_cpu" "$sha_cpu")
rss_limit=$(awk -v s="$size" 'BEGIN { printf "%.1f", (2 * s + 30000000) / 1048576 }')
summary "import of a $mib MiB nmap scan: CPU" "${imp_cpu} s" "openssl dgst -sha256 ${sha_cpu} s CPU" "${cpu_ratio}x" "<= 5x" "$(meets "$cpu_ratio" "<=" 5)"
summary "import of a $mib MiB nmap scan: peak RSS" "$((imp_kb / 1024)) MiB" "2x the file + 30 MB = ${rss_limit} MiB" "$(ratio "$((imp_kb / 1024))" "$rss_limit")x" "<= 1x" "$(meets "$((imp_kb / 1024))" "<=" "$rss_limit")"

echo "== $small chrony reports in one command"
mkdir -p "$work/small" "$work/loop"
for i in $(seq -w 1 "$small"); do cp "$fix/chrony/synced.txt" "$work/small/tracking-$i.txt"; done
sync
loop=$(cd "$work/small" && "$work/fsyncloop" "$work/loop" *.txt)
loop_rate=$(echo "$loop" | awk '{print $(NF-1)}')
t0=$(now); (cd "$work/small" && ev import chrony ./*.txt --control clock-sync-daily --target time-source >/dev/null); t1=$(now)
imp_rate=$(awk -v n="$small" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
echo "write+fsync loop: $loop_rate files/s; import: $imp_rate files/s; ratio $(ratio "$imp_rate" "$loop_rate")"
summary "$small chrony reports in one import" "$imp_rate files/s" "write+fsync loop $loop_rate files/s" "$(ratio "$imp_rate" "$loop_rate")x" "-" "-"
summary_end
