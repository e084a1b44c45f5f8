#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two migration hosts in one test host, for the tests that move VMs
# between them: network namespaces lm-a "hosta" (10.77.0.1) and lm-b
# "hostb" (10.77.0.2) on a veth, one key, both enabled. Sourced after
# ktap.sh, with $tmp naming the test's folder; cleans up on exit.

A="ip netns exec lm-a"
B="ip netns exec lm-b"
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

# start_hosts DESC [CMD...]: set both hosts up (and run CMD after) as one
# test point; without them nothing else can run, so bail out.
start_hosts() {
	local desc=$1
	shift
	mkdir -p "$tmp"
	if ! { setup_hosts && { [ $# = 0 ] || "$@"; }; } > "$tmp/setup.log" 2>&1; then
		ktap_not_ok "$desc"
		ktap_diag < "$tmp/setup.log"
		ktap_finish
	fi
	ktap_ok "$desc"
}

# bg NAME CMD...: run in the background, output in $tmp/NAME.log.
bg() {
	local name=$1
	shift
	"$@" > "$tmp/$name.log" 2>&1 &
	last=$!
	pids="$pids $last"
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

