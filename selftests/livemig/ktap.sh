# SPDX-License-Identifier: GPL-2.0
#
# KTAP output and checks for livemig's shell selftests. Source it, call
# ktap_plan N, then one check per test point; ktap_finish exits with the
# kselftest code (0 all passed, 1 a failure, 4 everything skipped).

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

ktap_n=0
ktap_failed=0
ktap_skipped=0

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

ktap_ok() {
	ktap_n=$((ktap_n + 1))
	echo "ok $ktap_n - $*"
}

ktap_not_ok() {
	ktap_n=$((ktap_n + 1))
	ktap_failed=$((ktap_failed + 1))
	echo "not ok $ktap_n - $*"
}

ktap_skip() {
	ktap_n=$((ktap_n + 1))
	ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_n - $1 # SKIP $2"
}

ktap_diag() {
	sed 's/^/# /'
}

# cmd_ok DESC CMD...: CMD must succeed. Its output is shown as diagnostics
# when it does not.
cmd_ok() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_ok "$desc"
	else
		ktap_not_ok "$desc"
		printf '%s\n' "cmd: $*" "$out" | ktap_diag
	fi
}

# cmd_fail DESC EXIT PATTERN CMD...: CMD must exit with EXIT and print
# something matching the extended regex PATTERN.
cmd_fail() {
	local desc=$1 want=$2 pattern=$3 out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = "$want" ] && grep -Eq -- "$pattern" <<< "$out"; then
		ktap_ok "$desc"
	else
		ktap_not_ok "$desc"
		printf '%s\n' "cmd: $*" "exit $rc, wanted $want matching /$pattern/:" "$out" |
			ktap_diag
	fi
}

# check DESC [!] CONDITION...: a test point from a command's exit status,
# negated by a leading "!".
check() {
	local desc=$1 neg=0 rc=0
	shift
	if [ "$1" = "!" ]; then
		neg=1
		shift
	fi
	"$@" > /dev/null 2>&1 || rc=$?
	if { [ "$neg" = 0 ] && [ "$rc" = 0 ]; } || { [ "$neg" = 1 ] && [ "$rc" != 0 ]; }; then
		ktap_ok "$desc"
	else
		ktap_not_ok "$desc"
		echo "condition failed: $*" | ktap_diag
	fi
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s; false after SECONDS.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" > /dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

ktap_finish() {
	echo "# $((ktap_n - ktap_failed - ktap_skipped)) passed, $ktap_failed failed, $ktap_skipped skipped"
	[ "$ktap_failed" = 0 ] || exit $KSFT_FAIL
	[ "$ktap_n" != 0 ] && [ "$ktap_skipped" = "$ktap_n" ] && exit $KSFT_SKIP
	exit $KSFT_PASS
}
