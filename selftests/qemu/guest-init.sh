#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of a QEMU test host, running on the build machine's root (read-only
# 9p). Makes the writable places, mounts the results share over the very
# path it has on the build machine, loads kvm_amd and livemig, sets up the
# network and runs the job script the harness left in the results folder.
# The job's exit code is written next to it; then the machine powers off.
#
# Kernel command line: lm.init=THIS lm.results=DIR [lm.hostname=NAME]
#                      [lm.addr=CIDR] [lm.nomodule] [lm.module=PATH]

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb

results= hostname=lmhost addr= load_module=1 module=

# The repository is two levels above this script, at the same path as on
# the build machine.
top=$(cd "$(dirname "$0")/../.." && pwd)

mount -t proc proc /proc
mount -t sysfs sys /sys
# A second view of the read-only root, for what the tmpfs mounts hide.
mount --bind / /mnt
for d in /tmp /run /var/tmp /var/log /root; do
	mount -t tmpfs -o mode=1777 tmpfs "$d"
	# A checkout under /tmp (CI clones anywhere) must stay visible.
	case "$top/" in
	"$d"/*)
		mkdir -p "$top"
		mount --bind "/mnt$top" "$top"
		;;
	esac
done
chmod 0700 /root
mkdir -p /run/netns /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t configfs configfs /sys/kernel/config 2>/dev/null

for arg in $(cat /proc/cmdline); do
	case "$arg" in
	lm.results=*) results=${arg#lm.results=} ;;
	lm.hostname=*) hostname=${arg#lm.hostname=} ;;
	lm.addr=*) addr=${arg#lm.addr=} ;;
	lm.nomodule) load_module=0 ;;
	lm.module=*) module=${arg#lm.module=} ;;
	esac
done

poweroff_now() {
	sync
	[ -n "$results" ] && umount "$results" 2>/dev/null
	echo o > /proc/sysrq-trigger
	sleep 30
}

if [ -z "$results" ] ||
   ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "$results"; then
	echo "guest-init: cannot mount the results share at '$results'"
	poweroff_now
fi

hostname "$hostname"
ip link set lo up

setup() {
	local top=$1

	modprobe kvm_amd || { echo "guest-init: modprobe kvm_amd failed"; return 1; }
	[ -c /dev/kvm ] || { echo "guest-init: no /dev/kvm after kvm_amd"; return 1; }
	if [ "$load_module" = 1 ]; then
		# insmod resolves no dependencies: load what livemig.ko uses first.
		modprobe -a tls lz4_compress lz4_decompress ||
			{ echo "guest-init: modprobe of livemig's dependencies failed"; return 1; }
		insmod "${module:-$top/livemig.ko}" ||
			{ echo "guest-init: insmod ${module:-livemig.ko} failed"; return 1; }
	fi
	if [ -n "$addr" ]; then
		modprobe virtio_net
		ip link set eth0 up || return 1
		ip addr add "$addr" dev eth0 || return 1
	fi
}

export LM_TOP=$top LM_BUILD=$top/build LM_RESULTS=$results
export PATH=$top/build/lmctl:$top/build/selftests:$top/selftests/qemu:$PATH

if setup "$top" > "$results/setup.log" 2>&1; then
	cd "$results" && bash "$results/job.sh" > "$results/job.out" 2>&1
	echo $? > "$results/exit-code"
else
	cat "$results/setup.log"
	echo 125 > "$results/exit-code"
fi
dmesg > "$results/dmesg.log"
poweroff_now
