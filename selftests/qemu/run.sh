#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one QEMU test host and run a job script in it.
#
#   build machine                       QEMU test host (TCG, -cpu max)
#   /  --------- virtio-9p, ro ------>  /  (root; kvm_amd, livemig.ko)
#   build/results/NAME -- 9p, rw ---->  same path: job.sh, job.out, ...
#   127.0.0.1:PORT <- -netdev socket -> eth0 (only with --net)
#
# Usage: run.sh [options] NAME JOB
#   --mem MB          guest memory (default 2048)
#   --smp N           guest vCPUs (default 2)
#   --timeout S       kill the guest after S seconds (default 600)
#   --net listen:PORT | connect:PORT
#                     join another test host over a socket on 127.0.0.1
#   --addr CIDR       address of eth0 (with --net)
#   --hostname NAME   the host's name (default NAME)
#   --no-module       do not load livemig.ko
#   --module PATH     load this build of livemig.ko instead (the test build
#                     with fault points, build/fault/livemig.ko)
#   --tcg-thread single|multi
#                     TCG threading (default single: the vCPUs take turns on
#                     one host thread; see below)
#   --append ARGS     more kernel command line (debug options, e.g.
#                     "page_poison=1 slub_debug=FZPU")
#
# The job runs as root with PATH holding lmctl and the selftest programs and
# LM_TOP, LM_BUILD, LM_RESULTS set. Everything is kept in build/results/NAME:
# serial.log (the console), setup.log, job.out, dmesg.log, exit-code.
# Exit status: the job's; 124 when the guest hung and was killed; 125 when
# the host could not be set up (log kept either way).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

mem=2048 smp=2 tmo=600 net= addr= hostname= module=1 modpath= append= tcgthread=single
usage() {
	sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--net) net=$2; shift 2 ;;
	--addr) addr=$2; shift 2 ;;
	--hostname) hostname=$2; shift 2 ;;
	--no-module) module=0; shift ;;
	--module) modpath=$(realpath "$2"); shift 2 ;;
	--append) append=$2; shift 2 ;;
	--tcg-thread) tcgthread=$2; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || usage
name=$1 job=$2
hostname=${hostname:-$name}

kver=$("$top/scripts/kver.sh")
res=$top/build/results/$name
initrd=$top/build/qemu/initramfs-$kver.cpio.gz

mkdir -p "$top/build/qemu"
# Test hosts start side by side: one builds the initramfs, the others wait.
(
	flock 9
	if [ ! -e "$initrd" ] || [ "$here/initramfs-init" -nt "$initrd" ] ||
	   [ "$here/mkinitramfs.sh" -nt "$initrd" ]; then
		"$here/mkinitramfs.sh" "$kver" "$initrd"
	fi
) 9> "$top/build/qemu/initramfs.lock"

rm -rf "$res"
mkdir -p "$res"
cp "$job" "$res/job.sh"

cmdline="console=ttyS0 panic=-1 oops=panic loglevel=6 lm.init=$here/guest-init.sh"
cmdline+=" lm.results=$res lm.hostname=$hostname"
[ -n "$addr" ] && cmdline+=" lm.addr=$addr"
[ "$module" = 1 ] || cmdline+=" lm.nomodule"
[ -n "$modpath" ] && cmdline+=" lm.module=$modpath"
[ -n "$append" ] && cmdline+=" $append"

netargs=(-nic none)
case "$net" in
"") ;;
listen:*|connect:*)
	# Two hosts on one segment need distinct MACs: take the last byte
	# from the host's address.
	lastbyte=${addr%/*}
	lastbyte=${lastbyte##*[.:]}
	netargs=(-netdev "socket,id=n0,${net%%:*}=127.0.0.1:${net#*:}"
		 -device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:$(printf %02x "$((10#${lastbyte:-0} % 256))")")
	;;
*) echo "run.sh: --net wants listen:PORT or connect:PORT" >&2; exit 2 ;;
esac

# Single-threaded TCG by default: with one host thread per vCPU, this
# QEMU (7.2) running KVM guests inside the test host (nested SVM) corrupted
# the test host's memory now and then, with or without livemig loaded:
# fresh guests triple-faulted and kernel stacks were overwritten
# ("corrupted stack end detected"). Single-threaded, it never did.
rc=0
timeout --kill-after=10 "$tmo" qemu-system-x86_64 \
	-machine q35 -accel "tcg,thread=$tcgthread" -cpu max -smp "$smp" -m "$mem" \
	-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" -append "$cmdline" \
	-no-reboot -display none -monitor none -serial "file:$res/serial.log" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=root \
	-fsdev "local,id=results,path=$res,security_model=none" \
	-device virtio-9p-pci,fsdev=results,mount_tag=results \
	"${netargs[@]}" || rc=$?

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "run.sh: $name: the test host did not finish within ${tmo}s and was killed; see $res/serial.log" >&2
	exit 124
fi
if [ ! -s "$res/exit-code" ]; then
	echo "run.sh: $name: the test host stopped without a result (qemu exit $rc); see $res/serial.log" >&2
	exit 125
fi
exit "$(cat "$res/exit-code")"
