#!/usr/bin/env bash
# Benchmark of `evident pack export` and `evident pack verify` against the
# physical limits measured in the same run on the same files:
#
#   export  vs  tar cf   (copying the bytes into one archive; export adds
#                         the ledger leaves, proofs and index, and fsyncs)
#   verify  vs  openssl dgst -sha256 over the files (rehashing every byte;
#                         verify also checks every leaf, proof and signature)
#
# The evidence is SIZE_MB of random bytes in FILES files, ingested through
# `evident evidence add`. Each figure is the median wall time of RUNS runs
# of the real binary with a warm page cache, its CPU time (user + system)
# and its peak memory. Peak memory is also measured for the same number of
# files holding an eighth of the bytes: flat means the two are about equal
# (memory follows the number of items, a few KB each, never their bytes).
#
# Usage: bench/pack.sh [SIZE_MB] [FILES]      (default 1024 MB in 10 000 files)
# PACK_BENCH_DIR=DIR keeps the data in DIR and reuses it on the next run.
# PACK_BENCH_ITEMS="1000 10000 100000" also exports packs of that many
# 2 KiB items each and prints export's peak memory per item count: flat
# means the same memory whatever the count. PACK_BENCH_ITEMS_ONLY=1 skips
# the 1 GiB comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
size_mb=${1:-1024}
files=${2:-10000}
runs=${RUNS:-3}
command -v openssl >/dev/null || apt-get install -y openssl
if [ -n "${PACK_BENCH_DIR:-}" ]; then
	work=$PACK_BENCH_DIR
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
go build -o "$work/evident" ./cmd/evident
ev() { "$work/evident" --data "$1" --actor collector:bench "${@:2}"; }

median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# once NAME CMD...: one run; appends wall seconds, CPU seconds and peak
# RSS (MB) to $work/NAME.{t,c,m}. Rounds interleave every step (below), so
# a change in the machine's background load hits each step alike.
once() {
	local name=$1; shift
	/usr/bin/time -f "%e %M %U %S" -o "$work/one" "$@" >/dev/null
	read -r s kb u y <"$work/one"
	echo "$s" >>"$work/$name.t"
	echo "$u $y" | awk '{print $1 + $2}' >>"$work/$name.c"
	echo "$kb" | awk '{printf "%.0f\n", $1 / 1024}' >>"$work/$name.m"
}

# setup DIR MB N: N random files totalling MB MiB, ingested into DIR/data.
setup() {
	local dir=$1 mb=$2 n=$3
	[ -e "$dir/data/evident.db" ] && return
	mkdir -p "$dir/files"
	local each=$(( (mb * 1048576 + n - 1) / n ))
	head -c "$((mb * 1048576))" /dev/urandom | split -b "$each" -a 6 -d - "$dir/files/e"
	ev "$dir/data" init --name "Pack Bench" >/dev/null
	ev "$dir/data" apply -f examples/qtsp >/dev/null
	local control
	control=$(ev "$dir/data" list controls --json | sed -n 's/.*"id": "\([^"]*\)".*/\1/p' | head -1)
	(cd "$dir/files" && ls | xargs -n 1000 "$work/evident" --data "$dir/data" --actor collector:bench evidence add --control "$control" >/dev/null)
}

period=$(date -u +%Y)

# Memory against the number of items: N items of 2 KiB, one export each.
if [ -n "${PACK_BENCH_ITEMS:-}" ]; then
	echo "== export peak memory by item count"
	rows=""
	for n in $PACK_BENCH_ITEMS; do
		setup "$work/items$n" $(( (n * 2 + 1023) / 1024 )) "$n"
		rm -f "$work/items$n/pack.zip"
		/usr/bin/time -f "%e %M %U %S" -o "$work/one" "$work/evident" --data "$work/items$n/data" pack export --period "$period" --out "$work/items$n/pack.zip" >/dev/null
		read -r s kb u y <"$work/one"
		"$work/evident" pack verify "$work/items$n/pack.zip" >/dev/null
		rows="$rows| $n | $s s | $(echo "$u $y" | awk '{print $1 + $2}') s | $((kb / 1024)) MB | $(du -m "$work/items$n/pack.zip" | cut -f1) MiB |
"
	done
	printf '\n| items (2 KiB each) | export wall | CPU (user+sys) | peak memory | pack |\n|---|---|---|---|---|\n%s\n' "$rows"
	# Flat: the most items' peak memory against the fewest's.
	least=$(echo "$rows" | awk -F'|' 'NF > 2 { print $5 + 0; exit }')
	most=$(echo "$rows" | awk -F'|' 'NF > 2 { m = $5 + 0 } END { print m }')
	first=$(echo "$PACK_BENCH_ITEMS" | awk '{ print $1 }')
	last=$(echo "$PACK_BENCH_ITEMS" | awk '{ print $NF }')
	flat=$(awk -v a="$most" -v b="$least" 'BEGIN { printf "%.2f", a / b }')
	summary "\`pack export\` peak memory, $last items against $first" "$most MB" "$least MB at $first items" "${flat}x" "flat (<= 1.25x)" "$(meets "$flat" "<=" 1.25)"
	if [ -n "${PACK_BENCH_ITEMS_ONLY:-}" ]; then
		summary_end
		exit 0
	fi
fi

echo "== generating ${size_mb} MiB in $files files, and an eighth of the bytes in as many files"
setup "$work/full" "$size_mb" "$files"
setup "$work/eighth" $((size_mb / 8)) "$files"
bytes=$(du -sb "$work/full/files" | cut -f1)

cat >"$work/export.sh" <<SH
#!/bin/sh
rm -f "\$1/pack.zip"; exec "$work/evident" --data "\$1/data" pack export --period $period --out "\$1/pack.zip"
SH
cat >"$work/tar.sh" <<SH
#!/bin/sh
rm -f "\$1/files.tar"; exec tar cf "\$1/files.tar" -C "\$1" files
SH
cat >"$work/tarsync.sh" <<SH
#!/bin/sh
rm -f "\$1/files.tar"; tar cf "\$1/files.tar" -C "\$1" files && sync "\$1/files.tar"
SH
cat >"$work/dgst.sh" <<SH
#!/bin/sh
cd "\$1/files" && ls | xargs -n 2000 openssl dgst -sha256
SH
chmod +x "$work"/*.sh

echo "== measuring ($runs interleaved rounds, warm cache)"
steps="tar tarsync export dgst verify export8 verify8"
for st in $steps; do : >"$work/$st.t"; : >"$work/$st.c"; : >"$work/$st.m"; done
for _ in $(seq "$runs"); do
	once tar "$work/tar.sh" "$work/full"
	once export "$work/export.sh" "$work/full"
	once tarsync "$work/tarsync.sh" "$work/full"
	once dgst "$work/dgst.sh" "$work/full"
	once verify "$work/evident" pack verify "$work/full/pack.zip"
	once export8 "$work/export.sh" "$work/eighth"
	once verify8 "$work/evident" pack verify "$work/eighth/pack.zip"
done
for st in $steps; do
	median "$work/$st.t" >"$work/$st.s"
	median "$work/$st.c" >"$work/$st.cpu"
	sort -n "$work/$st.m" | tail -1 >"$work/$st.mb"
done

mbps() { awk -v b="$bytes" -v s="$(cat "$work/$1.s")" 'BEGIN {printf "%.0f", b / 1048576 / s}'; }
# ratio A B: the median over rounds of B's wall time over A's in that round.
ratio() { paste "$work/$1.t" "$work/$2.t" | awk '{print $2 / $1}' | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
pack_mb=$(du -m "$work/full/pack.zip" | cut -f1)
cat <<MD

$(nproc) cores, $(date -u +%Y-%m-%d), ${size_mb} MiB of evidence in $files files (pack: ${pack_mb} MiB)

| step | wall (median of $runs rounds) | throughput | CPU (user+sys) | peak memory | vs limit (median of per-round wall ratios) |
|---|---|---|---|---|---|
| \`tar cf\` of the files | $(cat "$work/tar.s") s | $(mbps tar) MiB/s | $(cat "$work/tar.cpu") s | $(cat "$work/tar.mb") MB | limit |
| \`tar cf\` + \`sync\` | $(cat "$work/tarsync.s") s | $(mbps tarsync) MiB/s | $(cat "$work/tarsync.cpu") s | | |
| \`evident pack export\` (fsyncs) | $(cat "$work/export.s") s | $(mbps export) MiB/s | $(cat "$work/export.cpu") s | $(cat "$work/export.mb") MB ($(cat "$work/export8.mb") MB with 1/8 of the bytes) | **$(ratio export tar)x** tar cf, $(ratio export tarsync)x tar cf + sync |
| \`openssl dgst -sha256\` of the files | $(cat "$work/dgst.s") s | $(mbps dgst) MiB/s | $(cat "$work/dgst.cpu") s | $(cat "$work/dgst.mb") MB | limit |
| \`evident pack verify\` | $(cat "$work/verify.s") s | $(mbps verify) MiB/s | $(cat "$work/verify.cpu") s | $(cat "$work/verify.mb") MB ($(cat "$work/verify8.mb") MB with 1/8 of the bytes) | **$(ratio verify dgst)x** openssl dgst |

Load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)
MD
summary "\`pack export\` of $size_mb MiB in $files files (fsyncs)" "$(cat "$work/export.s") s" "tar cf $(cat "$work/tar.s") s" "$(ratio export tar)x throughput" ">= 0.7x" "$(meets "$(ratio export tar)" ">=" 0.7)"
summary "\`pack verify\` of the same pack" "$(cat "$work/verify.s") s" "openssl dgst -sha256 $(cat "$work/dgst.s") s" "$(ratio verify dgst)x throughput" ">= 0.8x" "$(meets "$(ratio verify dgst)" ">=" 0.8)"
summary_end
