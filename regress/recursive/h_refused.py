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

"""Ops recursive Nix refuses, sent raw on a build's own socket.

Usage: h_refused.py SOCKET STOREDIR CASE...
Each case opens its own connection, sends one refused op's request and
checks the answer: an error naming recursive Nix, then the connection
still in step (a SyncWithGC answers), or for a request the op's own
handler would reject, an error and end of file.  Every answer must come
within 5 seconds: the test runs the cases with storeproc stopped, and
a refused op sends it nothing.  CASE "list" prints the case names;
"all" runs them but text-self (an add, which needs storeproc).
The client part is regress/builder/h_opclient.py's.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "builder"))
import h_opclient as oc  # noqa: E402
from h_opclient import B32, Conn, fatal_case, frames, spath, string, \
    strings, u64  # noqa: E402

STORE = ""


def refused_case(op, body):
    def run(sock):
        c = Conn(sock)
        c.send(u64(op) + body)
        c.expect_error("is not allowed in recursive Nix")
        c.expect_usable()
    return run


def cases():
    p = spath()
    drv = spath("x.drv")
    huge = u64(1 << 40)
    basic = (u64(1) + string("out") + string(spath("o")) + string("") +
             string("") + strings([p]) + string("x86_64-linux") +
             string("/bin/sh") + strings(["-c", "true"]) + u64(1) +
             string("out") + string(spath("o")) + u64(0))
    fod = (u64(1) + string("out") + string(spath("f")) +
           string("sha256") + string("0" * 64) + strings([]) +
           string("x86_64-linux") + string("/bin/sh") +
           strings(["-c", "true"]) + u64(0) + u64(0))
    c = {}
    c["hash-part"] = refused_case(29, string(B32[2] * 32))
    c["hash-part-short"] = refused_case(29, string("abc"))
    c["add-signatures"] = refused_case(37, string(p) + strings(["k:sig"]))
    c["build-derivation"] = refused_case(36, string(drv) + basic)
    c["build-derivation-fixed"] = refused_case(36, string(drv) + fod)
    c["register-drv-output"] = refused_case(42, string("{}"))
    c["query-realisation"] = refused_case(43, string("sha256:00!out"))
    c["add-build-log"] = refused_case(45, string("x.drv") +
                                      frames(b"log\n" * 1000))
    c["export-path"] = refused_case(16, string(p) + u64(0))
    c["import-paths"] = refused_case(27, b"")
    # Checked as the op's own handler checks it: the stream is lost.
    c["hash-part-huge"] = fatal_case(29, huge)
    c["add-signatures-bad"] = fatal_case(37, string("/etc/passwd"))
    c["build-derivation-outputs"] = fatal_case(36, string(drv) + huge)
    c["export-path-bad"] = fatal_case(16, string("/etc") + u64(0))
    return c


def b32(data):
    out = []
    for i in range((len(data) * 8 - 1) // 5, -1, -1):
        c = 0
        for j in range(5):
            bit = i * 5 + j
            if bit < len(data) * 8 and data[bit // 8] >> (bit % 8) & 1:
                c |= 1 << j
        out.append(B32[c])
    return "".join(out)


def text_path(name, content):
    """The path of a text add of content with no references."""
    d = hashlib.sha256(("text:sha256:%s:%s:%s" % (
        hashlib.sha256(content).hexdigest(), STORE, name)).encode()).digest()
    c = bytearray(20)
    for i, x in enumerate(d):
        c[i % 20] ^= x
    return "%s/%s-%s" % (STORE, b32(bytes(c)), name)


def text_add(sock, content, self_ref):
    """AddToStoreNar of a text path, naming itself as reference or not."""
    p = text_path("self.txt", content)
    nar = (string("nix-archive-1") + string("(") + string("type") +
           string("regular") + string("contents") + string(content) +
           string(")"))
    info = (string(p) + string("") + string(hashlib.sha256(nar).hexdigest()) +
            strings([p] if self_ref else []) + u64(0) + u64(len(nar)) +
            u64(0) + strings([]) +
            string("text:sha256:" + b32(hashlib.sha256(content).digest())))
    c = Conn(sock)
    c.send(u64(39) + info + u64(0) + u64(0) + frames(nar))
    return c


def text_self(sock):
    """As Nix 2.8: a text path naming itself lacks a valid signature,
    before and after the same path without it is added."""
    content = b"a text path\n"
    text_add(sock, content, True).expect_error("lacks a valid signature")
    text_add(sock, content, False).expect_last()
    text_add(sock, content, True).expect_error("lacks a valid signature")


def main():
    global STORE
    if len(sys.argv) < 4:
        sys.exit("usage: h_refused.py SOCKET STOREDIR CASE...")
    sock, STORE = sys.argv[1], sys.argv[2]
    oc.STORE = STORE
    oc.TIMEOUT = 5
    c = cases()
    c["text-self"] = text_self
    names = sys.argv[3:]
    if names == ["list"]:
        print("\n".join(sorted(c)))
        return
    if names == ["all"]:
        names = sorted(n for n in c if n != "text-self")
    bad = 0
    for name in names:
        try:
            c[name](sock)
            print("ok   %s" % name)
        except Exception as e:
            print("FAIL %s: %s" % (name, e))
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
