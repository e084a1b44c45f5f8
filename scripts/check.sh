#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command: install what is needed, build everything, run every
# kind of test, and end with one line "N passed, N failed".
#
#   setup      Debian packages (scripts/setup.sh; skip with LM_SKIP_SETUP=1)
#   build      livemig.ko with W=1 (no warning allowed), sparse, lmctl,
#              the selftest programs, the uapi header on its own
#   spec       uapi header, module policies and YNL spec agree
#   userspace  lmctl's unit tests; systemd-analyze verify of its unit
#   fuzz       the wire decoders under libFuzzer (selftests/fuzz/), 60 s
#   checkpatch --strict on kmod/ and uapi/
#   kunit      KUnit under UML (kmod/tests/)
#   kselftest  QEMU test hosts: one for the single-host tests (module life,
#              settings, listener, netlink fuzzing, hostile peers, the
#              authenticated fuzzing peer, the test VMM, dirty ring, VM
#              registration); one where two namespace hosts move VMs; one
#              with the test build for the fault matrix (each fault once);
#              two joined by a virtual network
#
# Every log and KTAP document stays in build/results/ (one folder per test
# host); build/results/timing.txt says how long each part took.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
res=$top/build/results

rm -rf "$res"
mkdir -p "$res"
: > "$res/timing.txt"

say() { printf '\n=== %s\n' "$*"; }

# stage NAME CMD...: run a part, timing it; its result is in its KTAP.
stage() {
	local name=$1 t0 rc=0
	shift
	say "$name"
	t0=$(date +%s)
	"$@" || rc=$?
	printf '%-12s %4ds (exit %d)\n' "$name" "$(($(date +%s) - t0))" "$rc" |
		tee -a "$res/timing.txt"
	return 0
}

setup() {
	[ "${LM_SKIP_SETUP:-0}" = 1 ] && { echo "skipped (LM_SKIP_SETUP=1)"; return 0; }
	scripts/setup.sh > "$res/setup.log" 2>&1 || {
		tail -20 "$res/setup.log"
		echo "setup failed; see $res/setup.log"
		return 1
	}
}

# One KTAP test point per build step; a step fails on any compiler
# warning, not just on errors.
build() {
	local n=0 failed=0 log

	step() {
		local desc=$1 pattern=$2
		shift 2
		n=$((n + 1))
		log=$res/build-$n.log
		if "$@" > "$log" 2>&1 && ! grep -Eq "$pattern" "$log"; then
			echo "ok $n - $desc"
		else
			echo "not ok $n - $desc"
			grep -E "$pattern" "$log" | head -20 | sed 's/^/# /'
			tail -5 "$log" | sed 's/^/# /'
			failed=1
		fi
	}

	{
		echo "TAP version 13"
		echo "1..6"
		step "livemig.ko builds with W=1 and no warning" \
			'warning:|error:' make -C "$top" module
		step "the test build with fault points builds with W=1 and no warning" \
			'warning:|error:' make -C "$top" module-fault
		step "sparse (C=2) finds nothing" \
			'warning:|error:' make -C "$top" sparse
		step "lmctl builds (-Wall -Wextra -Werror)" \
			'warning:|error:' make -C "$top" lmctl
		step "selftest programs and the test guest build" \
			'warning:|error:' make -C "$top" selftests
		step "uapi/linux/livemig.h compiles on its own in userspace" \
			'warning:|error:' gcc -fsyntax-only -Wall -Wextra -Werror \
			-I"$top/uapi" -include linux/livemig.h -x c /dev/null
	} | tee "$res/build.ktap"
	return $failed
}

spec_check() {
	selftests/livemig/spec_check.py "$top" > "$res/spec.ktap"
	local rc=$?
	grep -E '^(not )?ok ' "$res/spec.ktap" | grep -c '^ok' | sed 's/$/ spec checks passed/'
	grep -A3 '^not ok' "$res/spec.ktap"
	return $rc
}

# lmctl's pure parsers, and its systemd unit.
userspace() {
	local rc=0

	make -s -C tools/lmctl OUTPUT="$top/build/lmctl" RESULTS="$res" check \
		> /dev/null 2>&1 || rc=1
	[ -s "$res/lmctl-unit.ktap" ] ||
		printf 'TAP version 13\n1..1\nnot ok 1 - lmctl unit tests did not run\n' \
			> "$res/lmctl-unit.ktap"
	tail -1 "$res/lmctl-unit.ktap"
	{
		echo "TAP version 13"
		echo "1..1"
		if make -s -C tools/lmctl OUTPUT="$top/build/lmctl" verify-unit \
			> "$res/verify-unit.log" 2>&1; then
			echo "ok 1 - systemd-analyze verify livemig.service"
		else
			echo "not ok 1 - systemd-analyze verify livemig.service"
			sed 's/^/# /' "$res/verify-unit.log"
			rc=1
		fi
	} | tee "$res/systemd.ktap"
	return $rc
}

# The wire decoders under libFuzzer, 60 s at most (selftests/fuzz/).
fuzz() {
	make -s -C selftests/fuzz OUTPUT="$top/build/fuzz" RESULTS="$res" check \
		> "$res/fuzz.log" 2>&1
	local rc=$?
	# A build failure leaves no KTAP: record it so it is counted.
	[ -s "$res/fuzz.ktap" ] ||
		printf 'TAP version 13\n1..1\nnot ok 1 - the wire fuzzer did not run (exit %d; see fuzz.log)\n' \
			"$rc" > "$res/fuzz.ktap"
	grep -E '^(not )?ok |^#' "$res/fuzz.ktap"
	return $rc
}

kunit() {
	scripts/kunit.sh > /dev/null 2>&1
	local rc=$?
	grep -E '^\s*(not )?ok ' "$res/kunit.ktap" 2>/dev/null | tail -3
	# A build failure leaves no KTAP: record it so it is counted.
	if [ "$rc" != 0 ] && ! grep -q '^not ok' "$res/kunit.ktap" 2>/dev/null; then
		printf 'TAP version 13\n1..1\nnot ok 1 - kunit.py run (exit %d; see kunit.log)\n' "$rc" \
			> "$res/kunit.ktap"
	fi
	return $rc
}

# Each QEMU job becomes one test in kselftest.ktap, with the job's own
# KTAP nested under it; a host that hung or could not be set up fails.
kselftest() {
	local n=0 failed=0 tmp
	tmp=$(mktemp -d)

	job() {
		local name=$1 rc=$2 hosts
		shift 2
		for h in "$@"; do
			n=$((n + 1))
			echo "    # Subtest: $h"
			sed 's/^/    /' "$res/$h/selftests.ktap" 2>/dev/null
			if [ "$rc" = 0 ]; then
				echo "ok $n $h"
			else
				echo "not ok $n $h # $name exit $rc; see build/results/$h/"
				failed=1
			fi
		done
	}

	cat > "$tmp/host.sh" <<'JOB'
t=$LM_TOP/selftests/livemig
# vm_register_test ends with rmmod and insmod: keep it last.
ktap-run.sh --timeout 600 "$t/module.sh" "$t/settings.sh" "$t/listener.sh" "$t/nl_fuzz.sh" \
	"$t/hostile.sh" "$t/fuzz_peer.sh" "$t/vmm_cli.sh" "$LM_BUILD/selftests/dirty_ring_test" \
	"$LM_BUILD/selftests/vmm_state_test" \
	"$LM_BUILD/selftests/vm_register_test" > "$LM_RESULTS/selftests.ktap"
JOB
	cat > "$tmp/move.sh" <<'JOB'
ktap-run.sh --timeout 1500 "$LM_TOP/selftests/livemig/move.sh" > "$LM_RESULTS/selftests.ktap"
JOB
	cat > "$tmp/faults.sh" <<'JOB'
ktap-run.sh --timeout 1200 "$LM_TOP/selftests/livemig/faults.sh" > "$LM_RESULTS/selftests.ktap"
JOB
	cat > "$tmp/pair.sh" <<'JOB'
ktap-run.sh "$LM_TOP/selftests/livemig/two_hosts.sh" \
	"$LM_TOP/selftests/livemig/move_pair.sh" > "$LM_RESULTS/selftests.ktap"
JOB
	local rc_host=0 rc_move=0 rc_faults=0 rc_pair=0
	# A test host runs on one host thread (run.sh): two at a time. Two
	# hosts (namespaces) in one test host, real guests moving, then the
	# single-host tests; beside them the fault matrix (the test build).
	{
		selftests/qemu/run.sh --mem 3072 --timeout 1800 move "$tmp/move.sh"
		echo $? > "$tmp/rc_move"
		selftests/qemu/run.sh --timeout 1500 host "$tmp/host.sh"
		echo $? > "$tmp/rc_host"
	} &
	selftests/qemu/run.sh --mem 2048 --timeout 1500 --module build/fault/livemig.ko \
		faults "$tmp/faults.sh" || rc_faults=$?
	wait
	rc_move=$(cat "$tmp/rc_move" 2>/dev/null || echo 1)
	rc_host=$(cat "$tmp/rc_host" 2>/dev/null || echo 1)
	selftests/qemu/pair.sh --mem 1536 --timeout 900 pair "$tmp/pair.sh" "$tmp/pair.sh" || rc_pair=$?
	rm -rf "$tmp"
	{
		echo "TAP version 13"
		echo "1..5"
		job "one test host" "$rc_host" host
		job "migrations between namespaces" "$rc_move" move
		job "the fault matrix (test build)" "$rc_faults" faults
		job "two test hosts" "$rc_pair" pair-a pair-b
	} > "$res/kselftest.ktap"
	grep -E '^(not )?ok ' "$res/kselftest.ktap"
	return $failed
}

t0=$(date +%s)
stage setup setup
stage build build
stage spec spec_check
stage userspace userspace
stage fuzz fuzz
stage checkpatch scripts/checkpatch.sh
stage kunit kunit
stage kselftest kselftest
printf '%-12s %4ds\n' total "$(($(date +%s) - t0))" | tee -a "$res/timing.txt"

say "summary (logs and KTAP in build/results/)"
scripts/ktap-summary.py "$res"
