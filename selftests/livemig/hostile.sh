#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile peers on the migration port, before they authenticate: garbage,
# a wrong magic, huge lengths, a large message where HELLO belongs,
# truncated messages, a peer trickling one byte a second, a flood of
# connections, SETUP sent in the clear. The host must drop each one soon,
# stay up with its settings unchanged, keep no thread behind, and let a
# real migration from another address through while the flood and the
# trickle go on.
#
#   lm-a "hosta" 10.77.0.1 (the real source)  --- veth ---  lm-b "hostb"
#        10.77.0.3, 10.77.0.4 (the attackers)                10.77.0.2:6600
set -u
. "$(dirname "$0")/ktap.sh"

tmp=$LM_RESULTS/hostile
. "$(dirname "$0")/hosts.sh"

peer="$A python3 $(dirname "$0")/hostile_peer.py"

# hostile CASE [ARGS...]: one case against hostb from 10.77.0.3.
hostile() {
	local case=$1 out rc=0
	shift
	out=$($peer "$case" 10.77.0.2 6600 --src 10.77.0.3 "$@" 2>&1) || rc=$?
	check "$out" [ "$rc" = 0 ]
}

no_in_threads() { ! ps -e -o comm= | grep -q '^livemig-in'; }

ktap_plan 22
attackers() {
	ip -n lm-a addr add 10.77.0.3/24 dev veth-a &&
		ip -n lm-a addr add 10.77.0.4/24 dev veth-a
}
start_hosts "two hosts, and two more addresses on hosta for the attackers" attackers
$B lmctl showconf > "$tmp/settings-before.conf"
dmesg_start=$(dmesg | wc -l)

# One at a time: each must be dropped soon.
hostile garbage
hostile bad-magic
hostile huge-len
hostile pages-first
hostile truncated
hostile setup-first

# A real migration goes through while one attacker trickles a HELLO and
# another floods the port from its own address.
bg agent-b $B lmctl agent --exec sh -c "exec lm_vmm --incoming --mem-digest $tmp/dest-b-\$LIVEMIG_VM_NAME.dig >> $tmp/dest-b-\$LIVEMIG_VM_NAME.log 2>&1"
bg web-a $A lm_vmm --name web --mem 32 --idle --fill random --mem-digest "$tmp/web-a.dig"
check "web runs and is registered on hosta" wait_for 60 registered "$A" web
bg slow $peer slow 10.77.0.2 6600 --src 10.77.0.4
slow_pid=$last
bg flood $peer flood 10.77.0.2 6600 --src 10.77.0.3 --count 64 --hold 30
flood_pid=$last
wait_for 20 log_has flood "held open"
move_checks "under a flood and a trickle" a b 10.77.0.2 web web-a dest-b-web

rc=0; wait "$slow_pid" || rc=$?
check "$(cat "$tmp/slow.log")" [ "$rc" = 0 ]
rc=0; wait "$flood_pid" || rc=$?
check "$(cat "$tmp/flood.log")" [ "$rc" = 0 ]
check "the host logged the refused flood" \
	sh -c "dmesg | tail -n +$dmesg_start | grep -q 'unauthenticated connections from 10.77.0.3'"

# Afterwards: nothing left behind, nothing changed, nothing went wrong.
check "no connection thread is left (within the handshake deadline)" \
	wait_for 45 no_in_threads
$B lmctl showconf > "$tmp/settings-after.conf"
check "hostb's settings are unchanged" cmp "$tmp/settings-before.conf" "$tmp/settings-after.conf"
check "no warning or oops in the kernel log" \
	sh -c "! dmesg | tail -n +$dmesg_start | grep -Eq 'WARNING|BUG|Oops|general protection'"
ktap_finish
