#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-full: the whole fault matrix (selftests/livemig/fault_matrix.sh)
# on the test build of the module, every fault at every fault point, in two
# QEMU test hosts side by side (the fault points split between them). About
# 80 minutes on two cores; the default test command (make check) runs each
# fault once, at its most dangerous phase (faults.sh).
#
# Run it after make check has set the machine up (scripts/setup.sh). Logs
# and KTAP in build/results-full/; ends with "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
res=$top/build/results-full
rm -rf "$res"
mkdir -p "$res"

make -s module-fault lmctl selftests > "$res/build.log" 2>&1 || {
	tail -20 "$res/build.log"
	printf 'TAP version 13\n1..1\nnot ok 1 - build (see build.log)\n' > "$res/build.ktap"
	scripts/ktap-summary.py "$res"
	exit 1
}

half1="src-connected src-accepted src-round0 src-round1 src-paused src-state-sent src-ready"
half2="src-commit-sent dst-admitted dst-attached dst-pages dst-state dst-loaded dst-committed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for h in 1 2; do
	eval "sites=\$half$h"
	cat > "$tmp/matrix$h.sh" <<JOB
FAULT_SITES="$sites" ktap-run.sh --timeout 4800 "\$LM_TOP/selftests/livemig/fault_matrix.sh" > "\$LM_RESULTS/selftests.ktap"
JOB
done
t0=$(date +%s)
for h in 1 2; do
	selftests/qemu/run.sh --mem 2048 --timeout 5400 --module build/fault/livemig.ko \
		"full-matrix$h" "$tmp/matrix$h.sh" > "$res/matrix$h.out" 2>&1 &
done
wait
for h in 1 2; do
	cp "build/results/full-matrix$h/selftests.ktap" "$res/matrix$h.ktap" 2>/dev/null ||
		printf 'TAP version 13\n1..1\nnot ok 1 - matrix %d did not run (see %s)\n' \
			"$h" "build/results/full-matrix$h/" > "$res/matrix$h.ktap"
done
echo "fault matrix: $(($(date +%s) - t0)) s"
scripts/ktap-summary.py "$res"
