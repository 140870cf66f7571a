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

"""A raw worker-protocol client for the restricted recursive-Nix socket.

Used by ops.sh, censored.sh and conns.sh (here), inside the sandbox; a
client for other tests belongs in a file of its own.

Runs inside a recursive build's sandbox (python3 from the host's /usr).
Usage:
  h_recclient.py SOCKET STOREDIR list         the policy case names
  h_recclient.py SOCKET STOREDIR all|CASE...  run policy cases
  h_recclient.py SOCKET STOREDIR info PATH... raw QueryPathInfo as JSON
  h_recclient.py SOCKET STOREDIR addinfo NAME FILE
                                              AddToStore's reply as JSON
  h_recclient.py SOCKET STOREDIR conns N      N connections, each opened,
                                              shaken hands and closed
  h_recclient.py SOCKET STOREDIR hold N FILE  N connections held open
                                              until FILE exists
The policy cases read their paths from the environment:
  IN         an input of the build (allowed)
  SECRET     a valid path outside the build's closure
  SECRETDRV  a valid derivation outside the closure
  INNERDRV   a derivation instantiated through the socket (allowed)
  FODDEEP    a derivation (allowed) with a fixed-output one below it
  FAILDRV    a derivation (allowed) whose builder logs LOGSECRET, fails
  SLOWDRV    a derivation (allowed) whose builder takes 1.5 s
Each case opens a connection, sends one request, checks the exact
answer or error, then checks that the same connection still answers
the next op (IsValidPath of IN is 1).  Exit 0 if every case passed.
"""
import hashlib
import json
import os
import socket
import sys
import time

import wp
from wp import DAEMON_NAME, DAEMON_VERSION, MAGIC1, MAGIC2, STDERR_ERROR, \
    VERSION, b32, framed, nar_file, nar_read, string, strings, u64
from wp import want_u64
from wp import text_path as wp_text_path

B32 = "0123456789abcdfghijklmnpqrsvwxyz"
NOT_ALLOWED = "is not allowed in recursive Nix"
UNKNOWN = "is unknown in recursive Nix"
STORE = ""
# Cases that fail on the current daemon (see /work/notes/rec-bugs.md):
# "all" leaves them out; name them to run them.
KNOWN_BUGS = set()


def frames(data, size=4096):
    return framed(data, size)


def text_path(name, content, refs):
    """The store path of a text:sha256 object, as Nix computes it."""
    return wp_text_path(STORE, content, name, refs)


def path_info(path, nar, refs=(), ca=""):
    return (string(path) + string("") +
            string(hashlib.sha256(nar).hexdigest()) + strings(sorted(refs)) +
            u64(0) + u64(len(nar)) + u64(0) + strings([]) + string(ca))


class Conn(wp.Conn):
    def __init__(self, sockpath, version=VERSION):
        """A session at min(version, 1.38), its handshake field by
        field as Nix's client of that version reads it."""
        self.seen = []
        self.minor = min(version & 0xff, 38)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sockpath)
        self.s.settimeout(60)
        if self.minor >= 38:
            self.s.sendall(u64(MAGIC1) + u64(version))
        else:
            self.s.sendall(u64(MAGIC1))
        self.expect_u64(MAGIC2, "magic 2")
        self.expect_u64(DAEMON_VERSION, "daemon version")
        if self.minor >= 38:
            self.s.sendall(strings(["a-client-feature"]))
            if self.strings() != []:
                raise AssertionError("daemon features")
            rest = b""
        else:
            rest = u64(version)
        if self.minor >= 14:
            rest += u64(0)
        if self.minor >= 11:
            rest += u64(0)
        self.s.sendall(rest)
        if self.minor >= 33 and self.string() != DAEMON_NAME:
            raise AssertionError("daemon name")
        # A recursive session is never trusted.
        if self.minor >= 35:
            self.expect_u64(2, "trust")
        self.expect_last()
        self.s.sendall(set_options(self.minor))
        self.expect_last()

    def strings(self):
        return [self.string().decode() for _ in range(self.u64())]

    def expect_error(self, *words):
        """The error's message, which says every word."""
        return super().expect_error(*words)[7:]

    def op(self, op, body=b""):
        self.send(u64(op) + body)

    def is_valid(self, path):
        self.op(1, string(path))
        self.expect_last()
        return self.u64()

    def expect_usable(self):
        """The next op on this connection answers, and correctly."""
        if self.is_valid(env("IN")) != 1:
            raise AssertionError("next op: IsValidPath(IN) is not 1")

    def query_info(self, path):
        self.op(26, string(path))
        self.expect_last()
        if not self.u64():
            return None
        return {"deriver": self.string().decode(),
                "narHash": self.string().decode(),
                "references": self.strings(), "registrationTime": self.u64(),
                "narSize": self.u64(), "ultimate": self.u64(),
                "signatures": self.strings(), "ca": self.string().decode()}

    def build_results(self):
        return wp.build_results(self, cpu=self.minor >= 37)


def set_options(minor=34, overrides=()):
    body = u64(19) + u64(0) * 3 + u64(3) + u64(1) + u64(0) + u64(1)
    body += u64(0) * 3 + u64(2) + u64(1)
    if minor < 12:
        return body
    body += u64(len(overrides))
    for k, v in overrides:
        body += string(k) + string(v)
    return body


def env(name):
    v = os.environ.get(name, "")
    if not v:
        raise AssertionError("%s is not set" % name)
    return v


def hash_part(path):
    return os.path.basename(path)[:32]


def gone_path():
    """A well-formed path that exists nowhere."""
    return "%s/%s-gone" % (STORE, B32[3] * 32)


# Case builders.  Each returns run(sock).

def refused(op, body, *words):
    """An error naming recursive Nix; the connection goes on."""
    return wp.error_case(Conn, op, body, *words)


def answered(op, body, check):
    return wp.reply_case(Conn, op, body, check)


def want_set(want):
    return wp.want(lambda c: c.strings(), sorted(want))


def unknown_path(op, what):
    """An out-of-closure path is refused exactly as a path that does
    not exist: the answer tells nothing about the host's store."""
    def run(sock):
        c = Conn(sock)
        c.op(op, string(env(what)))
        e1 = c.expect_error(UNKNOWN, env(what))
        c.expect_usable()
        c.op(op, string(gone_path()))
        e2 = c.expect_error(UNKNOWN)
        if e1.replace(env(what), "P") != e2.replace(gone_path(), "P"):
            raise AssertionError("%r differs from %r" % (e1, e2))
        c.expect_usable()
    return run


def case_is_valid(sock):
    c = Conn(sock)
    for p, want in ((env("IN"), 1), (env("SECRET"), 0),
                    (env("SECRETDRV"), 0), (gone_path(), 0)):
        if c.is_valid(p) != want:
            raise AssertionError("IsValidPath(%s) != %d" % (p, want))
    c.expect_usable()


def case_path_info(sock):
    c = Conn(sock)
    if c.query_info(env("IN")) is None:
        raise AssertionError("QueryPathInfo(IN): not valid")
    for p in (env("SECRET"), env("SECRETDRV")):
        if c.query_info(p) is not None:
            raise AssertionError("QueryPathInfo(%s) answered" % p)
    c.expect_usable()


def case_valid_paths(sock):
    c = Conn(sock)
    ask = sorted([env("IN"), env("SECRET"), env("SECRETDRV"), gone_path()])
    c.op(31, strings(ask) + u64(1))
    c.expect_last()
    want_set([env("IN")])(c)
    c.expect_usable()


def case_all_valid(sock):
    c = Conn(sock)
    c.op(23)
    c.expect_last()
    got = c.strings()
    if env("IN") not in got or env("SECRET") in got or \
            env("SECRETDRV") in got:
        raise AssertionError("QueryAllValidPaths: %r" % got)
    c.expect_usable()


def case_ensure_in(sock):
    answered(10, string(env("IN")), want_u64(1))(sock)


def missing(c, ask):
    c.op(40, strings(sorted(ask)))
    c.expect_last()
    return [c.strings(), c.strings(), sorted(c.strings()), c.u64(), c.u64()]


def case_missing(sock):
    """Out-of-closure paths come back as unknown, exactly as paths that
    do not exist, never as valid; allowed ones as usual."""
    c = Conn(sock)
    for ask, unknown in (([env("SECRET")], [env("SECRET")]),
                         ([gone_path()], [gone_path()]),
                         ([env("IN"), env("SECRET")], [env("SECRET")])):
        r = missing(c, ask)
        if r != [[], [], unknown, 0, 0]:
            raise AssertionError("QueryMissing(%r): %r" % (ask, r))
    c.expect_usable()


def case_missing_drv(sock):
    """Out-of-closure derivations: unknown holds the .drv store path,
    as Nix 2.8 answers for a derivation it does not have."""
    c = Conn(sock)
    gone_drv = "%s/%s-gone.drv" % (STORE, B32[4] * 32)
    for drv in (env("SECRETDRV"), gone_drv):
        r = missing(c, [drv + "!out"])
        if r != [[], [], [drv], 0, 0]:
            raise AssertionError("QueryMissing(%s!out): %r" % (drv, r))
    # Named twice, with other outputs: still one store path.
    r = missing(c, [gone_drv + "!out", gone_drv + "!*", gone_drv])
    if r != [[], [], [gone_drv], 0, 0]:
        raise AssertionError("QueryMissing of one .drv thrice: %r" % (r,))
    c.expect_usable()


def case_gc(sock):
    """GC ops are no-ops: nothing deleted, nothing revealed."""
    c = Conn(sock)
    c.op(11, string(env("SECRET")))             # AddTempRoot
    c.expect_last()
    want_u64(1)(c)
    c.op(12, string("/build/x"))                # AddIndirectRoot
    c.expect_last()
    want_u64(1)(c)
    c.op(13)                                    # SyncWithGC
    c.expect_last()
    want_u64(1)(c)
    c.op(14)                                    # FindRoots
    c.expect_last()
    want_u64(0)(c)
    for action, paths in ((0, []), (1, []), (2, []), (3, [env("IN")]),
                          (3, [env("SECRET")])):
        c.op(20, u64(action) + strings(paths) + u64(0) +
             u64((1 << 64) - 1) + u64(0) * 3)
        c.expect_last()
        r = (c.strings(), c.u64(), c.u64())
        if r != ([], 0, 0):
            raise AssertionError("CollectGarbage %d: %r" % (action, r))
    c.op(20, u64(2) + strings([]) + u64(1) + u64(0) + u64(0) * 3)
    c.expect_error("ignore liveness")
    if c.is_valid(env("IN")) != 1 or not os.path.exists(env("IN")):
        raise AssertionError("the input went")
    c.op(34)                                    # OptimiseStore
    c.expect_last()
    want_u64(1)(c)
    c.expect_usable()


def case_add_ref_secret(sock):
    """AddToStore: references must be allowed (G2)."""
    c = Conn(sock)
    data = b"refers to a secret\n"
    c.op(7, string("refsecret") + string("text:sha256") +
         strings([env("SECRET")]) + u64(0) + frames(data))
    c.expect_error("reference '%s'" % env("SECRET"), UNKNOWN)
    c.expect_usable()
    if c.is_valid(text_path("refsecret", data, [env("SECRET")])):
        raise AssertionError("refused add is valid")
    # The same add with an allowed reference goes through.
    c.op(7, string("refin") + string("text:sha256") +
         strings([env("IN")]) + u64(0) + frames(data))
    c.expect_last()
    path = c.string().decode()
    if path != text_path("refin", data, [env("IN")]):
        raise AssertionError("AddToStore made %s" % path)
    c.string()
    c.string()
    refs = c.strings()
    if refs != [env("IN")]:
        raise AssertionError("references %r" % refs)
    c.u64()
    c.u64()
    c.u64()
    c.strings()
    c.string()
    if c.is_valid(path) != 1 or not os.path.exists(path):
        raise AssertionError("added path not valid or not in the sandbox")
    c.expect_usable()


def case_add_text_ref_secret(sock):
    refused(8, string("t") + string("text\n") +
            strings([env("SECRET")]), UNKNOWN, env("SECRET"))(sock)


def case_add_nar_ref_secret(sock):
    c = Conn(sock)
    for ref, ok in ((env("SECRET"), False), (env("IN"), True)):
        data = ("narref %s\n" % ref).encode()
        path = text_path("narref", data, [ref])
        nar = nar_file(data)
        ca = "text:sha256:" + b32(hashlib.sha256(data).digest())
        c.op(39, path_info(path, nar, [ref], ca) + u64(0) + u64(0) +
             frames(nar))
        if ok:
            c.expect_last()
            if c.is_valid(path) != 1:
                raise AssertionError("AddToStoreNar: %s not valid" % path)
        else:
            c.expect_error(UNKNOWN, ref)
            if c.is_valid(path) != 0:
                raise AssertionError("refused %s is valid" % path)
    c.expect_usable()


def case_add_multi_ref_secret(sock):
    data = b"multi\n"
    path = text_path("multi", data, [env("SECRET")])
    nar = nar_file(data)
    ca = "text:sha256:" + b32(hashlib.sha256(data).digest())
    body = u64(1) + path_info(path, nar, [env("SECRET")], ca) + nar
    refused(44, u64(0) + u64(0) + frames(body), UNKNOWN,
            env("SECRET"))(sock)


def case_add_repair(sock):
    refused(7, string("rep") + string("text:sha256") + strings([]) +
            u64(1) + frames(b"repair\n"), "not privileged")(sock)


def case_verify_repair(sock):
    refused(35, u64(1) + u64(1), "not privileged to repair")(sock)


def build_mode(op, mode, *words):
    def run(sock):
        target = env("INNERDRV") + "!out"
        refused(op, strings([target]) + u64(mode), *words)(sock)
    return run


def build_unknown(op, what, suffix):
    def run(sock):
        p = env(what) + suffix
        refused(op, strings([p]) + u64(0), "cannot build", p,
                "recursive Nix because path is unknown")(sock)
    return run


def case_build_ok(sock):
    """Control: an allowed derivation builds, its output becomes valid
    inside and appears in the sandbox."""
    c = Conn(sock)
    drv = env("INNERDRV")
    c.op(46, strings([drv + "!out"]) + u64(0))
    c.expect_last()
    res = c.build_results()
    if len(res) != 1 or res[0][1] not in (0, 1, 2):
        raise AssertionError("BuildPathsWithResults: %r" % res)
    c.op(41, string(drv))
    c.expect_last()
    outs = {}
    for _ in range(c.u64()):
        k = c.string().decode()
        outs[k] = c.string().decode()
    out = outs.get("out", "")
    if c.is_valid(out) != 1 or not os.path.exists(out):
        raise AssertionError("built %r: not valid or not in the sandbox"
                             % outs)
    c.expect_usable()


def case_version(version):
    """At every version the socket is as strict: an input is valid, a
    path outside the closure is not and has no info, and a refused op
    stays refused."""
    def run(sock):
        c = Conn(sock, version)
        if c.is_valid(env("IN")) != 1 or c.is_valid(env("SECRET")) != 0:
            raise AssertionError("IsValidPath at 1.%d" % c.minor)
        c.op(26, string(env("SECRET")))
        c.expect_last()
        if c.u64() != 0:
            raise AssertionError("QueryPathInfo at 1.%d" % c.minor)
        c.op(37, string(env("IN")) + strings(["k:" + "A" * 88]))
        if c.minor >= 26:
            c.expect_error("AddSignatures", NOT_ALLOWED)
        else:
            # Before 1.26 an error is its text and an exit status.
            c.expect_u64(STDERR_ERROR, "error")
            msg = c.string().decode()
            c.u64()
            if "AddSignatures" not in msg or NOT_ALLOWED not in msg:
                raise AssertionError("1.%d error: %r" % (c.minor, msg))
        c.expect_usable()
    return run


def case_build_results_new(sock):
    """A build result at 1.38 carries 1.37's CPU times (absent)."""
    c = Conn(sock, 0x126)
    c.op(46, strings([env("INNERDRV") + "!out"]) + u64(0))
    c.expect_last()
    res = c.build_results()
    if len(res) != 1 or res[0][1] not in (0, 1, 2):
        raise AssertionError("BuildPathsWithResults: %r" % res)
    c.expect_usable()


def case_build_fod_deep(sock):
    """A fixed-output derivation below the requested one is refused."""
    c = Conn(sock)
    drv = env("FODDEEP")
    c.op(46, strings([drv + "!out"]) + u64(0))
    c.expect_last()
    res = c.build_results()
    if len(res) != 1 or res[0][1] != 9 or "fixed-output" not in res[0][2] \
            or "recursive Nix" not in res[0][2]:
        raise AssertionError("BuildPathsWithResults: %r" % res)
    c.op(9, strings([drv + "!out"]) + u64(0))
    c.expect_error("fixed-output", "recursive Nix")
    c.expect_usable()


def case_setoptions(sock):
    c = Conn(sock)
    c.send(set_options(overrides=[("max-jobs", "99"),
                                  ("substituters", "http://x"),
                                  ("sandbox", "false")]))
    if c.stderr() != "last":
        raise AssertionError("SetOptions was refused")
    c.expect_usable()


def case_invalid_op(op):
    """Not an op of the protocol: the request's length is unknown, so
    the daemon answers with an error and closes (as Nix 2.8 does); a
    new connection still works."""
    def run(sock):
        c = Conn(sock)
        c.op(op)
        c.expect_error("invalid operation %d" % op)
        c.expect_eof()
        Conn(sock).expect_usable()
    return run


def case_nar_allowed(sock):
    """Control: an allowed path's NAR comes, matching its info."""
    c = Conn(sock)
    info = c.query_info(env("IN"))
    c.op(38, string(env("IN")))
    c.expect_last()
    nar = nar_read(c)
    if hashlib.sha256(nar).hexdigest() != info["narHash"] or \
            len(nar) != info["narSize"]:
        raise AssertionError("NarFromPath(IN) does not match its info")
    c.expect_usable()


def case_deriver_censored(sock):
    """QueryDeriver of an input (which has one outside) is empty."""
    c = Conn(sock)
    c.op(18, string(env("IN")))
    c.expect_last()
    d = c.string()
    if d != b"":
        raise AssertionError("QueryDeriver(IN) = %r" % d)
    c.expect_usable()


def case_missing_allowed(sock):
    """Allowed targets are answered as usual."""
    c = Conn(sock)
    drv = env("FODDEEP")
    r = missing(c, [drv + "!out"])
    if drv not in r[0] or r[2] != []:
        raise AssertionError("QueryMissing(%s!out): %r" % (drv, r))
    c.expect_usable()


def case_build_mixed(sock):
    """One unknown target refuses the whole request."""
    p = env("SECRETDRV") + "!out"
    refused(9, strings(sorted([env("INNERDRV") + "!out", p])) + u64(0),
            "cannot build", p, "because path is unknown")(sock)


def case_build_failure(sock):
    """An inner build's failure comes back without its log (G3)."""
    drv = env("FAILDRV")
    c = Conn(sock)
    c.op(46, strings([drv + "!out"]) + u64(0))
    c.expect_last()
    res = c.build_results()
    if len(res) != 1 or res[0][1] != 3 or \
            "failed" not in res[0][2] or "LOGSECRET" in res[0][2]:
        raise AssertionError("BuildPathsWithResults: %r" % res)
    c.op(9, strings([drv + "!out"]) + u64(0))
    e = c.expect_error("failed")
    if "LOGSECRET" in e or "log lines" in e:
        raise AssertionError("BuildPaths error %r has the log" % e)
    leaked = [m for m in c.seen if b"LOGSECRET" in m]
    if leaked:
        raise AssertionError("the log came as messages: %r" % leaked[:3])
    c.expect_usable()


def case_add_ref_other_conn(sock):
    """A path added on one connection may be referenced on another:
    the allowed set is the build's, not the connection's."""
    a, b = Conn(sock), Conn(sock)
    data = b"first, on connection a\n"
    a.op(7, string("conn-a") + string("text:sha256") + strings([]) +
         u64(0) + frames(data))
    a.expect_last()
    first = a.string().decode()
    for _ in range(2):
        a.string()
    a.strings()
    for _ in range(3):
        a.u64()
    a.strings()
    a.string()
    a.close()
    data = ("refers to %s\n" % first).encode()
    b.op(7, string("conn-b") + string("text:sha256") + strings([first]) +
         u64(0) + frames(data))
    b.expect_last()
    if b.string().decode() != text_path("conn-b", data, [first]):
        raise AssertionError("AddToStore on b made another path")
    for _ in range(2):
        b.string()
    if b.strings() != [first]:
        raise AssertionError("references on b")
    for _ in range(3):
        b.u64()
    b.strings()
    b.string()
    b.expect_usable()


def case_build_opaque(sock):
    """BuildPaths of an allowed opaque path: nothing to do, 1."""
    answered(9, strings([env("IN")]) + u64(0), want_u64(1))(sock)


def case_fatal_then_new(sock):
    """A request that cannot be decoded ends its connection only."""
    c = Conn(sock)
    c.op(1, u64(1 << 40))
    c.expect_error()
    c.expect_eof()
    Conn(sock).expect_usable()


def case_busy_other_conn(sock):
    """While one connection waits for an inner build, another answers;
    a third that asked for the same build and went away harms nothing."""
    drv = env("SLOWDRV") + "!out"
    gone = Conn(sock)
    gone.op(9, strings([drv]) + u64(0))
    gone.close()
    a = Conn(sock)
    a.op(9, strings([drv]) + u64(0))
    t = time.time()
    b = Conn(sock)
    b.expect_usable()
    if time.time() - t > 0.9:
        raise AssertionError("the other connection waited for the build")
    a.expect_last()
    want_u64(1)(a)
    a.expect_usable()
    b.expect_usable()


def cases():
    g = gone_path()
    c = {}
    c["is-valid-path"] = case_is_valid
    c["query-path-info"] = case_path_info
    c["query-valid-paths"] = case_valid_paths
    c["query-all-valid-paths"] = case_all_valid
    for op, name in ((38, "nar-from-path"), (10, "ensure-path"),
                     (5, "query-references"), (18, "query-deriver"),
                     (4, "query-path-hash")):
        c[name] = unknown_path(op, "SECRET")
    for op, name in ((41, "drv-output-map"), (22, "drv-outputs"),
                     (28, "drv-output-names")):
        c[name] = unknown_path(op, "SECRETDRV")
    c["ensure-path-input"] = case_ensure_in
    c["query-referrers"] = lambda s: answered(
        6, string(env("IN")), want_set([]))(s)
    c["query-valid-derivers"] = lambda s: answered(
        33, string(env("IN")), want_set([]))(s)
    c["has-substitutes"] = lambda s: answered(
        3, string(env("SECRET")), want_u64(0))(s)
    c["subst-path-info"] = lambda s: answered(
        21, string(env("SECRET")), want_u64(0))(s)
    c["subst-path-infos"] = lambda s: answered(
        30, u64(2) + string(env("SECRET")) + string("") + string(g) +
        string(""), want_u64(0))(s)
    c["subst-paths"] = lambda s: answered(
        32, strings(sorted([env("SECRET"), g])), want_set([]))(s)
    c["query-missing"] = case_missing
    c["query-missing-drv"] = case_missing_drv
    c["gc-noops"] = case_gc
    # Refused ops: the error names the op and recursive Nix.
    c["hash-part-secret"] = lambda s: refused(
        29, string(hash_part(env("SECRET"))), "QueryPathFromHashPart",
        NOT_ALLOWED)(s)
    c["hash-part-input"] = lambda s: refused(
        29, string(hash_part(env("IN"))), "QueryPathFromHashPart",
        NOT_ALLOWED)(s)
    basic = (u64(1) + string("out") + string(STORE + "/" + B32[5] * 32 +
                                              "-o") +
             string("") + string("") + strings([]) + string("x86_64-linux") +
             string("/bin/sh") + strings(["-c", "true"]) + u64(0))
    c["build-derivation"] = lambda s: refused(
        36, string(env("INNERDRV")) + basic + u64(0), "BuildDerivation",
        NOT_ALLOWED)(s)
    c["add-signatures"] = lambda s: refused(
        37, string(env("IN")) + strings(["k:" + "A" * 88]),
        "AddSignatures", NOT_ALLOWED)(s)
    c["add-build-log"] = lambda s: refused(
        45, string(env("INNERDRV")) + frames(b"a log line\n" * 500),
        "AddBuildLog", NOT_ALLOWED)(s)
    c["register-drv-output"] = lambda s: refused(
        42, string(json.dumps({"dependentRealisations": {},
                               "id": "sha256:" + "0" * 64 + "!out",
                               "outPath": os.path.basename(env("SECRET")),
                               "signatures": []},
                              sort_keys=True, separators=(",", ":"))),
        "RegisterDrvOutput", NOT_ALLOWED)(s)
    c["query-realisation"] = lambda s: refused(
        43, string("sha256:" + "0" * 64 + "!out"), "QueryRealisation",
        NOT_ALLOWED)(s)
    c["export-path"] = lambda s: refused(
        16, string(env("IN")) + u64(0), "ExportPath", NOT_ALLOWED)(s)
    c["import-paths"] = refused(27, b"", "ImportPaths", NOT_ALLOWED)
    # 1.36: a builder makes no permanent roots (nor does Nix's daemon
    # for an untrusted client, which a recursive one always is).
    c["add-perm-root"] = lambda s: refused(
        47, string(env("IN")) + string("/build/a-root"), "AddPermRoot",
        NOT_ALLOWED)(s)
    for minor in range(21, 39):
        c["version-1.%d" % minor] = case_version(0x100 | minor)
    c["version-0x127"] = case_version(0x127)
    c["version-0x1ff"] = case_version(0x1ff)
    c["build-results-1.38"] = case_build_results_new
    for op in (24, 25, 99, 1000):
        c["invalid-op-%d" % op] = case_invalid_op(op)
    # Builds.
    c["build-repair"] = build_mode(9, 1, "repairing is not allowed")
    c["build-check"] = build_mode(9, 2, "unsupported build mode",
                                  "recursive Nix")
    c["build-results-repair"] = build_mode(46, 1, "repairing is not allowed")
    c["build-secret-drv"] = build_unknown(9, "SECRETDRV", "!out")
    c["build-secret-drv-all"] = build_unknown(46, "SECRETDRV", "!*")
    c["build-secret-path"] = build_unknown(9, "SECRET", "")
    c["build-allowed"] = case_build_ok
    c["build-fod-deep"] = case_build_fod_deep
    # Adds.
    c["add-ref-secret"] = case_add_ref_secret
    c["add-text-ref-secret"] = case_add_text_ref_secret
    c["add-nar-ref-secret"] = case_add_nar_ref_secret
    c["add-multi-ref-secret"] = case_add_multi_ref_secret
    c["add-repair"] = case_add_repair
    c["verify-repair"] = case_verify_repair
    c["verify-check"] = lambda s: answered(35, u64(1) + u64(0),
                                           want_u64(0))(s)
    c["set-options"] = case_setoptions
    c["nar-from-path-input"] = case_nar_allowed
    c["query-deriver-input"] = case_deriver_censored
    c["query-missing-allowed"] = case_missing_allowed
    c["build-mixed"] = case_build_mixed
    c["build-failure-no-log"] = case_build_failure
    c["add-ref-other-conn"] = case_add_ref_other_conn
    c["build-opaque-input"] = case_build_opaque
    c["fatal-then-new"] = case_fatal_then_new
    c["busy-other-conn"] = case_busy_other_conn
    c["add-nar-repair"] = lambda s: refused(
        39, path_info(text_path("r", b"r", []), nar_file(b"r"), [],
                      "text:sha256:" + b32(hashlib.sha256(b"r").digest())) +
        u64(1) + u64(0) + frames(nar_file(b"r")), "privileged")(s)
    c["add-multi-repair"] = refused(44, u64(1) + u64(0) + frames(u64(0)),
                                    "privileged")
    return c


def print_info(sock, paths):
    c = Conn(sock)
    out = {}
    for p in paths:
        out[p] = c.query_info(p)
    print(json.dumps(out, sort_keys=True))


def print_addinfo(sock, name, path):
    """AddToStore of a file as nix-store --add does; the reply's info."""
    with open(path, "rb") as f:
        nar = nar_file(f.read())
    c = Conn(sock)
    c.op(7, string(name) + string("fixed:r:sha256") + strings([]) + u64(0) +
         frames(nar))
    c.expect_last()
    p = c.string().decode()
    info = {"deriver": c.string().decode(), "narHash": c.string().decode(),
            "references": c.strings(), "registrationTime": c.u64(),
            "narSize": c.u64(), "ultimate": c.u64(),
            "signatures": c.strings(), "ca": c.string().decode()}
    print(json.dumps({p: info}, sort_keys=True))


def conns(sock, n):
    """n connections, each with the handshake and one op, then closed;
    every tenth closed right after connecting, mid-handshake."""
    for i in range(n):
        if i % 10 == 9:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock)
            s.sendall(u64(MAGIC1))
            s.close()
            continue
        c = Conn(sock)
        c.expect_usable()
        c.close()
    print("conns %d: ok" % n)


def hold(sock, n, path):
    held = [Conn(sock) for _ in range(n)]
    with open(path + ".held", "w") as f:
        f.write("%d\n" % n)
    deadline = time.time() + 60
    while not os.path.exists(path):
        if time.time() > deadline:
            raise AssertionError("%s did not appear" % path)
        time.sleep(0.05)
    for c in held:
        c.expect_usable()
        c.close()
    print("held %d: ok" % n)


def main():
    global STORE
    sock, STORE = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if args[:1] == ["info"]:
        return print_info(sock, args[1:])
    if args[:1] == ["addinfo"]:
        return print_addinfo(sock, args[1], args[2])
    if args[:1] == ["conns"]:
        return conns(sock, int(args[1]))
    if args[:1] == ["hold"]:
        return hold(sock, int(args[1]), args[2])
    table = cases()
    if args == ["list"]:
        print("\n".join(sorted(n for n in table if n not in KNOWN_BUGS)))
        return
    if args == ["all"]:
        args = sorted(n for n in table if n not in KNOWN_BUGS)
    wp.run_cases(sock, args, table.__getitem__, with_type=True)


if __name__ == "__main__":
    main()
