# Sourced by the bench scripts: each adds one row per figure it measures
# to a summary, and the summary is printed as one table at the end, of
# the script when it runs alone, of bench/run.sh when it runs them all
# (BENCH_SUMMARY names the file the rows gather in).
#
#   summary WORKLOAD FIGURE LIMIT RATIO TARGET MET
#     WORKLOAD  what was measured
#     FIGURE    Evident's figure, with its unit
#     LIMIT     the limit measured in the same run, with its unit
#     RATIO     Evident against the limit, as the target states it
#     TARGET    the target ("-" when the workload has none)
#     MET       yes, no or "-"
#   meets VALUE OP BOUND   prints yes or no: VALUE OP BOUND, OP one of
#                          < <= > >=
#   summary_end            prints the table when this script owns it
if [ -z "${BENCH_SUMMARY:-}" ]; then
	BENCH_SUMMARY=$(mktemp)
	bench_summary_own=1
else
	bench_summary_own=
fi

summary() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >>"$BENCH_SUMMARY"
}

meets() {
	awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
		ok = (op == "<") ? a < b : (op == "<=") ? a <= b : (op == ">") ? a > b : a >= b
		print (ok ? "yes" : "no")
	}'
}

# summary_table FILE prints the rows of FILE as a Markdown table.
summary_table() {
	echo
	echo "## Summary (load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
	echo
	echo "| workload | Evident | limit, same run | ratio | target | met |"
	echo "|---|---|---|---|---|---|"
	awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$1"
}

summary_end() {
	if [ -n "$bench_summary_own" ]; then
		summary_table "$BENCH_SUMMARY"
		rm -f "$BENCH_SUMMARY"
	fi
}
