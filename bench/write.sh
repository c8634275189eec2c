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
n=${1:-300}
prefill=${2:-100000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/evident-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/writelatency" ./bench/writelatency
echo "== $n single durable writes in a ledger of $prefill leaves"
mkdir -p "$work/store"
"$work/writelatency" -n "$n" -prefill "$prefill" "$work/store"
head -c 4096 /dev/urandom >"$work/one.bin"
t0=$(date +%s.%N)
for i in $(seq 1 100); do dd if="$work/one.bin" of="$work/dd.$i" bs=4096 conv=fsync status=none; done
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "dd conv=fsync of 4 KiB, process start included: %.2f ms each (mean of 100)\n", (b - a) * 10 }'
