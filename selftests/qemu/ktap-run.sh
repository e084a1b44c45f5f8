#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run selftest programs inside a test host and print one KTAP document:
# each program is a test whose own KTAP output is nested (indented) under
# it. Exit 0 if every program passed or skipped, 1 otherwise.
#
# Usage: ktap-run.sh [--timeout S] PROGRAM...
#   A program exits 0 (pass), 4 (skip) or anything else (fail). Its output
#   is also kept in $LM_RESULTS/NAME.log. A program still running after S
#   seconds (default 300) is killed and fails.
set -u

tmo=300
if [ "${1:-}" = --timeout ]; then
	tmo=$2
	shift 2
fi

echo "TAP version 13"
echo "1..$#"
n=0 failed=0
for prog in "$@"; do
	n=$((n + 1))
	name=$(basename "$prog")
	log=${LM_RESULTS:-/tmp}/$name.log
	echo "    # Subtest: $name"
	rc=0
	timeout --kill-after=5 "$tmo" "$prog" > "$log" 2>&1 < /dev/null || rc=$?
	sed 's/^/    /' "$log"
	case $rc in
	0) echo "ok $n $name" ;;
	4) echo "ok $n $name # SKIP" ;;
	124|137) echo "not ok $n $name # TIMEOUT after ${tmo}s"; failed=1 ;;
	*) echo "not ok $n $name # exit code $rc"; failed=1 ;;
	esac
done
exit $failed
