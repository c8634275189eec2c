#!/usr/bin/env bash
# Latency of one acknowledged write on the embedded store (SQLite + local
# disk), each with the signed checkpoint that covers it, against one 4 KiB
# write+fsync on the same disk in the same run (bench/writelatency, the
# three kinds interleaved). For reference it also times `dd conv=fsync` of
# 4 KiB, whose figure includes dd's process start.
#
# Usage: bench/write.sh [N [PREFILL]]   (defaults 300 writes, 100000 leaves)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
n=${1:-300}
prefill=${2:-100000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/evident-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/writelatency" ./bench/writelatency
echo "== $n single durable writes in a ledger of $prefill leaves"
mkdir -p "$work/store"
"$work/writelatency" -n "$n" -prefill "$prefill" "$work/store" | tee "$work/out"
# Each kind's median beside the median 4 KiB write+fsync (the first row).
awk -v sum="$BENCH_SUMMARY" -v prefill="$prefill" '
	/^one 4 KiB write\+fsync/ { base = $(NF-6) }
	/with its checkpoint/ {
		name = $0; sub(/ +median.*/, "", name)
		r = $NF
		printf "%s, at %d leaves (median)\t%s ms\tone 4 KiB write+fsync %s ms\t%sx\t<= 2x\t%s\n", name, prefill, $(NF-6), base, r, (r <= 2 ? "yes" : "no") >>sum
	}' "$work/out"
head -c 4096 /dev/urandom >"$work/one.bin"
t0=$(date +%s.%N)
for i in $(seq 1 100); do dd if="$work/one.bin" of="$work/dd.$i" bs=4096 conv=fsync status=none; done
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "dd conv=fsync of 4 KiB, process start included: %.2f ms each (mean of 100)\n", (b - a) * 10 }'
summary_end
