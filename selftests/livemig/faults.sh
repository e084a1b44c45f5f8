#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix, each fault at its most dangerous phase (the test build
# of the module: make module-fault, its fault points in debugfs
# livemig/fault). A fault point stops a migration at an exact phase; the
# test breaks something there (cancels, kills a VMM, cuts or blackholes
# the link, lies, disables a host, with or without --now, makes the
# destination VMM refuse or fail its load) and lets it go on. Each case
# ends with a verdict on both hosts:
#   before COMMIT   the move fails with a sentence naming the host, phase
#                   and cause; the VM runs on at the source, its guest
#                   checks every page it wrote; the destination has no VM,
#                   its VMM was told to discard; no migration thread is left
#   after COMMIT    the destination runs the VM, the source's VMM exits
#                   "migrated": never two running copies
#   in doubt        (COMMIT sent, nothing heard for the whole window) the
#                   source keeps the VM paused and says so; the operator
#                   resumes it with lmctl resolve
# At the end nothing is left: no thread, no VM in KVM, no object the test
# build counts (livemig/objects), and the module unloads.
set -u
. "$(dirname "$0")/ktap.sh"

tmp=$LM_RESULTS/faults
. "$(dirname "$0")/hosts.sh"

. "$(dirname "$0")/faultlib.sh"

# dest_pid HOST: the VMM the agent of HOST started last.
dest_pid() { grep -o 'started pid [0-9]*' "$tmp/agent-$1.log" | tail -1 | cut -d' ' -f3; }

# move_bg LABEL NS NAME ADDR: start a move in the background.
move_bg() {
	ip netns exec "lm-$2" lmctl move "$3" "$4" > "$tmp/$1.move" 2>&1 &
	move_pid=$!
}

# move_stopped LABEL SITE NAME: move NAME from hosta to hostb in the
# background and return once it waits at fault point SITE; $verified
# counts the guest's page checks so far.
move_stopped() {
	verified=$(verified_count "$3-a")
	arm "$2" stop
	move_bg "$1" a "$3" 10.77.0.2
	wait_for 120 stopped
}

# failed_with LABEL PATTERN: the move failed, saying PATTERN.
failed_with() { [ "$move_rc" != 0 ] && grep -Eq -- "$2" "$tmp/$1.move"; }
moved() { [ "$move_rc" = 0 ] && grep -q "^moved $2 " "$tmp/$1.move"; }

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

ktap_plan 107
start_fault_hosts
bg vm1-a $A lm_vmm --name vm1 --mem 16 --rate 300 --fill random
wait_for 60 registered "$A" vm1 && wait_for 60 log_has vm1-a "counter=[0-9]"

# 1. Cancel during stop-and-copy: the VM is paused at the source, its last
#    pages on the way. It must come back to life there.
move_stopped cancel src-paused vm1
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
move_stopped dest-killed dst-state vm1
kill -KILL "$(dest_pid b)"
release
move_result
aborted dest-killed "hostb gave up during loading: .*vm1.*(exited or killed)" vm1 vm1-a paused

# 3b. The destination VMM killed in pre-copy: the source's next pages meet
#     the data streams the destination shut, yet it reports the
#     destination's reason (its ABORT), not "closed the connection".
move_stopped dest-killed-pre dst-pages vm1
kill -KILL "$(dest_pid b)"
release
move_result
aborted dest-killed-pre "hostb gave up during pre-copy: .*VMM of vm1" vm1 vm1-a

# 4. The link cut during pre-copy (a data stream stopped at its first
#    pages): both ends notice by their timeouts.
move_stopped link-cut dst-pages vm1
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

# src_killed LABEL SITE NAME PATTERN: kill the source VMM of NAME while its
# move waits at SITE. Nothing is left to resume; the source gives up
# (saying PATTERN), and the destination must hear it at once, drop its
# half and tell its VMM to discard.
src_killed() {
	move_stopped "$1" "$2" "$3"
	kill -KILL "$(pgrep -f "lm_vmm --name $3 ")" 2>/dev/null
	release
	move_result
	check "$1: lmctl move fails: $(tail -1 "$tmp/$1.move")" failed_with "$1" "$4"
	check "$1: within 10 s the destination has no VM" wait_for 10 not_registered "$B" "$3"
	check "$1: the destination VMM discarded its copy" \
		wait_for 10 log_has "dest-b-$3" "end reason=discarded"
	check "$1: no migration thread is left" wait_for 60 no_mig_threads
}

# 6. The source VMM killed in pre-copy.
src_killed src-killed src-round1 liar "VMM of liar|liar: its VMM closed"

# 6b. The source VMM killed in setup, once the destination's VMM attached:
#     the destination waits for the data streams, not for the source's
#     word, and must not wait for its 30 s timeout.
bg early-a $A lm_vmm --name early --mem 16 --rate 300
wait_for 60 registered "$A" early && wait_for 60 log_has early-a "counter=[0-9]"
src_killed early-killed dst-attached early "on hosta during setup: (the VMM of early|VM early: its VMM)"

# 7. rmmod while a migration is stopped at a fault point: refused.
move_stopped rmmod src-accepted vm1
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
move_stopped disabled dst-pages vm1
$B lmctl disable > /dev/null
release
move_result
check "disabled mid-way: the running migration completes" moved disabled vm1
check "disabled mid-way: the VM runs on the destination" \
	wait_for 30 runs_on b vm1 dest-b-vm1
$B lmctl enable > /dev/null

# A fresh VM on hosta for the rest.
bg vm2-a $A lm_vmm --name vm2 --mem 16 --rate 300 --fill random
wait_for 60 registered "$A" vm2 && wait_for 60 log_has vm2-a "counter=[0-9]"

# 10. The destination VMM refuses the source's machine (its layout).
verified=$(verified_count vm2-a)
dest_opts --refuse "'this host cannot give vm2 its devices'"
move_bg refuse a vm2 10.77.0.2
move_result
dest_opts
aborted refuse "hostb .*this host cannot give vm2 its devices" vm2 vm2-a

# 11. The destination VMM fails to load the state: the VM was paused, it
#     must resume at the source.
verified=$(verified_count vm2-a)
dest_opts --fail-load
move_bg fail-load a vm2 10.77.0.2
move_result
dest_opts
aborted fail-load "hostb gave up during loading: .*does not load here" vm2 vm2-a paused
check "fail-load: the destination VMM was told to discard" \
	wait_for 30 log_has dest-b-vm2 "end reason=discarded"

# 12. lmctl disable --now on the source in pre-copy: cancelled cleanly.
move_stopped now-src src-round1 vm2
$A lmctl disable --now > "$tmp/now-src.out" 2>&1
move_result
aborted now-src "cancelled on hosta during pre-copy: migrations were disabled" vm2 vm2-a
check "now-src: the source is disabled" sh -c "$A lmctl show -j | grep -q '\"enabled\":false'"
$A lmctl enable > /dev/null
echo off > "$fault"

# 13. lmctl disable --now on the destination in pre-copy.
move_stopped now-dst dst-pages vm2
$B lmctl disable --now > "$tmp/now-dst.out" 2>&1
move_result
aborted now-dst "hostb (gave up|closed the connection|did not answer in time) during (pre-copy|stop-and-copy)" vm2 vm2-a
# One kernel log for both hosts: hosta's cancel (case 12) logged the first.
check "now-dst: hostb logged the cancel" \
	sh -c "[ \$(dmesg | grep -c 'migrations disabled, 1 in progress cancelled') -ge 2 ]"
$B lmctl enable > /dev/null
echo off > "$fault"

# 14. The link blackholed in pre-copy (packets dropped, no RST): both ends
#     notice by their timeouts, not by an error from the network.
move_stopped blackhole dst-pages vm2
blackhole
release
move_result
unblackhole
aborted blackhole "hostb did not answer in time during pre-copy" vm2 vm2-a

# 15. The link blackholed after READY: COMMIT goes out and nothing comes
#     back. The source keeps the VM paused through the window of doubt,
#     then reports in-doubt; the destination, which never got COMMIT,
#     drops its copy. The operator checks and resumes the source.
move_stopped in-doubt src-ready vm2
blackhole
release
move_result
id=$(grep -o 'resolve [0-9]*' "$tmp/in-doubt.move" | head -1 | cut -d' ' -f2)
check "in-doubt: lmctl move reports it: $(grep -m1 'in doubt' "$tmp/in-doubt.move")" \
	failed_with in-doubt "in doubt: COMMIT sent to hostb, no answer; VM paused here"
check "in-doubt: lmctl list shows it in doubt" \
	sh -c "$A lmctl list | grep -q 'in-doubt'"
check "in-doubt: the destination dropped its copy" wait_for 60 not_registered "$B" vm2
c1=$(counter_of vm2-a); sleep 3; c2=$(counter_of vm2-a)
check "in-doubt: the VM stays paused at the source (counter $c1, then $c2)" [ "$c1" = "$c2" ]
unblackhole
cmd_fail "in-doubt: lmctl resolve ${id:-?} --resume-source" 0 "resolved: vm2 runs on this host again" \
	$A lmctl resolve "${id:-0}" --resume-source
check "in-doubt: the VM runs on at the source" wait_for 30 runs_on a vm2 vm2-a
check "in-doubt: its guest checked every page after resuming" \
	wait_for 60 verified_since vm2-a "$verified"
check "in-doubt: no migration thread is left" wait_for 60 no_mig_threads

# 16. The VMM remaps its memory during pre-copy (deletes and re-adds the
#     slot, as memory hotplug or a new backing does): the source sees the
#     memslot generation move, checks the layout still fits, and sends
#     everything again. Destination memory equals source memory at pause.
bg vm3-a $A lm_vmm --name vm3 --mem 16 --rate 300 --fill random --remap same \
	--mem-digest "$tmp/vm3-a.dig"
vm3_pid=$last
wait_for 60 registered "$A" vm3 && wait_for 60 log_has vm3-a "counter=[0-9]"
dest_opts --mem-digest "$tmp/dest-b-vm3.dig"
move_stopped remap src-round1 vm3
kill -USR1 "$vm3_pid"
wait_for 10 log_has vm3-a "remapped its memory"
release
move_result
dest_opts
check "remap: lmctl move completes: $(tail -1 "$tmp/remap.move")" moved remap vm3
check "remap: the source noticed and sent everything again" \
	sh -c "dmesg | grep -q 'VM vm3: its memory layout changed; all of it is sent again'"
check "remap: the guest verifies all its pages on the destination" \
	wait_for 60 log_has dest-b-vm3 "guest verified [0-9]+ pages after migration"
check "remap: destination memory equals source memory at pause, page by page" \
	cmp "$tmp/vm3-a.dig" "$tmp/dest-b-vm3.dig"

# 17. The VMM turns dirty logging off in pre-copy: pages written from then
#     on would go unseen. Aborted, never skipped silently.
bg vm4-a $A lm_vmm --name vm4 --mem 16 --rate 300 --fill random --remap nolog
vm4_pid=$last
wait_for 60 registered "$A" vm4 && wait_for 60 log_has vm4-a "counter=[0-9]"
move_stopped nolog src-round1 vm4
kill -USR1 "$vm4_pid"
wait_for 10 log_has vm4-a "remapped its memory"
release
move_result
aborted nolog "the VMM of vm4 changed the VM's memory layout \(region: a memory slot that backs it does not log dirty pages\)" vm4 vm4-a

# 18. The harvest threads parked: only the migration's own harvests take
#     what the guest dirties, the one right after PAUSE included (the
#     guest writes hard until PAUSE stops it). Nothing may be missing.
echo Y > /sys/kernel/debug/livemig/harvest-park
# A generous downtime limit: converging is not what this case is about.
$A lmctl set downtime 5000 > /dev/null
bg vm5-a $A lm_vmm --name vm5 --mem 16 --rate 300 --pause-burst 50 --fill random \
	--mem-digest "$tmp/vm5-a.dig"
wait_for 60 registered "$A" vm5 && wait_for 60 log_has vm5-a "counter=[0-9]"
dest_opts --mem-digest "$tmp/dest-b-vm5.dig"
move_bg parked a vm5 10.77.0.2
move_result
dest_opts
echo N > /sys/kernel/debug/livemig/harvest-park
$A lmctl set downtime 300 > /dev/null
check "parked: lmctl move completes: $(tail -1 "$tmp/parked.move")" moved parked vm5
check "parked: the guest verifies all its pages on the destination" \
	wait_for 60 log_has dest-b-vm5 "guest verified [0-9]+ pages after migration"
check "parked: destination memory equals source memory at pause, page by page" \
	cmp "$tmp/vm5-a.dig" "$tmp/dest-b-vm5.dig"

check "no migration thread is left at the end" wait_for 60 no_mig_threads
cleanup
trap - EXIT
# The VMMs the agents started outlive them.
pkill -TERM -x lm_vmm
check "every VMM exited" wait_for 30 sh -c '! pgrep -x lm_vmm'
check "no VM is left in KVM (nothing holds a struct kvm)" wait_for 30 no_kvm_vms
check "no object is left (debugfs livemig/objects)" wait_for 60 no_objects
tr '\n' ' ' < /sys/kernel/debug/livemig/objects | ktap_diag
check "rmmod succeeds after all of it" rmmod livemig
ktap_finish
