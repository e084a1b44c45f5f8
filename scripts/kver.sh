#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the version of the newest installed Debian kernel image that also
# has its headers installed: the kernel livemig is built for and tested on.
# Never hard-coded: images and headers are installed together, in one apt
# call, so they match.
set -euo pipefail

best=""
for img in /boot/vmlinuz-*; do
	[ -e "$img" ] || continue
	v=${img#/boot/vmlinuz-}
	[ -e "/lib/modules/$v/build/Makefile" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n1)
done
if [ -z "$best" ]; then
	echo "kver.sh: no kernel image with matching headers; run scripts/setup.sh" >&2
	exit 1
fi
echo "$best"
