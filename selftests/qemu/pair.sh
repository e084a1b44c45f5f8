#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot two QEMU test hosts joined by a virtual network and run a job on
# each, at the same time.
#
#   host "a" 10.99.0.1/24 eth0 ---- -netdev socket ---- eth0 10.99.0.2/24 host "b"
#                            (a listens on 127.0.0.1:PORT, b connects)
#
# Usage: pair.sh [run.sh options] NAME JOB_A JOB_B
#   Results go to build/results/NAME-a and build/results/NAME-b. Each job
#   finds its peer's address in $LM_PEER (exported by the generated job).
#   Exit status: 0 when both jobs succeeded, else the first failure's.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
opts=()
while [ $# -gt 3 ]; do
	opts+=("$1")
	shift
done
[ $# -eq 3 ] || { sed -n '/^# Usage:/,/^#   Exit/p' "$0" >&2; exit 2; }
name=$1 job_a=$2 job_b=$3

# A free port on the loopback for the socket between the two QEMUs.
port=
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 20000))
	if ! ss -Htln "sport = :$p" | grep -q .; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "pair.sh: no free port" >&2; exit 1; }

tmp=$(mktemp -d)
pid_a=
cleanup() {
	[ -n "$pid_a" ] && kill "$pid_a" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

{ echo "export LM_PEER=10.99.0.2"; cat "$job_a"; } > "$tmp/a.sh"
{ echo "export LM_PEER=10.99.0.1"; cat "$job_b"; } > "$tmp/b.sh"

"$here/run.sh" "${opts[@]}" --net "listen:$port" --addr 10.99.0.1/24 \
	--hostname "$name-a" "$name-a" "$tmp/a.sh" &
pid_a=$!

# b's QEMU must find a's socket listening, or it exits at once.
for _ in $(seq 100); do
	ss -Htln "sport = :$port" | grep -q . && break
	sleep 0.2
done

rc_b=0
"$here/run.sh" "${opts[@]}" --net "connect:$port" --addr 10.99.0.2/24 \
	--hostname "$name-b" "$name-b" "$tmp/b.sh" || rc_b=$?
rc_a=0
wait "$pid_a" || rc_a=$?
pid_a=
[ "$rc_a" = 0 ] || exit "$rc_a"
exit "$rc_b"
