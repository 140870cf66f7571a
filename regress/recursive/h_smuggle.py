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

"""Derivation texts for smuggle.sh, written out by hand.

Usage: h_smuggle.py STOREDIR SECRET SECRETDRV UNBUILTDRV IN DIR

Runs on the host.  Writes DIR/<name>.drv for each case below and
DIR/cases, one line per case in the order the builder must go through
them: "<name> <path nix-store --add gives the .drv> <its output>".
A builder that adds such a file through its socket declares no
references, whatever its text names, so the text's inputs are all
the daemon can go by:
  smug-src    names SECRET (valid, outside the build) as input source
  smug-indrv  names SECRETDRV (valid, outside) as input derivation
  smug-unbuilt  names UNBUILTDRV (valid, outside, its output is not)
              as input derivation
  smug-deep   its input derivation is smug-src, added through the socket
  ok-src      names only IN (an input of the build): builds
  ok-deep     its input derivation is ok-src: builds
The output paths are computed as Nix does (hashDerivationModulo), since
the daemon refuses a .drv whose outputs are wrong.
"""
import hashlib
import os
import sys

B32 = "0123456789abcdfghijklmnpqrsvwxyz"
SYSTEM = "x86_64-linux"


def nix32(h):
    n = (len(h) * 8 - 1) // 5 + 1
    s = []
    for i in range(n - 1, -1, -1):
        b = i * 5
        j, k = b // 8, b % 8
        c = h[j] >> k
        if j + 1 < len(h):
            c |= h[j + 1] << (8 - k)
        s.append(B32[c & 0x1f])
    return "".join(s)


def store_path(store, kind, digest, name):
    fp = "%s:sha256:%s:%s:%s" % (kind, digest.hex(), store, name)
    full = hashlib.sha256(fp.encode()).digest()
    short = bytearray(20)
    for i, b in enumerate(full):
        short[i % 20] ^= b
    return "%s/%s-%s" % (store, nix32(bytes(short)), name)


def nar_string(b):
    return (len(b).to_bytes(8, "little") + b + b"\0" * (-len(b) % 8))


def added_path(store, name, content):
    """Where nix-store --add puts a plain file of that name."""
    nar = b"".join(nar_string(t) for t in (b"nix-archive-1", b"(", b"type",
                                           b"regular", b"contents", content,
                                           b")"))
    return store_path(store, "source", hashlib.sha256(nar).digest(), name)


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

    def make(self, name, script, srcs=(), drvs=()):
        """The text of name.drv and its output path."""
        env = {"builder": "/bin/sh", "name": name, "out": "",
               "system": SYSTEM}
        masked = {self.modulo[d]: ["out"] for d in drvs}
        h = hashlib.sha256(aterm("", masked, srcs, script,
                                 env).encode()).digest()
        out = store_path(self.store, "output:out", h, name)
        env["out"] = out
        text = aterm(out, {d: ["out"] for d in drvs}, srcs, script, env)
        path = added_path(self.store, name + ".drv", text.encode())
        # As an input, its outputs are known: hashed as it is, inputs
        # replaced by their own hashes.
        self.modulo[path] = hashlib.sha256(aterm(
            out, masked, srcs, script, env).encode()).hexdigest()
        return text, path, out


def main():
    if len(sys.argv) != 7:
        sys.exit("usage: h_smuggle.py STOREDIR SECRET SECRETDRV "
                 "UNBUILTDRV IN DIR")
    store, secret, secretdrv, unbuilt, inp, outdir = sys.argv[1:]
    m = Maker(store)
    # These .drvs have no inputDrvs: the modulo hash of each is that of
    # its text as stored.
    for d in (secretdrv, unbuilt):
        with open(d) as f:
            m.drv_modulo(d, f.read())
    cases = []

    def case(name, script, srcs=(), drvs=()):
        text, path, out = m.make(name, script, srcs, drvs)
        with open(os.path.join(outdir, name + ".drv"), "w") as f:
            f.write(text)
        cases.append((name, path, out))
        return path, out

    leak = "echo %s >$out; cat %s >>$out" % (secret, secret)
    src, srcout = case("smug-src", leak, srcs=[secret])
    case("smug-indrv", leak, drvs=[secretdrv])
    case("smug-unbuilt", "echo unbuilt >$out", drvs=[unbuilt])
    case("smug-deep", "echo %s >$out; cat %s >>$out" % (srcout, srcout),
         drvs=[src])
    ok, okout = case("ok-src", "echo %s >$out; cat %s >>$out" % (inp, inp),
                     srcs=[inp])
    case("ok-deep", "echo %s >$out; cat %s >>$out" % (okout, okout),
         drvs=[ok])
    with open(os.path.join(outdir, "cases"), "w") as f:
        for c in cases:
            f.write("%s %s %s\n" % c)


main()
