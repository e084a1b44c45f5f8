#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run on each of two QEMU test hosts joined by a virtual network: each host
# has its own module and sees the other.
#
#   [host a: livemig.ko] eth0 10.99.0.1 ----- 10.99.0.2 eth0 [host b: livemig.ko]
#
# $LM_PEER: the other host's address.
set -u
. "$(dirname "$0")/ktap.sh"
. "$(dirname "$0")/peer.sh"

reach_peer() {
	local i

	# The other QEMU may still be booting: wait for it, boundedly.
	for i in $(seq 90); do
		ping -c 1 -W 1 "$LM_PEER" > /dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}

peer_serve
ktap_plan 5
cmd_ok "lmctl talks to this host's module" lmctl version
check "this host has its own name ($(hostname))" [ "$(hostname)" != "" ]
check "the peer $LM_PEER answers over the virtual network" reach_peer
check "the link is a virtio NIC with our address" ip -4 addr show dev eth0
check "both hosts finished (rendezvous over the network)" peer_done
ktap_finish
