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

"""Every worker-protocol op that takes a list, with thousands of items.

Usage: h_biglists.py SOCKET STOREDIR COUNT
Adds COUNT small paths in one AddMultipleToStore, then sends each
list-taking op with all of them (and as many invalid ones where the op
allows) and checks the reply.  A daemon child that makes a system call
outside its seccomp list dies here (a large qsort asks the C library for
the machine's memory size, for one), and the op fails with a closed
connection.  Prints one line per op; exits 1 on the first failure.
"""
import hashlib
import sys

import wp
from wp import u64, string, strings

SOCK, STORE, COUNT = sys.argv[1], sys.argv[2], int(sys.argv[3])


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(what, cond, detail=""):
    if not cond:
        fail("%s: %s" % (what, detail))
    print("%s: ok" % what)


def make_items(tag, count):
    items = []
    for i in range(count):
        nar = wp.nar_file(("%s %d\n" % (tag, i)).encode())
        path = wp.source_path(STORE, nar, "%s%d" % (tag, i))
        items.append((wp.nar_info(path, nar, ca=wp.source_ca(nar)), nar))
    return items


def fake_path(i):
    h = wp.b32(i.to_bytes(20, "little"))
    return "%s/%s-missing%d" % (STORE, h, i)


def main():
    items = make_items("big", COUNT)
    paths = sorted(i["path"] for i, _ in items)
    missing = [fake_path(i) for i in range(COUNT)]
    c = wp.Client(SOCK, timeout=300)

    c.add_multiple(items)
    print("AddMultipleToStore %d: ok" % COUNT)

    got = c.valid_paths(paths + missing)
    check("QueryValidPaths %d" % (2 * COUNT), sorted(got) == paths,
          "%d valid returned" % len(got))

    c.call(32, strings(sorted(paths + missing)))
    check("QuerySubstitutablePaths", c.strings() == [])

    body = u64(len(missing)) + b"".join(string(p) + string("")
                                        for p in missing)
    c.call(30, body)
    check("QuerySubstitutablePathInfos", c.u64() == 0)

    c.call(40, strings(paths + missing))
    will_build, will_subst, unknown = c.strings(), c.strings(), c.strings()
    c.u64(), c.u64()
    check("QueryMissing", not will_build and not will_subst and
          sorted(unknown) == sorted(missing), "%d unknown" % len(unknown))

    c.call(9, strings(paths) + u64(0))
    check("BuildPaths", c.u64() == 1)

    c.call(46, strings(paths) + u64(0))
    res = wp.build_results(c)
    check("BuildPathsWithResults", len(res) == COUNT and
          all(s == 2 for _, s, _, _ in res), "%d results" % len(res))

    # One path holds at most WIRE_SIGS_MAX (1024) signatures: more is
    # a protocol error that ends the session, not the daemon.
    for nsigs in (1000, COUNT):
        sigs = ["k%d:%s" % (i, "A" * 86 + "==") for i in range(nsigs)]
        cs = wp.Client(SOCK, timeout=300)
        try:
            cs.call(37, string(paths[nsigs % COUNT]) + strings(sigs))
            cs.u64()
            info = cs.path_info(paths[nsigs % COUNT])
            check("AddSignatures %d" % nsigs, len(info["sigs"]) == nsigs,
                  "%d signatures kept" % len(info["sigs"]))
        except (wp.DaemonError, wp.Closed, OSError) as e:
            check("AddSignatures %d refused (%s)" %
                  (nsigs, e.__class__.__name__), nsigs > 1024)
        cs.close()

    text = b"refers to them all\n"
    c.call(8, string("bigrefs") + string(text) + strings(paths))
    top = c.string().decode()
    info = c.path_info(top)
    check("AddTextToStore with %d references" % COUNT,
          sorted(info["references"]) == paths,
          "%d references" % len(info["references"]))
    check("QueryReferrers", c.referrers(paths[0]) == [top])

    info = c.add_to_store("bigrefs2", "text:sha256", b"more refs\n",
                          refs=paths)
    check("AddToStore with %d references" % COUNT,
          sorted(info["references"]) == paths)
    info_path = info["path"]
    c.call(23)
    check("QueryAllValidPaths", len(c.strings()) >= COUNT + 2)

    # A fixed-output derivation with every path as an input source.
    data = b"built\n"
    inner = "fixed:out:sha256:%s:" % hashlib.sha256(data).hexdigest()
    out = wp.make_store_path(STORE, "output:out",
                             hashlib.sha256(inner.encode()).hexdigest(),
                             "bigdrv")
    drv = "%s/%s-bigdrv.drv" % (STORE, wp.b32(b"\1" * 20))
    env = {"out": out, "builder": "/bin/sh", "name": "bigdrv",
           "system": "x86_64-linux", "outputHash":
           hashlib.sha256(data).hexdigest(), "outputHashAlgo": "sha256",
           "outputHashMode": "flat"}
    body = (string(drv) + u64(1) + string("out") + string(out) +
            string("sha256") + string(hashlib.sha256(data).hexdigest()) +
            strings(paths) + string("x86_64-linux") + string("/bin/sh") +
            strings(["-c", "echo built > $out"]) + u64(len(env)) +
            b"".join(string(k) + string(env[k]) for k in sorted(env)) +
            u64(0))
    c.call(36, body)
    status, msg = c.u64(), c.string()
    c.u64(), c.u64(), c.u64(), c.u64()
    for _ in range(c.u64()):
        c.string(), c.string()
    check("BuildDerivation with %d input sources" % COUNT, status == 0,
          "status %d: %s" % (status, msg))

    nar = wp.nar_file(b"a NAR with many references\n")
    narpath = wp.make_store_path(STORE, "output:out", "0" * 64, "narrefs")
    c.add_to_store_nar(wp.nar_info(narpath, nar, references=paths), nar)
    info = c.path_info(narpath)
    check("AddToStoreNar with %d references" % COUNT,
          info is not None and len(info["references"]) == COUNT)

    for p in paths[:COUNT // 2]:
        c.add_temp_root(p)
    c.call(14)
    roots = [(c.string(), c.string()) for _ in range(c.u64())]
    check("FindRoots", len(roots) >= COUNT // 2, "%d roots" % len(roots))

    c.call(35, u64(1) + u64(0))
    check("VerifyStore", c.u64() == 0)

    # GC: what is dead, then delete every path in one call.
    c.close()
    c2 = wp.Client(SOCK, timeout=300)     # holds no temp roots
    dead, _ = c2.gc(1)
    check("CollectGarbage ReturnDead", len(dead) >= COUNT + 2,
          "%d dead" % len(dead))
    live, _ = c2.gc(0)
    check("CollectGarbage ReturnLive", not set(live) & set(paths))
    deleted, _ = c2.gc(3, [top, narpath, info_path])
    check("CollectGarbage delete 3 referrers", len(deleted) == 3)
    deleted, _ = c2.gc(3, paths)
    check("CollectGarbage delete %d" % COUNT, len(deleted) == COUNT,
          "%d deleted" % len(deleted))
    got = c2.valid_paths(paths)
    check("deleted paths invalid", got == [])

    # Once more, and a whole GC of everything dead.
    items = make_items("gc", COUNT)
    c2.add_multiple(items)
    c2.close()
    c3 = wp.Client(SOCK, timeout=300)
    deleted, _ = c3.gc(2)
    check("CollectGarbage DeleteDead %d" % COUNT, len(deleted) >= COUNT,
          "%d deleted" % len(deleted))
    c3.close()


main()
