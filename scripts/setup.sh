#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what livemig needs to build and to be tested on Debian 12
# (bookworm): the kernel image, its headers and its source (one apt call,
# so the three match), QEMU to boot test hosts, libnl for lmctl, and the
# tools the tests call. Safe to run again.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (it installs Debian packages)" >&2
	exit 1
fi

packages=(
	# kernel to build against and to boot in the test hosts, and its source
	# for KUnit (UML) and checkpatch
	linux-image-amd64 linux-headers-amd64 linux-source
	# build: module, lmctl, test VMM and guest, UML kernel
	build-essential gcc make binutils bc flex bison libelf-dev libssl-dev
	pkg-config libnl-3-dev libnl-genl-3-dev sparse perl python3 python3-yaml
	xz-utils
	# the wire fuzzer: clang's libFuzzer and sanitizer runtimes (only
	# recommended by clang), xxHash for the kernel's xxh64
	clang libclang-rt-dev libxxhash-dev
	# test hosts: QEMU and the initramfs
	qemu-system-x86 busybox-static cpio gzip file kmod
	# tools the selftests run inside the test hosts
	iproute2 iputils-ping util-linux procps coreutils
	# make bench: raw TCP throughput of the same link
	iperf3
	# systemd-analyze verifies lmctl's unit
	systemd
)

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
