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

"""Random derivations for crosscheck.sh, and the comparison of what
real Nix wrote with what h_drv computed.

    gendrv.py gen SEED COUNT DIR    write DIR/expr.nix and its sources
    gendrv.py compare SHOW.json HDRV.txt DRVS.txt

gen writes one Nix expression that evaluates to a list of COUNT
derivations (some selected through a non-default output), so that a
single nix-instantiate call writes them all.  compare checks that every
output path "nix show-derivation" reports is the one h_drv computed,
that every .drv nix-instantiate printed was checked, and prints a
summary.
"""

import base64
import json
import os
import random
import sys

B32 = "0123456789abcdfghijklmnpqrsvwxyz"
ALGOS = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}
NAMECHARS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
             "0123456789+-._?=")
OUTNAMES = ["out", "dev", "lib", "bin", "doc", "man", "static", "x-1"]
SYSTEMS = ["x86_64-linux", "aarch64-linux", "i686-linux", "x86_64-darwin",
           "riscv64-none-elf", "my-system"]
KEYWORDS = {"if", "then", "else", "assert", "with", "let", "in", "rec",
            "inherit", "or"}
RESERVED = {"name", "system", "builder", "args", "outputs", "outputHash",
            "outputHashAlgo", "outputHashMode", "__structuredAttrs",
            "__ignoreNulls", "passAsFile", "__json"} | set(OUTNAMES)


def nixbase32(data):
    n = len(data)
    out = []
    for g in range((8 * n - 1) // 5, -1, -1):
        b = g * 5
        i, j = b // 8, b % 8
        c = data[i] >> j
        if i + 1 < n:
            c |= data[i + 1] << (8 - j)
        out.append(B32[c & 0x1f])
    return "".join(out)


# What a Nix double-quoted string escapes, and how.
NIXSTR_ESC = {'"': '\\"', "\\": "\\\\", "$": "\\$", "\n": "\\n",
              "\t": "\\t", "\r": "\\r"}


def nixstr(s):
    """A Nix double-quoted string literal for s."""
    return '"' + "".join(NIXSTR_ESC.get(ch, ch) for ch in s) + '"'


class Gen:
    def __init__(self, seed, count, outdir):
        self.r = random.Random(seed)
        self.count = count
        self.dir = outdir
        self.lets = []
        self.files = []         # toFile variables
        self.srcs = []          # path literals
        self.drvs = []          # (var, outputs, fixed)

    def text(self):
        r = self.r
        pieces = ["", "plain", "with \"quotes\"", "back\\slash",
                  "new\nline", "tab\there", "cr\rhere",
                  "utf-8 \u00e9t\u00e9 \u20ac",
                  "${not interpolated}", "dollar $x", "'single'", " ",
                  "a,b;c", "(paren)", "[bracket]", "x" * r.randint(1, 300),
                  "\u65e5\u672c\u8a9e", "emoji \U0001F600", "\\n literal"]
        return "".join(r.choice(pieces) for _ in range(r.randint(0, 4)))

    def name(self, i):
        r = self.r
        if r.random() < 0.03:
            base = "".join(r.choice(NAMECHARS) for _ in range(190))
        else:
            base = "".join(r.choice(NAMECHARS)
                           for _ in range(r.randint(1, 20)))
        base = base.lstrip(".") or "n"
        return "%s-%d" % (base, i)

    def deps_value(self):
        """A Nix value referring to earlier derivations, files, sources."""
        r = self.r
        kinds = []
        if self.drvs:
            kinds += ["drv", "drvout", "interp", "drvpath"]
        if self.files:
            kinds.append("file")
        if self.srcs:
            kinds.append("src")
        if not kinds:
            return nixstr(self.text())
        k = r.choice(kinds)
        if k in ("drv", "drvout", "interp", "drvpath"):
            var, outs, fixed = r.choice(self.drvs)
            out = r.choice(outs)
            if k == "drv":
                return var
            if k == "drvout":
                return "%s.%s" % (var, out)
            if k == "drvpath":
                return "%s.drvPath" % var
            return '"pre-${%s.%s}/post"' % (var, out)
        if k == "file":
            return r.choice(self.files)
        return "./" + r.choice(self.srcs)

    def value(self):
        r = self.r
        k = r.randint(0, 9)
        if k <= 2:
            return nixstr(self.text())
        if k == 3:
            return str(r.randint(-1000, 10 ** 12))
        if k == 4:
            return r.choice(["true", "false", "null"])
        if k == 5:
            return "[ %s ]" % " ".join(
                r.choice([nixstr(self.text()), str(r.randint(0, 99)),
                          "true", "false", "null"])
                for _ in range(r.randint(0, 4)))
        return self.deps_value()

    def attrname(self):
        r = self.r
        while True:
            if r.random() < 0.7:
                n = r.choice("abcdefghijklmnopqrstuvwxyz_") + "".join(
                    r.choice("abcdefghijklmnopqrstuvwxyz0123456789_'-")
                    for _ in range(r.randint(0, 10)))
                lit = n if n not in KEYWORDS else nixstr(n)
            else:
                n = self.text() or "e"
                lit = nixstr(n)
            if n not in RESERVED:
                return n, lit

    def fixed_attrs(self):
        r = self.r
        algo = r.choice(list(ALGOS))
        digest = bytes(r.getrandbits(8) for _ in range(ALGOS[algo]))
        enc = r.choice(["base16", "base32", "sri", "prefixed", "base64"])
        attrs = []
        if enc == "base16":
            h = digest.hex()
        elif enc == "base32":
            h = nixbase32(digest)
        elif enc == "base64":
            h = algo + ":" + base64.b64encode(digest).decode()
        elif enc == "prefixed":
            h = algo + ":" + nixbase32(digest)
        else:
            h = algo + "-" + base64.b64encode(digest).decode()
        if enc in ("base16", "base32") or r.random() < 0.5:
            attrs.append("outputHashAlgo = %s;" % nixstr(algo))
        attrs.append("outputHash = %s;" % nixstr(h))
        mode = r.choice(["flat", "recursive", None])
        if mode is not None:
            attrs.append("outputHashMode = %s;" % nixstr(mode))
        return attrs

    def derivation(self, i):
        r = self.r
        var = "d%d" % i
        fixed = r.random() < 0.2
        attrs = ["name = %s;" % nixstr(self.name(i)),
                 "system = %s;" % nixstr(r.choice(SYSTEMS))]
        b = r.random()
        if b < 0.6 or not (self.files or self.drvs):
            attrs.append('builder = "/bin/sh";')
        elif b < 0.8 and self.files:
            attrs.append("builder = %s;" % r.choice(self.files))
        elif self.drvs:
            attrs.append('builder = "${%s}/bin/sh";'
                         % r.choice(self.drvs)[0])
        else:
            attrs.append('builder = "/bin/sh";')
        if r.random() < 0.7:
            attrs.append("args = [ %s ];" % " ".join(
                r.choice([nixstr(self.text()), self.deps_value()])
                for _ in range(r.randint(0, 5))))
        outs = ["out"]
        if fixed:
            attrs += self.fixed_attrs()
        elif r.random() < 0.35:
            outs = r.sample(OUTNAMES, r.randint(1, 4))
            attrs.append("outputs = [ %s ];"
                         % " ".join(nixstr(o) for o in outs))
        if r.random() < 0.1:
            # Every attribute then goes to env as one JSON string.
            attrs.append("__structuredAttrs = true;")
        elif r.random() < 0.05:
            attrs.append("__ignoreNulls = true;")
        seen = set()
        for _ in range(r.randint(0, 6)):
            n, lit = self.attrname()
            if n in seen:
                continue
            seen.add(n)
            attrs.append("%s = %s;" % (lit, self.value()))
        for _ in range(r.choice([0, 0, 1, 2, 3])):
            n, lit = self.attrname()
            if n in seen:
                continue
            seen.add(n)
            attrs.append("%s = %s;" % (lit, self.deps_value()))
        self.lets.append("%s = derivation {\n    %s\n  };"
                         % (var, "\n    ".join(attrs)))
        self.drvs.append((var, outs, fixed))

    def tofile(self, i):
        r = self.r
        var = "f%d" % i
        lit = nixstr(self.text())
        if self.files and r.random() < 0.5:
            # A live interpolation: the new file refers to the old one.
            lit = lit[:-1] + "${%s}" % r.choice(self.files) + '"'
        self.lets.append("%s = builtins.toFile %s %s;"
                         % (var, nixstr("file-%d.txt" % i), lit))
        self.files.append(var)

    def source(self, i):
        name = "src%d.txt" % i
        with open(os.path.join(self.dir, name), "w") as f:
            f.write("source %d %s\n" % (i, self.r.random()))
        self.srcs.append(name)

    def run(self):
        for i in range(4):
            self.source(i)
        for i in range(self.count):
            if self.r.random() < 0.1:
                self.tofile(i)
            self.derivation(i)
        sel = []
        for var, outs, fixed in self.drvs:
            sel.append(var)
            if len(outs) > 1 and self.r.random() < 0.3:
                sel.append("%s.%s" % (var, self.r.choice(outs)))
        with open(os.path.join(self.dir, "expr.nix"), "w") as f:
            f.write("let\n  %s\nin [\n  %s\n]\n"
                    % ("\n  ".join(self.lets), "\n  ".join(sel)))


def compare(showfile, hdrvfile, drvsfile):
    # xargs may have split the paths over several show-derivation runs.
    show = {}
    with open(showfile) as f:
        text = f.read()
    dec = json.JSONDecoder()
    pos = 0
    while text[pos:].strip():
        while text[pos].isspace():
            pos += 1
        obj, pos = dec.raw_decode(text, pos)
        show.update(obj)
    got = {}
    with open(hdrvfile) as f:
        for line in f:
            drv, out, path = line.split()
            got.setdefault(drv, {})[out] = path
    bad = 0
    nfixed = 0
    for drv, info in show.items():
        want = {o: v["path"] for o, v in info["outputs"].items()}
        nfixed += any("hash" in v for v in info["outputs"].values())
        if got.get(drv) != want:
            print("MISMATCH %s: rnixd %s, nix %s" % (drv, got.get(drv), want))
            bad += 1
    with open(drvsfile) as f:
        printed = {l.strip().split("!")[0] for l in f if l.strip()}
    for drv in printed:
        if drv not in got:
            print("MISSING %s: printed by nix-instantiate, not checked"
                  % drv)
            bad += 1
    if set(got) != set(show):
        print("DIFFERENT SETS: %d checked, %d shown" % (len(got), len(show)))
        bad += 1
    print("%d derivations (%d fixed-output, %d outputs), %d printed by "
          "nix-instantiate, %d mismatches"
          % (len(show), nfixed, sum(len(v) for v in got.values()),
             len(printed), bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "gen":
        Gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]).run()
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3], sys.argv[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
