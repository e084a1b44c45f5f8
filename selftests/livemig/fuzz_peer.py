#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""An authenticated fuzzing peer: plays a migration source against a real
destination host, and lies once per migration.

Usage: fuzz_peer.py ADDR PORT --config FILE [--key FILE | --auth none]
                    [--src ADDR] [--seed N] [--iterations N] [--seconds S]
                    [--kinds K,K,...] [--dest-cmd CMD] [--record FILE]
                    [--name-prefix P]
       fuzz_peer.py --list-kinds
       fuzz_peer.py --check-list RECORD < `lmctl list -j` of the destination

Each iteration is a fresh migration (new UUID, VM name P<N>): HELLO, AUTH
and kernel TLS exactly as livemig does them (auth psk: HMAC-SHA256 proofs,
then TLS 1.3 AES-256-GCM keys from HKDF, one per direction; auth none:
plain TCP), a SETUP whose config is --config (a real lm_vmm machine
description, with a second, small RAM region added), then JOIN, PAGES,
ROUND_END, STREAM_END and STATE as kmod/mig.c sends them, with one
mutation of one kind (--list-kinds). The peer never sends a COMMIT that
could be taken: every iteration must end failed on the destination.

An iteration ends when the destination closes the control connection or
sends ABORT there; with --dest-cmd (a command printing the destination's
`lmctl list -j`), when the destination also lists the migration as ended,
and its state and error are recorded. A failure: a migration the
destination lists as completed or still active, one that takes more than
20 s to end, or (with --dest-cmd) one that ends elsewhere than its kind
must (EXPECT: a lie in PAGES on the data stream, before the state is
looked at; a malformed SETUP at once; ...). Slow kinds (they wait for a
timeout of the destination) and regression kinds are not drawn at
random: name them with --kinds.

Prints the seed, one line per iteration and a summary: iterations, how
each kind ended. Exit status: 0 if every iteration ended failed (or was
never listed), 1 otherwise, 2 for bad usage or a broken self-test.

--check-list reads the destination's `lmctl list -j` on stdin and checks
that each UUID of RECORD is absent or failed there, none active.
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import re
import select
import shlex
import socket
import struct
import subprocess
import sys
import time

MAGIC = 0x4C4D4947
(HELLO, AUTH, SETUP, BUSY, PAGES, ROUND_END, STATE, STREAM_END, READY, COMMIT,
 COMMITTED, OUTCOME, ABORT, ACCEPT, JOIN) = range(1, 16)
MSG_NAMES = {v: k for k, v in dict(
    HELLO=HELLO, AUTH=AUTH, SETUP=SETUP, BUSY=BUSY, PAGES=PAGES,
    ROUND_END=ROUND_END, STATE=STATE, STREAM_END=STREAM_END, READY=READY,
    COMMIT=COMMIT, COMMITTED=COMMITTED, OUTCOME=OUTCOME, ABORT=ABORT,
    ACCEPT=ACCEPT, JOIN=JOIN).items()}
MSG_MAX = {HELLO: 512, AUTH: 256, SETUP: 65536, BUSY: 512, PAGES: 1 << 20,
           ROUND_END: 64, STATE: 65536, STREAM_END: 128, READY: 64,
           COMMIT: 64, COMMITTED: 64, OUTCOME: 256, ABORT: 512, ACCEPT: 256,
           JOIN: 64}
AUTH_PSK, AUTH_NONE = 0, 1
ROLE_INITIATOR, ROLE_RESPONDER = 1, 2
PAGE = 4096
RAW, ZERO, LZ4 = 0, 1, 2
PHASE_PRECOPY = 3

# Kernel TLS (include/uapi/linux/tls.h, tcp.h)
TCP_ULP = 31
SOL_TLS = 282
TLS_TX, TLS_RX = 1, 2
TLS_1_3_VERSION = 0x0304
TLS_CIPHER_AES_GCM_256 = 52

# The second region: small, far from the first, its last page next to a
# guard page of the destination VMM (lm_vmm --guard-pages).
EXTRA_SLOT, EXTRA_GPA, EXTRA_SIZE = 1, 0x8000000, 16 * PAGE

END_TIMEOUT = 50      # VMM start (10 s) + a message's time (30 s) + slack
LIST_TIMEOUT = 40     # the destination's DISCARD and bookkeeping after that
PROMPT = 20           # what an iteration may take: a VMM's timeout and more

# --- xxh64 (the per-stream digest, Documentation/wire-protocol.rst) -------

P1, P2, P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
P4, P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
M64 = (1 << 64) - 1


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def _round(acc, lane):
    return (_rotl((acc + lane * P2) & M64, 31) * P1) & M64


def xxh64(data, seed=0):
    n = len(data)
    i = 0
    if n >= 32:
        v = [(seed + P1 + P2) & M64, (seed + P2) & M64, seed, (seed - P1) & M64]
        stripes = n // 32
        lanes = struct.unpack_from("<%dQ" % (stripes * 4), data)
        v1, v2, v3, v4 = v
        for s in range(0, stripes * 4, 4):
            v1 = _round(v1, lanes[s])
            v2 = _round(v2, lanes[s + 1])
            v3 = _round(v3, lanes[s + 2])
            v4 = _round(v4, lanes[s + 3])
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & M64
        for x in (v1, v2, v3, v4):
            h ^= _round(0, x)
            h = (h * P1 + P4) & M64
        i = stripes * 32
    else:
        h = (seed + P5) & M64
    h = (h + n) & M64
    while i + 8 <= n:
        h ^= _round(0, struct.unpack_from("<Q", data, i)[0])
        h = (_rotl(h, 27) * P1 + P4) & M64
        i += 8
    if i + 4 <= n:
        h ^= (struct.unpack_from("<I", data, i)[0] * P1) & M64
        h = (_rotl(h, 23) * P2 + P3) & M64
        i += 4
    while i < n:
        h ^= (data[i] * P5) & M64
        h = (_rotl(h, 11) * P1) & M64
        i += 1
    h ^= h >> 33
    h = (h * P2) & M64
    h ^= h >> 29
    h = (h * P3) & M64
    return h ^ (h >> 32)


def digest_input(region, index, rnd, page):
    """One entry's bytes of the digest: page is None for a zero marker."""
    hdr = struct.pack(">BBII", region, 0 if page is None else 1, index, rnd)
    return hdr + (page or b"")


# --- authentication and keys (kmod/auth.c, kmod/conn.c) -------------------

def hkdf(psk, salt, info, length):
    prk = hmac.new(salt, psk, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def proof(psk, role, nonce_i, nonce_r, host_i, host_r, version, options):
    m = hmac.new(psk, digestmod=hashlib.sha256)
    m.update(b"livemig v1 auth proof" + bytes([role]) + nonce_i + nonce_r)
    m.update(bytes([len(host_i)]) + host_i + bytes([len(host_r)]) + host_r)
    m.update(struct.pack(">II", version, options))
    return m.digest()


def tls_info(psk, nonce_i, nonce_r, sender):
    # conn.c derives every connection's keys as "stream 0": each
    # connection has its own nonces, so its own keys.
    okm = hkdf(psk, nonce_i + nonce_r,
               b"livemig v1 stream key" + struct.pack(">HB", 0, sender), 44)
    key, salt, iv = okm[:32], okm[32:36], okm[36:44]
    return struct.pack("=HH8s32s4s8s", TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256,
                       iv, key, salt, bytes(8))


# --- lz4 blocks, by hand (the stdlib has no lz4) ---------------------------

def lz4_seq(literals, offset=None, match_len=0):
    """One lz4 sequence: literals, then a match of match_len (>= 4) bytes."""
    lit, ml = len(literals), (match_len - 4 if offset is not None else 0)
    out = bytearray([(min(lit, 15) << 4) | min(ml, 15)])
    if lit >= 15:
        n = lit - 15
        while n >= 255:
            out.append(255)
            n -= 255
        out.append(n)
    out += literals
    if offset is None:
        return bytes(out)
    out += struct.pack("<H", offset)
    if ml >= 15:
        n = ml - 15
        while n >= 255:
            out.append(255)
            n -= 255
        out.append(n)
    return bytes(out)


def lz4_page(unit, out_len=PAGE, offset=None):
    """A page of @unit repeated, as lz4: unit, one long match, 16 literals.
    out_len other than 4096 and a bad offset make the lies."""
    u = len(unit)
    page = (unit * (out_len // u + 1))[:out_len]
    tail = 16
    comp = lz4_seq(unit, offset if offset is not None else u,
                   out_len - u - tail) + lz4_seq(page[-tail:])
    return comp, page[:PAGE] if out_len >= PAGE else None


# --- messages ---------------------------------------------------------------

def header(mtype, length, version=1, magic=MAGIC, flags=0):
    return struct.pack(">IBBHI", magic, version, mtype, flags, length)


def hello_payload(nonce, host=b"fuzzer", auth=AUTH_PSK, vmin=1, vmax=1):
    return struct.pack(">BBBBI", vmin, vmax, auth, len(host), 0) + nonce + host


def region_bytes(rid, name, gpa, size):
    return struct.pack(">IB", rid, len(name)) + name + struct.pack(">QQ", gpa, size)


def setup_payload(uuid, name, config, regions, vcpus=1, options=1 | (1 << 16),
                  n_regions=None, config_len=None):
    out = uuid + struct.pack(">II", vcpus, options)
    out += bytes([len(name)]) + name
    out += struct.pack(">I", len(config) if config_len is None else config_len)
    out += config
    out += bytes([len(regions) if n_regions is None else n_regions])
    for r in regions:
        out += region_bytes(*r)
    return out


def entry(region, enc, index, rnd, data=b"", length=None):
    return struct.pack(">BBHII", region, enc, len(data) if length is None else length,
                       index, rnd) + data


def pages_payload(entries, count=None, reserved=0):
    return struct.pack(">HH", len(entries) if count is None else count, reserved) + \
        b"".join(entries)


def state_rec(rtype, data, vcpu=0, reserved=0, length=None, pad=None):
    n = len(data) if length is None else length
    padding = bytes((8 - len(data) % 8) % 8) if pad is None else pad
    return struct.pack("=IIII", rtype, vcpu, n, reserved) + data + padding


def state_chunks(blob, offset=0, total=None, size=65528):
    total = len(blob) if total is None else total
    out = []
    for off in range(0, max(len(blob), 1), size):
        out.append(struct.pack(">II", offset + off, total) + blob[off:off + size])
    return out


def flip_bits(data, rng, n):
    b = bytearray(data)
    for _ in range(n):
        i = rng.randrange(len(b) * 8)
        b[i // 8] ^= 1 << (i % 8)
    return bytes(b)


class Msg:
    """One message to send; the header fields may lie."""

    def __init__(self, conn, mtype, payload=b"", **kw):
        self.conn = conn
        self.mtype = mtype
        self.payload = payload
        self.magic = kw.get("magic", MAGIC)
        self.version = kw.get("version", 1)
        self.flags = kw.get("flags", 0)
        self.length = kw.get("length")      # declared length, if a lie
        self.cut = kw.get("cut")            # send this many bytes, then close

    def wire(self):
        n = len(self.payload) if self.length is None else self.length
        raw = header(self.mtype, n, self.version, self.magic, self.flags) + self.payload
        return raw if self.cut is None else raw[:self.cut]


# --- a connection ------------------------------------------------------------

class PeerGone(Exception):
    pass


class Conn:
    def __init__(self, addr, port, src=None, timeout=20):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if src:
            self.s.bind((src, 0))
        self.s.settimeout(timeout)
        self.s.connect((addr, port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.closed = False

    def read_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            try:
                got = self.s.recv(n - len(buf))
            except socket.timeout:
                raise
            except OSError as e:
                raise PeerGone(os.strerror(e.errno) if e.errno else str(e))
            if not got:
                raise PeerGone("closed")
            buf += got
        return bytes(buf)

    def recv(self, timeout):
        """(type, payload); PeerGone on close, socket.timeout if silent."""
        self.s.settimeout(timeout)
        magic, _, mtype, _, length = struct.unpack(">IBBHI", self.read_exact(12))
        if magic != MAGIC or length > 1 << 20:
            raise PeerGone("sent a bad header")
        return mtype, self.read_exact(length)

    def send(self, raw):
        try:
            self.s.sendall(raw)
        except OSError as e:
            raise PeerGone(os.strerror(e.errno) if e.errno else str(e))

    def send_msg(self, mtype, payload=b""):
        self.send(header(mtype, len(payload)) + payload)

    def handshake(self, psk, auth):
        nonce_i = os.urandom(32)
        host_i = b"fuzzer"
        self.send_msg(HELLO, hello_payload(nonce_i, host_i, auth))
        mtype, p = self.recv(15)
        if mtype != HELLO:
            raise PeerGone("answered HELLO with %s: %s" % (
                MSG_NAMES.get(mtype, mtype), describe_abort(p) if mtype == ABORT else ""))
        nonce_r, host_r = p[8:40], p[40:40 + p[3]]
        if auth == AUTH_NONE:
            return
        self.send_msg(AUTH, proof(psk, ROLE_INITIATOR, nonce_i, nonce_r, host_i,
                                  host_r, 1, 0))
        mtype, p = self.recv(15)
        if mtype != AUTH:
            raise PeerGone("answered AUTH with %s: %s" % (
                MSG_NAMES.get(mtype, mtype), describe_abort(p) if mtype == ABORT else ""))
        want = proof(psk, ROLE_RESPONDER, nonce_i, nonce_r, host_i, host_r, 1, 0)
        if not hmac.compare_digest(p, want):
            raise PeerGone("its AUTH proof is wrong")
        self.s.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b"tls")
        self.s.setsockopt(SOL_TLS, TLS_TX, tls_info(psk, nonce_i, nonce_r, ROLE_INITIATOR))
        self.s.setsockopt(SOL_TLS, TLS_RX, tls_info(psk, nonce_i, nonce_r, ROLE_RESPONDER))

    def close(self):
        if not self.closed:
            self.closed = True
            self.s.close()


def describe_abort(p):
    if len(p) < 4:
        return "a malformed ABORT"
    code, phase, n = struct.unpack(">HBB", p[:4])
    reason = "".join(chr(c) if 32 <= c < 127 else "?" for c in p[4:4 + n])
    return "ABORT code %d phase %d: %s" % (code, phase, reason)


# --- the baseline migration and its mutations ---------------------------------

class Plan:
    """What one iteration sends, in order. Steps: ("send", Msg),
    ("accept",) read ACCEPT on the control connection, ("open", conn),
    ("ready",) read READY, ("close", conn), ("sleep", s)."""

    def __init__(self, it, rng, config, prefix):
        self.rng = rng
        self.uuid = rng.randbytes(16)
        self.name = b"%s%d" % (prefix.encode(), it)
        self.config = config
        self.regions = [(0, b"ram0", 0, self.ram_size()),
                        (EXTRA_SLOT, b"ram1", EXTRA_GPA, EXTRA_SIZE)]
        self.npages = [self.regions[0][3] // PAGE, EXTRA_SIZE // PAGE]
        self.setup = setup_payload(self.uuid, self.name, config, self.regions)
        self.join = self.uuid + struct.pack(">HH", 0, 1)
        self.batches = []      # PAGES batches, each a list of entries
        self.digest_in = bytearray()
        self.count = 0
        self.base_pages()
        self.state = state_chunks(self.base_state())
        self.after_ready = [("send", Msg("ctrl", ABORT, abort_payload(
            b"the fuzzer never commits")))]

    def ram_size(self):
        for line in self.config.decode().splitlines():
            if line.startswith("region.0.size="):
                return int(line.split("=")[1], 0)
        raise SystemExit("fuzz_peer.py: --config has no region.0.size")

    def add(self, batch, region, enc, index, rnd, data=b"", page=None):
        """An entry the destination must take; page is what it decodes to."""
        batch.append(entry(region, enc, index, rnd, data))
        self.digest_in += digest_input(region, index, rnd,
                                       None if enc == ZERO else (page or data))
        self.count += 1

    def base_pages(self):
        rng = self.rng
        last0, last1 = self.npages[0] - 1, self.npages[1] - 1
        comp, page = lz4_page(rng.randbytes(rng.choice((1, 8, 16, 64))))
        b1, b2 = [], []
        self.add(b1, 0, RAW, 0, 0, rng.randbytes(PAGE))
        self.add(b1, 0, ZERO, 1, 0)
        self.add(b1, 0, LZ4, 2, 0, comp, page)
        self.add(b1, 0, RAW, last0, 0, rng.randbytes(PAGE))
        self.add(b1, 1, RAW, 0, 0, rng.randbytes(PAGE))
        self.add(b1, 1, RAW, last1, 0, rng.randbytes(PAGE))
        self.add(b2, 0, RAW, 0, 1, rng.randbytes(PAGE))
        # An older copy after a newer one: kept out, but in the digest.
        self.add(b2, 1, RAW, last1, 0, rng.randbytes(PAGE))
        self.add(b2, 1, ZERO, last1, 2)
        self.batches = [b1, b2]

    def base_state(self):
        # Framing the module accepts; content its VMM cannot load.
        return state_rec(1, self.rng.randbytes(20)) + state_rec(13, b"fuzz")

    def stream_end(self, pages=None, digest=None):
        return struct.pack(">QQ", self.count if pages is None else pages,
                           xxh64(bytes(self.digest_in)) if digest is None else digest)

    def steps(self):
        """The baseline, built late so that mutations can edit its parts."""
        s = [("send", Msg("ctrl", SETUP, self.setup)), ("accept",),
             ("open", "data"), ("send", Msg("data", JOIN, self.join))]
        for b in self.batches:
            s.append(("send", Msg("data", PAGES, pages_payload(b))))
        s += [("send", Msg("data", ROUND_END, struct.pack(">I", 0))),
              ("send", Msg("data", ROUND_END, struct.pack(">I", 2))),
              ("send", Msg("data", STREAM_END, self.stream_end()))]
        s += [("send", Msg("ctrl", STATE, c)) for c in self.state]
        s += [("ready",)] + self.after_ready
        return s


def abort_payload(reason, code=71, phase=PHASE_PRECOPY):
    return struct.pack(">HBB", code, phase, len(reason)) + reason


def index_of(steps, mtype, conn=None, nth=0):
    found = [i for i, s in enumerate(steps) if s[0] == "send" and s[1].mtype == mtype and
             (conn is None or s[1].conn == conn)]
    return found[nth] if nth < len(found) else found[-1]


def replace_payload(steps, mtype, payload, nth=0, conn=None):
    steps[index_of(steps, mtype, conn, nth)][1].payload = payload
    return steps


def with_setup(fn):
    """A mutation of SETUP's payload; the rest is never reached."""
    def mut(p):
        p.setup = fn(p)
        return p.steps()
    return mut


def bad_batch(fn):
    """The first batch goes as built, then one made by fn(p) (raw bytes)."""
    def mut(p):
        s = p.steps()
        s.insert(index_of(s, PAGES, nth=1), ("send", Msg("data", PAGES, fn(p))))
        return s
    return mut


def regions_with(p, **change):
    r = [list(x) for x in p.regions]
    for k, v in change.items():
        i, field = int(k[1]), {"id": 0, "name": 1, "gpa": 2, "size": 3}[k[3:]]
        r[i][field] = v
    return [tuple(x) for x in r]


def m_setup_regions(p, regions, **kw):
    return setup_payload(p.uuid, p.name, p.config, regions, **kw)


def one_page(p, region=0, enc=RAW, index=0, rnd=0, data=None, length=None):
    if data is None:
        data = p.rng.randbytes(PAGE) if enc == RAW else b""
    return entry(region, enc, index, rnd, data, length)


def lz4_lie(p, out_len=PAGE, offset=None, cut=None, garbage=False):
    if garbage:
        comp = p.rng.randbytes(p.rng.randrange(1, PAGE))
    else:
        comp, _ = lz4_page(p.rng.randbytes(16), out_len, offset)
        comp = comp[:cut] if cut else comp
    return pages_payload([entry(0, LZ4, 3, 0, comp)])


def state_lie(blob_fn, chunks_fn=None):
    def mut(p):
        blob = blob_fn(p)
        p.state = chunks_fn(p, blob) if chunks_fn else state_chunks(blob)
        return p.steps()
    return mut


def order_ctrl_early(mtype, payload_fn):
    """After JOIN and the first batch, the control connection says mtype."""
    def mut(p):
        s = p.steps()
        s.insert(index_of(s, PAGES, nth=1), ("send", Msg("ctrl", mtype, payload_fn(p))))
        return s
    return mut


def order_data_wrong(mtype, payload_fn):
    def mut(p):
        s = p.steps()
        s.insert(index_of(s, PAGES, nth=1), ("send", Msg("data", mtype, payload_fn(p))))
        return s
    return mut


def hdr_lie(**kw):
    def mut(p):
        s = p.steps()
        m = s[index_of(s, PAGES, nth=1)][1]
        for k, v in kw.items():
            setattr(m, k, v(p) if callable(v) else v)
        return s
    return mut


def bitflip(mtype, keep=0):
    """Bits flipped in the first mtype message, past its first keep bytes."""
    def mut(p):
        s = p.steps()
        m = s[index_of(s, mtype)][1]
        m.payload = m.payload[:keep] + flip_bits(m.payload[keep:], p.rng, p.rng.randint(1, 4))
        return s
    return mut


def join_bad(join_fn):
    """A lying JOIN on one connection, then the real one on another."""
    def mut(p):
        s = p.steps()
        i = index_of(s, JOIN)
        s[i:i] = [("open", "data2"), ("send", Msg("data2", JOIN, join_fn(p))),
                  ("sleep", 0.3)]
        return s
    return mut


def join_dup(p):
    """Stream 0 joins twice (the first has sent pages: it is the one in)."""
    s = p.steps()
    i = index_of(s, PAGES, nth=1)
    s[i:i] = [("open", "data2"), ("send", Msg("data2", JOIN, p.join)), ("sleep", 0.3),
              # Then the fuzzer gives up, in words no terminal should see.
              ("send", Msg("ctrl", ABORT, abort_payload(
                  b"fuzzer: \x1b[31mjoin-dup\x07 done\xff")))]
    return s


def abort_idle_stream(p):
    """The source gives up on the control connection while its data
    stream, joined, sends nothing more: the destination must end the
    migration at once (it must be reading the control connection)."""
    s = p.steps()
    i = index_of(s, PAGES, nth=1)
    return s[:i] + [("sleep", 0.5), ("send", Msg("ctrl", ABORT, abort_payload(
        b"fuzzer gives up in pre-copy")))]


def rounds_shuffled(p):
    """Valid, rounds out of order: the digest must still match (the state,
    not the pages, fails this migration)."""
    p.batches, p.digest_in, p.count = [], bytearray(), 0
    b = []
    rnds = list(range(6))
    p.rng.shuffle(rnds)
    for rnd in rnds:
        p.add(b, 0, RAW, 5, rnd, p.rng.randbytes(PAGE))
        p.add(b, 1, ZERO if rnd % 2 else RAW, 3, rnd, b"" if rnd % 2 else p.rng.randbytes(PAGE))
    p.batches = [b[:5], b[5:]]
    return p.steps()


def round_end_len(p):
    s = p.steps()
    replace_payload(s, ROUND_END, p.rng.choice([b"\0\0\0", b"\0\0\0\0\0",
                                                 p.rng.randbytes(64)]))
    return s


def max_batch(p, n):
    """n raw pages in one batch: 255 fit in 1 MiB, 256 do not."""
    data = p.rng.randbytes(PAGE)
    return pages_payload([entry(0, RAW, i, 0, data) for i in range(n)])


def max_batch_valid(p):
    """The largest batch goes through; a digest left out of the count
    (too slow to compute here) then fails the stream."""
    p.count += 255
    return bad_batch(lambda q: max_batch(q, 255))(p)


def two_streams(second, streams=(2, 2), first_lies=False):
    """Two data connections: the first as usual, the second (which joins
    once the first has sent pages, so is surely second) sends second(p)."""
    def mut(p):
        p.join = p.uuid + struct.pack(">HH", 0, streams[0])
        s = p.steps()
        i = index_of(s, PAGES, nth=1)
        join2 = p.uuid + struct.pack(">HH", 1, streams[1])
        s[i:i] = [("sleep", 0.3), ("open", "data2"), ("send", Msg("data2", JOIN, join2)),
                  ("sleep", 0.3)]
        if first_lies:
            s.insert(index_of(s, PAGES, nth=1), ("send", Msg("data", PAGES, pages_payload(
                [one_page(p, index=p.npages[0])]))))
        i = index_of(s, STATE)
        s[i:i] = [("send", Msg("data2", t, pl)) for t, pl in second(p)]
        return s
    return mut


def empty_stream_end():
    return STREAM_END, struct.pack(">QQ", 0, xxh64(b""))


def stream_end_early(p):
    s = p.steps()
    s.insert(index_of(s, PAGES), ("send", Msg("data", STREAM_END,
                                              struct.pack(">QQ", 0, xxh64(b"")))))
    return s


def state_first(p):
    """STATE before the pages end: allowed by the destination's order."""
    s = p.steps()
    st = [x for x in s if x[0] == "send" and x[1].mtype == STATE]
    s = [x for x in s if not (x[0] == "send" and x[1].mtype == STATE)]
    i = index_of(s, PAGES)
    s[i:i] = st
    return s


def close_conn(conn, before_type, nth=0):
    def mut(p):
        s = p.steps()
        s.insert(index_of(s, before_type, nth=nth), ("close", conn))
        return s
    return mut


def truncated(p):
    s = p.steps()
    m = s[index_of(s, PAGES, nth=1)][1]
    m.cut = p.rng.randrange(12, len(m.wire()))
    return s


def commit_early(p):
    """COMMIT of this very migration before its state: must not commit."""
    s = p.steps()
    s.insert(index_of(s, STATE), ("send", Msg("ctrl", COMMIT, p.uuid)))
    return s


def garbage_config(p):
    p.config = p.rng.randbytes(p.rng.randrange(1, 300))
    p.setup = setup_payload(p.uuid, p.name, p.config, p.regions)
    return p.steps()


def regions_differ(p):
    return m_setup_regions(p, regions_with(p, r1_size=EXTRA_SIZE * 2))


KINDS = {
    # SETUP: refused as malformed, or its VMM cannot match it.
    "setup-truncated": with_setup(lambda p: p.setup[:p.rng.randrange(1, len(p.setup))]),
    "setup-trailing": with_setup(lambda p: p.setup + p.rng.randbytes(p.rng.randint(1, 9))),
    "setup-no-regions": with_setup(lambda p: m_setup_regions(p, [])),
    "setup-33-regions": with_setup(lambda p: m_setup_regions(
        p, [(i, b"r", i * 0x100000, PAGE) for i in range(33)])),
    "setup-region-count-lies": with_setup(lambda p: m_setup_regions(
        p, p.regions, n_regions=3)),
    "setup-region-unaligned": with_setup(lambda p: m_setup_regions(
        p, regions_with(p, r1_size=EXTRA_SIZE + p.rng.choice((1, 512, 4095))))),
    "setup-region-overlap": with_setup(lambda p: m_setup_regions(
        p, regions_with(p, r1_gpa=p.regions[0][3] - PAGE))),
    "setup-region-wraps": with_setup(lambda p: m_setup_regions(
        p, regions_with(p, r1_gpa=(1 << 64) - PAGE, r1_size=2 * PAGE))),
    "setup-region-dup-id": with_setup(lambda p: m_setup_regions(p, regions_with(p, r1_id=0))),
    "setup-region-empty": with_setup(lambda p: m_setup_regions(p, regions_with(p, r1_size=0))),
    "setup-vcpus-zero": with_setup(lambda p: m_setup_regions(p, p.regions, vcpus=0)),
    "setup-name-bad": with_setup(lambda p: setup_payload(
        p.uuid, p.rng.choice([b"", b"fz\x00x", b"a\x1b[2J", b"x" * 65]), p.config, p.regions)),
    "setup-config-len-lies": with_setup(lambda p: m_setup_regions(
        p, p.regions, config_len=p.rng.choice([len(p.config) + 1, 61441, 0xffffffff]))),
    "setup-config-garbage": garbage_config,
    "setup-regions-differ": with_setup(regions_differ),
    "setup-bitflip": bitflip(SETUP),
    # Headers of a PAGES message on a data connection.
    "hdr-bad-magic": hdr_lie(magic=0x4C4D4948),
    "hdr-bad-version": hdr_lie(version=lambda p: p.rng.choice((0, 2, 255))),
    "hdr-flags": hdr_lie(flags=lambda p: 1 << p.rng.randrange(16)),
    "hdr-len-over-max": hdr_lie(length=(1 << 20) + 1, cut=12),
    "hdr-unknown-type": hdr_lie(mtype=lambda p: p.rng.choice((0, 16, 255))),
    "hdr-len-lies": hdr_lie(length=lambda p: len(p.steps()[index_of(
        p.steps(), PAGES, nth=1)][1].payload) - p.rng.randrange(1, 100)),
    # PAGES: every field out of range once.
    "pages-region-oob": bad_batch(lambda p: pages_payload(
        [one_page(p, region=p.rng.choice((2, 31, 255)))])),
    "pages-index-oob": bad_batch(lambda p: pages_payload([one_page(
        p, region=1, index=p.rng.choice((p.npages[1], p.npages[1] + 1, 0xffffffff)))])),
    "pages-index-oob-r0": bad_batch(lambda p: pages_payload([one_page(
        p, region=0, index=p.npages[0] + p.rng.choice((0, 1 << 20, 1 << 31)))])),
    "pages-zero-oob": bad_batch(lambda p: pages_payload([one_page(
        p, region=p.rng.choice((0, 1)), enc=ZERO, index=0xffffffff)])),
    "pages-zero-bad-region": bad_batch(lambda p: pages_payload([one_page(
        p, region=2, enc=ZERO, index=0)])),
    "pages-count-more": bad_batch(lambda p: pages_payload([one_page(p, index=4)], count=2)),
    "pages-count-less": bad_batch(lambda p: pages_payload(
        [one_page(p, index=4), one_page(p, index=5)], count=1)),
    "pages-count-zero": bad_batch(lambda p: pages_payload([], count=0)),
    "pages-count-257": bad_batch(lambda p: pages_payload(
        [one_page(p, enc=ZERO, index=i) for i in range(257)])),
    "pages-reserved": bad_batch(lambda p: pages_payload([one_page(p)], reserved=1)),
    "pages-len-raw": bad_batch(lambda p: pages_payload([one_page(
        p, data=p.rng.randbytes(p.rng.choice((4095, 4097))))])),
    "pages-len-zero": bad_batch(lambda p: pages_payload([one_page(p, enc=ZERO, data=b"z")])),
    "pages-len-lz4": bad_batch(lambda p: pages_payload([one_page(
        p, enc=LZ4, data=p.rng.choice((b"", p.rng.randbytes(PAGE))))])),
    "pages-len-past-end": bad_batch(lambda p: pages_payload([one_page(
        p, data=p.rng.randbytes(100), length=PAGE)])),
    "pages-enc-unknown": bad_batch(lambda p: pages_payload([one_page(
        p, enc=p.rng.choice((3, 4, 255)), data=b"")])),
    "pages-entry-truncated": bad_batch(lambda p: pages_payload([one_page(p)])[:-100]),
    "pages-oversized": bad_batch(lambda p: max_batch(p, 256)),
    "pages-max-batch": max_batch_valid,
    "pages-lz4-expand": bad_batch(lambda p: lz4_lie(p, out_len=p.rng.choice((4097, 8192)))),
    "pages-lz4-short": bad_batch(lambda p: lz4_lie(p, out_len=p.rng.choice((64, 4095)))),
    "pages-lz4-truncated": bad_batch(lambda p: lz4_lie(p, cut=p.rng.randrange(2, 19))),
    "pages-lz4-garbage": bad_batch(lambda p: lz4_lie(p, garbage=True)),
    "pages-lz4-bad-offset": bad_batch(lambda p: lz4_lie(p, offset=p.rng.choice((0, 17, 65535)))),
    "pages-round-max": bad_batch(lambda p: pages_payload([one_page(
        p, index=6, rnd=p.rng.choice((0xfffffffe, 0xffffffff)))])),
    "pages-rounds-shuffled": rounds_shuffled,
    "pages-bitflip": bitflip(PAGES),
    # ROUND_END and STREAM_END.
    "round-end-bad-len": round_end_len,
    "stream-end-count": lambda p: replace_payload(p.steps(), STREAM_END, p.stream_end(
        pages=p.count + p.rng.choice((-1, 1, 1 << 40)))),
    "stream-end-digest": lambda p: replace_payload(p.steps(), STREAM_END, p.stream_end(
        digest=xxh64(bytes(p.digest_in)) ^ (1 << p.rng.randrange(64)))),
    "stream-end-len": lambda p: replace_payload(p.steps(), STREAM_END, p.stream_end()[
        :p.rng.choice((0, 8, 15))] if p.rng.random() < .5 else p.stream_end() + b"\0"),
    "stream-end-early": stream_end_early,
    # STATE chunks and records.
    "state-chunk-short": lambda p: replace_payload(p.steps(), STATE, p.rng.randbytes(
        p.rng.randrange(8))),
    "state-gap": state_lie(lambda p: p.base_state(), lambda p, b: [
        struct.pack(">II", 0, len(b)) + b[:8], struct.pack(">II", 16, len(b)) + b[16:]]),
    "state-total-huge": state_lie(lambda p: p.base_state(), lambda p, b: state_chunks(
        b, total=(16 << 20) + 1)),
    "state-past-total": state_lie(lambda p: p.base_state(), lambda p, b: state_chunks(
        b, total=len(b) - 8)),
    "state-empty-chunk": state_lie(lambda p: p.base_state(), lambda p, b: [
        struct.pack(">II", 0, len(b))] + state_chunks(b)),
    "state-empty": state_lie(lambda p: b""),
    "state-total-changes": state_lie(lambda p: p.base_state(), lambda p, b: [
        struct.pack(">II", 0, len(b) + 64) + b[:16], struct.pack(">II", 16, len(b)) + b[16:]]),
    "state-offset-wraps": state_lie(lambda p: p.base_state(), lambda p, b: [
        struct.pack(">II", 0xfffffff0, len(b)) + b]),
    "state-rec-type": state_lie(lambda p: state_rec(p.rng.choice((0, 15, 0xffffffff)), b"x")),
    "state-rec-reserved": state_lie(lambda p: state_rec(1, b"x" * 8, reserved=1)),
    "state-rec-len": state_lie(lambda p: state_rec(1, b"x" * 8, length=p.rng.choice(
        (9, 17, 0xfffffff8, 0xffffffff)))),
    "state-rec-padding": state_lie(lambda p: state_rec(1, b"abc", pad=b"\0\0\0\0\x01")),
    "state-rec-truncated": state_lie(lambda p: p.base_state() + b"\x01\0\0\0"),
    "state-garbage-records": lambda p: p.steps(),
    "state-first": state_first,
    # In the records: a chunk's offset or total flipped up leaves the
    # destination waiting for more state (state-incomplete).
    "state-bitflip": bitflip(STATE, keep=8),
    # Messages in the wrong order, on the wrong connection, or cut off.
    "order-ctrl-pages": order_ctrl_early(PAGES, lambda p: pages_payload([one_page(p)])),
    "order-ctrl-stream-end": order_ctrl_early(STREAM_END, lambda p: p.stream_end()),
    "order-ctrl-setup": order_ctrl_early(SETUP, lambda p: p.setup),
    "order-ctrl-ready": order_ctrl_early(READY, lambda p: b""),
    "order-commit-early": commit_early,
    "order-data-state": order_data_wrong(STATE, lambda p: p.state[0]),
    "order-data-setup": order_data_wrong(SETUP, lambda p: p.setup),
    "order-data-commit": order_data_wrong(COMMIT, lambda p: p.uuid),
    "order-data-join": order_data_wrong(JOIN, lambda p: p.join),
    "order-data-hello": order_data_wrong(HELLO, lambda p: hello_payload(os.urandom(32))),
    "order-join-bad-uuid": join_bad(lambda p: p.rng.randbytes(16) + struct.pack(">HH", 0, 1)),
    "order-join-bad-stream": join_bad(lambda p: p.uuid + struct.pack(
        ">HH", *p.rng.choice(((1, 1), (0, 0), (0, 17), (16, 16))))),
    "order-join-short": join_bad(lambda p: p.join[:19]),
    "order-join-dup": join_dup,
    "order-peer-abort": order_ctrl_early(ABORT, lambda p: abort_payload(
        bytes(p.rng.randrange(256) for _ in range(40)), code=p.rng.randrange(65536),
        phase=p.rng.randrange(256))),
    "streams-two": two_streams(lambda p: [empty_stream_end()]),
    "streams-two-one-lies": two_streams(lambda p: [(PAGES, pages_payload([one_page(
        p, region=1, index=p.npages[1])])), empty_stream_end()]),
    "streams-join-mismatch": two_streams(lambda p: [empty_stream_end()], streams=(2, 3),
                                         first_lies=True),
    "conn-truncated": truncated,
    "conn-close-data": close_conn("data", PAGES, nth=1),
    "conn-close-ctrl": close_conn("ctrl", PAGES, nth=1),
}

# Kinds kept apart from the random draw: each a regression case, run on
# its own (--kinds).
SLOW = {
    # The source stops in the middle of its state: the destination waits
    # for the rest, LM_IO_TIMEOUT (30 s), then fails the migration.
    "state-incomplete": state_lie(lambda p: p.base_state(), lambda p, b: state_chunks(
        b, total=len(b) + 64)),
}

REGRESSIONS = {
    # kmod/dest.c lm_in_data() does not wake the control thread when the
    # last stream joins: it reads the control connection only when a
    # stream ends or LM_IO_TIMEOUT (30 s) has passed.
    "order-abort-idle-stream": abort_idle_stream,
}


# Where each kind must end, by the destination's error (lmctl list):
# caught where the lie was told, not by luck further on.
EXPECT_WHY = {
    "setup": "at once, SETUP refused as malformed, never listed",
    "refused": "with its VMM refusing the machine",
    "no-vmm": "with no VMM attached (it cannot match the regions)",
    "stream": "on the data stream, before any state was looked at",
    "state": "on the STATE chunks or their framing",
    "load": "at LOAD (the lie is tolerated; the VMM refuses the state)",
    "expected-state": "with \"expected STATE\" on the control connection",
    "gave-up": "with the peer's own ABORT",
    "any": "failed",
}
EXPECT = {
    "setup-config-garbage": "refused",
    "setup-regions-differ": "no-vmm",
    "setup-bitflip": "any",
    # Valid protocol, in an unusual order: only the state fails these.
    "pages-rounds-shuffled": "load",
    "stream-end-early": "load",
    "state-first": "load",
    "state-garbage-records": "load",
    "order-join-bad-uuid": "load",
    "order-join-bad-stream": "load",
    "order-join-short": "load",
    # ROUND_END is exactly 4 bytes; every chunk announces the same total.
    "round-end-bad-len": "stream",
    "state-total-changes": "state",
    "state-bitflip": "any",
    "order-ctrl-pages": "expected-state",
    "order-ctrl-stream-end": "expected-state",
    "order-ctrl-setup": "expected-state",
    "order-ctrl-ready": "expected-state",
    "order-commit-early": "expected-state",
    "order-peer-abort": "gave-up",
    "order-join-dup": "gave-up",
    "conn-close-ctrl": "any",
    "streams-two": "load",
    "state-incomplete": "any",
    "order-abort-idle-stream": "gave-up",
}
EXPECT_PREFIX = {"setup": "setup", "hdr": "stream", "pages": "stream",
                 "stream": "stream", "state": "state", "order": "stream",
                 "conn": "stream", "streams": "stream"}


def expectation(kind):
    return EXPECT.get(kind) or EXPECT_PREFIX[kind.split("-")[0]]


def ending_ok(kind, ended, dest):
    state, err = dest
    err = err or ""
    want = expectation(kind)
    if want == "setup":
        return state == "gone" and "malformed SETUP" in ended
    if want == "stream":
        return bool(err) and not re.search(r"LOAD|unusable state|STATE chunk|empty state|expected STATE", err)
    pattern = {"refused": r" refused: ", "no-vmm": r"no VMM attached",
               "state": r"STATE chunk|unusable state|empty state", "load": r"refused LOAD",
               "expected-state": r"expected STATE", "gave-up": r"gave up",
               "any": r""}[want]
    return re.search(pattern, err) is not None


# --- running one iteration ------------------------------------------------------

class Iteration:
    def __init__(self, args, psk, it, kind, rng):
        self.args, self.psk, self.it, self.kind = args, psk, it, kind
        self.plan = Plan(it, rng, args.config_bytes, args.name_prefix)
        self.steps = {**KINDS, **SLOW, **REGRESSIONS}[kind](self.plan)
        self.conns = {}
        self.data_addr = (args.addr, args.port)
        self.seen = []          # what the destination said or did
        self.ended = None       # how the control connection ended

    def connect(self, name, addr):
        c = Conn(addr[0], addr[1], self.args.src)
        c.handshake(self.psk, self.args.auth_code)
        self.conns[name] = c
        return c

    def note(self, where, what):
        self.seen.append("%s: %s" % (where, what))

    def on_ctrl(self, mtype, p):
        if mtype == ABORT:
            self.ended = describe_abort(p)
        elif mtype == COMMITTED:
            self.ended = "COMMITTED (!)"
        else:
            self.ended = "sent %s" % MSG_NAMES.get(mtype, mtype)

    def expect_ctrl(self, want, timeout):
        c = self.conns["ctrl"]
        if c.closed:
            self.ended = "the fuzzer closed it"
            return None
        try:
            mtype, p = c.recv(timeout)
        except PeerGone as e:
            self.ended = "closed (%s)" % e
            return None
        except socket.timeout:
            self.ended = "silent for %d s" % timeout
            return None
        if mtype != want:
            self.on_ctrl(mtype, p)
            return None
        return p

    def run_steps(self):
        for st in self.steps:
            op = st[0]
            if op == "send":
                m = st[1]
                c = self.conns.get(m.conn)
                if c is None or c.closed:
                    continue
                try:
                    c.send(m.wire())
                except PeerGone as e:
                    self.note(m.conn, "send of %s failed: %s" % (
                        MSG_NAMES.get(m.mtype, m.mtype), e))
                    c.close()
                    if m.conn == "ctrl":
                        return
                    continue
                if m.cut is not None:
                    c.close()
            elif op == "accept":
                p = self.expect_ctrl(ACCEPT, END_TIMEOUT)
                if p is None:
                    return
                self.note("ctrl", "ACCEPT")
                if p[0] and p[1] == 4:
                    self.data_addr = (socket.inet_ntoa(p[2:6]),
                                      struct.unpack(">H", p[6:8])[0])
            elif op == "open":
                try:
                    self.connect(st[1], self.data_addr)
                except (OSError, PeerGone) as e:
                    self.note(st[1], "could not connect: %s" % e)
            elif op == "ready":
                p = self.expect_ctrl(READY, END_TIMEOUT)
                if p is None:
                    return
                self.note("ctrl", "READY")
            elif op == "close":
                if st[1] in self.conns:
                    self.conns[st[1]].close()
            elif op == "sleep":
                time.sleep(st[1])

    def wait_end(self):
        """Until the destination ends the control connection."""
        c = self.conns.get("ctrl")
        t0 = time.monotonic()
        while self.ended is None and c and not c.closed:
            left = END_TIMEOUT - (time.monotonic() - t0)
            if left <= 0:
                self.ended = "still open after %d s" % END_TIMEOUT
                break
            try:
                mtype, p = c.recv(left)
            except PeerGone as e:
                self.ended = "closed (%s)" % e
                break
            except socket.timeout:
                continue
            self.on_ctrl(mtype, p)
        if self.ended is None:
            self.ended = "the fuzzer closed it"
        # What the data connections heard (an ABORT to a JOIN, say).
        for name, dc in self.conns.items():
            if name == "ctrl" or dc.closed:
                continue
            try:
                r, _, _ = select.select([dc.s], [], [], 0)
                if r:
                    mtype, p = dc.recv(1)
                    self.note(name, describe_abort(p) if mtype == ABORT else
                              MSG_NAMES.get(mtype, str(mtype)))
            except (PeerGone, socket.timeout, OSError) as e:
                self.note(name, "closed (%s)" % e)

    def run(self):
        t0 = time.monotonic()
        try:
            self.connect("ctrl", (self.args.addr, self.args.port))
        except (OSError, PeerGone) as e:
            self.ended = "handshake failed: %s" % e
            return time.monotonic() - t0
        self.run_steps()
        self.wait_end()
        for c in self.conns.values():
            c.close()
        return time.monotonic() - t0


def uuid_hex(s):
    return "".join(ch for ch in (s or "").lower() if ch in "0123456789abcdef")


def dest_state(cmd, uuid):
    """(state, error) the destination lists for @uuid, ("gone", None) if it
    lists none, or ("?", why) when it cannot be asked."""
    try:
        out = subprocess.run(cmd, capture_output=True, check=True, timeout=30).stdout
        migs = json.loads(out)["migrations"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        return "?", str(e)
    for m in migs:
        if uuid_hex(m.get("uuid")) == uuid.hex():
            return m.get("state"), m.get("error")
    return "gone", None


ENDED = ("failed", "gone", "cancelled")


def wait_dest(cmd, uuid):
    t0 = time.monotonic()
    while True:
        state, err = dest_state(cmd, uuid)
        if state in ENDED + ("completed",) or time.monotonic() - t0 > LIST_TIMEOUT:
            return state, err
        time.sleep(0.2)


def classify(ended, dest):
    """A short name for how an iteration ended, for the summary."""
    state, err = dest
    if state not in (None, "?") and err:
        e = err.split(": ", 1)[-1] if "gave up" not in err else err
        return "%s: %s" % (state, e[:90])
    return "%s; %s" % (state or "-", ended[:90])


def self_test():
    page = bytes((7 * i + 3) % 256 for i in range(PAGE))
    d = digest_input(1, 2, 3, page) + digest_input(0, 0x12345678, 0x9ABCDEF0, None)
    if xxh64(d) != 0xC6B55A98B935C5FD or xxh64(b"") != 0xEF46DB3751D8E999:
        print("fuzz_peer.py: self-test: xxh64 does not give the protocol's test vector",
              file=sys.stderr)
        sys.exit(2)


def check_list(record):
    migs = json.load(sys.stdin)["migrations"]
    by_uuid = {uuid_hex(m.get("uuid")): m for m in migs}
    bad = 0
    n = 0
    with open(record) as f:
        for line in f:
            r = json.loads(line)
            n += 1
            m = by_uuid.get(r["uuid"])
            if m and m.get("state") not in ENDED:
                print("%s (%s, %s): %s on the destination: %s" % (
                    r["vm"], r["kind"], r["uuid"], m.get("state"), m.get("error")))
                bad += 1
    print("%d of %d fuzzed migrations are failed or gone on the destination" % (n - bad, n))
    return 1 if bad or not n else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("addr", nargs="?")
    ap.add_argument("port", nargs="?", type=int, default=6600)
    ap.add_argument("--src", help="local address to connect from")
    ap.add_argument("--config", help="an lm_vmm machine description (--config-out)")
    ap.add_argument("--key", help="the pre-shared key file (lmctl genkey)")
    ap.add_argument("--auth", choices=("psk", "none"), default="psk")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=120,
                    help="start no iteration after this many seconds")
    ap.add_argument("--kinds", help="comma-separated kinds (default all)")
    ap.add_argument("--dest-cmd", help="command printing the destination's lmctl list -j")
    ap.add_argument("--record", help="append one JSON line per iteration here")
    ap.add_argument("--name-prefix", default="fz", help="VM names are PREFIX<N>")
    ap.add_argument("--list-kinds", action="store_true")
    ap.add_argument("--check-list", metavar="RECORD")
    args = ap.parse_args()

    self_test()
    if args.list_kinds:
        print("\n".join(KINDS))
        print("\n".join("%s (slow, not drawn)" % k for k in SLOW))
        print("\n".join("%s (regression, not drawn)" % k for k in REGRESSIONS))
        return 0
    if args.check_list:
        return check_list(args.check_list)
    if not args.addr or not args.config:
        ap.error("ADDR and --config are required")
    if args.auth == "psk" and not args.key:
        ap.error("auth psk needs --key")
    kinds = args.kinds.split(",") if args.kinds else list(KINDS)
    for k in kinds:
        if k not in KINDS and k not in SLOW and k not in REGRESSIONS:
            ap.error("unknown kind %s (--list-kinds)" % k)
    psk = None
    if args.auth == "psk":
        import base64
        with open(args.key) as f:
            psk = base64.b64decode(f.read().strip(), validate=True)
        if len(psk) != 32:
            ap.error("%s does not hold a 32-byte key" % args.key)
    args.auth_code = AUTH_PSK if args.auth == "psk" else AUTH_NONE
    with open(args.config, "rb") as f:
        base = f.read().rstrip(b"\n") + b"\n"
    args.config_bytes = base + (b"region.%d.name=ram%d\nregion.%d.gpa=%#x\nregion.%d.size=%#x\n" % (
        EXTRA_SLOT, EXTRA_SLOT, EXTRA_SLOT, EXTRA_GPA, EXTRA_SLOT, EXTRA_SIZE))
    dest_cmd = shlex.split(args.dest_cmd) if args.dest_cmd else None

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    print("fuzz_peer: seed %d (--seed %d repeats this run), auth %s, %d kinds, "
          "at most %d iterations or %g s" % (seed, seed, args.auth, len(kinds),
                                             args.iterations, args.seconds))
    sys.stdout.flush()
    master = random.Random(seed)
    order = []
    summary = {}
    failures = 0
    t_start = time.monotonic()
    it = 0
    while it < args.iterations and time.monotonic() - t_start < args.seconds:
        if not order:
            order = list(kinds)
            master.shuffle(order)
        kind = order.pop()
        rng = random.Random(master.getrandbits(64))
        itn = Iteration(args, psk, it, kind, rng)
        t0 = time.monotonic()
        secs = itn.run()
        dest = wait_dest(dest_cmd, itn.plan.uuid) if dest_cmd else (None, None)
        took = time.monotonic() - t0
        bad = []
        prompt = PROMPT + (LIST_TIMEOUT if kind in SLOW else 0)
        if took > prompt:
            bad.append("it took %.0f s to end (more than %d)" % (took, prompt))
        if itn.ended.startswith("handshake failed"):
            bad.append("could not authenticate")
        if itn.ended.startswith("still open") or itn.ended.startswith("COMMITTED"):
            bad.append("the destination did not end it")
        if dest[0] not in ENDED + (None,):
            bad.append("the destination lists it as %s" % dest[0])
        if dest_cmd and not ending_ok(kind, itn.ended, dest):
            bad.append("it should have ended %s" % EXPECT_WHY[expectation(kind)])
        how = classify(itn.ended, dest)
        summary.setdefault(kind, {}).setdefault(how, 0)
        summary[kind][how] += 1
        print("iter %d kind=%s vm=%s uuid=%s %.1fs/%.1fs ctrl=%s dest=%s%s%s" % (
            it, kind, itn.plan.name.decode(), itn.plan.uuid.hex(), secs, took, itn.ended,
            dest[0], " error=%r" % dest[1] if dest[1] else "",
            "".join(" [%s]" % s for s in itn.seen)))
        if bad:
            failures += 1
            print("FAIL iter %d (%s): %s" % (it, kind, "; ".join(bad)))
        sys.stdout.flush()
        if args.record:
            with open(args.record, "a") as f:
                f.write(json.dumps({"it": it, "kind": kind, "vm": itn.plan.name.decode(),
                                    "uuid": itn.plan.uuid.hex(), "ctrl": itn.ended,
                                    "dest": dest[0], "error": dest[1], "seconds": took,
                                    "bad": bad}) + "\n")
        it += 1
        if itn.ended.startswith("handshake failed") and it == 1:
            break

    print("summary: seed %d, auth %s, %d iterations in %.0f s, %d kinds of %d ran, %d failed" % (
        seed, args.auth, it, time.monotonic() - t_start, len(summary), len(kinds), failures))
    for kind in sorted(summary):
        for how, n in sorted(summary[kind].items()):
            print("  %-24s %3d x %s" % (kind, n, how))
    return 1 if failures or not it else 0


if __name__ == "__main__":
    sys.exit(main())
