#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: live migrations of 256 MiB guests, idle and busy, between two
# hosts (network namespaces in one QEMU test host), with the raw TCP
# throughput of the same link measured in the same run (iperf3). Prints a
# table; numbers, never pass/fail.
#
#   netns lm-a "hosta" 10.77.0.1 ---- veth ---- 10.77.0.2 netns lm-b "hostb"
#
# Usage: scripts/bench.sh [--mem MIB] [--rate PAGES_PER_S]
# Output: build/results/bench/bench.txt (also printed).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mem=256 rate=200
while [ $# -gt 0 ]; do
	case $1 in
	--mem) mem=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	*) echo "usage: scripts/bench.sh [--mem MIB] [--rate PAGES_PER_S]" >&2; exit 2 ;;
	esac
done
command -v iperf3 > /dev/null || { echo "bench: iperf3 missing (scripts/setup.sh installs it)" >&2; exit 1; }
make -s module lmctl selftests

job=$(mktemp)
trap 'rm -f "$job"' EXIT
cat > "$job" <<JOB
mem=$mem rate=$rate
JOB
cat >> "$job" <<'JOB'
set -u
A="ip netns exec lm-a" B="ip netns exec lm-b"
out=$LM_RESULTS/bench.txt tmp=$LM_RESULTS
ip netns add lm-a; ip netns add lm-b
ip link add veth-a netns lm-a type veth peer name veth-b netns lm-b
ip -n lm-a addr add 10.77.0.1/24 dev veth-a; ip -n lm-b addr add 10.77.0.2/24 dev veth-b
for n in a b; do ip -n lm-$n link set lo up; ip -n lm-$n link set veth-$n up; done
(umask 077; lmctl genkey > /tmp/bench.key)
for n in a b; do
	ip netns exec lm-$n lmctl set host-name host$n
	ip netns exec lm-$n lmctl set auth psk key-file /tmp/bench.key
	ip netns exec lm-$n lmctl enable
done
$B lmctl agent --exec sh -c "exec lm_vmm --incoming --seconds 5 >> $tmp/dest.log 2>&1" > $tmp/agent.log 2>&1 &

{
echo "livemig bench: $(uname -r), $(nproc) vCPUs (QEMU TCG, nested KVM), two namespace hosts on a veth"
$B iperf3 -s -1 > /dev/null 2>&1 &
sleep 1
bps=$($A iperf3 -c 10.77.0.2 -t 5 -J | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))')
printf 'raw TCP (iperf3, 5 s, same link):   %.1f MiB/s\n' "$(echo "$bps / 8 / 1048576" | bc -l)"
printf '%-26s %8s %9s %9s %10s %10s %7s\n' case total downtime rounds "MiB/s" "wire MiB" zero%
} | tee "$out"

# one CASE VMM_ARGS PERF AUTH: a move of a $mem MiB guest whose pages are
# incompressible (--fill random), so compression earns nothing it would
# not earn on real data
one() {
	local case=$1 args=$2 perf=$3 auth=$4 id f=${1//[^A-Za-z0-9]/_}
	$A lmctl set-performance "$perf" > /dev/null
	if [ "$auth" = none ]; then
		$A lmctl set auth none > /dev/null; $B lmctl set auth none > /dev/null
	else
		$A lmctl set auth psk key-file /tmp/bench.key > /dev/null
		$B lmctl set auth psk key-file /tmp/bench.key > /dev/null
	fi
	$A lm_vmm --name bench --mem "$mem" --fill random $args > "$tmp/src-$f.log" 2>&1 &
	local vmm=$!
	for i in $(seq 300); do $A lmctl vm list | grep -q '^bench ' && break; sleep 0.5; done
	# An idle guest's first pass touches all its memory: measure after it.
	# A busy one writes at its rate from the start (a full pass would take
	# minutes): give it 20 s; the zero% column shows what it had not touched.
	case $args in
	*--idle*) for i in $(seq 600); do grep -q 'passes=[1-9]' "$tmp/src-$f.log" && break; sleep 0.5; done ;;
	*) sleep 20 ;;
	esac
	$A lmctl move bench 10.77.0.2 > "$tmp/move-$f.log" 2>&1
	id=$($A lmctl list -j | python3 -c 'import json,sys; print(json.load(sys.stdin)["migrations"][-1]["id"])')
	$A lmctl status "$id" -j | python3 -c '
import json, sys
m = json.load(sys.stdin)
s = m["stats"]
def g(k): return s.get(k, 0) or 0
case = sys.argv[1]
if m.get("state") != "completed":
    print("%-26s failed: %s" % (case, m.get("error", "?"))); sys.exit(0)
t = g("total_us") - g("setup_us")
print("%-26s %7.1fs %7dms %9d %10.1f %10.1f %6.0f%%" % (case, g("total_us") / 1e6,
      g("downtime_us") / 1000, g("round") + 1, g("bytes") / 1048576 / (t / 1e6),
      g("wire_bytes") / 1048576, 100.0 * g("pages_zero") / max(1, g("pages_sent"))))
' "$case" | tee -a "$out"
	wait "$vmm" 2>/dev/null
	sleep 6
}
one "idle, compression, psk" "--idle" compression psk
one "busy $rate p/s, compr., psk" "--rate $rate" compression psk
one "idle, tcp, auth none" "--idle" tcp none
one "busy $rate p/s, tcp, none" "--rate $rate" tcp none
JOB
selftests/qemu/run.sh --mem $((mem * 3 + 1024)) --timeout 1800 bench "$job" > /dev/null || true
cat build/results/bench/bench.txt
