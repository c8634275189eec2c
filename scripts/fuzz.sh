#!/bin/sh
# Runs every fuzz target in the module for a bounded number of inputs
# (FUZZTIME, default 20000x each). A count rather than a duration: the
# fuzzer can fail a timed run with "context deadline exceeded" when the
# deadline falls mid-execution on a busy machine, which says nothing about
# our parsers. The seed corpus already runs in `go test`; this pass looks for
# new crashes. A crash leaves its input under testdata/fuzz/ and fails.
set -eu
FUZZTIME=${FUZZTIME:-20000x}
cd "$(dirname "$0")/.."
n=0
for f in $(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do
	dir=$(dirname "$f")
	for target in $(grep -h '^func Fuzz' "$f" | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
		echo "fuzz $dir $target ($FUZZTIME)"
		go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=200x "$dir"
		n=$((n + 1))
	done
done
echo "fuzzed $n targets"
if [ "$n" -eq 0 ]; then
	echo "no fuzz targets found" >&2
	exit 1
fi
