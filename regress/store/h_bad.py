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

"""Bad input for the store ops: truncated requests, oversized strings,
bad padding, invalid store paths, wrong claims and hostile NARs through
AddToStore, AddToStoreNar and AddMultipleToStore.

Usage: h_bad.py SOCKET STOREDIR [nix]
With "nix" (checking the cases against the real nix-daemon), the cases
with lengths and counts past rnixd's limits are left out: Nix has no
such limits and waits for the data; and the hostile NARs that Nix 2.8
accepts are only reported (its sortedness check compares each name with
an always-empty previous one; it takes a NUL in a symlink target, any
depth, "executable" after "contents"...).  rnixd refuses them all.
Every case runs on a fresh connection and must get an error reply (or,
for a request cut off by the client, nothing); after each, a new
connection must be served.  Prints one line per case; exits 1 on the
first case the daemon got wrong.
"""
import hashlib
import os
import sys

import wp
from wp import u64, string, strings, framed

SOCK, STORE = sys.argv[1], sys.argv[2]
LIMITS = sys.argv[3:] != ["nix"]
HASH = "0" * 32
GOOD = wp.nar_file(b"good\n")


def T(*toks):
    return b"".join(string(t) for t in toks)


def raw(tok, pad):
    """A token with explicit (maybe non-zero) padding."""
    return u64(len(tok)) + tok + pad


def node_file(data=b"evil\n"):
    return T("(", "type", "regular", "contents", data, ")")


def entry(name, node):
    return T("entry", "(", "name", name, "node") + node + T(")")


def directory(*entries):
    return T("(", "type", "directory") + b"".join(entries) + T(")")


def nar(body):
    return T("nix-archive-1") + body


def deep(n):
    body = node_file()
    for _ in range(n):
        body = directory(entry("d", body))
    return nar(body)


HOSTILE = [
    ("empty input", b""),
    ("bad magic", T("nix-archive-2") + node_file()),
    ("huge magic", u64(1 << 63)),
    ("padding in contents", T("nix-archive-1", "(", "type", "regular",
                              "contents") + raw(b"abc", b"\0\0\0\0\x01") +
     T(")")),
    ("padding in keyword", T("nix-archive-1") + raw(b"(", b"\0" * 6 + b"x") +
     T("type", "regular", "contents", "", ")")),
    ("unsorted", nar(directory(entry("b", node_file()),
                               entry("a", node_file())))),
    ("duplicate", nar(directory(entry("a", node_file()),
                                entry("a", node_file())))),
    ("bytewise order", nar(directory(entry("a", node_file()),
                                     entry("B", node_file())))),
    ("name .", nar(directory(entry(".", node_file())))),
    ("name ..", nar(directory(entry("..", node_file())))),
    ("name a/b", nar(directory(entry("a/b", node_file())))),
    ("name ../x", nar(directory(entry("../x", node_file())))),
    ("name with NUL", nar(directory(entry(b"a\0b", node_file())))),
    ("empty name", nar(directory(entry("", node_file())))),
    ("256-byte name", nar(directory(entry("n" * 256, node_file())))),
    ("2^63-byte name", nar(T("(", "type", "directory", "entry", "(",
                             "name")) + u64(1 << 63)),
    ("empty target", nar(T("(", "type", "symlink", "target", "", ")"))),
    ("4096-byte target", nar(T("(", "type", "symlink", "target", "t" * 4096,
                               ")"))),
    ("target with NUL", nar(T("(", "type", "symlink", "target", b"a\0b",
                              ")"))),
    ("depth limit + 1", deep(257)),
    ("2^63-byte file", nar(T("(", "type", "regular", "contents")) +
     u64(1 << 63) + b"x" * 64),
    ("2^64-1-byte file", nar(T("(", "type", "regular", "contents")) +
     u64((1 << 64) - 1) + b"x" * 64),
    ("short file", nar(T("(", "type", "regular", "contents")) + u64(100) +
     b"x" * 16),
    ("executable value", nar(T("(", "type", "regular", "executable", "x",
                               "contents", "", ")"))),
    ("executable after contents", nar(T("(", "type", "regular", "contents",
                                        "", "executable", "", ")"))),
    ("unknown field", nar(T("(", "type", "regular", "mtime", "1", ")"))),
    ("2^63-byte keyword", nar(T("(", "type", "regular")) + u64(1 << 63)),
    ("unknown type", nar(T("(", "type", "fifo", ")"))),
    ("second type", nar(T("(", "type", "regular", "type", "regular",
                          "contents", "", ")"))),
    ("no open paren", nar(T("type", "regular", "contents", "", ")"))),
    ("no type", nar(T("(", "contents", "", ")"))),
    ("node before name", nar(T("(", "type", "directory", "entry", "(",
                               "node") + node_file() + T(")", ")"))),
    ("entry in a file", nar(T("(", "type", "regular", "entry", "(", "name",
                              "x", "node") + node_file() + T(")", ")"))),
    ("trailing token", GOOD + T("extra")),
    ("trailing byte", GOOD + b"\0"),
    ("through a symlink", nar(directory(
        entry("l", T("(", "type", "symlink", "target", "/tmp", ")")),
        entry("l/x", node_file())))),
    ("symlink then dir", nar(directory(
        entry("l", T("(", "type", "symlink", "target", "/tmp", ")")),
        entry("l", directory(entry("x", node_file())))))),
]


def fresh():
    return wp.Client(SOCK, timeout=30)


def expect_error(what, payload, closed_ok=False):
    """Send payload on a fresh connection; the daemon must answer
    STDERR_ERROR (closed_ok: or close without answering)."""
    c = fresh()
    try:
        c.send(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass                    # it gave up reading: its error is queued
    try:
        c.wait()
    except wp.DaemonError as e:
        msg = str(e)
        if not msg:
            raise AssertionError("%s: empty error message" % what)
        c.close()
        still_serving(what)
        return msg
    except TimeoutError:
        raise AssertionError("%s: no answer in 30 s" % what)
    except (wp.Closed, ConnectionResetError):
        if closed_ok:
            c.close()
            still_serving(what)
            return "(closed)"
        raise AssertionError("%s: the daemon closed without an error" % what)
    raise AssertionError("%s: accepted" % what)


def still_serving(what):
    c = fresh()
    try:
        if c.is_valid(STORE + "/" + HASH + "-nothing"):
            raise AssertionError("%s: a made-up path is valid" % what)
    except Exception as e:
        raise AssertionError("%s: daemon no longer serves: %r" % (what, e))
    c.close()


def truncated(what, payload):
    """Send a prefix of a request and hang up: nothing must come of it."""
    # Cut inside the request, never after a whole NAR: a client that
    # sent all of a NAR but not the end-of-frames marker has sent the
    # path, and Nix adds it.
    for cut in sorted({1, 7, 8, 9, len(payload) // 2, len(payload) - 9}):
        if cut <= 0 or cut >= len(payload):
            continue
        c = fresh()
        c.send(payload[:cut])
        c.close()
    still_serving(what)


def path(name="bad", h=HASH):
    return "%s/%s-%s" % (STORE, h, name)


BAD_PATHS = [
    "", "bad", STORE, STORE + "/", STORE + "/short",
    "/elsewhere/" + HASH + "-x", STORE + "/" + HASH,
    STORE + "/" + HASH + "-", STORE + "/" + "e" * 32 + "-x",
    STORE + "/" + HASH + "-bad name", STORE + "/" + HASH + "-a/b",
    STORE + "/" + HASH + "-" + "n" * 212, STORE + "/../" + HASH + "-x",
    STORE + "/" + HASH + "-x\0y",
]


def per_path_ops(p):
    """Every op taking one store path, encoded with p."""
    s = string(p)
    return [("IsValidPath", u64(1) + s), ("QueryReferrers", u64(6) + s),
            ("EnsurePath", u64(10) + s), ("AddTempRoot", u64(11) + s),
            ("QueryPathInfo", u64(26) + s),
            ("QueryValidDerivers", u64(33) + s),
            ("AddSignatures", u64(37) + s + strings(["k:c2ln"])),
            ("QueryDerivationOutputMap", u64(41) + s),
            ("QueryValidPaths", u64(31) + strings([p]) + u64(0)),
            ("QueryMissing", u64(40) + strings([p])),
            ("CollectGarbage", u64(20) + u64(3) + strings([p]) +
             u64(0) * 2 + u64(0) * 3)]


def add_nar(p, n, **kw):
    return (u64(39) + wp.info_bytes(wp.nar_info(p, n, **kw)) + u64(0) +
            u64(1) + framed(n))


def add_multiple(items):
    body = u64(len(items)) + b"".join(wp.info_bytes(i) + n
                                      for i, n in items)
    return u64(44) + u64(0) + u64(1) + framed(body)


def add(name, cam, data, refs=()):
    return (u64(7) + string(name) + string(cam) + strings(refs) + u64(0) +
            framed(data))


def main():
    n = 0
    # Requests cut off anywhere: the daemon waits, then sees EOF.
    good_info = wp.nar_info(path("cut"), GOOD)
    for what, req in per_path_ops(path("cut")) + [
            ("AddToStore", add("cut", "fixed:r:sha256", GOOD)),
            ("AddToStoreNar", add_nar(path("cut"), GOOD)),
            ("AddMultipleToStore", add_multiple([(good_info, GOOD)])),
            ("AddIndirectRoot", u64(12) + string("/tmp/x")),
            ("QueryPathFromHashPart", u64(29) + string(HASH)),
            ("VerifyStore", u64(35) + u64(0) + u64(0))]:
        truncated("truncated " + what, req)
        n += 1
    print("truncated requests (%d ops, cut at several places): ok" % n)

    # Strings past any limit, and bad padding, in each op's first field.
    for what, req in per_path_ops(path()):
        op = req[:8]
        if LIMITS:
            expect_error(what + " 2^40-byte string", op + u64(1 << 40))
        expect_error(what + " 1 MiB path", op + string("/" + "x" * (1 << 20)),
                     True)
        bad = u64(len(path())) + path().encode() + b"\x01" * \
            (-len(path()) % 8 or 8)
        if len(path()) % 8:
            expect_error(what + " padding", op + bad + b"\0" * 64, True)
    for what, req in [("AddToStore name", u64(7) + u64(1 << 40)),
                      ("AddToStore refs count", u64(7) + string("x") +
                       string("fixed:r:sha256") + u64(1 << 60)),
                      ("AddToStoreNar", u64(39) + u64(1 << 40)),
                      ("AddToStoreNar refs count", u64(39) +
                       string(path()) + string("") + string("0" * 64) +
                       u64(1 << 60)),
                      ("AddMultipleToStore count", u64(44) + u64(0) + u64(1) +
                       framed(u64(1 << 60))),
                      ("AddIndirectRoot", u64(12) + u64(1 << 40)),
                      ("CollectGarbage paths", u64(20) + u64(3) +
                       u64(1 << 60)),
                      ("QueryValidPaths count", u64(31) + u64(1 << 60))]:
        if LIMITS:
            expect_error(what + " past limits", req)
    print("strings past limits and bad padding: error replies: ok")

    # Invalid store paths, in every op taking one.
    for p in BAD_PATHS:
        for what, req in per_path_ops(p):
            expect_error("%s %r" % (what, p), req, True)
    print("invalid store paths (%d, every op): error replies: ok" %
          len(BAD_PATHS))

    # Bad names, methods, claims and references for the adds.
    sha = hashlib.sha256(GOOD).hexdigest()
    cases = [
        ("AddToStore bad name", add("bad name", "fixed:r:sha256", GOOD)),
        ("AddToStore empty name", add("", "fixed:r:sha256", GOOD)),
        ("AddToStore long name", add("n" * 212, "fixed:r:sha256", GOOD)),
        ("AddToStore bad method", add("x", "fixed:r:sha999", GOOD)),
        ("AddToStore no method", add("x", "", GOOD)),
        ("AddToStore text:sha1", add("x", "text:sha1", b"x")),
        ("AddToStore invalid reference",
         add("x", "text:sha256", b"x", [path("missing")])),
        ("AddToStoreNar wrong narHash",
         add_nar(path("claim"), GOOD, narHash="1" * 64)),
        ("AddToStoreNar wrong narSize",
         add_nar(path("claim"), GOOD, narSize=len(GOOD) + 8)),
        ("AddToStoreNar short narHash",
         add_nar(path("claim"), GOOD, narHash="12")),
        ("AddToStoreNar ca of other content",
         add_nar(wp.source_path(STORE, GOOD, "claim"), GOOD,
                 ca=wp.source_ca(wp.nar_file(b"other\n")))),
        ("AddToStoreNar ca, wrong path",
         add_nar(path("claim"), GOOD, ca=wp.source_ca(GOOD))),
        ("AddToStoreNar bad ca", add_nar(path("claim"), GOOD, ca="fixed:xx")),
        ("AddToStoreNar invalid reference",
         add_nar(path("claim"), GOOD, references=[path("missing")])),
        ("AddToStoreNar invalid deriver",
         add_nar(path("claim"), GOOD, deriver="bad")),
        ("AddMultipleToStore wrong narHash",
         add_multiple([(wp.nar_info(path("claim"), GOOD, narHash="1" * 64),
                        GOOD)])),
        ("AddMultipleToStore missing reference",
         add_multiple([(wp.nar_info(path("claim"), GOOD,
                                    references=[path("missing")]), GOOD)])),
        ("AddMultipleToStore item without its NAR",
         u64(44) + u64(0) + u64(1) +
         framed(u64(1) + wp.info_bytes(wp.nar_info(path("claim"), GOOD)))),
        ("AddToStore frame of 2^63 bytes",
         u64(7) + string("x") + string("fixed:r:sha256") + u64(0) + u64(0) +
         u64(1 << 63) + GOOD),
    ]
    for what, req in cases:
        if LIMITS or not what.endswith("2^63 bytes"):
            expect_error(what, req)
    print("bad names, methods, claims, references (%d): error replies: ok" %
          len(cases))
    assert sha

    # Hostile NARs through each of the three adds.
    for i, (what, n) in enumerate(HOSTILE):
        h = "%032d" % i
        p = path("hostile", h.replace("0", "1").replace("5", "9"))
        for op, req in [
                ("AddToStore", add("hostile", "fixed:r:sha256", n)),
                ("AddToStoreNar", add_nar(p, n)),
                ("AddMultipleToStore",
                 add_multiple([(wp.nar_info(p, n), n)]))]:
            c = fresh()
            c.send(req)
            try:
                c.wait()
                if not LIMITS:
                    print("hostile NAR %r: Nix 2.8 accepts it via %s" %
                          (what, op))
                    continue
                raise AssertionError("%s via %s: accepted" % (what, op))
            except wp.DaemonError:
                pass
            except (wp.Closed, ConnectionResetError):
                raise AssertionError("%s via %s: closed without an error" %
                                     (what, op))
            # The connection may close after the error (Nix closes some);
            # if it stays open it must work.
            try:
                c.is_valid(p)
            except (wp.Closed, ConnectionResetError, BrokenPipeError):
                pass
            except Exception as e:
                raise AssertionError("%s via %s: connection broken after "
                                     "the error: %r" % (what, op, e))
            c.close()
            still_serving(what)
        print("hostile NAR %r: refused by all three adds: ok" % what)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL: %s" % e)
        sys.exit(1)
