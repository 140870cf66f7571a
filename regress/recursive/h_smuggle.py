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

"""Derivation texts for smuggle.sh, written out by hand, and the raw
client that adds one with declared references from inside the build.

Usage: h_smuggle.py STOREDIR SECRET SECRETDRV UNBUILTDRV IN DIR
       h_smuggle.py add SOCKET NAME FILE [REF...]

The first form runs on the host.  It writes DIR/<name>.drv for each
case below and DIR/cases, one line per case in the order the builder
must go through them:
  "<name> <how> <.drv path once added> <its output> <input> [<ref>...]"
how is "plain" (nix-store --add: a file, no references declared) or
"declared" (the second form: AddTextToStore with the refs listed);
input is the path the refusal must name, "-" for a case that builds.
  smug-src      plain, names SECRET (valid, outside) as input source
  smug-indrv    plain, names SECRETDRV (valid, outside) as input drv
  smug-absent   plain, names a .drv that does not exist as input drv
  smug-unbuilt  plain, names UNBUILTDRV (valid, outside, its output is
                not) as input drv
  smug-decl-src     declares SECRET, which it names as input source
  smug-decl-absent  declares the absent .drv it names as input drv
  ok-none       plain, names no input: builds
  ok-src        declared, names only IN (an input of the build): builds
  ok-deep       declared, its input drv is ok-src: builds
The output paths are computed as Nix does (hashDerivationModulo), since
the daemon refuses a .drv whose outputs are wrong.

The second form runs inside the sandbox (python3 from the host's /usr):
it prints the path the daemon gives, or the daemon's error on stderr
and exits 1.
"""
import hashlib
import os
import socket
import struct
import sys

from wp import make_store_path, nar_file, source_path, string, text_path, \
    u64

SYSTEM = "x86_64-linux"


def q(s):
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"),
                 ("\r", "\\r"), ("\t", "\\t")):
        s = s.replace(a, b)
    return '"' + s + '"'


def aterm(out, inputs, srcs, script, env):
    """inputs: {key: [outputs]}, the key a .drv path or a hash."""
    return ("Derive([(%s,%s,%s,%s)],[%s],[%s],%s,%s,[%s,%s],[%s])" % (
        q("out"), q(out), q(""), q(""),
        ",".join("(%s,[%s])" % (q(k), ",".join(q(o) for o in
                 sorted(inputs[k]))) for k in sorted(inputs)),
        ",".join(q(s) for s in sorted(srcs)),
        q(SYSTEM), q("/bin/sh"), q("-c"), q(script),
        ",".join("(%s,%s)" % (q(k), q(env[k])) for k in sorted(env))))


class Maker:
    def __init__(self, store):
        self.store = store
        self.modulo = {}        # .drv path -> hashDerivationModulo, hex

    def drv_modulo(self, path, text):
        self.modulo[path] = hashlib.sha256(text.encode()).hexdigest()

    def make(self, name, script, srcs=(), drvs=(), declared=False):
        """The text of name.drv, its path once added and its output."""
        env = {"builder": "/bin/sh", "name": name, "out": "",
               "system": SYSTEM}
        masked = {self.modulo[d]: ["out"] for d in drvs}
        h = hashlib.sha256(aterm("", masked, srcs, script,
                                 env).encode()).digest()
        out = make_store_path(self.store, "output:out", h.hex(), name)
        env["out"] = out
        text = aterm(out, {d: ["out"] for d in drvs}, srcs, script, env)
        if declared:
            path = text_path(self.store, text.encode(), name + ".drv",
                             list(srcs) + list(drvs))
        else:
            path = source_path(self.store, nar_file(text.encode()),
                               name + ".drv")
        # As an input, its outputs are known: hashed as it is, inputs
        # replaced by their own hashes.
        self.modulo[path] = hashlib.sha256(aterm(
            out, masked, srcs, script, env).encode()).hexdigest()
        return text, path, out


def write_cases(store, secret, secretdrv, unbuilt, inp, outdir):
    m = Maker(store)
    # These .drvs have no inputDrvs: the modulo hash of each is that of
    # its text as stored.
    for d in (secretdrv, unbuilt):
        with open(d) as f:
            m.drv_modulo(d, f.read())
    # Never written anywhere: its path names nothing in the store.
    _, absent, _ = m.make("smug-gone", "echo gone >$out")
    cases = []

    def case(name, script, named, srcs=(), drvs=(), declared=False):
        text, path, out = m.make(name, script, srcs, drvs, declared)
        with open(os.path.join(outdir, name + ".drv"), "w") as f:
            f.write(text)
        refs = sorted(list(srcs) + list(drvs)) if declared else []
        cases.append(" ".join([name, "declared" if declared else "plain",
                               path, out, named] + refs))
        return path, out

    leak = "echo %s >$out; cat %s >>$out" % (secret, secret)
    case("smug-src", leak, secret, srcs=[secret])
    case("smug-indrv", leak, secretdrv, drvs=[secretdrv])
    case("smug-absent", leak, absent, drvs=[absent])
    case("smug-unbuilt", "echo unbuilt >$out", unbuilt, drvs=[unbuilt])
    case("smug-decl-src", leak, secret, srcs=[secret], declared=True)
    case("smug-decl-absent", leak, absent, drvs=[absent], declared=True)
    case("ok-none", "echo none >$out", "-")
    ok, okout = case("ok-src", "echo %s >$out; cat %s >>$out" % (inp, inp),
                     "-", srcs=[inp], declared=True)
    case("ok-deep", "echo %s >$out; cat %s >>$out" % (okout, okout), "-",
         drvs=[ok], declared=True)
    with open(os.path.join(outdir, "cases"), "w") as f:
        for c in cases:
            f.write(c + "\n")


MAGIC1, MAGIC2, VERSION = 0x6e697863, 0x6478696f, 0x122
STDERR_NEXT, STDERR_LAST, STDERR_ERROR = 0x6f6c6d67, 0x616c7473, 0x63787470
WOP_ADD_TEXT_TO_STORE = 8


class Conn:
    def __init__(self, sockpath):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sockpath)
        self.s.settimeout(60)
        self.s.sendall(u64(MAGIC1))
        if self.u64() != MAGIC2:
            sys.exit("bad magic from the daemon")
        self.u64()
        self.s.sendall(u64(VERSION) + u64(0) + u64(0))
        self.string()
        self.stderr()

    def recv(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                sys.exit("the daemon closed the connection")
            buf += chunk
        return bytes(buf)

    def u64(self):
        return struct.unpack("<Q", self.recv(8))[0]

    def string(self):
        n = self.u64()
        return self.recv(n + (-n % 8))[:n].decode()

    def stderr(self):
        """Skip log lines; exit 1 with the message of an error."""
        while True:
            code = self.u64()
            if code == STDERR_NEXT:
                self.string()
            elif code == STDERR_LAST:
                return
            elif code == STDERR_ERROR:
                self.string()
                self.u64()
                self.string()
                sys.stderr.write("error: %s\n" % self.string())
                sys.exit(1)
            else:
                sys.exit("unexpected stderr code %#x" % code)


def add(sockpath, name, path, refs):
    with open(path) as f:
        text = f.read()
    c = Conn(sockpath)
    c.s.sendall(u64(WOP_ADD_TEXT_TO_STORE) + string(name) + string(text) +
                u64(len(refs)) + b"".join(string(r) for r in refs))
    c.stderr()
    print(c.string())


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "add":
        add(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
        return
    if len(sys.argv) != 7:
        sys.exit("usage: h_smuggle.py STOREDIR SECRET SECRETDRV "
                 "UNBUILTDRV IN DIR\n"
                 "       h_smuggle.py add SOCKET NAME FILE [REF...]")
    write_cases(*sys.argv[1:])


main()
