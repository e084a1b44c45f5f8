#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the small initramfs that boots a QEMU test host: busybox, the
# modules needed to reach the build machine's root over virtio-9p, and an
# /init that switches to that root (read-only) and runs guest-init.sh.
#
# Usage: mkinitramfs.sh KVER OUT.cpio.gz
set -euo pipefail

kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)

busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" | grep -q 'statically linked'; then
	echo "mkinitramfs: a static busybox is needed (apt-get install busybox-static)" >&2
	exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$busybox" "$stage/bin/busybox"

# Modules in load order, each once: virtio-pci for the devices, 9p for the
# root share, virtio-net for the two-guest network.
for m in virtio_pci 9pnet_virtio 9p virtio_net; do
	modprobe -S "$kver" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' > "$stage/modules.list"
while read -r ko; do
	cp "$ko" "$stage/lib/modules/"
done < "$stage/modules.list"
sed -i 's#.*/##' "$stage/modules.list"

install -m 0755 "$here/initramfs-init" "$stage/init"

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
