#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A hostile peer on a livemig host's migration port, before authentication.

Usage: hostile_peer.py CASE ADDR PORT [--src ADDR] [--count N] [--hold S]

Each case connects from --src (an address of this namespace), misbehaves,
and measures how the host answers. It prints one line,
"CASE: closed after S s" or "CASE: <what happened>", and exits 0 when the
host did what it must:

  garbage       4 KiB of random bytes                -> closed at once
  bad-magic     a header that is not livemig's       -> closed at once
  huge-len      HELLO claiming a 4 GiB payload       -> closed at once
  pages-first   a 1 MiB PAGES message before HELLO   -> closed without
                reading it (the host reads no more than a HELLO's size)
  truncated     half a HELLO, then silence            -> closed when the
                message is not through within 10 s
  slow          a valid HELLO at one byte a second    -> cut off (10 s a
                message, 30 s the whole handshake) before it is all sent
  setup-first   HELLO, then SETUP instead of AUTH     -> refused (ABORT or
                closed); the host never reads SETUP in the clear
  flood         --count connections at once, held --hold seconds, silent
                -> at most 8 get past accept (the per-address cap), the
                rest are reset at once; prints how many of each
"""

import argparse
import errno
import os
import select
import socket
import struct
import sys
import time

MAGIC = 0x4C4D4947
HELLO, AUTH, SETUP, PAGES, ABORT = 1, 2, 3, 5, 13
AUTH_PSK = 0
PER_PEER_CAP = 8


def header(mtype, length, version=1, magic=MAGIC, flags=0):
    return struct.pack(">IBBHI", magic, version, mtype, flags, length)


def hello(host=b"mallory"):
    body = struct.pack(">BBBBI", 1, 1, AUTH_PSK, len(host), 0)
    return body + os.urandom(32) + host


def connect(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if args.src:
        s.bind((args.src, 0))
    s.settimeout(10)
    s.connect((args.addr, args.port))
    return s


def wait_closed(s, limit):
    """Seconds until the host closes or resets @s, or None after @limit."""
    t0 = time.monotonic()
    s.setblocking(False)
    while time.monotonic() - t0 < limit:
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            continue
        try:
            data = s.recv(65536)
        except BlockingIOError:
            continue
        except OSError:
            return time.monotonic() - t0
        if not data:
            return time.monotonic() - t0
        # An ABORT or HELLO from the host: keep reading until it closes.
    return None


def send_all(s, data):
    """False if the host closed the connection while we were sending."""
    try:
        s.sendall(data)
    except OSError:
        return False
    return True


def closed_case(args, name, payload, limit):
    s = connect(args)
    send_all(s, payload)
    t = wait_closed(s, limit)
    s.close()
    if t is None:
        print(f"{name}: still open after {limit} s")
        return 1
    print(f"{name}: closed after {t:.1f} s")
    return 0


def case_pages_first(args):
    s = connect(args)
    sent = 0
    ok = send_all(s, header(PAGES, 1 << 20))
    # The host must close without waiting for the megabyte: send a little
    # of it, slowly, and see the door shut.
    t0 = time.monotonic()
    while ok and sent < 1 << 20 and time.monotonic() - t0 < 5:
        ok = send_all(s, b"\0" * 4096)
        sent += 4096 if ok else 0
        time.sleep(0.05)
    t = wait_closed(s, 5)
    s.close()
    if t is None:
        print(f"pages-first: still open after sending {sent} bytes")
        return 1
    print(f"pages-first: closed after {sent} payload bytes")
    return 0


def case_slow(args):
    h = hello()
    msg = header(HELLO, len(h)) + h
    s = connect(args)
    t0 = time.monotonic()
    for i, b in enumerate(msg):
        if not send_all(s, bytes([b])):
            break
        r, _, _ = select.select([s], [], [], 1.0)
        if r:
            try:
                if not s.recv(4096):
                    break
            except OSError:
                break
    t = wait_closed(s, 45 - (time.monotonic() - t0))
    s.close()
    elapsed = time.monotonic() - t0
    if t is None:
        print(f"slow: still open after {elapsed:.0f} s")
        return 1
    print(f"slow: cut off after {elapsed:.1f} s, {i} of {len(msg)} bytes sent")
    return 0 if i < len(msg) - 1 else 1


def case_flood(args):
    socks, reset = [], 0
    for _ in range(args.count):
        try:
            socks.append(connect(args))
        except OSError:
            reset += 1
    # A refused connection is accepted by TCP, then reset by the module.
    time.sleep(2)
    alive = []
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(1)
            gone = not data
        except BlockingIOError:
            gone = False
        except OSError:
            gone = True
        if gone:
            reset += 1
            s.close()
        else:
            alive.append(s)
    print(f"flood: {len(alive)} held open, {reset} reset at once")
    sys.stdout.flush()
    time.sleep(args.hold)
    for s in alive:
        s.close()
    return 0 if len(alive) <= PER_PEER_CAP and reset >= args.count - PER_PEER_CAP else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("case")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--src")
    p.add_argument("--count", type=int, default=64)
    p.add_argument("--hold", type=float, default=20)
    args = p.parse_args()

    h = hello()
    cases = {
        "garbage": lambda: closed_case(args, "garbage", os.urandom(4096), 5),
        "bad-magic": lambda: closed_case(args, "bad-magic",
                                         header(HELLO, len(h), magic=0xDEADBEEF) + h, 5),
        "huge-len": lambda: closed_case(args, "huge-len", header(HELLO, 0xFFFFFFFF), 5),
        "truncated": lambda: closed_case(args, "truncated",
                                         header(HELLO, len(h)) + h[:20], 15),
        "pages-first": lambda: case_pages_first(args),
        "slow": lambda: case_slow(args),
        # Never read in the clear: refused, whatever the SETUP holds.
        "setup-first": lambda: closed_case(args, "setup-first",
                                           header(HELLO, len(h)) + h +
                                           header(SETUP, 200) + os.urandom(200), 15),
        "flood": lambda: case_flood(args),
    }
    if args.case not in cases:
        p.error(f"unknown case {args.case}")
    try:
        return cases[args.case]()
    except OSError as e:
        print(f"{args.case}: {errno.errorcode.get(e.errno, e.errno)}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
