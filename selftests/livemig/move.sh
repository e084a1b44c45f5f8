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

A="ip netns exec lm-a"
B="ip netns exec lm-b"
tmp=$LM_RESULTS/move
pids=

cleanup() {
	local p
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	ip netns del lm-a 2>/dev/null
	ip netns del lm-b 2>/dev/null
}
trap cleanup EXIT

setup_hosts() {
	ip netns add lm-a && ip netns add lm-b &&
	ip link add veth-a netns lm-a type veth peer name veth-b netns lm-b &&
	ip -n lm-a addr add 10.77.0.1/24 dev veth-a &&
	ip -n lm-b addr add 10.77.0.2/24 dev veth-b &&
	ip -n lm-a link set lo up && ip -n lm-b link set lo up &&
	ip -n lm-a link set veth-a up && ip -n lm-b link set veth-b up &&
	(umask 077; lmctl genkey > "$tmp/key" && lmctl genkey > "$tmp/other.key") &&
	$A lmctl set host-name hosta && $B lmctl set host-name hostb &&
	$A lmctl set auth psk key-file "$tmp/key" &&
	$B lmctl set auth psk key-file "$tmp/key" &&
	$A lmctl enable && $B lmctl enable
}

# bg NAME CMD...: run in the background, output in $tmp/NAME.log.
bg() {
	local name=$1
	shift
	"$@" > "$tmp/$name.log" 2>&1 &
	last=$!
	pids="$pids $last"
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s; false after SECONDS.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" > /dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

registered() { $1 lmctl vm list | grep -q "^$2 "; }
not_registered() { ! registered "$@"; }
log_has() { grep -Eq -- "$2" "$tmp/$1.log"; }

# Counter from the last status line of a VMM log.
counter_of() {
	grep -o 'counter=[0-9]*' "$tmp/$1.log" | tail -1 | cut -d= -f2
}

# the agent's log names each destination VMM's output; gather it per VM
dest_log() { cat "$tmp/agent-$1.log"; }

# A move of VM NAME from host $1 to $2 (10.77.0.x) and its checks.
# move_checks LABEL SRC_NS DST_NS DST_ADDR NAME SRC_LOG DST_AGENT_LOG
move_checks() {
	local label=$1 src=$2 dst=$3 addr=$4 name=$5 slog=$6 alog=$7 before
	local s=lm-$src d=lm-$dst out rc=0

	# The guest has reported at least once, so there is a counter to beat.
	wait_for 60 log_has "$slog" "counter=[0-9]"
	before=$(counter_of "$slog")
	out=$(ip netns exec "$s" lmctl move "$name" "$addr" 2>&1) || rc=$?
	echo "$out" > "$tmp/$label.move"
	check "$label: lmctl move completes" [ "$rc" = 0 ]
	grep -E "moved|downtime" "$tmp/$label.move" | ktap_diag
	check "$label: the source VMM exits because its VM migrated" \
		wait_for 30 log_has "$slog" "end reason=migrated exit=0"
	check "$label: the guest verifies all its pages on the destination" \
		wait_for 60 log_has "$alog" "guest verified [0-9]+ pages after migration"
	check "$label: no page was wrong (guest, device)" \
		! log_has "$alog" "mismatch|verify-failed|found page|: [1-9][0-9]* wrong|guest_errors=[1-9]|device_errors=[1-9]"
	check "$label: the VM is registered on the destination" \
		wait_for 10 registered "ip netns exec $d" "$name"
	check "$label: and no longer on the source" \
		wait_for 10 not_registered "ip netns exec $s" "$name"
	check "$label: the guest's counter went on from where it was ($before)" \
		counter_after "$alog" "$before"
	check "$label: destination memory equals source memory at pause, page by page" \
		cmp "$tmp/$slog.dig" "$tmp/$alog.dig"
}

# counter_after LOG N: the VMM's last counter is above N.
counter_after() {
	local c
	sleep 2
	c=$(counter_of "$1")
	[ -n "$c" ] && [ -n "$2" ] && [ "$c" -gt "$2" ]
}

# refused DESC PATTERN NS ADDR NAME: a move that must fail, with the VM on.
refused() {
	local desc=$1 pattern=$2 ns=$3 addr=$4 name=$5

	cmd_fail "$desc" 1 "$pattern" ip netns exec "$ns" lmctl move "$name" "$addr"
}

ktap_plan 54
mkdir -p "$tmp"
if ! setup_hosts > "$tmp/setup.log" 2>&1; then
	ktap_not_ok "two hosts with a shared key"
	ktap_diag < "$tmp/setup.log"
	ktap_finish
fi
ktap_ok "two hosts with a shared key"

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
#    memory from userspace (the VMM's dirty bitmap), A -> B. (Zeroed pages
#    and a write burst during PAUSE, lm_vmm --zero-pages/--pause-burst,
#    are left out until a destination guest seen stuck after such a move
#    is understood.)
bg busy1-a $A lm_vmm --name busy1 --mem 64 --rate 2000 --device-writes 200 \
	--mem-digest "$tmp/busy1-a.dig"
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
