#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch --strict gate for every C source and header under kmod/ and
# uapi/, using checkpatch.pl from Debian's kernel source (build/linux-src/).
#
# stdout: one KTAP line per file, "ok N - checkpatch kmod/proto.c"
# build/results/checkpatch.log:  checkpatch's full report, file by file
# build/results/checkpatch.ktap: the same KTAP as stdout
#
# Exits non-zero if any file has an error, a warning or a check.

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
results="$repo/build/results"
log="$results/checkpatch.log"
ktap="$results/checkpatch.ktap"

# --no-tree: the files are not inside the kernel tree checkpatch belongs to.
# -f:        they are source files, not patches.
# No --ignore: every check applies to an out-of-tree module as well.
opts=(--strict --no-tree -f --show-types --no-summary-file --color=never)

die() {
	echo "checkpatch: $*" >&2
	exit 1
}

command -v perl >/dev/null || die "perl not found (apt-get install perl)"
tree=$("$repo/scripts/kernel-src.sh") || die "no kernel source tree"
checkpatch="$tree/scripts/checkpatch.pl"
[[ -f "$checkpatch" ]] || die "$checkpatch not found"

# Repository-relative paths, so the report names kmod/proto.c. Kbuild's
# generated *.mod.c files are not ours.
cd "$repo"
mapfile -t files < <(find kmod uapi -type f \( -name '*.c' -o -name '*.h' \) \
			  ! -name '*.mod.c' ! -name '.*' 2>/dev/null | LC_ALL=C sort)

mkdir -p "$results"
: >"$log"
: >"$ktap"

emit() {
	echo "$*"
	echo "$*" >>"$ktap"
}

emit "KTAP version 1"
emit "1..${#files[@]}"

n=0
failed=0
for f in "${files[@]}"; do
	n=$((n + 1))
	out=$(perl "$checkpatch" "${opts[@]}" "$f" 2>&1) && rc=0 || rc=$?
	{
		echo "==== $f"
		echo "$out"
		echo
	} >>"$log"

	if ((rc == 0)); then
		emit "ok $n - checkpatch $f"
	else
		failed=$((failed + 1))
		total=$(grep -m1 '^total:' <<<"$out" || echo "checkpatch exited $rc")
		emit "# $f: $total"
		emit "not ok $n - checkpatch $f"
	fi
done
emit "# checkpatch: $((n - failed)) clean, $failed with findings"

if ((failed)); then
	echo "checkpatch: $failed of $n files have findings; see ${log#"$repo"/}" >&2
	exit 1
fi
