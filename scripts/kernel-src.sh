#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure Debian's kernel source tree is unpacked in build/linux-src/ and
# print its path on stdout (everything else goes to stderr).
#
# The tarball comes from the installed linux-source-X.Y package, found
# through the linux-source meta-package, so nothing here names a kernel
# version. The tree is unpacked into a temporary directory and renamed into
# place only once complete, with a stamp naming the package version, so an
# interrupted unpack is never mistaken for a tree and a package upgrade
# brings a fresh one. A second run with the stamp in place costs nothing.
#
# Environment:
#   LIVEMIG_KERNEL_TARBALL  use this tarball instead of the packaged one

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build"
tree="$build/linux-src"
stamp="$tree/.livemig-unpacked"

die() {
	echo "kernel-src: $*" >&2
	exit 1
}

# Name of the installed linux-source-X.Y package, preferring the one the
# linux-source meta-package points at.
source_pkg() {
	local pkg

	pkg=$(dpkg-query -W -f='${Depends}' linux-source 2>/dev/null |
	      grep -o 'linux-source-[0-9][0-9.]*' | head -n1) || true
	if [[ -z "$pkg" ]]; then
		pkg=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
			'linux-source-[0-9]*' 2>/dev/null |
		      awk '$1 == "ii" { print $2 }' | sort -V | tail -n1) || true
	fi
	[[ -n "$pkg" ]] || die "no linux-source-X.Y package installed (apt-get install linux-source)"
	echo "$pkg"
}

find_tarball() {
	local pkg=$1 t

	for t in /usr/src/linux-source-*.tar.xz; do
		[[ -e "$t" ]] || continue
		if [[ "$(basename "$t")" == "$pkg.tar.xz" ]]; then
			echo "$t"
			return
		fi
	done
	die "$pkg is installed but /usr/src/$pkg.tar.xz is missing (reinstall $pkg)"
}

if [[ -n "${LIVEMIG_KERNEL_TARBALL:-}" ]]; then
	tarball=$LIVEMIG_KERNEL_TARBALL
	[[ -f "$tarball" ]] || die "LIVEMIG_KERNEL_TARBALL=$tarball: no such file"
	want="tarball $(readlink -f "$tarball") $(stat -c '%s %Y' "$tarball")"
else
	pkg=$(source_pkg)
	tarball=$(find_tarball "$pkg")
	want="$pkg $(dpkg-query -W -f='${Version}' "$pkg")"
fi

# Fast path, no lock needed: a stamped tree never changes under us.
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$build"
# Serialise concurrent callers (kunit.sh and checkpatch.sh in parallel).
exec 9>"$build/.linux-src.lock"
flock 9

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "$tree"
	exit 0
fi

# Leftovers of an interrupted run or an outdated tree; we hold the lock.
rm -rf "$build"/.linux-src.tmp.* "$build/.linux-src.old"
if [[ -e "$tree" ]]; then
	echo "kernel-src: replacing $tree (stamp: $(cat "$stamp" 2>/dev/null || echo none), want: $want)" >&2
	mv "$tree" "$build/.linux-src.old"
	rm -rf "$build/.linux-src.old"
fi

command -v xz >/dev/null || die "xz not found (apt-get install xz-utils)"
tmp=$(mktemp -d "$build/.linux-src.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "kernel-src: unpacking $tarball into $tree" >&2
tar -xJf "$tarball" -C "$tmp" --strip-components=1 ||
	die "unpacking $tarball failed"
[[ -f "$tmp/Makefile" && -d "$tmp/tools/testing/kunit" ]] ||
	die "$tarball does not look like a kernel source tree"

echo "$want" >"$tmp/.livemig-unpacked"
mv "$tmp" "$tree"
trap - EXIT

echo "$tree"
