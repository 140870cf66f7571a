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

"""A small Nix 2.8 worker-protocol client and NAR writer for the store
tests: the parts of the protocol the tests drive by hand (temp roots held
open, broken and hostile requests, many sessions at once, uploads cut
off in the middle).  Layouts are those of ref/worker-protocol.md.
"""
import hashlib
import os
import socket
import stat
import struct
import sys

MAGIC1, MAGIC2, VERSION = 0x6E697863, 0x6478696F, 0x122
# These clients speak 1.34; rnixd announces its own 1.38 and name.  Some
# tests run the same client against a real nix-daemon 2.8 for reference.
DAEMON_VERSION, DAEMON_NAME = 0x126, b"rnixd 0.1.0"
DAEMONS = {DAEMON_VERSION: DAEMON_NAME, 0x122: b"2.8.0"}
STDERR_NEXT = 0x6F6C6D67
STDERR_READ = 0x64617461
STDERR_WRITE = 0x64617416
STDERR_LAST = 0x616C7473
STDERR_ERROR = 0x63787470
START_ACTIVITY = 0x53545254
STOP_ACTIVITY = 0x53544F50
RESULT = 0x52534C54

OP = dict(IsValidPath=1, QueryReferrers=6, AddToStore=7, AddTextToStore=8,
          EnsurePath=10, AddTempRoot=11, AddIndirectRoot=12, FindRoots=14,
          SetOptions=19, CollectGarbage=20, QueryPathInfo=26,
          QueryPathFromHashPart=29, QueryValidPaths=31, QueryValidDerivers=33,
          VerifyStore=35, AddSignatures=37, NarFromPath=38, AddToStoreNar=39,
          QueryMissing=40, QueryDerivationOutputMap=41,
          AddMultipleToStore=44)


class DaemonError(Exception):
    """The daemon answered STDERR_ERROR: args[0] is its message."""


class Closed(Exception):
    """The daemon closed the connection."""


def u64(n):
    return struct.pack("<Q", n)


def string(b):
    if isinstance(b, str):
        b = b.encode()
    return u64(len(b)) + b + b"\0" * (-len(b) % 8)


def strings(items):
    return u64(len(items)) + b"".join(string(i) for i in items)


def framed(data, size=32768):
    out = []
    for i in range(0, len(data), size):
        chunk = data[i:i + size]
        out.append(u64(len(chunk)) + chunk)
    out.append(u64(0))
    return b"".join(out)


# --- NAR -------------------------------------------------------------------

def nar_tree(path):
    """The NAR serialisation of a file system object (no symlink follow)."""
    return string("nix-archive-1") + _nar_node(path)


def _nar_node(path):
    st = os.lstat(path)
    out = [string("("), string("type")]
    if stat.S_ISREG(st.st_mode):
        out.append(string("regular"))
        if st.st_mode & 0o100:
            out += [string("executable"), string("")]
        with open(path, "rb") as f:
            out += [string("contents"), string(f.read())]
    elif stat.S_ISLNK(st.st_mode):
        out += [string("symlink"), string("target"),
                string(os.fsencode(os.readlink(path)))]
    elif stat.S_ISDIR(st.st_mode):
        out.append(string("directory"))
        for name in sorted(os.listdir(os.fsencode(path))):
            out += [string("entry"), string("("), string("name"),
                    string(name), string("node"),
                    _nar_node(os.path.join(os.fsencode(path), name)),
                    string(")")]
    else:
        raise ValueError("cannot archive %s" % path)
    out.append(string(")"))
    return b"".join(out)


def nar_file(data, executable=False):
    """The NAR of a single regular file with these contents."""
    out = [string("nix-archive-1"), string("("), string("type"),
           string("regular")]
    if executable:
        out += [string("executable"), string("")]
    out += [string("contents"), string(data), string(")")]
    return b"".join(out)


def nar_read(conn):
    """One NAR read from conn (u64() and recv()), parsed to find where
    it ends; the bytes as they came."""
    out = []

    def tok():
        n = conn.u64()
        data = conn.recv(n + (-n % 8))
        out.append(u64(n) + data)
        return data[:n]

    def node():
        if tok() != b"(" or tok() != b"type":
            raise AssertionError("bad NAR node")
        kind = tok()
        if kind == b"regular":
            t = tok()
            if t == b"executable":
                tok()
                t = tok()
            if t != b"contents":
                raise AssertionError("bad NAR file")
            tok()
        elif kind == b"symlink":
            tok()
            tok()
        elif kind == b"directory":
            while True:
                t = tok()
                if t == b")":
                    return
                if t != b"entry" or tok() != b"(" or tok() != b"name":
                    raise AssertionError("bad NAR entry")
                tok()
                if tok() != b"node":
                    raise AssertionError("bad NAR entry node")
                node()
                if tok() != b")":
                    raise AssertionError("bad NAR entry end")
        else:
            raise AssertionError("bad NAR type %r" % kind)
        if tok() != b")":
            raise AssertionError("bad NAR node end")

    if tok() != b"nix-archive-1":
        raise AssertionError("not a NAR")
    node()
    return b"".join(out)


# --- store paths -----------------------------------------------------------

B32 = "0123456789abcdfghijklmnpqrsvwxyz"


def b32(h):
    n = (len(h) * 8 - 1) // 5 + 1
    out = []
    for k in range(n - 1, -1, -1):
        b = k * 5
        i, j = b // 8, b % 8
        c = h[i] >> j
        if i + 1 < len(h):
            c |= h[i + 1] << (8 - j)
        out.append(B32[c & 0x1F])
    return "".join(out)


def _compress(h, size=20):
    out = bytearray(size)
    for i, c in enumerate(h):
        out[i % size] ^= c
    return bytes(out)


def make_store_path(storedir, kind, digest_hex, name):
    s = "%s:sha256:%s:%s:%s" % (kind, digest_hex, storedir, name)
    return "%s/%s-%s" % (storedir,
                         b32(_compress(hashlib.sha256(s.encode()).digest())),
                         name)


def source_path(storedir, nar, name):
    """Where nix-store --add (AddToStore fixed:r:sha256, no refs) puts it."""
    return make_store_path(storedir, "source",
                           hashlib.sha256(nar).hexdigest(), name)


def text_path(storedir, data, name, refs=()):
    kind = "text" + "".join(":" + r for r in sorted(refs))
    return make_store_path(storedir, kind,
                           hashlib.sha256(data).hexdigest(), name)


def source_ca(nar):
    return "fixed:r:sha256:" + b32(hashlib.sha256(nar).digest())


# --- the client ------------------------------------------------------------

# --- a bare socket ---------------------------------------------------------
# For tests that drive the socket itself (many connections, cut-off
# requests) and so cannot use Client's buffering.

def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("daemon closed after %d of %d bytes" %
                           (len(buf), n))
        buf += chunk
    return buf


def read_u64(s):
    return struct.unpack("<Q", recv_exact(s, 8))[0]


def read_string(s):
    n = read_u64(s)
    data = recv_exact(s, n + (-n % 8))
    return data[:n]


def handshake(s):
    s.sendall(u64(MAGIC1))
    if read_u64(s) != MAGIC2:
        raise AssertionError("bad magic 2")
    daemon = read_u64(s)
    if daemon not in DAEMONS:
        raise AssertionError("bad daemon version %#x" % daemon)
    s.sendall(u64(VERSION) + u64(0) + u64(0))
    version = read_string(s)
    if version != DAEMONS[daemon]:
        raise AssertionError("daemon version string %r" % version)
    if read_u64(s) != STDERR_LAST:
        raise AssertionError("no STDERR_LAST after the handshake")


# --- a client for refused and broken requests ----------------------------

class Conn:
    """A client that reads only what it is asked to, for tests of refused
    and broken requests (what follows an error is the test's to check).
    Strict about what Nix 2.8 always sends (zero padding, errors of type
    Error without a position).  Log lines and activity texts go to seen;
    stderr() answers 'last' or 'error: <message>'."""

    def __init__(self, sockpath, options, timeout):
        self.seen = []
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sockpath)
        self.s.settimeout(timeout)
        self.s.sendall(u64(MAGIC1))
        self.expect_u64(MAGIC2, "magic 2")
        daemon = self.u64()
        if daemon not in DAEMONS:
            raise AssertionError("daemon version %#x" % daemon)
        self.s.sendall(u64(VERSION) + u64(0) + u64(0))
        if self.string() != DAEMONS[daemon]:
            raise AssertionError("daemon version string")
        self.expect_u64(STDERR_LAST, "end of handshake")
        self.s.sendall(options)
        self.expect_last()

    def close(self):
        self.s.close()

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

    def fields(self):
        for _ in range(self.u64()):
            if self.u64() == 0:
                self.u64()
            else:
                self.seen.append(self.string())

    def send(self, data):
        self.s.sendall(data)

    def stderr(self):
        while True:
            code = self.u64()
            if code == STDERR_NEXT:
                self.seen.append(self.string())
            elif code == START_ACTIVITY:
                self.u64()
                self.u64()
                self.u64()
                self.seen.append(self.string())
                self.fields()
                self.u64()
            elif code == STOP_ACTIVITY:
                self.u64()
            elif code == RESULT:
                self.u64()
                self.u64()
                self.fields()
            elif code == STDERR_LAST:
                return "last"
            elif code == STDERR_ERROR:
                return "error: " + self._error()
            else:
                raise AssertionError("unexpected stderr code %#x" % code)

    def _error(self):
        if self.string() != b"Error":
            raise AssertionError("error type is not 'Error'")
        self.u64()                      # level
        self.string()                   # name
        msg = self.string().decode()
        if self.u64() != 0:
            raise AssertionError("havePos set")
        for _ in range(self.u64()):     # traces
            self.u64()
            self.string()
        return msg

    def expect_last(self):
        r = self.stderr()
        if r != "last":
            raise AssertionError("expected STDERR_LAST, got %s" % r)

    def expect_error(self, *words):
        """The error's whole 'error: ...' line, which says every word."""
        r = self.stderr()
        if not r.startswith("error: "):
            raise AssertionError("expected an error, got %s" % r)
        for w in words:
            if w not in r:
                raise AssertionError("error %r does not say %r" % (r, w))
        return r

    def expect_eof(self):
        try:
            data = self.s.recv(4096)
        except ConnectionResetError:
            return
        if data:
            raise AssertionError("expected end of file, got %r" % data[:64])


# A check of a Conn's reply: what read(c) reads must be v.
def want(read, v):
    def check(c):
        got = read(c)
        if got != v:
            raise AssertionError("reply %r, expected %r" % (got, v))
    return check


def want_u64(v):
    return want(lambda c: c.u64(), v)


def build_result(c, cpu=False):
    """A BuildResult from c (a Conn or a Client): status, message and
    the list of (output id, realisation) pairs.  timesBuilt,
    isNonDeterministic, startTime and stopTime are read and dropped;
    from 1.37 on (cpu), cpuUser and cpuSystem follow, which must be
    absent."""
    status = c.u64()
    msg = c.string().decode()
    for _ in range(4):
        c.u64()
    if cpu:
        c.expect_u64(0, "cpuUser")
        c.expect_u64(0, "cpuSystem")
    outs = [(c.string(), c.string()) for _ in range(c.u64())]
    return status, msg, outs


def build_results(c, count=None, with_path=True, cpu=False):
    """The BuildResults of BuildPathsWithResults, each (path, status,
    message, outputs), their number checked against count if given;
    or, without path, the one that BuildDerivation answers, its path
    None."""
    n = c.u64() if with_path else 1
    if count is not None and n != count:
        raise AssertionError("%d results, expected %d" % (n, count))
    out = []
    for _ in range(n):
        path = c.string().decode() if with_path else None
        out.append((path,) + build_result(c, cpu))
    return out


# Case builders for the tests of refused and broken requests.  Each
# returns run(sock), which opens connect(sock), a Conn that has
# expect_usable(), and sends op with body.

def error_case(connect, op, body, *words, fatal=False):
    """An error that says every word; then the connection goes on or,
    if fatal, the daemon closes it (the stream position is lost)."""
    def run(sock):
        c = connect(sock)
        c.send(u64(op) + body)
        c.expect_error(*words)
        if fatal:
            c.expect_eof()
        else:
            c.expect_usable()
    return run


def reply_case(connect, op, body, check, bytewise=False):
    """An answer that check(c) reads; the connection goes on.  A
    bytewise request is sent a byte at a time, for the decoder to
    reassemble."""
    def run(sock):
        c = connect(sock)
        req = u64(op) + body
        step = 1 if bytewise else len(req)
        for i in range(0, len(req), step):
            c.send(req[i:i + step])
        c.expect_last()
        check(c)
        c.expect_usable()
    return run


def run_cases(sock, names, lookup, with_type=False):
    """Runs each named case, lookup(name)(sock), says ok or FAIL for
    each (naming the exception's type if with_type), and exits 1 if
    any failed."""
    failed = 0
    for name in names:
        try:
            lookup(name)(sock)
            print("%s: ok" % name)
        except Exception as e:      # report every case, then fail
            why = "%s: %s" % (type(e).__name__, e) if with_type else e
            print("%s: FAIL: %s" % (name, why))
            failed += 1
    sys.stdout.flush()
    sys.exit(1 if failed else 0)


class Client:
    def __init__(self, path, timeout=60, setoptions=True):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)    # blocking: waits while the backlog is full
        self.s.settimeout(timeout)
        self.log = []
        self._buf = b""
        self.send(u64(MAGIC1))
        if self.u64() != MAGIC2:
            raise AssertionError("bad magic 2")
        self.u64()
        self.send(u64(VERSION) + u64(0) + u64(0))
        self.string()
        self.wait()
        if setoptions:
            self.call(19, u64(0) * 3 + u64(3) + u64(1) + u64(0) + u64(1) +
                      u64(0) * 3 + u64(1) + u64(0) + u64(0))

    def close(self):
        self.s.close()

    def send(self, data):
        self.s.sendall(data)

    def recv(self, n):
        while len(self._buf) < n:
            chunk = self.s.recv(max(65536, n - len(self._buf)))
            if not chunk:
                raise Closed("daemon closed the connection")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def u64(self):
        return struct.unpack("<Q", self.recv(8))[0]

    def string(self):
        n = self.u64()
        if n > 1 << 24:
            raise AssertionError("string of %d bytes from the daemon" % n)
        return self.recv(n + (-n % 8))[:n]

    def strings(self):
        return [self.string().decode() for _ in range(self.u64())]

    def _fields(self):
        for _ in range(self.u64()):
            if self.u64() == 0:
                self.u64()
            else:
                self.string()

    def wait(self):
        """Read the stderr channel to STDERR_LAST; raise on an error."""
        while True:
            code = self.u64()
            if code == STDERR_LAST:
                return
            if code == STDERR_ERROR:
                if self.string() != b"Error":
                    raise AssertionError("error type is not 'Error'")
                self.u64()
                self.string()
                msg = self.string().decode(errors="replace")
                if self.u64() != 0:
                    raise AssertionError("havePos set")
                for _ in range(self.u64()):
                    self.u64()
                    self.string()
                raise DaemonError(msg)
            if code == STDERR_NEXT:
                self.log.append(self.string().decode(errors="replace"))
            elif code == START_ACTIVITY:
                self.u64(), self.u64(), self.u64(), self.string()
                self._fields()
                self.u64()
            elif code == STOP_ACTIVITY:
                self.u64()
            elif code == RESULT:
                self.u64(), self.u64()
                self._fields()
            else:
                raise AssertionError("unexpected stderr code %#x" % code)

    def call(self, op, body=b""):
        self.send(u64(op) + body)
        self.wait()

    # Ops.
    def is_valid(self, path):
        self.call(1, string(path))
        return self.u64() != 0

    def valid_paths(self, paths):
        self.call(31, strings(sorted(paths)) + u64(0))
        return self.strings()

    def path_info(self, path):
        self.call(26, string(path))
        if not self.u64():
            return None
        return self.read_info()

    def read_info(self, with_path=False):
        info = {}
        if with_path:
            info["path"] = self.string().decode()
        info["deriver"] = self.string().decode()
        info["narHash"] = self.string().decode()
        info["references"] = self.strings()
        info["registrationTime"] = self.u64()
        info["narSize"] = self.u64()
        info["ultimate"] = self.u64()
        info["sigs"] = self.strings()
        info["ca"] = self.string().decode()
        return info

    def referrers(self, path):
        self.call(6, string(path))
        return self.strings()

    def add_temp_root(self, path):
        self.call(11, string(path))
        return self.u64()

    def add_to_store(self, name, cam, data, refs=(), chunk=32768):
        """AddToStore; data is the NAR or the flat contents."""
        self.send(u64(7) + string(name) + string(cam) +
                  strings(sorted(refs)) + u64(0) + framed(data, chunk))
        self.wait()
        return self.read_info(with_path=True)

    def add_to_store_nar(self, info, nar, dont_check_sigs=True, repair=False):
        self.send(u64(39) + info_bytes(info) + u64(repair) +
                  u64(dont_check_sigs) + framed(nar))
        self.wait()

    def add_multiple(self, items, dont_check_sigs=True):
        """items: list of (info, nar)."""
        body = u64(len(items)) + b"".join(info_bytes(i) + n for i, n in items)
        self.send(u64(44) + u64(0) + u64(dont_check_sigs) + framed(body))
        self.wait()

    def gc(self, action, paths=(), max_freed=(1 << 64) - 1):
        self.call(20, u64(action) + strings(sorted(paths)) + u64(0) +
                  u64(max_freed) + u64(0) * 3)
        paths = self.strings()
        freed = self.u64()
        self.u64()
        return paths, freed


def info_bytes(info):
    """ValidPathInfo with path, from a dict with the keys of read_info."""
    return (string(info["path"]) + string(info.get("deriver", "")) +
            string(info["narHash"]) +
            strings(sorted(info.get("references", []))) +
            u64(info.get("registrationTime", 0)) + u64(info["narSize"]) +
            u64(info.get("ultimate", 0)) +
            strings(sorted(info.get("sigs", []))) +
            string(info.get("ca", "")))


def nar_info(path, nar, **kw):
    info = dict(path=path, narHash=hashlib.sha256(nar).hexdigest(),
                narSize=len(nar))
    info.update(kw)
    return info
