#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An authenticated fuzzing peer against a real destination: fuzz_peer.py
# authenticates as a source would (the test key, HMAC proofs, kernel TLS;
# then again with auth none, plain TCP) and runs many migrations, each
# with one lie in SETUP, PAGES, ROUND_END, STREAM_END, STATE, the headers
# or the order of messages. hostb must fail every one of them, tell each
# VMM its agent started to discard its copy, write no byte outside the
# announced regions (its VMMs run with guard pages around each region),
# keep no thread, log no warning, keep its settings, and still take a
# real migration afterwards.
#
#   netns lm-a "hosta" 10.77.0.1                 netns lm-b "hostb" 10.77.0.2:6600
#     fuzz_peer.py (source, lies) ---- veth ---->  livemig.ko (destination)
#     lm_vmm web (the real source, at the end)     lmctl agent --exec
#                                                    lm_vmm --incoming --guard-pages
#
# FUZZ_SEED repeats a run; FUZZ_SECONDS and FUZZ_NONE_SECONDS bound the two
# runs (psk, none), FUZZ_ITERATIONS their iterations, FUZZ_KINDS (a comma
# list, fuzz_peer.py --list-kinds) what they draw from.
set -u
. "$(dirname "$0")/ktap.sh"

tmp=$LM_RESULTS/fuzz_peer
. "$(dirname "$0")/hosts.sh"

seed=${FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}
psk_seconds=${FUZZ_SECONDS:-75}
none_seconds=${FUZZ_NONE_SECONDS:-15}
iterations=${FUZZ_ITERATIONS:-1000}

no_in_threads() { ! ps -e -o comm= | grep -q '^livemig-in'; }

# The VMMs hostb's agent started, by pid.
dest_pids() { grep -o 'started pid [0-9]*' "$tmp/agent-b.log" | cut -d' ' -f3; }
all_exited() {
	local p
	for p in $(dest_pids); do
		! kill -0 "$p" 2> /dev/null || return 1
	done
}

# One line per fuzzed VM's log (its VMMs, one per run): "LOG attached
# discarded intact changed", how many of its VMMs attached their VM, were
# told to discard it, found their guard pages intact, or changed.
vmm_tally() {
	awk 'FNR == 1 { n[FILENAME] = 1 }
	     /attached to livemig/ { a[FILENAME]++ }
	     /end reason=discarded/ { d[FILENAME]++ }
	     /guard pages intact/ { g[FILENAME]++ }
	     /guard page .* changed/ { c[FILENAME]++ }
	     END { for (f in n) print f, a[f] + 0, d[f] + 0, g[f] + 0, c[f] + 0 }' \
		"$tmp"/dest-b-fz*.log > "$tmp/vmm-tally"
}
all_discarded() { awk '$2 != $3 { print; bad = 1 } END { exit bad }' "$tmp/vmm-tally"; }
guards_intact() { awk '$5 || $4 < $2 { print; bad = 1 } END { exit bad }' "$tmp/vmm-tally"; }

# The check can fail: a VMM with guard pages, one of them written from
# outside (/proc/PID/mem), must say which and exit 1.
guard_selftest() {
	local pid rc=0

	lm_vmm --name guard --mem 4 --idle --no-register --guard-pages \
		> "$tmp/guard-selftest.log" 2>&1 &
	pid=$!
	wait_for 30 log_has guard-selftest "counter=" &&
	python3 - "$pid" <<-'EOF' || { kill -KILL "$pid"; return 1; }
		import sys
		pid = sys.argv[1]
		# 4 MiB of RAM and a guard page on either side: one mapping.
		for line in open("/proc/%s/maps" % pid):
		    start, end = (int(x, 16) for x in line.split()[0].split("-"))
		    if end - start == (4 << 20) + 2 * 4096:
		        with open("/proc/%s/mem" % pid, "r+b") as mem:
		            mem.seek(start + 100)
		            mem.write(b"\x00")
		        sys.exit(0)
		sys.exit(1)
	EOF
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 1 ] && log_has guard-selftest "guard page before slot 0 .* changed at byte 100"
}

# peer NAME ARGS...: a run of the peer against hostb, its output in
# $tmp/fuzz-NAME.log, its VMs named fzNAME<N>; sets $rc.
peer() {
	local name=$1
	shift
	rc=0
	$A python3 "$(dirname "$0")/fuzz_peer.py" 10.77.0.2 6600 --src 10.77.0.1 \
		--config "$tmp/base.conf" --name-prefix "fz$name" \
		--dest-cmd "ip netns exec lm-b lmctl list -j" \
		--record "$tmp/$name.rec" "$@" > "$tmp/fuzz-$name.log" 2>&1 || rc=$?
}

# fuzz MODE SEED SECONDS AUTH_ARGS...: one run of the peer, three points.
fuzz() {
	local mode=$1 s=$2 secs=$3 log
	shift 3
	log=$tmp/fuzz-$mode.log
	peer "$mode" "$@" --seed "$s" --seconds "$secs" --iterations "$iterations" \
		${FUZZ_KINDS:+--kinds "$FUZZ_KINDS"}
	check "$mode: the peer authenticates and talks to hostb ($(grep -c '^iter ' "$log") migrations)" \
		sh -c "grep -q '^iter ' '$log' && ! grep -q 'handshake failed' '$log'"
	if [ "$rc" = 0 ]; then
		ktap_ok "$mode: hostb failed every fuzzed migration, each in its time"
	else
		ktap_not_ok "$mode: hostb failed every fuzzed migration, each in its time"
		grep -E '^FAIL|^fuzz_peer|Traceback|Error' "$log" | head -20 | ktap_diag
	fi
	sed -n '/^summary:/,$p' "$log" | ktap_diag
	check "$mode: hostb lists each one as failed, or not at all" \
		sh -c "$B lmctl list -j | python3 $(dirname "$0")/fuzz_peer.py --check-list '$tmp/$mode.rec'"
}

if ! command -v python3 > /dev/null; then
	ktap_plan 1
	ktap_skip "an authenticated fuzzing peer" "no python3 in the test host"
	ktap_finish
fi
ktap_plan 26
start_hosts "two hosts with a shared key"
echo "seed $seed (FUZZ_SEED=$seed repeats this run)" | ktap_diag
$B lmctl showconf > "$tmp/settings-before.conf"
dmesg_start=$(dmesg | wc -l)

bg agent-b $B lmctl agent --exec sh -c "exec lm_vmm --incoming --guard-pages \
	--mem-digest $tmp/dest-b-\$LIVEMIG_VM_NAME.dig >> $tmp/dest-b-\$LIVEMIG_VM_NAME.log 2>&1"
cmd_ok "a machine description for the fuzzed SETUPs (lm_vmm --config-out)" \
	$A lm_vmm --name fzbase --mem 4 --idle --no-register --seconds 1 \
	--config-out "$tmp/base.conf"

check "the guard page check can fail: a byte written before a region is reported" \
	guard_selftest
fuzz psk "$seed" "$psk_seconds" --key "$tmp/key"
$B lmctl set auth none > /dev/null
fuzz none "$((seed + 1))" "$none_seconds" --auth none
$B lmctl set auth psk key-file "$tmp/key" > /dev/null

# Regression: a source's ABORT on the control connection while its data
# stream idles must end the migration at once. lm_in_data() (kmod/dest.c)
# does not wake the control thread when the last stream joins, so that
# thread reads its connection only once a stream ends or 30 s have
# passed: this point fails (after 30 s) until it does.
peer abort-idle --key "$tmp/key" --kinds order-abort-idle-stream --iterations 1 --seed "$seed"
took=$(grep -o '[0-9.]*s/[0-9.]*s' "$tmp/fuzz-abort-idle.log")
check "hostb ends a migration at once on the source's ABORT while its stream idles ($took)" \
	[ "$rc" = 0 ]
grep '^FAIL' "$tmp/fuzz-abort-idle.log" | ktap_diag

# The real source for the end boots while the checks run (not before: its
# guest would take the test host's CPU from the fuzzing).
bg web-a $A lm_vmm --name web --mem 16 --idle --fill random --mem-digest "$tmp/web-a.dig"

# Afterwards: the host is up, every VMM went, nothing was left behind or
# touched.
cmd_ok "hostb's kernel and module answer" $B lmctl version
check "every VMM hostb's agent started has exited" wait_for 60 all_exited
vmm_tally
check "every one that attached its VM was told to discard it" all_discarded
check "no guard page around any region was touched" guards_intact
check "no connection thread is left (within the handshake deadline)" \
	wait_for 45 no_in_threads
check "no warning or oops in the kernel log" \
	sh -c "! dmesg | tail -n +$dmesg_start | grep -Eq 'WARNING|BUG|Oops|general protection'"
$B lmctl showconf > "$tmp/settings-after.conf"
check "hostb's settings are unchanged" cmp "$tmp/settings-before.conf" "$tmp/settings-after.conf"

# And a real migration still goes through, into guard pages.
wait_for 60 registered "$A" web
move_checks "after the fuzzing" a b 10.77.0.2 web web-a dest-b-web
kill -TERM "$(dest_pids | tail -1)" 2> /dev/null
check "its VMM on hostb finds its guard pages intact when it ends" \
	wait_for 30 log_has dest-b-web "guard pages intact"
ktap_finish
