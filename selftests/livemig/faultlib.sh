#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the fault tests share (faults.sh, fault_matrix.sh): the test build's
# debugfs files, the faults the tests make outside the module, and the
# verdicts on a VM. Sourced after hosts.sh.

fault=/sys/kernel/debug/livemig/fault
objects=/sys/kernel/debug/livemig/objects
arm() { echo "$1 $2" > "$fault"; }
release() { echo release > "$fault"; }
stopped() { grep -q 'stopped=1' "$fault"; }
no_mig_threads() { ! ps -e -o comm= | grep -Eq '^livemig-(out|in)'; }

# The test build counts its objects: all zero once the hosts are gone.
no_objects() { ! grep -qv ' 0$' "$objects"; }
# KVM keeps a debugfs folder (PID-FD) per VM until its last reference.
no_kvm_vms() { ! ls /sys/kernel/debug/kvm | grep -Eq '^[0-9]+-[0-9]+$'; }

# Packets dropped both ways, no RST: a link that fails silently.
blackhole() {
	tc -n lm-a qdisc add dev veth-a root netem loss 100% &&
		tc -n lm-b qdisc add dev veth-b root netem loss 100%
}
unblackhole() {
	tc -n lm-a qdisc del dev veth-a root
	tc -n lm-b qdisc del dev veth-b root
}

# Agents on both hosts; each destination VMM's output in
# dest-HOST-NAME.log, with the options dest_opts OPTIONS set last (for
# hostb's; quoted as for the shell).
start_agents() {
	bg agent-b $B lmctl agent --exec sh -c "eval exec lm_vmm --incoming \$(cat $tmp/dest-opts) >> $tmp/dest-b-\$LIVEMIG_VM_NAME.log 2>&1"
	bg agent-a $A lmctl agent --exec sh -c "exec lm_vmm --incoming >> $tmp/dest-a-\$LIVEMIG_VM_NAME.log 2>&1"
}
dest_opts() { printf '%s\n' "$*" > "$tmp/dest-opts"; }

# start_fault_hosts: the two hosts and their agents, on the test build
# (bail out without it).
start_fault_hosts() {
	if [ ! -e "$fault" ]; then
		ktap_not_ok "the test build of livemig.ko is loaded (debugfs livemig/fault)"
		ktap_finish
	fi
	start_hosts "two hosts with a shared key"
	dest_opts
	start_agents
}

# move_result: wait for the background move ($move_pid); its exit status
# in $move_rc.
move_result() {
	move_rc=0
	wait "$move_pid" || move_rc=$?
}

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
