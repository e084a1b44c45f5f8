# SPDX-License-Identifier: GPL-2.0
#
# Rendezvous between two QEMU test hosts over their virtual network, so
# neither powers off while the other still needs it. Each host serves the
# names it has signalled (a tiny HTTP server on $LM_PEER_PORT) and polls the
# other's.
#
#   peer_serve            start serving (once, at the top of a test)
#   peer_signal NAME      tell the peer we reached NAME
#   peer_wait NAME [S]    wait until the peer reached NAME (default 120 s)
#   peer_done             signal "done", wait for the peer's "done", linger

LM_PEER_PORT=${LM_PEER_PORT:-8765}
lm_peer_dir=/tmp/lm-peer

peer_serve() {
	# A fresh start: names signalled by an earlier test do not count.
	rm -rf "$lm_peer_dir"
	mkdir -p "$lm_peer_dir"
	python3 -m http.server --bind 0.0.0.0 --directory "$lm_peer_dir" \
		"$LM_PEER_PORT" > /dev/null 2>&1 &
	lm_peer_pid=$!
}

peer_signal() {
	: > "$lm_peer_dir/$1"
}

peer_wait() {
	local name=$1 tmo=${2:-120} end

	end=$(($(date +%s) + tmo))
	while [ "$(date +%s)" -lt "$end" ]; do
		if (exec 3<>"/dev/tcp/$LM_PEER/$LM_PEER_PORT" &&
		    printf 'GET /%s HTTP/1.0\r\n\r\n' "$name" >&3 &&
		    head -n1 <&3 | grep -q ' 200 ') 2>/dev/null; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# Both hosts call this last: after it, neither needs the other.
peer_done() {
	peer_signal done
	peer_wait done
	# Give the peer's last poll time to see our "done".
	sleep 2
	kill "$lm_peer_pid" 2>/dev/null
}

# peer_get NAME: print what the peer signalled under NAME (its content).
peer_get() {
	python3 - "$LM_PEER" "$LM_PEER_PORT" "$1" <<'PY'
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://%s:%s/%s" % tuple(sys.argv[1:4]), timeout=10).read().decode())
PY
}

# peer_put NAME FILE: let the peer fetch FILE's content as NAME.
peer_put() {
	cp "$2" "$lm_peer_dir/$1"
}
