#!/bin/sh
# Runs every benchmark script in turn; each prints its figures next to the
# physical limit it measured in the same run. This is `make bench`. It is
# long (tens of minutes: it generates a million-record store) and is never
# part of `make test`: benchmarks measure, tests check.
set -eu
cd "$(dirname "$0")/.."
for s in start program incidents import ledger write s3 pack cadence web webui; do
	echo "### bench/$s.sh"
	sh "bench/$s.sh"
done
