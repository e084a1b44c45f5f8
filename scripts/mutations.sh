#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-mutations: proof that the tests can fail. Each patch in
# selftests/mutations/ plants one deliberate bug (its header says which and
# names the tests that must catch it: move, kunit, fuzz). For each, a copy
# of the tree gets the patch, the named tests run against it, and the
# mutation passes only if every one of them turns red. The tree itself is
# never touched.
#
#   move   selftests/livemig/move.sh in a QEMU test host, with the mutated
#          livemig.ko (about 8 minutes)
#   faults selftests/livemig/faults.sh, with the mutated test build
#          (about 10 minutes)
#   kunit  the KUnit suites under UML, on the mutated sources (the UML
#          build is copied from build/kunit: run make check first)
#   fuzz   the wire fuzzer (selftests/fuzz) on the mutated decoders
#
# Usage: mutations.sh [NAME...]   (default: every patch)
# Logs in build/mutations/NAME/; ends with "N passed, N failed" where a
# pass is a mutation the suite caught.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=$top/build/mutations
res=$out/results
kver=$(scripts/kver.sh)
kdir=/lib/modules/$kver/build

names=("$@")
if [ ${#names[@]} = 0 ]; then
	for p in selftests/mutations/*.patch; do
		names+=("$(basename "$p" .patch)")
	done
fi
rm -rf "$res"
mkdir -p "$res"
make -s lmctl selftests > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }

# copy DIR: the tracked files of the tree, as they are now, into DIR.
copy() {
	rm -rf "$1"
	mkdir -p "$1"
	git ls-files -z | xargs -0 cp --parents -p -t "$1"
}

# in_qemu DIR TEST MEM TIMEOUT [MAKE_ARGS...]: build DIR's module (with
# MAKE_ARGS) and run selftests/livemig/TEST.sh with it in a test host.
in_qemu() {
	local d=$1 t=$2 mem=$3 timeout=$4

	shift 4
	make -s -C "$kdir" M="$d" "$@" modules > "$d/module.log" 2>&1 || return 2
	printf 'ktap-run.sh --timeout %s "$LM_TOP/selftests/livemig/%s.sh" > "$LM_RESULTS/selftests.ktap"\n' \
		"$timeout" "$t" > "$d/$t-job.sh"
	selftests/qemu/run.sh --mem "$mem" --timeout $((timeout + 300)) --module "$d/livemig.ko" \
		"mutation-$name" "$d/$t-job.sh" > "$d/$t.log" 2>&1
	cp build/results/"mutation-$name"/selftests.ktap "$d/$t.ktap" 2>/dev/null
}

# red TEST DIR: run one test on the mutated tree in DIR. 0 if it ran and
# failed (a "not ok" in its KTAP), 1 if it passed, 2 if it could not run.
red() {
	local t=$1 d=$2 ktap=$2/$1.ktap

	rm -f "$ktap"
	case $t in
	move)
		in_qemu "$d" move 3072 1500 ;;
	faults)
		in_qemu "$d" faults 2048 1200 CONFIG_LIVEMIG_FAULT=y ;;
	kunit)
		mkdir -p "$d/build"
		cp -al build/linux-src "$d/build/linux-src" &&
			cp -a build/kunit "$d/build/kunit" || return 2
		"$d/scripts/kunit.sh" > "$d/kunit.log" 2>&1
		cp "$d/build/results/kunit.ktap" "$ktap" 2>/dev/null
		rm -rf "$d/build/linux-src" "$d/build/kunit"
		;;
	fuzz)
		make -s -C selftests/fuzz OUTPUT="$d/build/fuzz" KMOD="$d/kmod" \
			RESULTS="$d" check > "$d/fuzz.log" 2>&1
		mv "$d/fuzz.ktap" "$ktap" 2>/dev/null
		;;
	esac
	grep -Eq '^[[:space:]]*(not )?ok ' "$ktap" 2>/dev/null || return 2
	grep -Eq '^[[:space:]]*not ok ' "$ktap"
}

n=0
{
	echo "TAP version 13"
	echo "1..${#names[@]}"
} > "$res/mutations.ktap"
for name in "${names[@]}"; do
	n=$((n + 1))
	p=$top/selftests/mutations/$name.patch
	d=$out/$name
	tests=$(sed -n 's/^Test: //p' "$p" 2>/dev/null)
	what=$(sed -n '1s/^Mutation: //p' "$p" 2>/dev/null)
	echo "=== $name: $what"
	copy "$d"
	if ! (cd "$d" && patch -p1 -s < "$p") > "$d/patch.log" 2>&1; then
		echo "not ok $n - $name: the patch no longer applies (see $d/patch.log)" >> "$res/mutations.ktap"
		continue
	fi
	verdict=ok caught=
	for t in $tests; do
		red "$t" "$d"
		case $? in
		0) caught="$caught $t:red($(grep -Ec '^[[:space:]]*not ok ' "$d/$t.ktap") not ok)" ;;
		1) caught="$caught $t:GREEN"; verdict="not ok" ;;
		*) caught="$caught $t:could-not-run"; verdict="not ok" ;;
		esac
	done
	echo "$verdict $n - $name:$caught" | tee -a "$res/mutations.ktap"
done
scripts/ktap-summary.py "$res"
