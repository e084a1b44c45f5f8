#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job, end to end: install what is needed, build livemig, boot two
# QEMU test hosts (each a KVM hypervisor with livemig.ko loaded) joined by
# a virtual network, configure both with lmctl and move a running VM.
#
#   host "demo-a" 10.99.0.1 ---- virtual network ---- 10.99.0.2 host "demo-b"
#
# Each host is configured as an admin would (shared key, migration
# network, enable). demo-a runs a VM (the test VMM and its self-checking
# guest); demo-b runs the agent that starts a VMM for incoming migrations;
# demo-a moves the VM live with lmctl move (progress bar), and demo-b shows
# the guest running there and verifying its own memory.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "${LM_SKIP_SETUP:-0}" != 1 ]; then
	echo "== installing Debian packages (scripts/setup.sh)"
	scripts/setup.sh > /tmp/livemig-setup.log 2>&1 ||
		{ tail -20 /tmp/livemig-setup.log; exit 1; }
fi

echo "== building livemig.ko, lmctl and the test programs"
make -s all > /tmp/livemig-build.log 2>&1 || { tail -30 /tmp/livemig-build.log; exit 1; }

job=$(mktemp)
trap 'rm -f "$job"' EXIT
# Both hosts share one key, made here the way an admin would.
mkdir -p build/demo
(umask 077 && build/lmctl/lmctl genkey > build/demo/psk)
cat > "$job" <<'JOB'
. "$LM_TOP/selftests/livemig/peer.sh"
peer_serve
run() { echo "[$(hostname)]# $*"; "$@"; }
wait_for() { local i; for i in $(seq "$1"); do eval "$2" && return 0; sleep 1; done; return 1; }
echo "--- $(hostname): kernel $(uname -r), /dev/kvm: $(test -c /dev/kvm && echo yes || echo no)"
run lmctl set host-name "$(hostname)"
run lmctl set auth psk key-file "$LM_BUILD/demo/psk"
run lmctl network add 10.99.0.0/24 priority 1
run lmctl enable
run lmctl show
if [ "$LM_PEER" = 10.99.0.2 ]; then
	# demo-a: a running VM (128 MiB, its guest writing 500 pages a second)
	echo "[$(hostname)]# lm_vmm --name web1 --mem 128 --rate 500 &"
	lm_vmm --name web1 --mem 128 --rate 500 > "$LM_RESULTS/vmm.log" 2>&1 &
	wait_for 120 'lmctl vm list | grep -q "^web1 "' || { cat "$LM_RESULTS/vmm.log"; exit 1; }
	wait_for 120 'grep -q "passes=[1-9]" "$LM_RESULTS/vmm.log"'
	run lmctl vm list
	echo "[$(hostname)] the guest runs: $(tail -1 "$LM_RESULTS/vmm.log")"
	peer_wait agent 300 || { echo "demo-b never got ready"; exit 1; }
	# A terminal for lmctl, so it draws its progress bar.
	echo "[$(hostname)]# lmctl move web1 10.99.0.2"
	script -qfec "lmctl move web1 10.99.0.2" /dev/null
	rc=$?
	echo
	run lmctl list
	echo "[$(hostname)] the VMM here: $(grep -E 'COMPLETED|end reason' "$LM_RESULTS/vmm.log" | tr '\n' ' ')"
	peer_signal moved
	peer_wait verified 120 || rc=1
else
	# demo-b: the agent starts a VMM for each incoming migration
	echo "[$(hostname)]# lmctl agent --exec lm_vmm --incoming --seconds 15 &"
	lmctl agent --exec lm_vmm --incoming --seconds 15 > "$LM_RESULTS/agent.log" 2>&1 &
	sleep 1
	peer_signal agent
	peer_wait moved 600 || { echo "demo-a never moved its VM"; exit 1; }
	rc=1
	wait_for 60 'grep -q "guest verified" "$LM_RESULTS/agent.log"' && rc=0
	run lmctl vm list
	run lmctl list
	echo "[$(hostname)] the VM's VMM here (started by the agent):"
	grep -E "incoming|LOAD|RUN|verified|^t=" "$LM_RESULTS/agent.log" | head -12 | sed 's/^/    /'
	[ "$rc" = 0 ] && peer_signal verified
fi
peer_done
exit $rc
JOB

echo "== booting two QEMU test hosts (TCG, nested KVM), then moving a running VM"
echo "   from demo-a to demo-b; a few minutes on 2 cores"
rc=0
rm -rf build/results/demo-a build/results/demo-b
selftests/qemu/pair.sh --mem 1536 --timeout 900 demo "$job" "$job" &
pair=$!
# Follow demo-a as it happens (its move draws a progress bar).
tail -F -n +1 build/results/demo-a/job.out 2> /dev/null &
follow=$!
wait "$pair" || rc=$?
sleep 1
kill "$follow" 2> /dev/null || true
cat build/results/demo-b/job.out
if [ "$rc" = 0 ]; then
	echo "== done: web1 moved live from demo-a to demo-b; its guest verified its memory there and runs on"
else
	echo "== failed (exit $rc): logs in build/results/demo-a and demo-b"
fi
exit "$rc"
