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

# A raw client that stops at one protocol minor, as real Nix clients of
# each release do, and checks every field the daemon sends at it:
#   h_versions.py SOCKET STOREDIR PATH MINOR TRUST [features...]
# MINOR is what the client offers (beyond 38 too); the session runs at
# min(MINOR, 38).  TRUST is the trust byte expected at >= 35 (1 trusted,
# 2 not), or "refused" for a user the daemon turns away: then the error
# must come in the form of that version, after the daemon info.
# PATH is a valid store path: BuildPathsWithResults on it (>= 34) gives
# a build result with every field of the version, and an IsValidPath
# after it proves the reply was read to its last byte.

import socket
import struct
import sys

MAGIC1, MAGIC2 = 0x6E697863, 0x6478696F
DAEMON_VERSION, DAEMON_NAME = 0x126, b"rnixd 0.1.0"
STDERR_LAST, STDERR_ERROR = 0x616C7473, 0x63787470
BUILD_ALREADY_VALID = 2


def u64(v):
    return struct.pack("<Q", v)


def string(b):
    if isinstance(b, str):
        b = b.encode()
    return u64(len(b)) + b + b"\0" * (-len(b) % 8)


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(path)

    def recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise AssertionError("daemon closed after %d of %d bytes"
                                     % (len(buf), n))
            buf += chunk
        return buf

    def u64(self):
        return struct.unpack("<Q", self.recv(8))[0]

    def string(self):
        n = self.u64()
        if n > 1 << 20:
            raise AssertionError("string of %d bytes" % n)
        data = self.recv(n + (-n % 8))
        return data[:n]

    def expect(self, what, got, want):
        if got != want:
            raise AssertionError("%s: got %r, expected %r" % (what, got, want))

    def closed(self):
        try:
            data = self.s.recv(1)
        except ConnectionResetError:
            return True
        return data == b""


def handshake(c, offered, minor, features):
    if minor >= 38:
        # Nix 2.24 on: magic and version at once, then wait.
        c.s.sendall(u64(MAGIC1) + u64(offered))
    else:
        c.s.sendall(u64(MAGIC1))
    c.expect("magic 2", c.u64(), MAGIC2)
    c.expect("daemon version", c.u64(), DAEMON_VERSION)
    if minor >= 38:
        # Our features, then nothing until the daemon's have come.
        c.s.sendall(u64(len(features)) + b"".join(string(f)
                                                   for f in features))
        n = c.u64()
        theirs = [c.string() for _ in range(n)]
        c.expect("daemon features", theirs, [])
        rest = b""
    else:
        rest = u64(offered)
    if minor >= 14:
        rest += u64(0)
    if minor >= 11:
        rest += u64(0)
    c.s.sendall(rest)
    if minor >= 33:
        c.expect("daemon name", c.string(), DAEMON_NAME)


def read_error(c, minor):
    c.expect("error code", c.u64(), STDERR_ERROR)
    if minor >= 26:
        c.expect("error type", c.string(), b"Error")
        c.u64()
        c.string()
        msg = c.string()
        c.expect("havePos", c.u64(), 0)
        for _ in range(c.u64()):
            c.u64()
            c.string()
    else:
        msg = c.string()
        c.u64()
    return msg


def set_options(c, minor):
    # keepFailed, keepGoing, tryFallback, verbosity, maxBuildJobs,
    # maxSilentTime, useBuildHook, buildVerbosity, logType,
    # printBuildTrace, buildCores, useSubstitutes; overrides from 12
    req = u64(19) + u64(0) * 3 + u64(0) + u64(1) + u64(0) + u64(1)
    req += u64(0) * 3 + u64(1) + u64(0)
    if minor >= 12:
        req += u64(0)
    c.s.sendall(req)
    c.expect("SetOptions", c.u64(), STDERR_LAST)


def build_result(c, minor, path):
    c.s.sendall(u64(46) + u64(1) + string(path) + u64(0))
    c.expect("build stderr", c.u64(), STDERR_LAST)
    c.expect("results", c.u64(), 1)
    c.expect("result path", c.string(), path.encode())
    c.expect("status", c.u64(), BUILD_ALREADY_VALID)
    c.expect("errorMsg", c.string(), b"")
    c.u64()             # timesBuilt
    c.u64()             # isNonDeterministic
    c.u64()             # startTime
    c.u64()             # stopTime
    if minor >= 37:
        # cpuUser, cpuSystem: optional, absent without a cgroup
        c.expect("cpuUser tag", c.u64(), 0)
        c.expect("cpuSystem tag", c.u64(), 0)
    c.expect("builtOutputs", c.u64(), 0)


def main():
    sock, storedir, path, offered, trust = sys.argv[1:6]
    features = sys.argv[6:]
    offered = int(offered, 0)
    minor = min(offered & 0xff, 38)
    c = Conn(sock)
    handshake(c, offered, minor, features)
    if trust == "refused":
        if minor >= 35:
            c.expect("trust of a refused user", c.u64(), 2)
        msg = read_error(c, minor)
        if b"not allowed" not in msg:
            raise AssertionError("refusal: %r" % msg)
        if not c.closed():
            raise AssertionError("refused, but the connection stays")
        print("1.%d refused: %s" % (minor, msg.decode()))
        return
    if minor >= 35:
        c.expect("trust", c.u64(), int(trust))
    c.expect("end of handshake", c.u64(), STDERR_LAST)
    set_options(c, minor)
    if minor >= 34:
        build_result(c, minor, path)
    # IsValidPath: in step after whatever came before.
    c.s.sendall(u64(1) + string(path))
    c.expect("IsValidPath stderr", c.u64(), STDERR_LAST)
    c.expect("IsValidPath", c.u64(), 1)
    bad = storedir + "/" + "0" * 32 + "-missing"
    c.s.sendall(u64(26) + string(bad))
    c.expect("QueryPathInfo stderr", c.u64(), STDERR_LAST)
    if minor >= 17:
        c.expect("QueryPathInfo valid", c.u64(), 0)
    print("1.%d (offered %#x): ok" % (minor, offered))


if __name__ == "__main__":
    main()
