#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bounded fuzz run of the test command, as KTAP on stdout:
#
#   1  the seeds in the tree are what the encoders write today, so a
#      change of the wire format cannot leave the corpus behind
#   2  fuzz_wire, started from a copy of those seeds, finds nothing in
#      SECONDS or RUNS executions, whichever ends first
#
# Usage: check.sh OUTPUT CORPUS SECONDS RUNS MAX_LEN TIMEOUT
#   OUTPUT holds fuzz_wire and seeds (make build). The run works in
#   OUTPUT/check, which keeps its log and any failing input afterwards.
set -uo pipefail

out=$1 corpus=$2 seconds=$3 runs=$4 max_len=$5 timeout=$6
work=$out/check
log=$work/fuzz.log
failed=0

rm -rf "$work"
mkdir -p "$work/seeds" "$work/corpus"

echo "TAP version 13"
echo "1..2"

if ! "$out/seeds" "$work/seeds" > "$work/seeds.log" 2>&1; then
	echo "not ok 1 - the seed generator fails"
	sed 's/^/# /' "$work/seeds.log"
	failed=1
else
	stale=()
	for f in "$work/seeds"/*; do
		cmp -s "$f" "$corpus/${f##*/}" || stale+=("${f##*/}")
	done
	if [ ${#stale[@]} = 0 ]; then
		echo "ok 1 - corpus/ holds what the encoders write"
	else
		echo "not ok 1 - corpus/ differs from what the encoders write; run make -C selftests/fuzz seeds"
		echo "# stale or missing: ${stale[*]}"
		failed=1
	fi
fi

# A copy: libFuzzer adds what it finds to the corpus directory it is given.
cp "$corpus"/* "$work/corpus/"
t0=$(date +%s)
"$out/fuzz_wire" -max_total_time="$seconds" -runs="$runs" -max_len="$max_len" \
	-timeout="$timeout" -print_final_stats=1 -artifact_prefix="$work/" \
	"$work/corpus" > "$log" 2>&1
rc=$?
took=$(($(date +%s) - t0))

found=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2> /dev/null | head -1)
if [ "$rc" = 0 ] && [ -z "$found" ]; then
	# The last status line: "#RUNS DONE cov: C ft: F corp: N/SIZE ..."
	status=$(grep -E '^#[0-9]+' "$log" | tail -1)
	status_field() { sed -n "s/.* $1: \([0-9]*\).*/\1/p" <<< "$status"; }
	final_stat() { sed -n "s/^stat::$1: *//p" "$log"; }
	edges=$(sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log")
	echo "ok 2 - fuzz_wire found nothing in $took s:" \
		"$(final_stat number_of_executed_units) runs" \
		"($(final_stat average_exec_per_sec)/s)," \
		"$(status_field cov) of $edges edges, $(status_field ft) features," \
		"$(status_field corp) inputs"
else
	if [ -n "$found" ]; then
		echo "not ok 2 - fuzz_wire failed on $found"
	else
		echo "not ok 2 - fuzz_wire exited with $rc and left no input; see $log"
	fi
	grep -E 'Assertion|ERROR:|runtime error|SUMMARY:' "$log" | head -5 | sed 's/^/# /'
	# The target's run_*() is the first of them on the stack.
	grep -m1 -o ' in run_[a-z_]*' "$log" | sed 's/^ in /# target: /'
	if [ -n "$found" ]; then
		echo "# first bytes: $(od -An -tx1 -v "$found" | head -4 | xargs)"
		echo "# again: $out/fuzz_wire $found"
	fi
	echo "# log: $log"
	failed=1
fi
exit $failed
