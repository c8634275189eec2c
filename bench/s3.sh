#!/usr/bin/env bash
# Evidence in an S3-compatible bucket, through the real binary, each figure
# next to a plain client's upload to the same server in the same run
# (bench/s3put: minio-go with default options, 32 uploads in flight). The
# server is rclone's `serve s3` over a local directory (sh scripts/tools.sh
# s3), so both sides share the machine's disk and cores.
#
#   1. one file of BIG MiB (default 1024): `evidence add` vs the plain
#      client's upload of the same file;
#   2. SMALL x 4 KiB files in one `evidence add` vs the plain client
#      uploading the same files.
#
# Usage: bench/s3.sh [BIG_MIB [SMALL]]   (defaults 1024 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
big=${1:-1024}
small=${2:-10000}
rclone=$(sh scripts/tools.sh s3)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/evident-bench.XXXXXX")
go build -o "$work/evident" ./cmd/evident
go build -o "$work/s3put" ./bench/s3put
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/s3/bench"
RCLONE_CONFIG="$work/rclone.conf" "$rclone" serve s3 "$work/s3" --addr "127.0.0.1:$port" --auth-key bench,bench-secret >"$work/rclone.log" 2>&1 &
server=$!
trap 'kill $server; rm -rf "$work"' EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
ev() { "$work/evident" --data "$work/data" --blobs s3://bench/evident --actor bench "$@"; }
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ev init --name bench >/dev/null
ev apply -f examples/qtsp >/dev/null

echo "== one $big MiB file"
head -c $((big << 20)) /dev/urandom >"$work/big.bin"
t0=$(now); "$work/s3put" bench/plain "$work/big.bin" >/dev/null; t1=$(now)
put_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
t0=$(now); ev evidence add "$work/big.bin" --control applicability-analysis >/dev/null; t1=$(now)
add_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
echo "plain client upload: ${put_s}s; evidence add: ${add_s}s; ratio $(ratio "$add_s" "$put_s")"
rm -f "$work/big.bin" "$work/s3/bench/plain/big.bin"

echo "== $small x 4 KiB files in one command"
mkdir -p "$work/small"
head -c $((small * 4096)) /dev/urandom | split -b 4096 -a 6 --additional-suffix=.bin - "$work/small/f"
t0=$(now); (cd "$work/small" && "$work/s3put" bench/plain ./*.bin >/dev/null); t1=$(now)
put_rate=$(awk -v n="$small" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
t0=$(now); (cd "$work/small" && ev evidence add ./*.bin --control applicability-analysis >/dev/null); t1=$(now)
add_rate=$(awk -v n="$small" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
echo "plain client: $put_rate files/s; evidence add: $add_rate records/s; ratio $(ratio "$add_rate" "$put_rate")"
