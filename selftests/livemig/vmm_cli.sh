#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lm_vmm, the command-line test VMM: it runs the test guest, registers the
# VM with livemig for as long as it lives, reports once a second, and ends
# cleanly on SIGTERM; its test device writes guest RAM from userspace; an
# idle guest and a rate-limited guest behave as asked; a guest with random
# fill and zeroed pages checks them whole, and its description says so.
# As a migration's destination (--incoming) it builds the machine its
# description names, or refuses a description it cannot read; migrations
# themselves (and --pause-burst, --mem-digest) are tested where there are
# two hosts.  Bad values of every option are usage errors.
#
#   +------------------------ test host (QEMU) -------------------------+
#   |  lm_vmm web1 (64 MiB) --+                                         |
#   |  lm_vmm web1 (again) ---+-- VM_ADD --> livemig.ko <-- lmctl vm list
#   |  lm_vmm dev1 + device --+      (one registry)                      |
#   |  lm_vmm idle1 (256 MiB)-+                                         |
#   |  lm_vmm rnd1 --fill random --zero-pages 100 (not registered)      |
#   |  lm_vmm --incoming (dev1's, rnd1's description, a broken one)     |
#   |     + migration id / MIG_REFUSE: no such migration, refused       |
#   |     each: KVM VM (nested SVM), 1 vCPU, the multiboot test guest    |
#   +-------------------------------------------------------------------+
#
# Sizes are kept small: under nested TCG a guest's first pass over its RAM
# (first touch) runs at 20-50 MiB/s, a dirty-logged pass at some 85.
set -u
. "$(dirname "$0")/ktap.sh"

tmp=$(mktemp -d)
pids=

cleanup() {
	local p
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME ARGS...: lm_vmm in the background, output in $tmp/NAME.out;
# its pid in $started.
start() {
	local name=$1
	shift
	lm_vmm --name "$name" "$@" > "$tmp/$name.out" 2>&1 &
	started=$!
	pids="$pids $started"
}

# stop PID: SIGTERM, then its exit code in $stopped.
stop() {
	stopped=0
	kill -TERM "$1"
	wait "$1" || stopped=$?
	pids=$(echo "$pids" | sed "s/ $1\b//")
}

# listed NAME BYTES PID: lmctl's stable JSON shows that VM, that size, owner.
listed() {
	lmctl -j vm list | grep -q "\"name\":\"$1\",\"pid\":$3,\"memory\":$2,"
}
unlisted() { ! lmctl -j vm list | grep -q "\"name\":\"$1\""; }

# field FILE KEY [LINE]: KEY's value on the last status line (or the end
# line with LINE=end).
field() {
	local re='^t='
	[ "${3:-}" = end ] && re='^end t='
	grep "$re" "$1" | tail -1 | sed -n "s/.* $2=\([0-9.]*\).*/\1/p"
}
lines() { grep -c '^t=' "$1"; }
at_least() { [ "$(field "$1" "$2")" -ge "$3" ] 2>/dev/null; }
all_clean() { ! grep -E '^(t|end t)=' "$1" | grep -vq ' guest_errors=0 '; }
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; } 2>/dev/null
kernel_clean() { ! dmesg | grep -Eq 'WARNING:|BUG:|Oops|general protection'; }
show() { sed "s/^/$1: /" "$tmp/$1.out" | ktap_diag; }

ktap_plan 28

if [ ! -e /dev/kvm ] || ! command -v lm_vmm > /dev/null || ! lmctl version > /dev/null 2>&1; then
	for i in $(seq 28); do ktap_skip "lm_vmm case $i" "needs /dev/kvm, lm_vmm and livemig"; done
	ktap_finish
fi

# --- web1: registered while it runs, refused twice, gone after SIGTERM ---
start web1 --mem 64 --seconds 20
web1=$started
check "lm_vmm web1 --mem 64 is listed by lmctl with 67108864 bytes and its pid" \
	wait_for 10 listed web1 67108864 "$web1"
cmd_fail "a second lm_vmm named web1 fails with the kernel's sentence" 1 \
	'registering VM web1: .*already registered' lm_vmm --name web1 --mem 8 --seconds 2
wait_for 30 at_least "$tmp/web1.out" passes 2
wait_for 5 eval '[ "$(lines "$tmp/web1.out")" -ge 4 ]'
first=$(grep '^t=' "$tmp/web1.out" | head -1 | sed -n 's/.* passes=\([0-9]*\).*/\1/p')
last=$(field "$tmp/web1.out" passes)
check "web1's status lines show the pass count increasing (${first:-?} -> ${last:-?})" \
	eval '[ "${first:-x}" -lt "${last:-0}" ]'
check "web1's guest reports no error on any status line" all_clean "$tmp/web1.out"
stop "$web1"
check "SIGTERM ends web1 with exit 0 and a final line" \
	eval '[ "$stopped" = 0 ] && grep -q "^end reason=SIGTERM exit=0" "$tmp/web1.out"'
check "web1 leaves the VM list" wait_for 5 unlisted web1
show web1

# --- usage and --no-register ---
cmd_fail "lm_vmm without --name is a usage error (exit 2)" 2 'name is required' \
	lm_vmm --mem 64
start free1 --mem 8 --no-register --seconds 2
free1=$started
sleep 1
check "lm_vmm --no-register runs without appearing in the VM list" \
	eval 'unlisted free1 && wait "$free1"'
pids=$(echo "$pids" | sed "s/ $free1\b//")

# --- dev1: the test device writes guest RAM, dirty logging on, ring full ---
vrc=0
lm_vmm --name dev1 --mem 32 --device-writes 500 --dirty-log --seconds 6 \
	--config-out "$tmp/dev1.conf" > "$tmp/dev1.out" 2>&1 || vrc=$?
dw=$(field "$tmp/dev1.out" device_writes end)
check "--device-writes 500 for 6 s: $dw device writes, no device or guest error, exit $vrc" \
	eval '[ "$vrc" = 0 ] && in_range "${dw:-0}" 1500 4000 &&
	      [ "$(field "$tmp/dev1.out" device_errors end)" = 0 ] && all_clean "$tmp/dev1.out"'
rf=$(field "$tmp/dev1.out" ring_full end)
check "with dirty logging on, lm_vmm empties its full dirty ring itself ($rf times) and the guest runs on" \
	eval 'at_least "$tmp/dev1.out" ring_full 1 && at_least "$tmp/dev1.out" passes 1'
check "--config-out holds the machine description (mem, guest, device area)" \
	eval 'grep -qx "mem=33554432" "$tmp/dev1.conf" && grep -q "^guest=/.*livemig-guest.elf$" "$tmp/dev1.conf" &&
	      grep -qx "device.pages=256" "$tmp/dev1.conf" && grep -qx "irqchip=split" "$tmp/dev1.conf"'
show dev1

# --- --incoming: the destination side, without a migration to attach to ---
cmd_fail "lm_vmm --incoming with --mem is a usage error (exit 2)" 2 'machine is the source' \
	env LIVEMIG_MIG_ID=999 LIVEMIG_VM_NAME=dst1 lm_vmm --incoming --mem 64
vrc=0
# (timeout: a module that took the VM as attached would leave it waiting)
LIVEMIG_MIG_ID=999 LIVEMIG_VM_NAME=dst1 timeout 60 lm_vmm --incoming 3< "$tmp/dev1.conf" \
	> "$tmp/dst1.out" 2>&1 || vrc=$?
check "lm_vmm --incoming builds dev1's machine from its description and asks to attach it to migration 999 (exit $vrc)" \
	eval '[ "$vrc" = 1 ] && grep -q "attaching VM dst1 to incoming migration 999: ..*" "$tmp/dst1.out" &&
	      ! grep -q refusing "$tmp/dst1.out"'
show dst1
sed 's/^mem=.*/mem=lots/' "$tmp/dev1.conf" > "$tmp/bad.conf"
vrc=0
timeout 60 lm_vmm --incoming --mig-id 999 --name dst2 --config-fd 4 4< "$tmp/bad.conf" \
	> "$tmp/dst2.out" 2>&1 || vrc=$?
check "a malformed machine description is refused with the line and the reason (exit $vrc)" \
	eval '[ "$vrc" = 1 ] && grep -q "refusing incoming migration 999: the machine description is malformed: line 2: mem=lots is not a number" "$tmp/dst2.out"'
show dst2

# --- test aids: bad values are usage errors ---
cmd_fail "--fill blue is a usage error (exit 2)" 2 "--fill wants pattern or random, not 'blue'" \
	lm_vmm --name x --mem 16 --fill blue
cmd_fail "--zero-pages with --idle is a usage error (exit 2)" 2 'exclude each other' \
	lm_vmm --name x --mem 16 --idle --zero-pages 10
cmd_fail "--zero-pages above the guest's 3584 pages of 16 MiB is a usage error (exit 2)" 2 \
	'--zero-pages 3585: the guest has only 3584 pages' lm_vmm --name x --mem 16 --zero-pages 3585
cmd_fail "--pause-burst 0 is a usage error (exit 2)" 2 '--pause-burst wants a number from 1 to 5000' \
	lm_vmm --name x --mem 16 --pause-burst 0
cmd_fail "--mem-digest without a file name is a usage error (exit 2)" 2 '--mem-digest wants a file name' \
	lm_vmm --name x --mem 16 --mem-digest ''
cmd_fail "--fill with --incoming is a usage error: the fill is the source's (exit 2)" 2 \
	'--fill and --zero-pages do not apply' lm_vmm --incoming --mig-id 9 --name x --fill random

# --- rnd1: pages of pseudo-random data checked whole, some zeroed ---
vrc=0
lm_vmm --name rnd1 --mem 16 --fill random --zero-pages 100 --seconds 6 --no-register \
	--config-out "$tmp/rnd1.conf" > "$tmp/rnd1.out" 2>&1 || vrc=$?
check "--fill random --zero-pages 100: $(field "$tmp/rnd1.out" passes end) passes, each page checked whole (zeroed ones from pass 3), no error, exit $vrc" \
	eval '[ "$vrc" = 0 ] && [ "$(field "$tmp/rnd1.out" passes end)" -ge 3 ] &&
	      all_clean "$tmp/rnd1.out" && grep -q "guest \"pages=3584 fill=random zero=100\"" "$tmp/rnd1.out"'
check "rnd1's description carries its fill and zeroed pages" \
	eval 'grep -qx "guest.fill=random" "$tmp/rnd1.conf" && grep -qx "guest.zero_pages=100" "$tmp/rnd1.conf" &&
	      grep -qx "guest.cmdline=pages=3584 fill=random zero=100" "$tmp/rnd1.conf"'
show rnd1
vrc=0
timeout 60 lm_vmm --incoming --mig-id 999 --name dst3 --config-fd 4 4< "$tmp/rnd1.conf" \
	> "$tmp/dst3.out" 2>&1 || vrc=$?
check "lm_vmm --incoming builds rnd1's machine, fill and zeroed pages included, and asks to attach it (exit $vrc)" \
	eval '[ "$vrc" = 1 ] && grep -q "attaching VM dst3 to incoming migration 999: ..*" "$tmp/dst3.out" &&
	      ! grep -q refusing "$tmp/dst3.out"'
show dst3

# --- idle1: 256 MiB, pattern written once, then only checked ---
start idle1 --mem 256 --idle --seconds 60
idle1=$started
check "lm_vmm idle1 --mem 256 --idle is listed with 268435456 bytes" \
	wait_for 10 listed idle1 268435456 "$idle1"
wait_for 45 at_least "$tmp/idle1.out" checks 2
check "the idle guest wrote its pattern once and keeps checking it (passes $(field "$tmp/idle1.out" passes), checks $(field "$tmp/idle1.out" checks))" \
	eval '[ "$(field "$tmp/idle1.out" passes)" = 1 ] && at_least "$tmp/idle1.out" checks 2 &&
	      all_clean "$tmp/idle1.out"'
stop "$idle1"
check "SIGTERM ends idle1 with exit 0" eval '[ "$stopped" = 0 ]'
show idle1

# --- rate1: a guest held to about 1000 pages per second ---
vrc=0
lm_vmm --name rate1 --mem 16 --rate 1000 --seconds 4 > "$tmp/rate1.out" 2>&1 || vrc=$?
ps=$(field "$tmp/rate1.out" pages_s)
check "--rate 1000: the guest writes $ps pages per second (wanted 300..3000), exit $vrc" \
	eval '[ "$vrc" = 0 ] && in_range "${ps:-0}" 300 3000'
show rate1

check "the kernel logged no warning or bug" kernel_clean

ktap_finish
