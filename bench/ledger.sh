#!/usr/bin/env bash
# Benchmark of the evidence ledger through the real binary, each figure next
# to the physical limit measured in the same run on the same disk:
#
#   1. one 1 GiB file: `evidence add` vs `dd conv=fsync` copying the file,
#      and the peak memory of the add;
#   2. SMALL x 4 KiB files in one `evidence add` (group commit) vs a plain
#      loop writing and fsyncing the same bytes file by file (bench/fsyncloop);
#   3. `evident verify` over VERIFY records of 8 KiB vs `openssl dgst -sha256`
#      over the same blob files (both with a warm page cache);
#   4. go test -bench BenchmarkTreeAt1M: one durable append and one
#      inclusion proof in a ledger of 1 048 576 leaves, vs one 4 KiB
#      write+fsync.
#
# Usage: bench/ledger.sh [SMALL [VERIFY]]   (defaults 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
small=${1:-10000}
nverify=${2:-100000}
command -v sqlite3 >/dev/null || apt-get install -y sqlite3
command -v openssl >/dev/null || apt-get install -y openssl
work=$(mktemp -d "${TMPDIR:-/var/tmp}/evident-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/evident" ./cmd/evident
go build -o "$work/fsyncloop" ./bench/fsyncloop
ev() { "$work/evident" --data "$work/data" --actor bench "$@"; }
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

ev init --name bench >/dev/null
# A program with controls, applied as a user would: verify re-derives the
# controls from their program.apply leaf, so a row put in behind the
# program's back would fail it.
ev apply -f examples/qtsp >/dev/null

echo "== 1 GiB file"
head -c 1073741824 /dev/urandom >"$work/big.bin"
sync
t0=$(now); dd if="$work/big.bin" of="$work/big.copy" bs=1M conv=fsync status=none; t1=$(now)
dd_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
rm -f "$work/big.copy"; sync
/usr/bin/time -f "%e %M" -o "$work/time.txt" "$work/evident" --data "$work/data" --actor bench evidence add "$work/big.bin" --control applicability-analysis >/dev/null
read -r add_s add_kb <"$work/time.txt"
echo "dd conv=fsync: ${dd_s}s; evidence add: ${add_s}s (peak RSS $((add_kb / 1024)) MiB); ratio $(ratio "$add_s" "$dd_s")"
summary "\`evidence add\` of one 1 GiB file" "${add_s} s" "dd conv=fsync ${dd_s} s" "$(ratio "$add_s" "$dd_s")x" "<= 1.3x" "$(meets "$(ratio "$add_s" "$dd_s")" "<=" 1.3)"
rm -f "$work/big.bin"

echo "== $small x 4 KiB files in one command"
mkdir -p "$work/small" "$work/loop"
head -c $((small * 4096)) /dev/urandom | split -b 4096 -a 6 --additional-suffix=.bin - "$work/small/f"
sync
loop=$(cd "$work/small" && "$work/fsyncloop" "$work/loop" *.bin)
loop_rate=$(echo "$loop" | awk '{print $(NF-1)}')
t0=$(now); (cd "$work/small" && ev evidence add ./*.bin --control applicability-analysis >/dev/null); t1=$(now)
add_rate=$(awk -v n="$small" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
echo "write+fsync loop: $loop_rate files/s; evidence add: $add_rate records/s; ratio $(ratio "$add_rate" "$loop_rate")"
summary "$small x 4 KiB files in one \`evidence add\`, durable" "$add_rate records/s" "write+fsync loop $loop_rate files/s" "$(ratio "$add_rate" "$loop_rate")x" ">= 5000 records/s" "$(meets "$add_rate" ">=" 5000)"
rm -rf "$work/small" "$work/loop"

echo "== verify over $nverify records of 8 KiB"
mkdir -p "$work/v"
for chunk in $(seq 0 10000 $((nverify - 1))); do
	n=$(( nverify - chunk < 10000 ? nverify - chunk : 10000 ))
	head -c $((n * 8192)) /dev/urandom | split -b 8192 -a 6 --additional-suffix=.bin - "$work/v/f"
	(cd "$work/v" && ev evidence add ./*.bin --control applicability-analysis >/dev/null)
	rm -f "$work/v"/*.bin
done
ev verify >/dev/null # warm the page cache for both
find "$work/data/blobs/sha256" -type f -print0 | xargs -0 cat >/dev/null
bytes=$(du -sb "$work/data/blobs/sha256" | awk '{print $1}')
t0=$(now); ev verify >"$work/verify.txt"; t1=$(now)
t2=$(now); find "$work/data/blobs/sha256" -type f -print0 | xargs -0 openssl dgst -sha256 >/dev/null; t3=$(now)
v_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
o_s=$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')
tail -1 "$work/verify.txt"
echo "openssl dgst -sha256: ${o_s}s; evident verify: ${v_s}s over $bytes bytes of blobs; throughput ratio $(ratio "$o_s" "$v_s")"
summary "\`evident verify\` of $nverify records of 8 KiB" "${v_s} s" "openssl dgst -sha256 ${o_s} s" "$(ratio "$o_s" "$v_s")x throughput" ">= 0.8x" "$(meets "$(ratio "$o_s" "$v_s")" ">=" 0.8)"

echo "== append and proof at 1 048 576 leaves"
fsync1=$(cd "$work" && mkdir -p one && head -c 4096 /dev/urandom >one.bin && for i in $(seq 1 200); do echo one.bin; done | xargs "$work/fsyncloop" "$work/one" | awk '{print $(NF-1)}')
echo "one 4 KiB write+fsync: $(awk -v r="$fsync1" 'BEGIN { printf "%.0f us", 1e6 / r }')"
go test ./internal/ledger/ -run '^$' -bench 'BenchmarkTreeAt1M' -benchtime 200x | grep -E '^Benchmark'
summary_end
