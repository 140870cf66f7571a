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

"""Requests that took builderproc down (issue 11), and their neighbours.

Usage: h_crash.py SOCKET STOREDIR CASE...
Cases:
  opaque      BuildPaths and BuildPathsWithResults naming an invalid
              opaque path before others: the reply that fails the first
              item finishes the request while its loop still runs.
  nondrv      BuildDerivation of a fixed-output derivation whose drvPath
              does not end in .drv: the op ends inside its own start.
  deferred    BuildDerivation whose outputs are deferred (no paths).
  limit       QueryValidPaths of exactly SESSION_INBUF_MAX bytes: served.
  oversize    BuildPaths of 16 MiB + 32 KiB of opaque paths, sent as
              16 MiB - 1 bytes, a pause, then the rest: refused.
  many        BuildPaths of 30000 invalid opaque paths: the failure
              summary is answered in seconds.
  emptymulti  AddMultipleToStore of an empty stream: an error.
  uphup       AddToStoreNar sent until the daemon stops reading (the
              caller stopped storeproc), then the client leaves.
Each checks the answer and that the connection goes on (or, for
oversize, ends after the error).  Exit 0 if every case behaved.
"""
import sys
import time

import h_opclient as op
import wp
from h_opclient import Conn, u64, string, strings, spath, B32

INBUF_MAX = 16 * 1024 * 1024    # SESSION_INBUF_MAX in builderproc.h


def hashpart(i):
    """A distinct base32 hash part for each i."""
    s = ""
    for _ in range(32):
        s += B32[i % 32]
        i //= 32
    return s


def results(c, count, with_path=True):
    """(path, status, message) of each BuildResult read."""
    return [r[:3] for r in wp.build_results(c, count, with_path)]


def case_opaque(sock):
    a, b, d = spath("a", hashpart(1)), spath("b", hashpart(2)), \
        spath("d", hashpart(3))
    c = Conn(sock)
    c.send(u64(9) + strings([a, b, d]) + u64(0))
    c.expect_error("failed")
    c.expect_usable()
    c = Conn(sock)
    c.send(u64(46) + strings([a, b, d]) + u64(0))
    c.expect_last()
    got = results(c, 3)
    # No keep-going: the first failure (NoSubstituters) ends the op,
    # the items not over count failed (MiscFailure).
    if [(p, st) for p, st, _ in got] != [(a, 14), (b, 9), (d, 9)]:
        raise AssertionError("results %r" % got)
    c.expect_usable()


def basic_drv(outpath, hashalgo, hashval):
    return (u64(1) + string("out") + string(outpath) + string(hashalgo) +
            string(hashval) + strings([]) + string("x86_64-linux") +
            string("/bin/sh") + strings(["-c", "true"]) + u64(1) +
            string("out") + string(outpath) + u64(0))


def case_nondrv(sock):
    c = Conn(sock)
    fixed = basic_drv(spath("o", hashpart(4)), "sha256", "0" * 64)
    c.send(u64(36) + string(spath("notadrv", hashpart(5))) + fixed)
    c.expect_last()
    (_, st, msg), = results(c, 1, False)
    if st != 9 or "derivation" not in msg:
        raise AssertionError("result %d %r" % (st, msg))
    c.expect_usable()


def case_deferred(sock):
    c = Conn(sock)
    drv = (u64(1) + string("out") + string("") + string("") + string("") +
           strings([]) + string("x86_64-linux") + string("/bin/sh") +
           strings(["-c", "true"]) + u64(1) + string("out") + string("") +
           u64(0))
    c.send(u64(36) + string(spath("ca.drv", hashpart(6))) + drv)
    c.expect_error("deferred")
    c.expect_usable()


def path_fill(total, first):
    """Encoded store paths taking exactly total bytes: paths whose name
    is 8 bytes longer take up what whole ones leave.  Returns the count
    and the bytes."""
    name = "n" * 200
    one = len(string(spath(name, hashpart(0))))
    count = total // one
    longer = (total - count * one) // 8
    if total % 8 or longer > count:
        raise AssertionError("cannot fill %d bytes" % total)
    return count, b"".join(string(spath(name + "l" * 8 if i < longer
                                        else name, hashpart(first + i)))
                           for i in range(count))


def case_limit(sock):
    # op, count, paths, substitute: exactly INBUF_MAX bytes.
    count, body = path_fill(INBUF_MAX - 24, 0)
    req = u64(31) + u64(count) + body + u64(0)
    if len(req) != INBUF_MAX:
        raise AssertionError("request of %d bytes" % len(req))
    c = Conn(sock)
    c.s.settimeout(120)
    c.send(req)
    c.expect_last()
    if c.u64() != 0:
        raise AssertionError("invalid paths reported valid")
    c.expect_usable()
    print("limit: %d bytes, %d paths" % (len(req), count))


def case_oversize(sock):
    # A path ends at byte INBUF_MAX exactly: while the first part waits,
    # no path of it reaches past the limit.
    n1, head = path_fill(INBUF_MAX - 16, 0)
    n2, tail = path_fill(32 * 1024 - 8, n1)
    req = u64(9) + u64(n1 + n2) + head + tail + u64(0)
    c = Conn(sock)
    c.s.settimeout(120)
    c.send(req[:INBUF_MAX - 1])
    time.sleep(2)
    c.send(req[INBUF_MAX - 1:])
    c.expect_error("too large")
    c.expect_eof()
    print("oversize: %d bytes, %d paths: refused" % (len(req), n1 + n2))


def case_many(sock):
    paths = [spath("m" * 200, hashpart(i)) for i in range(30000)]
    c = Conn(sock)
    # The request is 7.7 MB: its sending says how fast the daemon
    # reads, the answer how fast it fails 30000 items.  Each phase is
    # timed on its own, so that a failure says which one stalled.
    c.s.settimeout(60)
    start = time.time()
    try:
        c.send(u64(9) + strings(paths) + u64(0))
    except OSError as e:
        raise AssertionError("request not read after %.1f s: %s" %
                             (time.time() - start, e))
    sent = time.time()
    c.s.settimeout(30)
    try:
        c.expect_error("failed")
    except OSError as e:
        raise AssertionError("sent in %.1f s, no answer %.1f s later: %s" %
                             (sent - start, time.time() - sent, e))
    c.expect_usable()
    print("many: sent in %.1f s, answered %.1f s later" %
          (sent - start, time.time() - sent))


def case_emptymulti(sock):
    """AddMultipleToStore whose stream is only its terminator: the count
    step runs before any payload came (NULL + 0 under UBSan before)."""
    c = Conn(sock)
    c.send(u64(44) + u64(0) + u64(0) + u64(0))
    c.expect_error("AddMultipleToStore")
    c.expect_usable()


def case_uphup(sock):
    """An AddToStoreNar whose upload blocks (storeproc is stopped by the
    caller): send until the daemon stops reading, then leave."""
    import socket as so
    size = 8 << 20
    info = {"deriver": "", "narhash": "sha256:" + "0" * 64, "refs": [],
            "narsize": size, "sigs": [], "ca": ""}
    c = Conn(sock)
    c.send(u64(39) + op.info_bytes(spath("up", hashpart(7)), info) +
           u64(0) + u64(0))
    chunk = u64(65536) + b"\0" * 65536
    c.s.settimeout(3)
    sent = 0
    try:
        while sent < size:
            c.s.sendall(chunk)
            sent += 65536
    except so.timeout:
        pass
    if sent >= size:
        raise AssertionError("the daemon read all %d bytes" % size)
    c.s.close()
    print("uphup: left after %d bytes" % sent)


def main():
    sock, op.STORE = sys.argv[1], sys.argv[2]
    wp.run_cases(sock, sys.argv[3:], lambda name: globals()["case_" + name])


if __name__ == "__main__":
    main()
