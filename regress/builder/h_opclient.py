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

"""Worker-protocol requests, good and hostile, for builderproc's decoder.

Usage: h_opclient.py SOCKET STOREDIR CASE...
Each case opens its own connection, sends one op's request (truncated,
oversized, badly padded, with invalid store paths, or refused by trust)
and checks the daemon's answer: the reply, an error that keeps the
connection usable (proved by a SyncWithGC afterwards), or an error and
then end of file.  Exit 0 if every case behaved; the cases that need
storeproc are not here.  CASE "list" prints the case names.
"""
import os
import select
import sys

import wp
from wp import STDERR_LAST, STDERR_NEXT, framed, nar_read, string, strings, \
    u64, want_u64

B32 = "0123456789abcdfghijklmnpqrsvwxyz"
STORE = ""
TIMEOUT = 10	# seconds an answer may take


def frames(data, size=4096):
    return framed(data, size)


def spath(name="x", h=None):
    return "%s/%s-%s" % (STORE, h or B32[1] * 32, name)


def path_info(path, narhash="0" * 64, refs=(), ca=""):
    return (string(path) + string("") + string(narhash) + strings(refs) +
            u64(0) + u64(0) + u64(0) + strings([]) + string(ca))


class Conn(wp.Conn):
    def __init__(self, sockpath):
        opts = u64(19) + u64(0) * 3 + u64(3) + u64(1) + u64(0) + u64(1)
        opts += u64(0) * 3 + u64(2) + u64(1) + u64(0)
        super().__init__(sockpath, opts, TIMEOUT)

    def strings(self):
        return [self.string() for _ in range(self.u64())]

    def expect_usable(self):
        """SyncWithGC answers 1 on a connection still in step."""
        self.send(u64(13))
        self.expect_last()
        if self.u64() != 1:
            raise AssertionError("SyncWithGC did not answer 1")

    def expect_silence(self, seconds=0.3):
        r, _, _ = select.select([self.s], [], [], seconds)
        if r:
            raise AssertionError("daemon answered a truncated request")


# An error, then the daemon closes: the stream position is lost.
def fatal_case(op, body, *words):
    return wp.error_case(Conn, op, body, *words, fatal=True)


# An error, then the connection goes on.
def error_case(op, body, *words):
    return wp.error_case(Conn, op, body, *words)


# A request cut short: no answer; the daemon waits, then sees EOF.
def truncated_case(op, body):
    def run(sock):
        for cut in sorted({1, len(body) // 2, len(body) - 1}):
            if cut <= 0 or cut >= len(body):
                continue
            c = Conn(sock)
            c.send(u64(op) + body[:cut])
            c.expect_silence()
            c.s.close()
    return run


# Byte by byte: the decoder must reassemble the request.
def reply_case(op, body, check):
    return wp.reply_case(Conn, op, body, check, bytewise=True)


def want_string(v):
    return wp.want(lambda c: c.string(), v)


def want_results(count, status, word, with_path=True):
    """A BuildResult list (or one, for BuildDerivation), all failed."""
    def check(c):
        for _, st, msg, outs in wp.build_results(c, count, with_path):
            if st != status or word not in msg or outs:
                raise AssertionError("result %d %r (%d outputs), expected "
                                     "%d with %r" % (st, msg, len(outs),
                                                     status, word))
    return check


def cases():
    p = spath()
    drv = spath("x.drv")
    bad_pad = u64(3) + b"abc\0\0\0\0\1"
    huge = u64(1 << 40)
    c = {}
    # Store paths in one-path ops.
    for op in (1, 3, 4, 5, 6, 10, 11, 18, 21, 22, 26, 28, 33, 38, 41):
        c["path-%d-bad" % op] = fatal_case(op, string("/etc/passwd"))
        c["path-%d-short" % op] = fatal_case(op, string(STORE + "/bad"))
        c["path-%d-huge" % op] = fatal_case(op, huge)
        c["path-%d-pad" % op] = fatal_case(op, bad_pad)
        c["path-%d-trunc" % op] = truncated_case(op, string(p))
    # Sets of store paths.
    for op, tail in ((31, u64(0)), (32, b"")):
        c["set-%d-bad" % op] = fatal_case(op, strings([p, "/etc"]) + tail)
        c["set-%d-count" % op] = fatal_case(op, u64(1 << 50))
        c["set-%d-trunc" % op] = truncated_case(op, strings([p, p]) + tail)
    c["missing-bad"] = fatal_case(40, strings([p + "!"]))
    c["missing-notdrv"] = fatal_case(40, strings([p + "!out"]))
    c["missing-badout"] = fatal_case(40, strings([drv + "!out,"]))
    c["missing-trunc"] = truncated_case(40, strings([drv + "!out"]))
    # Answered without storeproc.
    c["has-substitutes"] = reply_case(3, string(p), want_u64(0))
    c["sync-with-gc"] = reply_case(13, b"", want_u64(1))
    c["subst-info"] = reply_case(21, string(p), want_u64(0))
    c["subst-infos"] = reply_case(30, u64(1) + string(p) + string(""),
                                  want_u64(0))
    c["subst-infos-bad"] = fatal_case(30, u64(1) + string("/x") + string(""))
    c["subst-paths"] = reply_case(32, strings([p]), want_u64(0))
    c["valid-paths-empty"] = reply_case(31, strings([]) + u64(0),
                                        want_u64(0))
    c["hash-part-nonb32"] = reply_case(29, string("e" * 32), want_string(b""))
    c["hash-part-short"] = error_case(29, string("abc"), "hash part")
    c["hash-part-huge"] = fatal_case(29, huge)
    # Not yet served: an error naming the op, the connection goes on.
    # Nothing to build from: the first failure ends the op (no keep-going).
    c["build-paths"] = error_case(9, strings([drv + "!out", p]) + u64(0),
                                  "failed")
    c["build-paths-results"] = reply_case(
        46, strings([drv + "!*"]) + u64(0),
        want_results(1, 9, "cannot build missing derivation"))
    c["build-paths-bad"] = fatal_case(9, strings(["nope"]) + u64(0))
    c["build-paths-trunc"] = truncated_case(9, strings([drv + "!out"]) +
                                            u64(0))
    basic = (u64(1) + string("out") + string(spath("o")) + string("") +
             string("") + strings([p]) + string("x86_64-linux") +
             string("/bin/sh") + strings(["-c", "true"]) + u64(1) +
             string("out") + string(spath("o")) + u64(0))
    c["build-derivation"] = reply_case(
        36, string(drv) + basic, want_results(1, 9, "is not valid", False))
    c["build-derivation-trunc"] = truncated_case(36, string(drv) + basic)
    c["build-derivation-outputs"] = fatal_case(36, string(drv) + u64(1 << 40))
    c["register-drv-output"] = error_case(42, string("{}"),
                                          "RegisterDrvOutput")
    c["query-realisation"] = error_case(43, string("sha256:00!out"),
                                        "QueryRealisation")
    c["add-build-log"] = error_case(45, string("x.drv") +
                                    frames(b"log\n" * 1000), "AddBuildLog")
    c["export-path"] = error_case(16, string(p) + u64(0), "ExportPath")
    c["optimise-store"] = error_case(34, b"", "OptimiseStore")
    c["import-paths"] = error_case(27, b"", "ImportPaths")
    for op in (0, 2, 15, 17, 24, 25, 48, 99, 1 << 63):
        c["invalid-op-%d" % op] = fatal_case(op, b"", "invalid operation")
    # Semantics checked before storeproc is asked.
    c["gc-ignore-liveness"] = error_case(
        20, u64(2) + strings([]) + u64(1) + u64(0) + u64(0) * 3,
        "ignore liveness")
    c["gc-action"] = fatal_case(20, u64(1 << 40), "action")
    c["gc-trunc"] = truncated_case(
        20, u64(2) + strings([p]) + u64(0) + u64(0) + u64(0) * 3)
    c["indirect-root-slash"] = error_case(12, string("/.."), "indirect root")
    c["indirect-root-huge"] = fatal_case(12, string("/" + "a" * 5000))
    # Uploads: the frames are read to the end before the error.
    c["add-bad-method"] = error_case(
        7, string("x") + string("fixed:r:sha3") + strings([]) + u64(0) +
        frames(os.urandom(100000)), "")
    c["add-bad-name"] = error_case(
        7, string("a/b") + string("fixed:r:sha256") + strings([]) + u64(0) +
        frames(b"x" * 5000), "name")
    c["add-broken-frames"] = fatal_case(
        7, string("x") + string("fixed:r:sha256") + strings([]) + u64(0) +
        u64(1 << 40), "frame")
    c["add-nar-bad-hash"] = error_case(
        39, path_info(p, narhash="zz") + u64(0) + u64(0) +
        frames(b"x" * 10000), "")
    c["add-nar-bad-ca"] = error_case(
        39, path_info(p, ca="fixed:nope") + u64(0) + u64(0) +
        frames(b"x" * 100), "")
    c["add-nar-trunc"] = truncated_case(39, path_info(p) + u64(0) + u64(0))
    c["add-nar-badpath"] = fatal_case(39, path_info("/tmp/x") + u64(0) +
                                      u64(0) + frames(b""))
    c["multi-empty"] = reply_case(44, u64(0) + u64(0) + frames(u64(0)),
                                  lambda conn: None)
    c["multi-garbage"] = error_case(
        44, u64(0) + u64(0) + frames(u64(1) + b"\xff" * 300),
        "AddMultipleToStore")
    c["multi-short"] = error_case(44, u64(0) + u64(0) + frames(u64(2)),
                                  "AddMultipleToStore")
    c["multi-bad-hash"] = error_case(
        44, u64(0) + u64(0) + frames(u64(1) + path_info(p, narhash="q") +
                                     b"\0" * 64), "AddMultipleToStore")
    c["multi-broken-frames"] = fatal_case(44, u64(0) + u64(0) + u64(1 << 62))
    c["setoptions-trunc"] = truncated_case(19, u64(0) * 12 + u64(1) +
                                           string("a") + string("b"))
    return c


# Refused to untrusted clients, answered without storeproc.
def untrusted_cases():
    p = spath()
    c = {}
    c["untrusted-add-signatures"] = error_case(
        37, string(p) + strings(["k:sig"]), "not privileged")
    c["untrusted-verify-repair"] = error_case(35, u64(1) + u64(1),
                                              "not privileged")
    c["untrusted-add-repair"] = error_case(
        7, string("x") + string("fixed:r:sha256") + strings([]) + u64(1) +
        frames(b"x" * 70000), "not privileged")
    c["untrusted-add-nar-repair"] = error_case(
        39, path_info(p) + u64(1) + u64(0) + frames(b"x" * 10), "privileged")
    c["untrusted-multi-repair"] = error_case(
        44, u64(1) + u64(0) + frames(u64(0)), "privileged")
    # BuildDerivation of an input-addressed derivation needs trust.
    c["untrusted-build-derivation"] = error_case(
        36, string(spath("x.drv")) + u64(1) + string("out") +
        string(spath("o")) + string("") + string("") + strings([]) +
        string("x86_64-linux") + string("/bin/sh") + strings([]) + u64(1) +
        string("out") + string(spath("o")) + u64(0),
        "not privileged to build input-addressed")
    c["untrusted-build-repair"] = error_case(
        9, strings([p]) + u64(1), "not allowed because you are not")

    def setoptions(sock):
        conn = Conn(sock)
        body = u64(19) + u64(0) * 3 + u64(3) + u64(0) * 8
        body += u64(3) + string("sandbox") + string("false")
        body += string("substituters") + string("http://a http://b")
        body += string("timeout") + string("5")
        conn.send(body)
        warnings = []
        while True:
            code = conn.u64()
            if code == STDERR_LAST:
                break
            if code != STDERR_NEXT:
                raise AssertionError("unexpected %#x" % code)
            warnings.append(conn.string().decode())
        text = "".join(warnings)
        if len(warnings) != 3 or "'sandbox'" not in text or \
                "'http://b'" not in text or "timeout" in text:
            raise AssertionError("warnings: %r" % warnings)
        conn.expect_usable()
    c["untrusted-setoptions"] = setoptions
    return c


# Streams through storeproc: NarFromPath, AddToStoreNar and
# AddMultipleToStore with a path that exists, checked against its info.

def read_info(conn):
    info = {"deriver": conn.string(), "narhash": conn.string(),
            "refs": conn.strings(), "regtime": conn.u64(),
            "narsize": conn.u64(), "ultimate": conn.u64(),
            "sigs": conn.strings(), "ca": conn.string()}
    return info


def read_info_path(conn):
    path = conn.string()
    info = read_info(conn)
    info["path"] = path
    return info


def info_bytes(path, info):
    return (string(path) + string(info["deriver"]) +
            string(info["narhash"]) + strings(info["refs"]) + u64(0) +
            u64(info["narsize"]) + u64(0) + strings(info["sigs"]) +
            string(info["ca"]))


def query_info(conn, path):
    conn.send(u64(26) + string(path))
    conn.expect_last()
    return read_info(conn) if conn.u64() else None


def is_valid(conn, path):
    conn.send(u64(1) + string(path))
    conn.expect_last()
    return conn.u64() == 1


def delete_path(sock, path):
    """Delete from a connection of its own: an add made path a temp
    root of the adding session until that session ends, which
    builderproc notices a moment after the close."""
    import time
    for _ in range(50):
        conn = Conn(sock)
        conn.send(u64(20) + u64(3) + strings([path]) + u64(0) +
                  u64((1 << 64) - 1) + u64(0) * 3)
        r = conn.stderr()
        if r == "last":
            break
        if "still alive" not in r:
            raise AssertionError("delete %s: %s" % (path, r))
        conn.s.close()
        time.sleep(0.1)
    deleted = conn.strings()
    conn.u64()
    conn.u64()
    if deleted != [path.encode()] or is_valid(conn, path):
        raise AssertionError("delete %s: deleted %r" % (path, deleted))


def odd_frames(data):
    """Frames of varying sizes, as the real client's are."""
    out, i, sizes = [], 0, [1, 7, 4096, 65537, 24672, 8192]
    while i < len(data):
        n = sizes[len(out) % len(sizes)]
        out.append(u64(len(data[i:i + n])) + data[i:i + n])
        i += n
    return b"".join(out) + u64(0)


def case_roundtrip(sock, path):
    import hashlib
    conn = Conn(sock)
    info = query_info(conn, path)
    if info is None:
        raise AssertionError("%s is not valid" % path)
    conn.send(u64(38) + string(path))
    conn.expect_last()
    nar = nar_read(conn)
    if hashlib.sha256(nar).hexdigest().encode() != info["narhash"] or \
            len(nar) != info["narsize"]:
        raise AssertionError("NarFromPath: NAR does not match its info")
    conn.expect_usable()
    conn.s.close()
    # AddToStoreNar of what we read, after deleting the path.
    delete_path(sock, path)
    conn = Conn(sock)
    conn.send(u64(39) + info_bytes(path, info) + u64(0) + u64(0) +
              odd_frames(nar))
    conn.expect_last()
    if not is_valid(conn, path) or query_info(conn, path)["narhash"] != \
            info["narhash"]:
        raise AssertionError("AddToStoreNar did not restore %s" % path)
    conn.s.close()
    # AddMultipleToStore: a broken copy fails, nothing is registered.
    delete_path(sock, path)
    conn = Conn(sock)
    bad = bytearray(nar)
    bad[-80] ^= 1
    body = u64(1) + info_bytes(path, info) + bytes(bad)
    conn.send(u64(44) + u64(0) + u64(0) + frames(body, 1000))
    conn.expect_error()
    if is_valid(conn, path):
        raise AssertionError("a corrupt NAR was registered")
    # A NAR cut short: the stream ends before the path is complete.
    body = u64(1) + info_bytes(path, info) + nar[:len(nar) // 2]
    conn.send(u64(44) + u64(0) + u64(0) + frames(body, 1000))
    conn.expect_error("AddMultipleToStore")
    # And a good one, with trailing bytes that are ignored.
    body = u64(1) + info_bytes(path, info) + nar + b"tail"
    conn.send(u64(44) + u64(0) + u64(0) + odd_frames(body))
    conn.expect_last()
    if query_info(conn, path)["narhash"] != info["narhash"]:
        raise AssertionError("AddMultipleToStore did not restore %s" % path)
    conn.expect_usable()


def case_nar_invalid(sock, path):
    """NarFromPath of a path that is not valid: an error, then usable."""
    conn = Conn(sock)
    conn.send(u64(38) + string(spath("nonexistent")))
    conn.expect_error()
    conn.expect_usable()


def case_abandon(sock, path):
    """A client that goes away mid-upload leaves nothing behind."""
    conn = Conn(sock)
    info = query_info(conn, path)
    conn.send(u64(38) + string(path))
    conn.expect_last()
    nar = nar_read(conn)
    conn.s.close()
    delete_path(sock, path)
    conn = Conn(sock)
    conn.send(u64(39) + info_bytes(path, info) + u64(0) + u64(0) +
              u64(len(nar) // 2) + nar[:len(nar) // 2])
    conn.s.close()
    conn = Conn(sock)
    if is_valid(conn, path):
        raise AssertionError("half an upload was registered")
    conn.send(u64(39) + info_bytes(path, info) + u64(0) + u64(0) +
              frames(nar, 65536))
    conn.expect_last()
    conn.expect_usable()


def case_roots(sock, path):
    """Temp roots show as {temp:N} to root, {censored} to others;
    AddIndirectRoot takes the link path canonicalised, as Nix's
    absPath() does; gcroots/ links keep their names for everyone."""
    link = os.environ["ROOTLINK"]
    conn = Conn(sock)
    conn.send(u64(11) + string(path))
    conn.expect_last()
    conn.u64()
    parent, base = os.path.split(link)
    conn.send(u64(12) + string(parent + "/./x/..//" + base))
    conn.expect_last()
    if conn.u64() != 1:
        raise AssertionError("AddIndirectRoot did not answer 1")
    conn.send(u64(14))
    conn.expect_last()
    roots = [(conn.string().decode(), conn.string().decode())
             for _ in range(conn.u64())]
    mine = [lnk for lnk, target in roots if target == path]
    labels = [lnk for lnk, _ in roots if lnk.startswith("{")]
    temp = "{temp:" if os.getuid() == 0 else "{censored}"
    if link not in mine or not any(lnk.startswith(temp) for lnk in mine) \
            or not all(lnk.startswith(temp) for lnk in labels):
        raise AssertionError("roots of %s: %r" % (path, roots))
    if roots != sorted(roots, key=lambda r: (r[1], r[0])):
        raise AssertionError("roots not sorted: %r" % roots)
    conn.expect_usable()


def main():
    global STORE
    sock, STORE = sys.argv[1], sys.argv[2]
    table = cases()
    table.update(untrusted_cases())
    names = sys.argv[3:]
    if len(names) == 2 and names[0] in ("roundtrip", "nar-invalid",
                                        "abandon", "roots"):
        globals()["case_" + names[0].replace("-", "_")](sock, names[1])
        print("%s %s: ok" % tuple(names))
        return
    if names == ["list"]:
        print("\n".join(sorted(table)))
        return
    if names == ["all"]:
        names = sorted(n for n in table if not n.startswith("untrusted"))
    if names == ["untrusted"]:
        names = sorted(n for n in table if n.startswith("untrusted"))
    wp.run_cases(sock, names, table.__getitem__)


if __name__ == "__main__":
    main()
