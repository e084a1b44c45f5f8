#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where a host listens for migrations: nowhere while disabled, on every
# address in "any" mode, and otherwise exactly on its own addresses inside
# its migration networks, following address changes and the port.
#
#   netns lm-a (the host under test)          netns lm-c (a peer)
#   veth-a 10.99.1.1/24 10.99.2.1/24   <--->  veth-c 10.99.1.2/24 10.99.2.2/24
#          fd00:99:1::1/64                           fd00:99:1::2/64
set -u
. "$(dirname "$0")/ktap.sh"

A="ip netns exec lm-a"
C="ip netns exec lm-c"

cleanup() {
	ip netns del lm-a 2>/dev/null
	ip netns del lm-c 2>/dev/null
}
trap cleanup EXIT

setup() {
	ip netns add lm-a && ip netns add lm-c &&
	ip link add veth-a netns lm-a type veth peer name veth-c netns lm-c &&
	$A ip link set lo up && $C ip link set lo up &&
	$A ip link set veth-a up && $C ip link set veth-c up &&
	$A ip addr add 10.99.1.1/24 dev veth-a &&
	$A ip addr add 10.99.2.1/24 dev veth-a &&
	$A ip addr add fd00:99:1::1/64 dev veth-a nodad &&
	$C ip addr add 10.99.1.2/24 dev veth-c &&
	$C ip addr add 10.99.2.2/24 dev veth-c &&
	$C ip addr add fd00:99:1::2/64 dev veth-c nodad
}

# connects ADDR PORT: the peer's TCP handshake with host a completes. The
# host resets the connection right after accepting it (there is no
# protocol on it yet), which a slow peer may see before connect returns.
connects() {
	local out

	out=$($C timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2" 2>&1) ||
		grep -q 'reset by peer' <<< "$out"
}

# refused ADDR PORT: nothing listens there: the connection is refused.
refused() {
	local out

	out=$($C timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2" 2>&1) && return 1
	grep -q 'refused' <<< "$out"
}

# listening: host a's listening sockets on the migration port(s), sorted.
listening() {
	$A ss -Hltn | awk '{ print $4 }' | sort | tr '\n' ' ' | sed 's/ $//'
}

# wait_listening WANT: address notifications are handled asynchronously.
wait_listening() {
	local i

	for i in $(seq 50); do
		[ "$(listening)" = "$1" ] && return 0
		sleep 0.1
	done
	echo "# listening on '$(listening)', wanted '$1'"
	return 1
}

ktap_plan 23

if ! setup; then
	for i in $(seq 23); do ktap_skip "listener test $i" "cannot build the topology"; done
	ktap_finish
fi

check "disabled: nothing listens" wait_listening ""
check "disabled: a connection is refused" refused 10.99.1.1 6600

cmd_ok "lmctl enable" $A lmctl enable
check "any: the wildcard addresses listen on 6600" wait_listening "0.0.0.0:6600 [::]:6600"
check "any: connection to 10.99.1.1 accepted" connects 10.99.1.1 6600
check "any: connection to 10.99.2.1 accepted" connects 10.99.2.1 6600

cmd_ok "lmctl network add 10.99.1.0/24" $A lmctl network add 10.99.1.0/24
check "specific: only 10.99.1.1 listens" wait_listening "10.99.1.1:6600"
check "specific: connection to 10.99.1.1 accepted" connects 10.99.1.1 6600
check "specific: connection to 10.99.2.1 (outside) refused" refused 10.99.2.1 6600

$A ip addr add 10.99.1.77/24 dev veth-a
check "an address added inside the network listens" \
	wait_listening "10.99.1.1:6600 10.99.1.77:6600"
check "connection to the new address accepted" connects 10.99.1.77 6600
$A ip addr del 10.99.1.77/24 dev veth-a
check "a removed address stops listening" wait_listening "10.99.1.1:6600"

cmd_ok "lmctl set port 7000" $A lmctl set port 7000
check "the listener moves with the port" wait_listening "10.99.1.1:7000"
check "the old port refuses" refused 10.99.1.1 6600

cmd_ok "lmctl network add fd00:99:1::/64 priority 2" \
	$A lmctl network add fd00:99:1::/64 priority 2
check "IPv6: the host's address in the network listens and accepts" \
	connects fd00:99:1::1 7000

$A lmctl network del 10.99.1.0/24 > /dev/null 2>&1
$A lmctl network del fd00:99:1::/64 > /dev/null 2>&1
check "specific with an empty list: nothing listens" wait_listening ""

cmd_ok "lmctl network any" $A lmctl network any
check "any again: the wildcards listen on 7000" wait_listening "0.0.0.0:7000 [::]:7000"

$A lmctl disable > /dev/null 2>&1
check "disable: the listeners go" wait_listening ""
check "disable: a connection is refused" refused 10.99.2.1 7000

ktap_finish
