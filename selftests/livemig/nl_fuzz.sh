#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Random and malformed generic netlink messages to the livemig family leave
# the kernel up and the host's settings as they were; an unprivileged user
# gets EPERM for everything; the module still unloads and loads.
#
#   +-------------------- test host (QEMU) ---------------------+
#   | init netns                          lm-fuzz (netns)       |
#   | nl_fuzz --malformed-only  <-genl->  nl_fuzz --mixed,      |
#   | nl_fuzz --expect-eperm    livemig   then deleted          |
#   |   (uid 65534)             .ko                             |
#   | nl_fuzz --mixed                                           |
#   | snapshots: lmctl -j show + nl_fuzz --dump-settings        |
#   | lm_vmm fuzzvm: a registered VM that must stay registered  |
#   +-----------------------------------------------------------+
#
# NL_FUZZ_SEED fixes the seed of every run (each run prints its seed).
set -u
. "$(dirname "$0")/ktap.sh"

ko=$LM_TOP/livemig.ko
ns=lm-fuzz
tmp=$(mktemp -d)
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
seed=(${NL_FUZZ_SEED:+-s "$NL_FUZZ_SEED"})

vmm_pid=
cleanup() {
	[ -n "$vmm_pid" ] && kill "$vmm_pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	lsmod | grep -q '^livemig ' || insmod "$ko" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Everything the kernel logs from here on is ours.
mark="nl_fuzz.sh: start $$ $(date +%s)"
echo "$mark" > /dev/kmsg
kernel_clean() {
	! dmesg | sed -n "/$mark/,\$p" |
		grep -Eq 'WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|refcount_t|list_(add|del) corruption|stack-protector|soft lockup|hung_task|livemig.*leak'
}
kernel_excerpt() {
	dmesg | sed -n "/$mark/,\$p" |
		grep -E -A20 'WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|refcount_t|corruption|stack-protector|soft lockup|hung_task' |
		head -60 | ktap_diag
}

# snapshot FILE: the host's settings as lmctl and SETTINGS_GET show them.
# Returns 4 when the module has no SETTINGS_GET yet.
snapshot() {
	local rc=0

	lmctl -j show > "$1" 2>&1 || return 1
	nl_fuzz --dump-settings >> "$1" 2> "$1.err" || rc=$?
	return $rc
}

# same_settings DESC BEFORE: a test point; the settings match BEFORE now.
same_settings() {
	local desc=$1 before=$2 rc=0

	snapshot "$tmp/after" || rc=$?
	if [ "$snap_rc" = 4 ]; then
		ktap_skip "$desc" "the module has no SETTINGS_GET yet ($(cat "$before.err"))"
	elif [ "$rc" = 0 ] && cmp -s "$before" "$tmp/after"; then
		ktap_ok "$desc"
	else
		ktap_not_ok "$desc"
		diff "$before" "$tmp/after" | ktap_diag
		cat "$tmp/after.err" 2>/dev/null | ktap_diag
	fi
}

# fuzz DESC LOG CMD...: a test point from one nl_fuzz run; its report is
# kept in LOG and shown as diagnostics.
fuzz() {
	local desc=$1 log=$2 rc=0
	shift 2

	"$@" > "$log" 2>&1 < /dev/null || rc=$?
	case $rc in
	0) ktap_ok "$desc" ;;
	4) ktap_skip "$desc" "$(tail -1 "$log")" ;;
	*) ktap_not_ok "$desc (exit $rc)" ;;
	esac
	sed 's/^\([^#]\)/# \1/' "$log"
}

kernel_answers() { lmctl version > /dev/null 2>&1; }

# vm_listed NAME: lmctl lists the VM, within a bounded wait.
vm_listed() {
	local i

	for i in $(seq 60); do
		lmctl -j vm list 2>/dev/null | grep -q "\"name\":\"$1\"" && return 0
		sleep 0.5
	done
	return 1
}

# vmm_clean_exit: the fuzzed-around VMM ends cleanly on SIGTERM, its guest
# having found nothing wrong in its memory.
vmm_clean_exit() {
	kill -TERM "$vmm_pid" && wait "$vmm_pid"
	local rc=$?

	vmm_pid=
	return $rc
}

if [ "$(id -u)" != 0 ] || ! command -v nl_fuzz > /dev/null; then
	ktap_plan 1
	ktap_skip "netlink fuzzing" "needs root and nl_fuzz on PATH"
	ktap_finish
fi

ktap_plan 18

lsmod | grep -q '^livemig ' || insmod "$ko"

snap_rc=0
snapshot "$tmp/before" || snap_rc=$?
if [ "$snap_rc" = 0 ] || [ "$snap_rc" = 4 ]; then
	ktap_ok "settings snapshot taken (SETTINGS_GET $([ "$snap_rc" = 0 ] && echo answers || echo 'not there yet'))"
else
	ktap_not_ok "settings snapshot taken"
	cat "$tmp/before" "$tmp/before.err" | ktap_diag
fi
head -1 "$tmp/before" | sed 's/^/settings at the start: /' | ktap_diag

# A registered VM must come through the fuzzing unharmed too: lmctl -j show
# lists it, so the snapshots compare it as well.
lm_vmm --name fuzzvm --mem 16 --idle > "$tmp/vmm.log" 2>&1 < /dev/null &
vmm_pid=$!
check "a VM (lm_vmm fuzzvm) is registered for the fuzzing" vm_listed fuzzvm
snapshot "$tmp/before-vm"

fuzz "3000 malformed messages: every one refused, settings unchanged after each" \
	"$tmp/malformed.log" nl_fuzz --malformed-only -n 3000 "${seed[@]}"
same_settings "the settings and registered VMs are byte-identical after the malformed run" \
	"$tmp/before-vm"
check "the kernel logged no warning, bug or oops" kernel_clean
cmd_ok "lmctl version still answers" lmctl version

# nobody may read the settings, so root compares them (from here on, so
# that a failure above is not counted twice)
snapshot "$tmp/before-eperm"
fuzz "as uid 65534: 1000 requests, none accepted, every command says EPERM" \
	"$tmp/eperm.log" "${nobody[@]}" nl_fuzz --expect-eperm -n 1000 "${seed[@]}"
same_settings "the settings and VMs are unchanged after the unprivileged run" "$tmp/before-eperm"
check "the VM's VMM ends cleanly, its guest memory intact" vmm_clean_exit

fuzz "2000 mixed messages (valid changes too): all answered, the malformed refused" \
	"$tmp/mixed.log" nl_fuzz --mixed -n 2000 "${seed[@]}"
check "the kernel answers after the mixed run" kernel_answers

ip netns add "$ns"
fuzz "500 mixed messages in a fresh network namespace" \
	"$tmp/netns.log" ip netns exec "$ns" nl_fuzz --mixed -n 500 "${seed[@]}"
check "the fuzzed namespace is deleted" ip netns del "$ns"
check "the kernel logged no warning, bug or oops after the mixed runs" kernel_clean

cmd_ok "rmmod livemig after the fuzzing" rmmod livemig
cmd_ok "insmod livemig.ko again" insmod "$ko"
same_settings "the reloaded module has the settings of the start" "$tmp/before"
check "the kernel logged no warning, bug or oops at unload and load" kernel_clean
kernel_clean || kernel_excerpt

ktap_finish
