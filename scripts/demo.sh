#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job, end to end: install what is needed, build livemig, boot two
# QEMU test hosts (each a KVM hypervisor with livemig.ko loaded) joined by
# a virtual network, and configure both for migrations with lmctl.
#
#   host "demo-a" 10.99.0.1 ---- virtual network ---- 10.99.0.2 host "demo-b"
#
# Each host is configured as an admin would (shared key, migration
# network, enable) and shows its settings; each then checks that the other
# accepts connections on its migration port. This grows into a live
# migration of a running VM from demo-a to demo-b.
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
echo "--- $(hostname): kernel $(uname -r), /dev/kvm: $(test -c /dev/kvm && echo yes || echo no)"
run lmctl version
run lmctl set auth psk key-file "$LM_BUILD/demo/psk"
run lmctl network add 10.99.0.0/24 priority 1
run lmctl enable
run lmctl show
peer_signal enabled
peer_wait enabled
# The peer resets the connection once accepted (no protocol on it yet).
if out=$( (exec 3<>"/dev/tcp/$LM_PEER/6600") 2>&1 ) || grep -q 'reset by peer' <<< "$out"; then
	echo "[$(hostname)] the peer $LM_PEER accepts connections on its migration port 6600"
else
	echo "[$(hostname)] the peer $LM_PEER does NOT listen on 6600"
	exit 1
fi
peer_done
JOB

echo "== booting two QEMU test hosts (TCG, nested KVM); this takes about a minute"
rc=0
selftests/qemu/pair.sh --timeout 300 demo "$job" "$job" || rc=$?
cat build/results/demo-a/job.out build/results/demo-b/job.out
if [ "$rc" = 0 ]; then
	echo "== done: both hosts run livemig, share a key and accept migrations from each other"
else
	echo "== failed (exit $rc): logs in build/results/demo-a and demo-b"
fi
exit "$rc"
