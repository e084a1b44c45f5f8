#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live migration between two hosts (network namespaces) in one QEMU test
# host: real guests move while they run, and check their own memory after.
#
#   +--------------------------- test host (QEMU) ---------------------------+
#   |  netns lm-a "hosta" 10.77.0.1 ---- veth ---- 10.77.0.2 netns lm-b "hostb" |
#   |     lm_vmm (source)                        lmctl agent --exec lm_vmm    |
#   |     lmctl move web1 10.77.0.2  ==pages==>  lm_vmm --incoming (dest)    |
#   |     lmctl agent (for moves back)           lm_vmm (source of B -> A)   |
#   +-------------------------------------------------------------------------+
#
# Each move checks: lmctl move exits 0 and reports completed on both hosts;
# the source VMM exits with reason "migrated"; the destination VMM's guest
# verifies every page it wrote (page number and write generation) after it
# resumes, and its counter goes on from where it stopped; the VM is
# registered on the destination only. Failures (wrong key, auth mismatch,
# a disabled destination, an address outside its networks) must be
# refused with a clear sentence while the VM runs on at the source.
set -u
. "$(dirname "$0")/ktap.sh"

tmp=$LM_RESULTS/move
. "$(dirname "$0")/hosts.sh"

ktap_plan 54
start_hosts "two hosts with a shared key"

# Agents on both hosts: each incoming migration starts a VMM, its output
# in the agent's log.
# Every VMM writes a digest of each guest page when it pauses (source) or
# before it loads the state (destination): the test compares them itself.
bg agent-b $B lmctl agent --exec sh -c "exec lm_vmm --incoming --mem-digest $tmp/dest-b-\$LIVEMIG_VM_NAME.dig >> $tmp/dest-b-\$LIVEMIG_VM_NAME.log 2>&1"
bg agent-a $A lmctl agent --exec sh -c "exec lm_vmm --incoming --mem-digest $tmp/dest-a-\$LIVEMIG_VM_NAME.dig >> $tmp/dest-a-\$LIVEMIG_VM_NAME.log 2>&1"

# 1. An idle 64 MiB guest whose pages are incompressible and checked
#    whole, A -> B.
bg web1-a $A lm_vmm --name web1 --mem 64 --idle --fill random --mem-digest "$tmp/web1-a.dig"
check "web1 runs and is registered on hosta" wait_for 60 registered "$A" web1
move_checks "idle A->B" a b 10.77.0.2 web1 web1-a dest-b-web1

# 2. And back, B -> A, with nothing else to do (no extra steps); hostb
#    sends raw pages (performance option tcp) over three data connections.
$B lmctl set streams 3 > /dev/null
$B lmctl set-performance tcp > /dev/null
move_checks "back B->A, tcp, 3 streams" b a 10.77.0.1 web1 dest-b-web1 dest-a-web1
$B lmctl set streams 1 > /dev/null
$B lmctl set-performance compression > /dev/null

# 3. A busy 64 MiB guest writing 2000 pages/s, its device writing guest
#    memory from userspace (the VMM's dirty bitmap), A -> B; from its
#    second pass on it zeroes 500 of its pages (they must arrive as zero
#    pages over what round 0 sent), and on PAUSE it writes unthrottled,
#    its device too, for 50 ms before it stops (all of it must arrive).
bg busy1-a $A lm_vmm --name busy1 --mem 64 --rate 2000 --device-writes 200 \
	--zero-pages 500 --pause-burst 50 --mem-digest "$tmp/busy1-a.dig"
check "busy1 runs and is registered on hosta" wait_for 60 registered "$A" busy1
# Moved during its second pass at the earliest, so zeroed pages exist.
wait_for 120 log_has busy1-a "passes=[1-9]"
sleep 3
move_checks "busy A->B" a b 10.77.0.2 busy1 busy1-a dest-b-busy1
check "busy A->B: device writes arrived (no device error)" ! log_has dest-b-busy1 "device_errors=[1-9]"

# 3b. A busy 256 MiB guest.
bg big1-a $A lm_vmm --name big1 --mem 256 --rate 500 --mem-digest "$tmp/big1-a.dig"
check "big1 (256 MiB) runs and is registered on hosta" wait_for 90 registered "$A" big1
wait_for 120 log_has big1-a "passes=[1-9]"
move_checks "256 MiB busy A->B" a b 10.77.0.2 big1 big1-a dest-b-big1

# 4. Refusals: each leaves the VM running on its source.
bg calm-a $A lm_vmm --name calm --mem 16 --idle
check "calm runs on hosta" wait_for 60 registered "$A" calm
$B lmctl set auth psk key-file "$tmp/other.key" > /dev/null
refused "wrong key: refused, the sentence says the keys differ" \
	"do not share the same key" lm-a 10.77.0.2 calm
$B lmctl set auth none > /dev/null
refused "auth none on one side: refused as a mismatch" \
	"authentication mismatch" lm-a 10.77.0.2 calm
$B lmctl set auth psk key-file "$tmp/key" > /dev/null
$B lmctl disable > /dev/null
refused "disabled destination: it says migrations are disabled there" \
	"migrations are disabled on this host" lm-a 10.77.0.2 calm
$B lmctl enable > /dev/null
ip -n lm-b addr add 10.88.0.2/24 dev veth-b
$B lmctl network add 10.88.0.0/24 > /dev/null
refused "address outside the destination's networks: the source says so" \
	"not one of its migration addresses" lm-a 10.77.0.2 calm
$B lmctl network any > /dev/null
check "after four refusals calm still runs on hosta" registered "$A" calm
check "and its guest found no wrong page" ! log_has calm-a "guest_errors=[1-9]"
check "nothing was left registered on hostb" not_registered "$B" calm

# state_is NS ID STATE: lmctl list shows migration ID in STATE.
state_is() { ip netns exec "$1" lmctl status "$2" | grep -Eq "^ *state: +$3\$"; }

# one_after_other: in the kernel log, the first of q1 and q2 to complete
# on hosta did so before the other's incoming migration began on hostb.
one_after_other() {
	dmesg | awk '
		/VM q[12] to .*: completed/ && !done { done = NR }
		/incoming VM q[12] from hosta \(/ { n++; if (n == 2) second = NR }
		END { exit !(done && second && done < second) }'
}

# 5. max-migrations 1: a second move from hosta waits, then completes.
$A lmctl set max-migrations 1 > /dev/null
bg q1-a $A lm_vmm --name q1 --mem 64 --rate 500
bg q2-a $A lm_vmm --name q2 --mem 16 --idle
check "q1 and q2 run on hosta" wait_for 60 eval 'registered "$A" q1 && registered "$A" q2'
id1=$($A lmctl move q1 10.77.0.2 --detach 2>/dev/null | grep -o '[0-9]*$')
id2=$($A lmctl move q2 10.77.0.2 --detach 2>/dev/null | grep -o '[0-9]*$')
check "max-migrations 1: one of the two moves waits in the queue" \
	wait_for 10 eval 'state_is lm-a "$id1" queued || state_is lm-a "$id2" queued'
check "then both complete" wait_for 120 eval 'state_is lm-a "$id1" completed && state_is lm-a "$id2" completed'
check "hostb saw the second only after the first completed (kernel log)" one_after_other
check "q1's guest verified its pages on hostb" wait_for 60 log_has dest-b-q1 "guest verified"
check "q2's guest verified its pages on hostb" wait_for 60 log_has dest-b-q2 "guest verified"
$A lmctl set max-migrations 2 > /dev/null

# 6. hosta and hostb move a VM to each other at the same time.
bg x1-a $A lm_vmm --name x1 --mem 16 --idle
bg y1-b $B lm_vmm --name y1 --mem 16 --idle
check "x1 runs on hosta, y1 on hostb" wait_for 60 eval 'registered "$A" x1 && registered "$B" y1'
$A lmctl move x1 10.77.0.2 > "$tmp/x1.move" 2>&1 &
mx=$!
$B lmctl move y1 10.77.0.1 > "$tmp/y1.move" 2>&1 &
my=$!
rx=0 ry=0
wait $mx || rx=$?
wait $my || ry=$?
check "crossing moves A->B and B->A both complete" [ "$rx$ry" = 00 ]
cat "$tmp/x1.move" "$tmp/y1.move" | grep -E "moved|lmctl" | ktap_diag
check "both guests verified their pages" \
	wait_for 60 eval 'log_has dest-b-x1 "guest verified" && log_has dest-a-y1 "guest verified"'

ktap_finish
