#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole fault matrix (make check-full; the test build of the module):
# every fault at every fault point, the direction alternating from case to
# case (hosta -> hostb, then hostb -> hosta). faults.sh runs each fault once
# at its most dangerous phase in the default test command; this one runs
# them everywhere, so no expectation is written per case: each case is
# judged by the invariants alone (DESIGN.md section 4).
#
#   exactly one copy     the VM runs on the source (move failed) or on the
#                        destination (move completed), never on both; none
#                        only when the fault killed the VMM that held it
#   unharmed             its guest checked every page it wrote (after a
#                        resume at the source, or after the move)
#   said why             a failed move names a host and the phase
#   in doubt             only after COMMIT; the source stays paused; the
#                        test resolves it as an operator would
#   disable              a host disabled mid-way lets the migration finish
#                        (the destination refuses only one it had not yet
#                        admitted); disable --now cancels, never into doubt
#   cancel               a cancel (or disable --now) before COMMIT is never
#                        ignored
#   nothing left         no migration thread, connection, dirty tracker or
#                        pinned bitmap once the case is over
#
# Each case is one test point; the first broken invariant is its diagnosis.
# FAULT_SITES="SITE..." and FAULT_KINDS="FAULT..." limit it to some fault
# points and faults (default: all; the KTAP runner takes no arguments).
set -u
. "$(dirname "$0")/ktap.sh"

tmp=$LM_RESULTS/matrix
. "$(dirname "$0")/hosts.sh"
. "$(dirname "$0")/faultlib.sh"

sites=${FAULT_SITES:-"src-connected src-accepted src-round0 src-round1 src-paused
	src-state-sent src-ready src-commit-sent dst-admitted dst-attached
	dst-pages dst-state dst-loaded dst-committed"}
faults=${FAULT_KINDS:-"fail drop cancel-src cancel-dst kill-src-vmm kill-dst-vmm
	link-down blackhole disable-src disable-dst disable-now-src disable-now-dst"}

n_sites=$(wc -w <<< "$sites")
n_faults=$(wc -w <<< "$faults")
ktap_plan $((n_sites * n_faults + 3))
start_fault_hosts
downtime=$($A lmctl show -j | grep -o '"downtime_ms":[0-9]*' | cut -d: -f2)

# mig_id NS DIR NAME: the newest migration of VM NAME in direction DIR.
mig_id() {
	ip netns exec "lm-$1" lmctl list |
		awk -v d="$2" -v n="$3" '$2 == d && $3 == n { id = $1 } END { print id }'
}

# apply FAULT: break it while a migration waits at the fault point.
apply() {
	case $1 in
	cancel-src) ip netns exec "lm-$S" lmctl cancel "$(mig_id "$S" out "$name")" ;;
	cancel-dst) ip netns exec "lm-$D" lmctl cancel "$(mig_id "$D" in "$name")" ;;
	kill-src-vmm) kill -KILL "$vpid" ;;
	kill-dst-vmm) pkill -KILL -f '^lm_vmm --incoming' ;;
	link-down) ip -n "lm-$D" link set "veth-$D" down ;;
	blackhole) blackhole ;;
	disable-src) ip netns exec "lm-$S" lmctl disable ;;
	disable-dst) ip netns exec "lm-$D" lmctl disable ;;
	disable-now-src) ip netns exec "lm-$S" lmctl disable --now ;;
	disable-now-dst) ip netns exec "lm-$D" lmctl disable --now ;;
	esac
}

# undo: the network and the settings as they were.
undo() {
	ip -n lm-a link set veth-a up
	ip -n lm-b link set veth-b up
	unblackhole 2> /dev/null
	$A lmctl enable
	$B lmctl enable
	$A lmctl set downtime "$downtime"
	$B lmctl set downtime "$downtime"
	echo off > "$fault"
}

# why ...: the case's first broken invariant.
why() { verdict="$*"; return 1; }
running() { wait_for "$1" runs_on "$2" "$name" "$3"; }
paused_at() {
	local c1 c2
	c1=$(counter_of "$1"); sleep 3; c2=$(counter_of "$1")
	[ -n "$c1" ] && [ "$c1" = "$c2" ]
}

# judge: the invariants once the move has ended; sets $verdict.
judge() {
	local out slog=$name-$S dlog=dest-$D-$name resumed

	out=$(tail -3 "$tmp/$label.move" | tr '\n' ' ')
	resumed=$(tail -n +"$((slog_lines + 1))" "$tmp/$slog.log" | grep -c 'the VM runs here again')
	case $f in
	disable-src)
		[ "$move_rc" = 0 ] ||
			why "the source was disabled, yet its migration did not finish: $out" || return ;;
	disable-dst)
		# At src-connected the source has not said SETUP yet.
		[ "$move_rc" = 0 ] || [ "$site" = src-connected ] ||
			why "the destination was disabled after admitting it, yet the migration did not finish: $out" ||
			return ;;
	disable-now-*)
		! grep -q "in doubt" "$tmp/$label.move" ||
			why "disable --now left the migration in doubt: $out" || return ;;&
	cancel-src|cancel-dst|disable-now-*)
		# Only once COMMIT is out may a cancel be refused; at
		# src-connected the destination has nothing to cancel yet.
		case $f:$site in
		*:src-commit-sent|*:dst-committed|cancel-dst:src-connected) ;;
		*) [ "$move_rc" != 0 ] ||
			why "cancelled before COMMIT, yet the migration completed: $out" || return ;;
		esac ;;
	esac
	if [ "$move_rc" = 0 ]; then
		grep -q "^moved $name " "$tmp/$label.move" || why "move exited 0 without 'moved': $out" || return
		# A source VMM the test killed cannot say so; the module killed the VM anyway.
		[ "$f" = kill-src-vmm ] || log_has "$slog" "end reason=migrated" ||
			why "completed, but the source VMM did not exit 'migrated'" || return
		if [ "$f" = kill-dst-vmm ] && ! pgrep -f '^lm_vmm --incoming' > /dev/null; then
			# Only a VMM killed once COMMIT may have been recorded takes
			# the VM with it; before, the destination must refuse COMMIT.
			case $site in
			src-commit-sent|dst-committed) ;;
			*) why "the destination VMM was killed before COMMIT, yet the source gave its copy up: the VM is lost"
			   return ;;
			esac
			verdict="completed; the destination VMM the test killed after COMMIT took the only copy with it"
			return 0
		fi
		running 30 "$D" "$dlog" || why "completed, but the VM does not run on the destination" || return
		wait_for 60 log_has "$dlog" "guest verified [0-9]+ pages after migration" ||
			why "completed, but the guest did not verify its pages on the destination" || return
		! log_has "$dlog" "pages wrong|guest_errors=[1-9]" || why "a page arrived wrong" || return
		not_registered "ip netns exec lm-$S" "$name" || why "two copies: still registered at the source" || return
		verdict="completed: the VM runs on host$D only, its pages checked"
		return 0
	fi
	grep -Eq "host[ab]|10\.77\.0\.[12]" "$tmp/$label.move" || why "the error names no host: $out" || return
	grep -Eq "connecting|authenticating|setup|pre-copy|stop-and-copy|loading|committing|in doubt" \
		"$tmp/$label.move" || why "the error names no phase: $out" || return
	if grep -q "in doubt" "$tmp/$label.move"; then
		indoubt "$out"
		return
	fi
	if [ "$f" = kill-src-vmm ]; then
		# The source gives up at once; the destination must hear it so.
		wait_for 15 not_registered "ip netns exec lm-$D" "$name" ||
			why "the source VMM died, yet the destination kept a VM" || return
		verdict="failed ($out); the VMM the test killed took the VM; the destination has none"
		return 0
	fi
	running 30 "$S" "$slog" || why "failed ($out), but the VM does not run on at the source" || return
	if [ "$resumed" -gt 0 ]; then
		wait_for 60 verified_since "$slog" "$verified" ||
			why "the VM resumed at the source, but its guest did not check its pages again" || return
	fi
	! log_has "$slog" "pages wrong|guest_errors=[1-9]" || why "a page went wrong at the source" || return
	wait_for 30 not_registered "ip netns exec lm-$D" "$name" ||
		why "failed, but the destination still has the VM" || return
	verdict="failed: $out; the VM runs on at host$S, unharmed"
}

# indoubt OUT: COMMIT sent, no answer: resolve as an operator would.
indoubt() {
	local id slog=$name-$S dlog=dest-$D-$name

	paused_at "$slog" || why "in doubt, but the VM is not paused at the source" || return
	undo > /dev/null 2>&1
	id=$(mig_id "$S" out "$name")
	if wait_for 40 runs_on "$D" "$name" "$dlog"; then
		# The destination has it: the source's copy must go.
		kill -TERM "$vpid"
		verdict="in doubt ($1); the destination ran it; the source's paused copy removed"
		return 0
	fi
	ip netns exec "lm-$S" lmctl resolve "$id" --resume-source > /dev/null 2>&1 ||
		why "in doubt; the destination does not run it, and resolve failed" || return
	running 30 "$S" "$slog" || why "resolved, but the VM does not run at the source" || return
	wait_for 60 verified_since "$slog" "$verified" ||
		why "resolved, but the guest did not check its pages" || return
	verdict="in doubt ($1); the destination had dropped it; resolved: resumed at the source"
}

# leftovers: nothing of the case remains in the module.
leftovers() {
	wait_for 60 no_mig_threads || why "a migration thread is left" || return
	wait_for 30 grep -Eq '^connections 0$' "$objects" || why "a connection is left" || return
	grep -Eq '^dirty-trackers 0$' "$objects" || why "a dirty tracker is left" || return
	grep -Eq '^pinned-bitmaps 0$' "$objects" || why "a pinned bitmap is left" || return
}

# one_case SITE FAULT: a fresh VM, one move, the fault, the verdict.
one_case() {
	local site=$1 f=$2 stop=stop

	n=$((n + 1))
	name=m$n
	label=$n-$site-$f
	if [ $((n % 2)) = 1 ]; then S=a D=b addr=10.77.0.2; else S=b D=a addr=10.77.0.1; fi
	bg "$name-$S" ip netns exec "lm-$S" lm_vmm --name "$name" --mem 16 --rate 300 --fill random
	vpid=$last
	wait_for 60 registered "ip netns exec lm-$S" "$name" &&
		wait_for 60 log_has "$name-$S" "counter=[0-9]"
	verified=$(verified_count "$name-$S")
	slog_lines=$(wc -l < "$tmp/$name-$S.log")
	case $f in fail|drop) stop=$f ;; esac
	# A young guest's memory is mostly zero: round 0 alone would do.
	[ "$site" = src-round1 ] && ip netns exec "lm-$S" lmctl set downtime 50
	arm "$site" "$stop"
	ip netns exec "lm-$S" timeout 400 lmctl move "$name" "$addr" > "$tmp/$label.move" 2>&1 &
	move_pid=$!
	if [ "$stop" = stop ] && wait_for 150 stopped; then
		apply "$f" >> "$tmp/$label.faults" 2>&1
		release
	elif [ "$stop" = stop ]; then
		# Never got there (it failed or did not converge first): disarm.
		echo off > "$fault"
	fi
	move_result
	reached=$(grep -o 'hits=[0-9]*' "$fault")
	undo > /dev/null 2>&1
	verdict=
	judge && leftovers
	if [ $? = 0 ]; then
		ktap_ok "$label ($S->$D, ${reached:-hits=?}): $verdict"
	else
		ktap_not_ok "$label ($S->$D, ${reached:-hits=?}): $verdict"
		tail -5 "$tmp/$label.move" | ktap_diag
	fi
	# The VM goes, wherever it is, before the next case.
	kill -TERM "$vpid" 2> /dev/null
	pkill -TERM -f '^lm_vmm --incoming'
	wait_for 30 sh -c "! pgrep -f 'lm_vmm (--name $name |--incoming)' > /dev/null"
}

n=0
for site in $sites; do
	for f in $faults; do
		one_case "$site" "$f"
	done
done
cleanup
trap - EXIT
pkill -TERM -x lm_vmm
check "no VM is left in KVM (nothing holds a struct kvm)" wait_for 60 no_kvm_vms
check "no object is left (debugfs livemig/objects)" wait_for 60 no_objects
tr '\n' ' ' < "$objects" | ktap_diag
ktap_finish
