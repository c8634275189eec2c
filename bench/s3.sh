#!/usr/bin/env bash
# Evidence in an S3-compatible bucket, through the real binary, each figure
# next to a plain client's upload to the same server in the same run
# (bench/s3put: minio-go with default options, 32 uploads in flight). The
# server runs on this machine, so both sides share its disk and cores;
# S3_BENCH_SERVER chooses it:
#
#   rclone     (the default) rclone's `serve s3` over a local directory
#              (sh scripts/tools.sh s3), the server the tests run against;
#   seaweedfs  SeaweedFS (`weed server -s3`: master, volume server, filer
#              and S3 gateway in one process) over a temporary directory
#              (sh scripts/tools.sh seaweedfs, a build of many minutes),
#              a store TSPs run at scale: a second server shows how much
#              of a figure is the server's.
#
#   1. one file of BIG MiB (default 1024): `evidence add` vs the plain
#      client's upload of the same file;
#   2. SMALL x 4 KiB files in one `evidence add` vs the plain client
#      uploading the same files under the same names (sha256/<digest>),
#      each on a server of its own, started afresh.
#
# Each pair runs ROUNDS times (default 1), the plain client first, and
# every line gives the wall time, the CPU time (user+system) of the
# client side, the CPU time the server spent meanwhile and the load
# average, since on a shared machine the wall time is the load's as much
# as the program's.
#
# With EVIDENT_BEFORE=BINARY (an evident built from an earlier commit),
# each round also runs that binary, into its own data directory and
# prefix, so a change is measured before and after in the same run.
#
# Usage: bench/s3.sh [BIG_MIB [SMALL [ROUNDS]]]   (defaults 1024 10000 1)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/summary.sh
big=${1:-1024}
small=${2:-10000}
rounds=${3:-1}
server_kind=${S3_BENCH_SERVER:-rclone}
case $server_kind in
rclone) server_bin=$(sh scripts/tools.sh s3) ;;
seaweedfs) server_bin=$(sh scripts/tools.sh seaweedfs) ;;
*) echo "S3_BENCH_SERVER=$server_kind: want rclone or seaweedfs" >&2; exit 2 ;;
esac
work=$(mktemp -d "${TMPDIR:-/var/tmp}/evident-bench.XXXXXX")
go build -o "$work/evident" ./cmd/evident
go build -o "$work/s3put" ./bench/s3put
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# start_server runs the server over a new, empty directory; stop_server
# ends it. The small-file runs each get a server of their own: rclone's
# costs more CPU per upload the more files it has taken since it started
# (its directory entries are kept in memory), so whichever client ran
# second paid for the first one's files.
start_server() {
	rm -rf "$work/s3"
	mkdir -p "$work/s3/bench"
	port=$(freeport)
	if [ "$server_kind" = rclone ]; then
		RCLONE_CONFIG="$work/rclone.conf" "$server_bin" serve s3 "$work/s3" --addr "127.0.0.1:$port" --auth-key bench,bench-secret >"$work/server.log" 2>&1 &
	else
		cat >"$work/s3.json" <<-EOF
			{"identities": [{"name": "bench", "credentials": [{"accessKey": "bench", "secretKey": "bench-secret"}],
			  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
		EOF
		# Every port is chosen here (the defaults are fixed numbers another
		# program may hold), the Iceberg and Lance endpoints are off, and
		# the master reports nothing to SeaweedFS's telemetry address.
		"$server_bin" server -dir="$work/s3" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
			-master.port="$(freeport)" -master.port.grpc="$(freeport)" -master.volumeSizeLimitMB=1024 \
			-volume.port="$(freeport)" -volume.port.grpc="$(freeport)" -volume.preStopSeconds=0 \
			-filer.port="$(freeport)" -filer.port.grpc="$(freeport)" \
			-s3 -s3.port="$port" -s3.port.grpc="$(freeport)" -s3.port.iceberg=0 -s3.port.lance=0 \
			-s3.config="$work/s3.json" >"$work/server.log" 2>&1 &
	fi
	server=$!
	export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
	until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
	# SeaweedFS starts with no bucket; rclone's is the directory made above.
	for try in $(seq 120); do
		! "$work/s3put" bench 2>"$work/s3put.err" || break
		[ "$try" != 120 ] || { cat "$work/s3put.err" "$work/server.log" >&2; exit 1; }
		sleep 0.5
	done
}
stop_server() { kill "$server" && wait "$server" || true; }
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
start_server
trap 'stop_server; rm -rf "$work"' EXIT
echo "server: $server_kind"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
load() { cut -d' ' -f1 /proc/loadavg; }
# servercpu: the server's CPU seconds (user+system) so far. On two cores
# the server's share of the CPU bounds both clients, so each line gives
# what each client cost the server too.
tck=$(getconf CLK_TCK)
servercpu() { awk -v t="$tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$server/stat"; }
# timed FILE CMD...: runs CMD, leaving "wall cpu server-cpu" seconds in
# FILE.
timed() {
	local out=$1 s0
	shift
	s0=$(servercpu)
	/usr/bin/time -f '%e %U %S' -o "$out.t" "$@" >/dev/null
	awk -v s0="$s0" -v s1="$(servercpu)" '{ printf "%s %.2f %.2f\n", $1, $2 + $3, s1 - s0 }' "$out.t" >"$out"
}
before=${EVIDENT_BEFORE:-}
for bin in "$work/evident" $before; do
	tag=$([ "$bin" = "$work/evident" ] && echo evident || echo before)
	"$bin" --data "$work/data-$tag" --blobs "s3://bench/$tag" --actor bench init --name bench >/dev/null
	"$bin" --data "$work/data-$tag" --blobs "s3://bench/$tag" --actor bench apply -f examples/qtsp >/dev/null
done
# add TAG BIN ARGS...: evidence add with BIN into TAG's data directory and
# prefix, timed, with the line of figures for TAG.
add() {
	local tag=$1 bin=$2
	shift 2
	timed "$work/t-$tag" "$bin" --data "$work/data-$tag" --blobs "s3://bench/$tag" --actor bench \
		evidence add "$@" --control applicability-analysis
}

echo "== one $big MiB file"
head -c $((big << 20)) /dev/urandom >"$work/big.bin"
for round in $(seq "$rounds"); do
	l0=$(load)
	timed "$work/put" "$work/s3put" "bench/plain$round" "$work/big.bin"
	add evident "$work/evident" "$work/big.bin"
	[ -z "$before" ] || add before "$before" "$work/big.bin"
	read -r put_s put_cpu put_srv <"$work/put"
	read -r add_s add_cpu add_srv <"$work/t-evident"
	line="round $round: plain client ${put_s}s (cpu ${put_cpu}s, server ${put_srv}s); evidence add ${add_s}s (cpu ${add_cpu}s, server ${add_srv}s); ratio $(ratio "$add_s" "$put_s")"
	if [ -n "$before" ]; then
		read -r b_s b_cpu b_srv <"$work/t-before"
		line="$line; before ${b_s}s (cpu ${b_cpu}s, server ${b_srv}s), ratio $(ratio "$b_s" "$put_s")"
	fi
	echo "$line; load $l0 -> $(load)"
	summary "\`evidence add\` of one $big MiB file to S3 ($server_kind), round $round" "${add_s} s" "plain client ${put_s} s" "$(ratio "$add_s" "$put_s")x" "<= 1.5x" "$(meets "$(ratio "$add_s" "$put_s")" "<=" 1.5)"
	rm -rf "$work/s3/bench/plain$round" "$work/s3/bench/evident/sha256" "$work/s3/bench/before/sha256"
	# The next round's file is new, so its upload is not skipped.
	[ "$round" = "$rounds" ] || head -c $((big << 20)) /dev/urandom >"$work/big.bin"
done
rm -f "$work/big.bin"

echo "== $small x 4 KiB files in one command"
for round in $(seq "$rounds"); do
	rm -rf "$work/small"
	mkdir -p "$work/small"
	head -c $((small * 4096)) /dev/urandom | split -b 4096 -a 6 --additional-suffix=.bin - "$work/small/f"
	# The plain client stores the same bytes under the names Evident
	# gives them (sha256/<digest>), in the same order: on rclone's server
	# the same 10 000 files went at 1 122 to 1 170 files/s named f000000
	# to f009999 and at 669 to 744 files/s named by their digest, so a
	# plain client with short sequential names measures another load.
	rm -rf "$work/named"
	mkdir -p "$work/named"
	(cd "$work/small" && sha256sum ./*.bin) | while read -r sum file; do
		ln "$work/small/$file" "$work/named/$sum"
		echo "$sum"
	done >"$work/named.list"
	l0=$(load)
	stop_server; start_server
	(cd "$work/named" && timed "$work/put" "$work/s3put" "bench/plain$round/sha256" $(cat "$work/named.list"))
	stop_server; start_server
	(cd "$work/small" && add evident "$work/evident" ./*.bin)
	if [ -n "$before" ]; then
		stop_server; start_server
		(cd "$work/small" && add before "$before" ./*.bin)
	fi
	read -r put_s put_cpu put_srv <"$work/put"
	read -r add_s add_cpu add_srv <"$work/t-evident"
	rate() { awk -v n="$small" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
	line="round $round: plain client $(rate "$put_s") files/s (${put_s}s, cpu ${put_cpu}s, server ${put_srv}s); evidence add $(rate "$add_s") records/s (${add_s}s, cpu ${add_cpu}s, server ${add_srv}s); ratio $(ratio "$put_s" "$add_s")"
	if [ -n "$before" ]; then
		read -r b_s b_cpu b_srv <"$work/t-before"
		line="$line; before $(rate "$b_s") records/s (${b_s}s, cpu ${b_cpu}s, server ${b_srv}s), ratio $(ratio "$put_s" "$b_s")"
	fi
	echo "$line; load $l0 -> $(load)"
	summary "$small x 4 KiB files to S3 ($server_kind) in one \`evidence add\`, round $round" "$(rate "$add_s") records/s" "plain client $(rate "$put_s") files/s" "$(ratio "$put_s" "$add_s")x" ">= 1000 records/s" "$(meets "$(rate "$add_s")" ">=" 1000)"
done
summary_end
