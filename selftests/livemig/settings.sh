#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host settings through lmctl: every setting round-trips through
# "lmctl set" and "lmctl show -j"; every bad input is refused with its
# sentence and changes nothing; a refused request with many settings
# changes none of them; each network namespace is its own host; monitor
# sees changes; showconf and setconf round-trip; rmmod with settings and a
# key present succeeds and the next load starts from the defaults.
#
#   +------------------------- test host (QEMU) --------------------------+
#   | init netns (host "A")              lm-set1 (host "B"), lm-set2 ("C")|
#   |   lmctl set/show/network/...         lmctl set/show (separate state)|
#   |   lmctl monitor (events group)                                      |
#   |   setpriv nobody: refused                                           |
#   |                         livemig.ko (one state per netns)            |
#   +---------------------------------------------------------------------+
#
# The listener's behaviour is tested elsewhere; here only its presence in
# "show -j" matters to nothing.
set -u
. "$(dirname "$0")/ktap.sh"

ko=$LM_TOP/livemig.ko
tmp=$(mktemp -d)
namespaces="lm-set1 lm-set2"
monitors=

cleanup() {
	local pid

	for pid in $monitors; do kill "$pid" 2>/dev/null; done
	for ns in $namespaces; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$tmp"
	lsmod | grep -q '^livemig ' || insmod "$ko" 2>/dev/null
}
trap cleanup EXIT

# The current settings as lmctl -j show prints them.
state=
refresh() { state=$(lmctl -j show 2>&1); }

# fpr KEYFILE: the fingerprint the kernel must report, computed here:
# the first 8 bytes of SHA-256("livemig psk fingerprint" || key).
fpr() { { printf 'livemig psk fingerprint'; base64 -d "$1"; } | sha256sum | cut -c1-16; }

# roundtrip DESC FRAGMENT CMD...: CMD succeeds and "show -j" then holds
# FRAGMENT (a literal piece of the JSON).
roundtrip() {
	local desc=$1 frag=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	refresh
	if [ "$rc" = 0 ] && [[ $state == *"$frag"* ]]; then
		ktap_ok "$desc"
	else
		ktap_not_ok "$desc"
		printf '%s\n' "cmd: $* (exit $rc)" "$out" "wanted: $frag" "show -j: $state" |
			ktap_diag
	fi
}

# refused DESC EXIT REGEX CMD...: CMD exits with EXIT, prints something
# matching REGEX, and "show -j" is the same afterwards.
refused() {
	local desc=$1 want=$2 pattern=$3 before=$state out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	refresh
	if [ "$rc" = "$want" ] && grep -Eq -- "$pattern" <<< "$out" &&
	   [ "$state" = "$before" ]; then
		ktap_ok "$desc"
	else
		ktap_not_ok "$desc"
		printf '%s\n' "cmd: $*" "exit $rc, wanted $want matching /$pattern/:" "$out" |
			ktap_diag
		[ "$state" = "$before" ] ||
			printf '%s\n' "settings changed:" "before: $before" "after:  $state" |
			ktap_diag
	fi
}

# contains TEXT FRAGMENT...: TEXT holds every FRAGMENT, literally.
contains() {
	local text=$1 f
	shift
	for f in "$@"; do [[ $text == *"$f"* ]] || return 1; done
}

kernel_clean() { ! dmesg | grep -Eq 'WARNING:|BUG:|Oops|general protection'; }

node=$(hostname)
defaults="\"host_name\":\"$node\",\"host_name_default\":true,\"enabled\":false,\"max_migrations\":2,\"network_mode\":\"any\",\"networks\":[],\"auth\":\"psk\",\"psk\":{\"present\":false,\"fingerprint\":null,\"file\":null},\"performance\":\"compression\",\"compression\":{\"algorithm\":\"lz4\",\"level\":0},\"streams\":1,\"port\":6600,\"bandwidth\":0,\"downtime_ms\":300"

ktap_plan 97

# Start from a freshly loaded module: its defaults are part of the ABI.
lsmod | grep -q '^livemig ' && rmmod livemig
insmod "$ko"
refresh
check "a fresh module reports every default" contains "$state" "$defaults"

# --- the command line itself --------------------------------------------
helps=0
for c in show enable disable set set-performance genkey network showconf \
	 setconf monitor version help; do
	lmctl "$c" --help | grep -q '^Usage: lmctl' && helps=$((helps + 1))
done
check "every command answers --help ($helps/12)" [ "$helps" = 12 ]
umask 077
lmctl genkey > "$tmp/key1"
lmctl genkey > "$tmp/key2"
check "genkey prints 32 random bytes in base64" \
	[ "$(base64 -d "$tmp/key1" | wc -c)" = 32 -a "$(wc -c < "$tmp/key1")" = 45 \
	  -a "$(cat "$tmp/key1")" != "$(cat "$tmp/key2")" ]

# --- every setting round-trips --------------------------------------------
roundtrip "enable" '"enabled":true' lmctl enable
roundtrip "disable" '"enabled":false' lmctl disable
roundtrip "disable --now (nothing to cancel)" '"enabled":false' lmctl disable --now
cmd_fail "enable --now is a usage error" 2 'usage|unexpected|--now' lmctl enable --now
roundtrip "max-migrations 64" '"max_migrations":64' lmctl set max-migrations 64
roundtrip "max-migrations 1" '"max_migrations":1' lmctl set max-migrations 1
roundtrip "streams 16" '"streams":16' lmctl set streams 16
roundtrip "port 6700" '"port":6700' lmctl set port 6700
roundtrip "downtime 600000" '"downtime_ms":600000' lmctl set downtime 600000
roundtrip "downtime 1" '"downtime_ms":1' lmctl set downtime 1
roundtrip "bandwidth 100M is 100 MiB/s" '"bandwidth":104857600' lmctl set bandwidth 100M
roundtrip "bandwidth 2G is 2 GiB/s" '"bandwidth":2147483648' lmctl set bandwidth 2G
roundtrip "bandwidth 64k is 64 KiB/s" '"bandwidth":65536' lmctl set bandwidth 64k
roundtrip "bandwidth 1500 is bytes/s" '"bandwidth":1500' lmctl set bandwidth 1500
roundtrip "bandwidth 0 is no limit" '"bandwidth":0' lmctl set bandwidth 0
roundtrip "set-performance tcp" '"performance":"tcp"' lmctl set-performance tcp
roundtrip "set-performance rdma" '"performance":"rdma"' lmctl set-performance rdma
roundtrip "set-performance compression" '"performance":"compression"' \
	lmctl set-performance compression
roundtrip "compression zstd:19" '"compression":{"algorithm":"zstd","level":19}' \
	lmctl set compression zstd:19
roundtrip "compression zstd (its default level)" '"compression":{"algorithm":"zstd","level":0}' \
	lmctl set compression zstd
roundtrip "compression lz4" '"compression":{"algorithm":"lz4","level":0}' \
	lmctl set compression lz4
roundtrip "host-name node-a.lab_1" '"host_name":"node-a.lab_1","host_name_default":false' \
	lmctl set host-name node-a.lab_1
roundtrip "host-name \"\" restores the node name" \
	"\"host_name\":\"$node\",\"host_name_default\":true" lmctl set host-name ""
roundtrip "several settings in one set" '"max_migrations":3,' \
	lmctl set max-migrations 3 streams 2 port 6600 downtime 300
check "... all of them" contains "$state" '"streams":2,"port":6600,"bandwidth":0,"downtime_ms":300' 

# Keys: the fingerprint is computed here, independently; the path is
# made absolute.
roundtrip "auth psk key-file (relative path, fingerprint, absolute file)" \
	"\"auth\":\"psk\",\"psk\":{\"present\":true,\"fingerprint\":\"$(fpr "$tmp/key1")\",\"file\":\"$tmp/key1\"}" \
	sh -c "cd '$tmp' && lmctl set auth psk key-file ./key1"
cmd_fail "show names the key's fingerprint and file" 0 \
	"authentication: +psk, key fingerprint $(fpr "$tmp/key1") \(from $tmp/key1\)" lmctl show
roundtrip "auth none" '"auth":"none"' lmctl set auth none
cmd_fail "show says auth none is NOT authenticated, NOT encrypted" 0 \
	'authentication: +none: NOT authenticated, NOT encrypted' lmctl show
chmod 644 "$tmp/key2"
cmd_fail "a key file others can read is used, with a warning" 0 \
	'warning: .*key2 can be read by group or others' lmctl set auth psk key-file "$tmp/key2"
chmod 600 "$tmp/key2"
refresh
check "... and replaces the key (new fingerprint)" \
	contains "$state" "\"fingerprint\":\"$(fpr "$tmp/key2")\""

# Networks: kept in priority order; add switches to specific.
roundtrip "network add 10.1.0.0/24 priority 5 (mode specific)" \
	'"network_mode":"specific","networks":[{"prefix":"10.1.0.0/24","priority":5}]' \
	lmctl network add 10.1.0.0/24 priority 5
roundtrip "network add fd00:1::/64 priority 1 (IPv6, sorted first)" \
	'"networks":[{"prefix":"fd00:1::/64","priority":1},{"prefix":"10.1.0.0/24","priority":5}]' \
	lmctl network add fd00:1::/64 priority 1
roundtrip "network add 192.0.2.7 (a bare address is /32, priority 0)" \
	'"networks":[{"prefix":"192.0.2.7/32","priority":0},{"prefix":"fd00:1::/64","priority":1},{"prefix":"10.1.0.0/24","priority":5}]' \
	lmctl network add 192.0.2.7
cmd_fail "network list -j shows the same list" 0 \
	'^\{"network_mode":"specific","networks":\[\{"prefix":"192.0.2.7/32","priority":0\},\{"prefix":"fd00:1::/64","priority":1\},\{"prefix":"10.1.0.0/24","priority":5\}\]\}$' \
	lmctl network list -j
cmd_fail "show lists the networks with their priorities" 0 \
	'fd00:1::/64 +priority 1' lmctl show
roundtrip "network any keeps the list" \
	'"network_mode":"any","networks":[{"prefix":"192.0.2.7/32"' lmctl network any
roundtrip "network specific" '"network_mode":"specific"' lmctl network specific
roundtrip "network del 192.0.2.7/32" \
	'"networks":[{"prefix":"fd00:1::/64","priority":1},{"prefix":"10.1.0.0/24","priority":5}]' \
	lmctl network del 192.0.2.7/32

# Make every setting differ from its default before the refusals, so
# "nothing changed" means something.
roundtrip "a non-default state for the refusals" '"max_migrations":4' \
	lmctl set max-migrations 4 streams 3 port 6601 bandwidth 10M downtime 250 \
	compression zstd:5 performance tcp host-name node-b
lmctl enable > /dev/null
refresh

# --- bad input is refused and changes nothing ----------------------------
refused "bad prefix syntax" 2 "'10\.1\.0/24' is not a prefix" lmctl network add 10.1.0/24
refused "prefix length out of range" 2 'not a prefix' lmctl network add 10.1.0.0/33
refused "duplicate network" 1 'network: this migration network is already in the list' \
	lmctl network add 10.1.0.0/24
refused "duplicate network with another priority" 1 'already in the list' \
	lmctl network add 10.1.0.0/24 priority 9
refused "IPv4 prefix with host bits set" 1 'network: the address has host bits set' \
	lmctl network add 10.3.0.1/24
refused "IPv6 prefix with host bits set" 1 'host bits set' lmctl network add fd00:2::1/64
refused "deleting a network not in the list" 1 'not in the list' \
	lmctl network del 10.9.0.0/24
refused "max-migrations 65" 1 'max-migrations: .*range' lmctl set max-migrations 65
refused "max-migrations 0" 1 'max-migrations: .*range' lmctl set max-migrations 0
refused "streams 0" 1 'streams: .*range' lmctl set streams 0
refused "streams 17" 1 'streams: .*range' lmctl set streams 17
refused "downtime 0" 1 'downtime: .*range' lmctl set downtime 0
refused "downtime 600001" 1 'downtime: .*range' lmctl set downtime 600001
refused "port 0" 1 'port: .*range' lmctl set port 0
refused "port 65536 (not a port at all)" 2 "port: '65536' is too large" lmctl set port 65536
refused "zstd level 23" 1 'compression-level: ' lmctl set compression zstd:23
refused "a level for lz4" 1 'a level applies to zstd only' lmctl set compression lz4:3
refused "unknown compression algorithm" 2 "'gzip' is not lz4, zstd" lmctl set compression gzip
refused "unknown performance option" 2 "unknown performance option 'smb'" lmctl set-performance smb
refused "a number that is not one" 2 "max-migrations: 'two' is not a number" \
	lmctl set max-migrations two
refused "a rate with a wrong suffix" 2 "bandwidth: '10MB' is not a rate" lmctl set bandwidth 10MB
refused "a host name with a blank" 1 "host-name: use letters, digits" lmctl set host-name 'bad name'
refused "unknown setting" 2 "unknown setting 'colour'" lmctl set colour blue
refused "unknown option" 2 "unknown option '--frobnicate'" lmctl set --frobnicate
refused "unknown option of show" 2 "unknown option '--frobnicate'" lmctl show --frobnicate
refused "extra argument" 2 "unexpected argument 'now'" lmctl enable now
refused "psk without key-file" 2 'auth psk: missing key-file' lmctl set auth psk
head -c 31 /dev/urandom | base64 > "$tmp/short"
refused "a short key file" 1 'wrong key length: 31 bytes, a key is 32 bytes' \
	lmctl set auth psk key-file "$tmp/short"
echo 'not a key at all' > "$tmp/notkey"
refused "a key file that is not base64" 1 'not base64' lmctl set auth psk key-file "$tmp/notkey"
refused "a key file that does not exist" 1 'No such file' \
	lmctl set auth psk key-file "$tmp/nonexistent"
refused "a non-admin caller (set)" 1 'Operation not permitted' \
	setpriv --reuid=65534 --regid=65534 --clear-groups lmctl set streams 5
refused "a non-admin caller (network add)" 1 'Operation not permitted' \
	setpriv --reuid=65534 --regid=65534 --clear-groups lmctl network add 10.5.0.0/16
refused "root of a user namespace (a container)" 1 'Operation not permitted' \
	unshare --user --map-root-user lmctl set streams 5
refused "one bad value among several in one set" 1 'max-migrations: .*range' \
	lmctl set streams 5 port 7000 max-migrations 99 downtime 100

# A whole config file that differs everywhere but has one bad value.
cat > "$tmp/onebad.conf" <<EOF
enabled no
max-migrations 9
network any
network 10.7.0.0/16 priority 2
auth none
performance rdma
compression lz4
streams 8
port 7001
host-name other
bandwidth 1G
downtime 0
EOF
refused "setconf with one value the kernel refuses changes nothing" 1 'downtime: .*range' \
	lmctl setconf "$tmp/onebad.conf"
sed -e 's/^downtime 0$/downtime 100/' -e 's/^port 7001$/port seven/' "$tmp/onebad.conf" \
	> "$tmp/syntax.conf"
refused "setconf with a line that does not parse names FILE:LINE" 2 \
	"syntax\.conf:9: port: 'seven' is not a number" lmctl setconf "$tmp/syntax.conf"

# --- showconf and setconf -------------------------------------------------
saved=$state
lmctl showconf > "$tmp/saved.conf" 2>&1
check "showconf writes the key's file, not the key" \
	grep -qx "auth psk key-file $tmp/key2" "$tmp/saved.conf"
: > "$tmp/empty.conf"
roundtrip "setconf of an empty file restores every default but the key" \
	"\"enabled\":false,\"max_migrations\":2,\"network_mode\":\"any\",\"networks\":[],\"auth\":\"psk\",\"psk\":{\"present\":true,\"fingerprint\":\"$(fpr "$tmp/key2")\",\"file\":\"$tmp/key2\"},\"performance\":\"compression\",\"compression\":{\"algorithm\":\"lz4\",\"level\":0},\"streams\":1,\"port\":6600,\"bandwidth\":0,\"downtime_ms\":300" \
	lmctl setconf "$tmp/empty.conf"
roundtrip "setconf of showconf's output restores the same show -j" "$saved" \
	lmctl setconf "$tmp/saved.conf"
check "... exactly" [ "$state" = "$saved" ]
roundtrip "showconf | setconf - changes nothing" "$saved" \
	sh -c 'lmctl showconf | lmctl setconf -'

# --- each network namespace is its own host ------------------------------
for ns in $namespaces; do ip netns add "$ns"; done
ip netns exec lm-set1 lmctl set streams 9 port 7100 host-name host-b > /dev/null 2>&1
ip netns exec lm-set1 lmctl network add 10.20.0.0/16 > /dev/null 2>&1
b=$(ip netns exec lm-set1 lmctl -j show 2>&1)
c=$(ip netns exec lm-set2 lmctl -j show 2>&1)
refresh
check "a namespace keeps its own settings" contains "$b" '"host_name":"host-b"' \
	'"networks":[{"prefix":"10.20.0.0/16","priority":0}]' '"streams":9,"port":7100'
check "another namespace still has the defaults" contains "$c" "$defaults"
check "the initial namespace did not change" [ "$state" = "$saved" ]

# --- monitor ----------------------------------------------------------------
lmctl monitor -j --count 1 > "$tmp/mon.json" 2>&1 &
mon_j=$!
lmctl monitor --count 1 > "$tmp/mon.txt" 2>&1 &
mon_h=$!
monitors="$mon_j $mon_h"
# The monitors may not have joined yet: change until both have seen one.
for i in $(seq 20); do
	sleep 0.3
	lmctl set downtime $((400 + i)) > /dev/null 2>&1
	kill -0 "$mon_j" 2>/dev/null || kill -0 "$mon_h" 2>/dev/null || break
done
rc_j=0 rc_h=0
wait "$mon_j" || rc_j=$?
wait "$mon_h" || rc_h=$?
monitors=
check "monitor -j --count 1 printed one event and exited 0" \
	[ "$rc_j" = 0 -a "$(wc -l < "$tmp/mon.json")" = 1 ]
check "... a JSON settings event with the new downtime" \
	grep -Eq '^\{"event":"settings","settings":\{.*"downtime_ms":4[0-9][0-9],' "$tmp/mon.json"
check "monitor says what changed" \
	grep -Eq '^settings: downtime 4[0-9][0-9] \(was [0-9]+\)$' "$tmp/mon.txt"
[ "$rc_j$rc_h" = 00 ] || cat "$tmp/mon.json" "$tmp/mon.txt" | ktap_diag
lmctl monitor > /dev/null 2>&1 &
mon=$!
monitors=$mon
sleep 1
kill -TERM "$mon"
rc=0
wait "$mon" || rc=$?
monitors=
check "monitor exits cleanly on SIGTERM (exit $rc)" [ "$rc" = 0 ]
cmd_fail "monitor needs CAP_NET_ADMIN" 1 'Operation not permitted' \
	setpriv --reuid=65534 --regid=65534 --clear-groups lmctl monitor --count 1

# --- unload with settings and a key, load again ---------------------------
for ns in $namespaces; do ip netns del "$ns"; done
lmctl set auth psk key-file "$tmp/key1" > /dev/null 2>&1
cmd_ok "rmmod with settings, networks and a key present" rmmod livemig
cmd_fail "lmctl says the module is not loaded" 1 'module is not loaded' lmctl show
cmd_ok "the module loads again" insmod "$ko"
refresh
check "... with every default back (no key)" contains "$state" "$defaults"
check "the kernel logged no warning or bug" kernel_clean

ktap_finish
