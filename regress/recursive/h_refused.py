#!/usr/bin/env python3
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
import select
import socket
import struct
import sys

MAGIC1, MAGIC2, VERSION = 0x6e697863, 0x6478696f, 0x122
STDERR_NEXT, STDERR_LAST, STDERR_ERROR = 0x6f6c6d67, 0x616c7473, 0x63787470
B32 = "0123456789abcdfghijklmnpqrsvwxyz"
STORE = ""


def u64(n):
    return struct.pack("<Q", n)


def string(b):
    if isinstance(b, str):
        b = b.encode()
    return u64(len(b)) + b + b"\0" * (-len(b) % 8)


def strings(items):
    return u64(len(items)) + b"".join(string(i) for i in items)


def frames(data, size=4096):
    out = []
    for i in range(0, len(data), size):
        chunk = data[i:i + size]
        out.append(u64(len(chunk)) + chunk)
    return b"".join(out) + u64(0)


def spath(name="x", h=None):
    return "%s/%s-%s" % (STORE, h or B32[1] * 32, name)


def path_info(path, narhash="0" * 64, refs=(), ca=""):
    return (string(path) + string("") + string(narhash) + strings(refs) +
            u64(0) + u64(0) + u64(0) + strings([]) + string(ca))


class Conn:
    def __init__(self, sockpath):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sockpath)
        self.s.settimeout(5)
        self.s.sendall(u64(MAGIC1))
        self.expect_u64(MAGIC2, "magic 2")
        self.expect_u64(VERSION, "daemon version")
        self.s.sendall(u64(VERSION) + u64(0) + u64(0))
        if self.string() != b"2.8.0":
            raise AssertionError("daemon version string")
        self.expect_u64(STDERR_LAST, "end of handshake")
        opts = u64(19) + u64(0) * 3 + u64(3) + u64(1) + u64(0) + u64(1)
        opts += u64(0) * 3 + u64(2) + u64(1) + u64(0)
        self.s.sendall(opts)
        self.expect_u64(STDERR_LAST, "SetOptions")

    def recv(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.s.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError("daemon closed after %d of %d bytes" %
                               (len(buf), n))
            buf += chunk
        return bytes(buf)

    def u64(self):
        return struct.unpack("<Q", self.recv(8))[0]

    def expect_u64(self, want, what):
        got = self.u64()
        if got != want:
            raise AssertionError("%s: got %#x, expected %#x" %
                                 (what, got, want))

    def string(self):
        n = self.u64()
        data = self.recv(n + (-n % 8))
        if any(data[n:]):
            raise AssertionError("daemon sent non-zero padding")
        return data[:n]

    def strings(self):
        return [self.string() for _ in range(self.u64())]

    def fields(self):
        for _ in range(self.u64()):
            if self.u64() == 0:
                self.u64()
            else:
                self.string()

    def send(self, data):
        self.s.sendall(data)

    def stderr(self):
        """Skip log lines; return 'last' or the error message."""
        while True:
            code = self.u64()
            if code == STDERR_NEXT:
                self.string()
            elif code == 0x53545254:        # START_ACTIVITY
                self.u64()
                self.u64()
                self.u64()
                self.string()
                self.fields()
                self.u64()
            elif code == 0x53544f50:        # STOP_ACTIVITY
                self.u64()
            elif code == 0x52534c54:        # RESULT
                self.u64()
                self.u64()
                self.fields()
            elif code == STDERR_LAST:
                return "last"
            elif code == STDERR_ERROR:
                if self.string() != b"Error":
                    raise AssertionError("error type is not 'Error'")
                self.u64()
                self.string()
                msg = self.string().decode()
                if self.u64() != 0:
                    raise AssertionError("havePos set")
                for _ in range(self.u64()):
                    self.u64()
                    self.string()
                return "error: " + msg
            else:
                raise AssertionError("unexpected stderr code %#x" % code)

    def expect_last(self):
        r = self.stderr()
        if r != "last":
            raise AssertionError("expected STDERR_LAST, got %s" % r)

    def expect_error(self, *words):
        r = self.stderr()
        if not r.startswith("error: "):
            raise AssertionError("expected an error, got %s" % r)
        for w in words:
            if w not in r:
                raise AssertionError("error %r does not say %r" % (r, w))
        return r

    def expect_usable(self):
        """SyncWithGC answers 1 on a connection still in step."""
        self.send(u64(13))
        self.expect_last()
        if self.u64() != 1:
            raise AssertionError("SyncWithGC did not answer 1")

    def expect_eof(self):
        try:
            data = self.s.recv(4096)
        except ConnectionResetError:
            return
        if data:
            raise AssertionError("expected end of file, got %r" % data[:64])

    def expect_silence(self, seconds=0.3):
        r, _, _ = select.select([self.s], [], [], seconds)
        if r:
            raise AssertionError("daemon answered a truncated request")


# An error, then the daemon closes: the stream position is lost.
def fatal_case(op, body, *words):
    def run(sock):
        c = Conn(sock)
        c.send(u64(op) + body)
        c.expect_error(*words)
        c.expect_eof()
    return run


# An error, then the connection goes on.
def error_case(op, body, *words):
    def run(sock):
        c = Conn(sock)
        c.send(u64(op) + body)
        c.expect_error(*words)
        c.expect_usable()
    return run


# A request cut short: no answer; the daemon waits, then sees EOF.


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
