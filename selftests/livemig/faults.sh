#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix, each fault at its most dangerous phase (the test build
# of the module: make module-fault, its fault points in debugfs
# livemig/fault). A fault point stops a migration at an exact phase; the
# test breaks something there (cancels, kills a VMM, cuts the link, lies,
# disables a host) and lets it go on. Each case ends with a verdict on both
# hosts:
#   before COMMIT   the move fails with a sentence naming the host, phase
#                   and cause; the VM runs on at the source, its guest
#                   checks every page it wrote; the destination has no VM,
#                   its VMM was told to discard; no migration thread is left
#   after COMMIT    the destination runs the VM, the source's VMM exits
#                   "migrated": never two running copies
# At the end the module unloads: nothing holds it.
set -u
. "$(dirname "$0")/ktap.sh"

tmp=$LM_RESULTS/faults
. "$(dirname "$0")/hosts.sh"

fault=/sys/kernel/debug/livemig/fault
arm() { echo "$1 $2" > "$fault"; }
release() { echo release > "$fault"; }
stopped() { grep -q 'stopped=1' "$fault"; }
no_mig_threads() { ! ps -e -o comm= | grep -Eq '^livemig-(out|in)'; }

# dest_pid HOST: the VMM the agent of HOST started last.
dest_pid() { grep -o 'started pid [0-9]*' "$tmp/agent-$1.log" | tail -1 | cut -d' ' -f3; }

# move_bg LABEL NS NAME ADDR: start a move in the background.
move_bg() {
	ip netns exec "lm-$2" lmctl move "$3" "$4" > "$tmp/$1.move" 2>&1 &
	move_pid=$!
}

# move_result: wait for the background move; its exit status in $move_rc.
move_result() {
	move_rc=0
	wait "$move_pid" || move_rc=$?
}

# failed_with LABEL PATTERN: the move failed, saying PATTERN.
failed_with() { [ "$move_rc" != 0 ] && grep -Eq -- "$2" "$tmp/$1.move"; }
moved() { [ "$move_rc" = 0 ] && grep -q "^moved $2 " "$tmp/$1.move"; }

# runs_on NS NAME LOG: registered there and its counter moves on.
runs_on() {
	local before after

	registered "ip netns exec lm-$1" "$2" || return 1
	before=$(counter_of "$3")
	sleep 3
	after=$(counter_of "$3")
	[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ]
}

# verified_since LOG N: the guest checked all its pages again (the Nth+1
# "guest verified" line), and found nothing wrong.
verified_since() {
	[ "$(grep -c 'guest verified [0-9]* pages' "$tmp/$1.log")" -gt "$2" ] &&
		! log_has "$1" "found [0-9]+ of [0-9]+ pages wrong|guest_errors=[1-9]"
}
verified_count() { grep -c 'guest verified [0-9]* pages' "$tmp/$1.log"; }

# aborted LABEL PATTERN NAME SRC_LOG [paused]: the verdict of a fault
# before COMMIT. A guest that was paused checks all its pages when it
# resumes; one stopped before PAUSE never stopped checking them.
aborted() {
	local label=$1 pattern=$2 name=$3 slog=$4 paused=${5:-}

	check "$label: lmctl move fails: $(tail -1 "$tmp/$label.move")" \
		failed_with "$label" "$pattern"
	check "$label: the VM runs on at the source" wait_for 30 runs_on a "$name" "$slog"
	if [ -n "$paused" ]; then
		check "$label: its guest checked every page after resuming" \
			wait_for 60 verified_since "$slog" "$verified"
	else
		check "$label: its guest found no page wrong" \
			! log_has "$slog" "pages wrong|guest_errors=[1-9]"
	fi
	check "$label: the destination has no VM" not_registered "$B" "$name"
	check "$label: no migration thread is left" wait_for 60 no_mig_threads
}

ktap_plan 46
if [ ! -e "$fault" ]; then
	ktap_not_ok "the test build of livemig.ko is loaded (debugfs livemig/fault)"
	ktap_finish
fi
start_hosts "two hosts with a shared key"

# Agents on both hosts; each destination VMM's output in dest-HOST-NAME.log.
bg agent-b $B lmctl agent --exec sh -c "exec lm_vmm --incoming >> $tmp/dest-b-\$LIVEMIG_VM_NAME.log 2>&1"
bg agent-a $A lmctl agent --exec sh -c "exec lm_vmm --incoming >> $tmp/dest-a-\$LIVEMIG_VM_NAME.log 2>&1"
bg vm1-a $A lm_vmm --name vm1 --mem 16 --rate 300 --fill random
wait_for 60 registered "$A" vm1 && wait_for 60 log_has vm1-a "counter=[0-9]"

# 1. Cancel during stop-and-copy: the VM is paused at the source, its last
#    pages on the way. It must come back to life there.
verified=$(verified_count vm1-a)
arm src-paused stop
move_bg cancel a vm1 10.77.0.2
wait_for 120 stopped
id=$(grep -o 'migration [0-9]*' "$tmp/cancel.move" | head -1 | cut -d' ' -f2)
$A lmctl cancel "${id:-0}" > "$tmp/cancel.out" 2>&1
move_result
aborted cancel "cancelled on hosta during stop-and-copy" vm1 vm1-a paused
check "cancel: the destination VMM discarded its copy" \
	wait_for 30 log_has dest-b-vm1 "end reason=discarded"

# 2. The destination fails after READY, before COMMIT: it has the whole VM,
#    loaded and paused; it must drop it, and the source resume.
verified=$(verified_count vm1-a)
arm src-ready fail
move_bg ready a vm1 10.77.0.2
move_result
aborted ready "fault injected" vm1 vm1-a paused

# 3. The destination VMM killed before LOAD.
verified=$(verified_count vm1-a)
arm dst-state stop
move_bg dest-killed a vm1 10.77.0.2
wait_for 120 stopped
kill -KILL "$(dest_pid b)"
release
move_result
aborted dest-killed "hostb gave up during loading: .*vm1.*(exited or killed)" vm1 vm1-a paused

# 4. The link cut during pre-copy (a data stream stopped at its first
#    pages): both ends notice by their timeouts.
verified=$(verified_count vm1-a)
arm dst-pages stop
move_bg link-cut a vm1 10.77.0.2
wait_for 120 stopped
ip -n lm-b link set veth-b down
release
move_result
ip -n lm-b link set veth-b up
aborted link-cut "hostb (did not answer in time|closed the connection) during pre-copy" vm1 vm1-a

# 4b. One data stream of three dies in pre-copy: the whole migration
#     fails on both sides, the VM runs on at the source.
verified=$(verified_count vm1-a)
$A lmctl set streams 3 > /dev/null
arm dst-pages fail
move_bg one-stream a vm1 10.77.0.2
move_result
$A lmctl set streams 1 > /dev/null
aborted one-stream "hostb (closed the connection|did not answer in time|gave up) during pre-copy" vm1 vm1-a

# 5. A VMM that lies: it acknowledges PAUSE and lets its vCPU run on. The
#    verifying harvest after the last pages catches it.
bg liar-a $A lm_vmm --name liar --mem 16 --rate 300 --lie-after-pause
wait_for 60 registered "$A" liar && wait_for 60 log_has liar-a "counter=[0-9]"
verified=$(verified_count liar-a)
move_bg liar a liar 10.77.0.2
move_result
aborted liar "kept the guest running after acknowledging PAUSE" liar liar-a paused

# 6. The source VMM killed in pre-copy: nothing to resume; the destination
#    must drop its half.
arm src-round1 stop
move_bg src-killed a liar 10.77.0.2
wait_for 120 stopped
kill -KILL "$(pgrep -f 'lm_vmm --name liar')" 2>/dev/null
release
move_result
check "src-killed: lmctl move fails: $(tail -1 "$tmp/src-killed.move")" \
	failed_with src-killed "VMM of liar"
check "src-killed: the destination has no VM" wait_for 30 not_registered "$B" liar
check "src-killed: no migration thread is left" wait_for 60 no_mig_threads

# 7. rmmod while a migration is stopped at a fault point: refused.
arm src-accepted stop
move_bg rmmod a vm1 10.77.0.2
wait_for 120 stopped
check "rmmod is refused while a migration runs" sh -c "! rmmod livemig 2> '$tmp/rmmod.err'"
echo off > "$fault"
move_result
check "rmmod: the migration then completes" moved rmmod vm1
check "rmmod: the VM runs on the destination" wait_for 30 runs_on b vm1 dest-b-vm1

# 8. COMMITTED lost after the destination recorded COMMIT: the source is in
#    doubt, asks, learns "committed" and completes; one copy runs (A's).
arm dst-committed fail
move_bg committed-lost b vm1 10.77.0.1
move_result
check "committed-lost: lmctl move completes: $(tail -1 "$tmp/committed-lost.move")" \
	moved committed-lost vm1
check "committed-lost: the source VMM exits because its VM migrated" \
	wait_for 30 log_has dest-b-vm1 "end reason=migrated exit=0"
check "committed-lost: the VM runs on the destination" wait_for 30 runs_on a vm1 dest-a-vm1
check "committed-lost: and not on the source" not_registered "$B" vm1

# 9. A destination disabled mid-way: the migration already running
#    finishes; the next one is refused.
arm dst-pages stop
move_bg disabled a vm1 10.77.0.2
wait_for 120 stopped
$B lmctl disable > /dev/null
release
move_result
check "disabled mid-way: the running migration completes" moved disabled vm1
check "disabled mid-way: the VM runs on the destination" \
	wait_for 30 runs_on b vm1 dest-b-vm1
$B lmctl enable > /dev/null

check "no migration thread is left at the end" wait_for 60 no_mig_threads
cleanup
trap - EXIT
check "rmmod succeeds after all of it" rmmod livemig
ktap_finish
