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

"""Every store op the issue lists, sent to two daemons over the same
store contents: rnixd and the real nix-daemon 2.8 (same logical store
dir).  Their replies must be equal, registration times aside; errors
must be errors on both.

Usage: h_ops.py RNIXD-SOCKET NIX-SOCKET STOREDIR DRV
DRV is a .drv both stores hold (instantiated beforehand).
"""
import sys

import wp
from wp import u64, string, strings

A, B, STORE, DRV = sys.argv[1:5]
fails = []


def reply(sock, fn):
    c = wp.Client(sock)
    try:
        return ("ok", fn(c))
    except wp.DaemonError as e:
        return ("error", None, str(e))
    finally:
        c.close()


def same(what, fn, errors_equal=False):
    a, b = reply(A, fn), reply(B, fn)
    if a[0] == b[0] == "error" and not errors_equal:
        print("%s: error on both: ok" % what)
        return a
    if a != b:
        fails.append("%s: rnixd %r, real Nix %r" % (what, a, b))
        print("%s: DIFFERENT" % what)
    else:
        print("%s: same: ok" % what)
    return a


def no_time(info):
    if info is not None:
        info = dict(info)
        info.pop("registrationTime")
    return info


def main():
    c = wp.Client(B)
    c.call(23)                          # QueryAllValidPaths
    paths = c.strings()
    c.close()
    assert len(paths) > 5, paths
    same("QueryAllValidPaths", lambda c: (c.call(23), c.strings())[1])
    bogus = "%s/%s-none" % (STORE, "0" * 32)
    for p in paths + [bogus]:
        same("QueryPathInfo %s" % p, lambda c: no_time(c.path_info(p)))
        same("IsValidPath %s" % p, lambda c: c.is_valid(p))
        same("QueryReferrers %s" % p, lambda c: c.referrers(p))
        same("QueryValidDerivers %s" % p,
             lambda c: (c.call(33, string(p)), c.strings())[1])
        if p != bogus:
            same("NarFromPath %s" % p, nar_from_path(p))
        h = p[len(STORE) + 1:][:32]
        same("QueryPathFromHashPart %s" % h,
             lambda c: (c.call(29, string(h)), c.string())[1])
    same("QueryValidPaths", lambda c: c.valid_paths(paths + [bogus]))
    same("QueryDerivationOutputMap",
         lambda c: (c.call(41, string(DRV)), outputs(c))[1])
    same("QueryDerivationOutputs (22)",
         lambda c: (c.call(22, string(DRV)), c.strings())[1])
    same("QueryDerivationOutputNames (28)",
         lambda c: (c.call(28, string(DRV)), c.strings())[1])
    same("QueryDeriver (18)",
         lambda c: (c.call(18, string(paths[0])), c.string())[1])
    same("QueryMissing", lambda c: (c.call(
        40, strings([DRV + "!out", paths[0], bogus])), missing(c))[1])
    same("QuerySubstitutablePaths",
         lambda c: (c.call(32, strings(paths)), c.strings())[1])
    same("QuerySubstitutablePathInfos",
         lambda c: (c.call(30, u64(1) + string(paths[0]) + string("")),
                    c.u64())[1])
    same("EnsurePath valid", lambda c: (c.call(10, string(paths[0])),
                                        c.u64())[1])
    same("EnsurePath invalid", lambda c: (c.call(10, string(bogus)),
                                          c.u64())[1])
    same("AddTempRoot", lambda c: c.add_temp_root(paths[0]))
    same("SyncWithGC (13)", lambda c: (c.call(13), c.u64())[1])
    same("VerifyStore", lambda c: (c.call(35, u64(1) + u64(0)), c.u64())[1])
    sig = "test-key:" + "A" * 86 + "=="
    same("AddSignatures", lambda c: (c.call(37, string(paths[0]) +
                                            strings([sig])), c.u64())[1])
    same("QueryPathInfo after AddSignatures",
         lambda c: no_time(c.path_info(paths[0])))
    for op in (2, 15, 17, 24, 25, 99, 1000):
        same("invalid op %d" % op, lambda c: c.call(op))
    if fails:
        print("\n".join(fails), file=sys.stderr)
        sys.exit(1)


def nar_from_path(p):
    def fn(c):
        c.call(38, string(p))
        # The NAR follows unframed: find its end as a parser would.
        return read_nar(c)
    return fn


def read_nar(c):
    out = []

    def tok():
        n = c.u64()
        data = c.recv(n + (-n % 8))
        out.append(data)
        return data[:n]

    def node():
        assert tok() == b"("
        assert tok() == b"type"
        t = tok()
        while True:
            k = tok()
            if k == b")":
                return
            if t == b"directory" and k == b"entry":
                assert tok() == b"("
                tok()           # "name"
                tok()           # the name
                tok()           # "node"
                node()
                assert tok() == b")"
            else:
                tok()           # contents, target, executable's ""
    assert tok() == b"nix-archive-1"
    node()
    return b"".join(out)


def outputs(c):
    return [(c.string(), c.string()) for _ in range(c.u64())]


def missing(c):
    return (c.strings(), c.strings(), c.strings(), c.u64(), c.u64())


if __name__ == "__main__":
    main()
