#!/usr/bin/env python3
# Copyright (c) 2026 The rnixd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

"""Clients that ask for large replies and do not read them.

Usage:
  h_replies.py nar SOCKET STOREPATH COUNT EXPECTED OUT [USER]
      COUNT connections each do the handshake and send NarFromPath of
      STOREPATH, reading nothing.  Writes "sent N" to OUT, waits for
      OUT.go, then reads every reply in turn and writes "read N, bad M"
      to OUT.done: bad counts the connections whose NAR is not the
      bytes of the file EXPECTED, or that failed.
  h_replies.py pipeline SOCKET COUNT NOPS OUT [USER]
      COUNT connections each do the handshake and send NOPS
      QueryAllValidPaths requests at once, reading nothing.  Writes
      "sent BYTES" to OUT, then waits for OUT.stop as h_flood.py hold
      does.
"""
import os
import socket
import sys
import time

from h_flood import (STDERR_ERROR, STDERR_LAST, connect, handshake,
                     read_u64, report, setup, string, u64, wait_stop)
from wp import recv_exact

WOP_QUERY_ALL_VALID_PATHS = 23
WOP_NAR_FROM_PATH = 38
STDERR_NEXT = 0x6f6c6d67


def recv_into_all(s, n):
    """n bytes, without the quadratic cost of joining small chunks."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = s.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError("daemon closed after %d of %d bytes" % (got, n))
        got += k
    return bytes(buf)


def read_nar_reply(s, size):
    while True:
        code = read_u64(s)
        if code == STDERR_LAST:
            return recv_into_all(s, size)
        if code == STDERR_NEXT:
            n = read_u64(s)
            recv_exact(s, n + (-n % 8))
            continue
        if code == STDERR_ERROR:
            raise AssertionError("NarFromPath failed")
        raise AssertionError("NarFromPath: unexpected %#x" % code)


def main_nar(path, storepath, count, expected, out, user):
    setup(count, user)
    with open(expected, "rb") as f:
        want = f.read()
    conns = []
    req = u64(WOP_NAR_FROM_PATH) + string(storepath.encode())
    for _ in range(count):
        s = connect(path, 10)
        handshake(s)
        s.sendall(req)
        conns.append(s)
    report(out, "sent %d" % len(conns))
    deadline = time.monotonic() + 300
    while not os.path.exists(out + ".go") and time.monotonic() < deadline:
        time.sleep(0.05)
    nread, bad = 0, 0
    for s in conns:
        s.setblocking(True)
        s.settimeout(60)
        try:
            if read_nar_reply(s, len(want)) != want:
                bad += 1
            else:
                nread += 1
        except (OSError, EOFError, AssertionError) as e:
            sys.stderr.write("connection %d: %s\n" % (nread + bad, e))
            bad += 1
        s.close()
    report(out + ".done", "read %d, bad %d" % (nread, bad))


def main_pipeline(path, count, nops, out, user):
    setup(count, user)
    conns = []
    sent = 0
    req = u64(WOP_QUERY_ALL_VALID_PATHS) * nops
    for _ in range(count):
        s = connect(path, 10)
        handshake(s)
        s.setblocking(False)
        off = 0
        deadline = time.monotonic() + 2
        while off < len(req) and time.monotonic() < deadline:
            try:
                off += s.send(req[off:])
            except BlockingIOError:
                time.sleep(0.01)
        sent += off
        conns.append(s)
    report(out, "sent %d" % sent)
    wait_stop(out, conns)


def main():
    a = sys.argv[1:]
    if len(a) in (6, 7) and a[0] == "nar":
        main_nar(a[1], a[2], int(a[3]), a[4], a[5],
                 a[6] if len(a) == 7 else None)
    elif len(a) in (5, 6) and a[0] == "pipeline":
        main_pipeline(a[1], int(a[2]), int(a[3]), a[4],
                      a[5] if len(a) == 6 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
