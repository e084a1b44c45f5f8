#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A live migration between two separate QEMU test hosts over their virtual
# network: each host is its own kernel with its own livemig.ko, clock and
# TSC. Runs on both; the host at 10.99.0.1 is the source.
#
#   [host a: lm_vmm busy1] eth0 10.99.0.1 ==== pages ===> 10.99.0.2 eth0 [host b: agent]
#
# The key travels from a to b over the test network (lab only).
set -u
. "$(dirname "$0")/ktap.sh"
. "$(dirname "$0")/peer.sh"

tmp=$LM_RESULTS/move-pair
mkdir -p "$tmp"
pids=
cleanup() {
	local p
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT

log_has() { grep -Eq -- "$2" "$tmp/$1.log"; }
registered() { lmctl vm list | grep -q "^$1 "; }

peer_serve
if [ "$LM_PEER" = 10.99.0.2 ]; then
	ktap_plan 8
	(umask 077; lmctl genkey > "$tmp/key")
	peer_put key "$tmp/key"
	cmd_ok "host a is configured" sh -c "lmctl set host-name host-a && lmctl set auth psk key-file $tmp/key && lmctl enable"
	lm_vmm --name busy1 --mem 64 --rate 1000 --device-writes 100 > "$tmp/busy1.log" 2>&1 &
	pids="$pids $!"
	check "busy1 runs on host a" wait_for 60 registered busy1
	peer_signal ready-a
	check "host b is ready" peer_wait ready-b 180
	out=$(lmctl move busy1 "$LM_PEER" 2>&1)
	rc=$?
	check "busy1 moves to host b over the virtual network" [ "$rc" = 0 ]
	echo "$out" | tail -1 | ktap_diag
	check "the source VMM exits: its VM migrated" wait_for 30 log_has busy1 "end reason=migrated exit=0"
	check "host a no longer has busy1" wait_for 10 sh -c "! lmctl vm list | grep -q '^busy1 '"
	peer_signal moved
	check "host b saw the guest verify itself" peer_wait verified 120
else
	ktap_plan 6
	check "host a shared its key" peer_wait ready-a 180
	peer_get key > "$tmp/key"; chmod 600 "$tmp/key"
	cmd_ok "host b is configured" sh -c "lmctl set host-name host-b && lmctl set auth psk key-file $tmp/key && lmctl enable"
	lmctl agent --exec sh -c "exec lm_vmm --incoming >> $tmp/dest-\$LIVEMIG_VM_NAME.log 2>&1" > "$tmp/agent.log" 2>&1 &
	pids="$pids $!"
	sleep 1
	peer_signal ready-b
	check "host a says busy1 moved" peer_wait moved 300
	check "busy1 runs on host b" registered busy1
	check "its guest verified all its pages after the move" \
		wait_for 60 log_has dest-busy1 "guest verified [0-9]+ pages after migration"
	check "and found no wrong page" ! log_has dest-busy1 "mismatch|guest_errors=[1-9]|device_errors=[1-9]"
	log_has dest-busy1 "guest verified" && peer_signal verified
fi
peer_done
ktap_finish
