#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's life: the family answers, only admins of the initial user
# namespace may use it, every network namespace gets its own host state,
# and rmmod leaves nothing behind.
#
#   +---------------- test host (QEMU) -----------------+
#   | init netns        lm-a .. lm-t (netns, created    |
#   | lmctl <-genl->    and destroyed in a loop)        |
#   |        livemig.ko                                 |
#   +---------------------------------------------------+
set -u
. "$(dirname "$0")/ktap.sh"

ko=$LM_TOP/livemig.ko
nsnames=$(printf 'lm-%s ' {a..h})

cleanup() {
	for ns in $nsnames; do ip netns del "$ns" 2>/dev/null; done
	lsmod | grep -q '^livemig ' || insmod "$ko" 2>/dev/null
}
trap cleanup EXIT

refcnt() { cat /sys/module/livemig/refcnt 2>/dev/null || echo gone; }
no_lm_threads() { ! ps -eo comm= | grep -q '^livemig'; }
kernel_clean() { ! dmesg | grep -Eq 'WARNING:|BUG:|Oops|general protection|livemig.*(leak|refcount)'; }
slab_kmalloc() { awk '/^kmalloc-/ { n += $2 } END { print n }' /proc/slabinfo; }

ktap_plan 14

lsmod | grep -q '^livemig ' || insmod "$ko"

cmd_ok "lmctl version answers" lmctl version
cmd_fail "the family reports its versions" 0 \
	'"module":"[0-9]+\.[0-9]+\.[0-9]+","genl_version":1,"protocol":\{"min":1,"max":1\}' \
	lmctl -j version
cmd_fail "the family offers the events group" 0 'events' genl ctrl get name livemig
cmd_fail "a non-root user is refused" 1 'Operation not permitted' \
	setpriv --reuid=65534 --regid=65534 --clear-groups lmctl version
cmd_fail "root of a user namespace (a container) is refused" 1 'Operation not permitted' \
	unshare --user --map-root-user --net lmctl version

for ns in $nsnames; do ip netns add "$ns"; done
answered=0
for ns in $nsnames; do
	ip netns exec "$ns" lmctl version > /dev/null 2>&1 && answered=$((answered + 1))
done
check "each of 8 network namespaces has a host that answers ($answered/8)" [ "$answered" = 8 ]

slab_before=$(slab_kmalloc)
churned=0
for i in $(seq 8); do
	ip netns add lm-churn && ip netns exec lm-churn lmctl version > /dev/null &&
		ip netns del lm-churn && churned=$((churned + 1))
done
check "8 more namespaces created, used and destroyed" [ "$churned" = 8 ]
for ns in $nsnames; do ip netns del "$ns"; done

check "no module reference is held at rest (refcnt $(refcnt))" [ "$(refcnt)" = 0 ]
cmd_ok "rmmod livemig succeeds" rmmod livemig
check "the family is gone after rmmod" ! genl ctrl get name livemig
cmd_fail "lmctl says the module is not loaded" 1 'module is not loaded' lmctl version
check "no livemig thread is left" no_lm_threads
slab_after=$(slab_kmalloc)
echo "# kmalloc objects in use: $slab_before before the churn, $slab_after after rmmod"

cmd_ok "the module loads again" insmod "$ko"
check "the kernel logged no warning, bug or leak" kernel_clean

ktap_finish
