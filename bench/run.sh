#!/bin/sh
# Runs every benchmark script in turn; each prints its figures next to the
# physical limit it measured in the same run, and adds a row per figure to
# one summary, printed as a table at the end. This is `make bench`. It is
# long (tens of minutes: it generates a million-record store) and is never
# part of `make test`: benchmarks measure, tests check.
set -eu
cd "$(dirname "$0")/.."
BENCH_SUMMARY=$(mktemp)
export BENCH_SUMMARY
trap 'rm -f "$BENCH_SUMMARY"' EXIT
. bench/summary.sh
for s in start program incidents import ledger write s3 pack cadence web webui; do
	echo "### bench/$s.sh"
	bash "bench/$s.sh"
done
summary_table "$BENCH_SUMMARY"
