#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job, end to end: install what is needed, build livemig, boot two
# QEMU test hosts (each a KVM hypervisor with livemig.ko loaded) joined by
# a virtual network, and show lmctl talking to the module on each.
#
#   host "demo-a" 10.99.0.1 ---- virtual network ---- 10.99.0.2 host "demo-b"
#
# Today this shows the foundation; it grows into a live migration of a
# running VM from demo-a to demo-b.
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
cat > "$job" <<'JOB'
echo "--- $(hostname): kernel $(uname -r), /dev/kvm: $(test -c /dev/kvm && echo yes || echo no)"
echo "\$ lmctl"
lmctl
echo "\$ lmctl -j version"
lmctl -j version
for i in $(seq 60); do ping -c1 -W1 "$LM_PEER" > /dev/null 2>&1 && break; done
echo "\$ ping $LM_PEER"
ping -c 2 "$LM_PEER" | sed -n '2,3p'
JOB

echo "== booting two QEMU test hosts (TCG, nested KVM); this takes about a minute"
rc=0
selftests/qemu/pair.sh --timeout 300 demo "$job" "$job" || rc=$?
cat build/results/demo-a/job.out build/results/demo-b/job.out
if [ "$rc" = 0 ]; then
	echo "== done: both hosts run livemig and see each other"
else
	echo "== failed (exit $rc): logs in build/results/demo-a and demo-b"
fi
exit "$rc"
