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

"""Random file trees and damaged NARs for crosscheck.sh.

    gentree.py trees SEED COUNT DIR    make DIR/000/root ... DIR/COUNT-1/root
    gentree.py mutate SEED COUNT OUTDIR NAR...
                                       write OUTDIR/000.nar ... COUNT-1,
                                       each a NAR (in turn) with damage

A root is usually a directory, sometimes a file or a symlink.  Trees mix
empty and larger files, modes with and without the owner's execute bit,
relative, absolute and dangling symlinks, empty directories and names
that are awkward to handle: spaces, newlines, control bytes, UTF-8 and
bytes that are not UTF-8, leading dashes and dots, 255 bytes long, and
sets that sort differently bytewise than in any locale.
"""

import os
import random
import sys

ODD_NAMES = [
    b" space", b"trailing ", b"new\nline", b"tab\there", b"\x01ctl",
    b"\x7fdel", b"back\\slash", b"'quote'", b'"dq"', b"*", b"?", b"[x]",
    b"$HOME", b"-dash", b"--long", b"-", b".dot", b"..dots", b"...",
    b".", b"~", "\u00fcn\u00efc\u00f6d\u00e9".encode(),
    "\u65e5\u672c".encode(), b"\xff\xfe-not-utf8", b"\xc3", b"=", b"@",
]
# Bytewise: 'B' < 'Z' < '_' < 'a' < 'z' < 0xc3...; locales disagree.
SORT_NAMES = [
    b"a", b"B", b"b", b"Z", b"_a", b"a_", b"A", b"1", b"10", b"9",
    "\u00e9".encode(), b"e", b"f", "\u00c4".encode(), b"z", b"aa",
    b"a.b", b"a-b", b"ab",
]
LONG_NAMES = [b"x" * 255, "\u00e9".encode() * 127 + b"x",
              b"." + b"y" * 254]
MODES = [0o644, 0o644, 0o755, 0o755, 0o744, 0o700, 0o600, 0o444, 0o555,
         0o711, 0o610, 0o601, 0o4755, 0o2644]


def rand_name(rng):
    r = rng.random()
    if r < 0.45:
        n = rng.randint(1, 12)
        return bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789")
                     for _ in range(n))
    if r < 0.70:
        return rng.choice(SORT_NAMES)
    if r < 0.95:
        name = rng.choice(ODD_NAMES)
        return b"dot." if name == b"." else name
    return rng.choice(LONG_NAMES)


def rand_size(rng):
    r = rng.random()
    if r < 0.20:
        return 0
    if r < 0.60:
        return rng.randint(1, 100)
    if r < 0.95:
        return rng.randint(100, 8192)
    return rng.randint(8192, 1 << 20)


def make_file(rng, path):
    size = rand_size(rng)
    with open(path, "wb") as f:
        if rng.random() < 0.5:
            f.write(rng.randbytes(size))
        else:
            f.write((b"line of text\n" * (size // 13 + 1))[:size])
    os.chmod(path, rng.choice(MODES))


def make_symlink(rng, path, depth):
    r = rng.random()
    if r < 0.3:
        target = rand_name(rng)
    elif r < 0.5:
        target = b"../" * rng.randint(1, depth + 2) + rand_name(rng)
    elif r < 0.7:
        target = rng.choice([b"/etc/passwd", b"/nonexistent/x", b"/",
                             b"/nix/store"])
    elif r < 0.9:
        target = b"missing-" + rand_name(rng)
    else:
        target = b"t" * rng.randint(256, 4095)
    os.symlink(target, path)


def make_dir(rng, path, depth, maxdepth, budget):
    os.mkdir(path)
    if depth >= maxdepth:
        return
    used = set()
    for _ in range(rng.choice([0, 0, 1, 2, 3, 4, 6, 9])):
        if budget[0] <= 0:
            break
        budget[0] -= 1
        name = rand_name(rng)
        if name in used:
            continue
        used.add(name)
        make_node(rng, os.path.join(path, name), depth + 1, maxdepth,
                  budget)
    if rng.random() < 0.1:
        os.chmod(path, 0o555)


def make_node(rng, path, depth, maxdepth, budget):
    r = rng.random()
    if r < 0.5:
        make_file(rng, path)
    elif r < 0.7:
        make_symlink(rng, path, depth)
    else:
        make_dir(rng, path, depth, maxdepth, budget)


def make_chain(rng, path, length):
    """A long chain of single-entry directories."""
    for _ in range(length):
        os.mkdir(path)
        path = os.path.join(path, rng.choice(SORT_NAMES))
    make_file(rng, path)


def trees(seed, count, top):
    rng = random.Random(seed)
    os.makedirs(top)
    for i in range(count):
        base = os.path.join(top, b"%03d" % i)
        os.mkdir(base)
        root = os.path.join(base, b"root")
        r = rng.random()
        if r < 0.08:
            make_file(rng, root)
        elif r < 0.14:
            make_symlink(rng, root, 0)
        elif r < 0.18:
            make_chain(rng, root, rng.randint(20, 60))
        else:
            make_dir(rng, root, 0, rng.randint(1, 7),
                     [rng.randint(5, 60)])


def damage(rng, data):
    for _ in range(rng.randint(1, 2)):
        if not data:
            break
        off = rng.randrange(len(data))
        r = rng.random()
        if r < 0.4:
            data[off] = rng.randrange(256)
        elif r < 0.7:
            off &= ~7
            data[off:off + 8] = rng.randbytes(8)
        elif r < 0.85:
            off &= ~7
            data[off:off] = rng.randbytes(8)
        else:
            off &= ~7
            del data[off:off + 8]
    return data


def mutate(seed, count, outdir, nars):
    rng = random.Random(seed)
    os.makedirs(outdir)
    for i in range(count):
        src = nars[i % len(nars)]
        with open(src, "rb") as f:
            data = damage(rng, bytearray(f.read()))
        with open(os.path.join(outdir, "%03d.nar" % i), "wb") as f:
            f.write(data)
        print("%03d %s" % (i, os.path.basename(src)))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "trees":
        trees(int(sys.argv[2]), int(sys.argv[3]), os.fsencode(sys.argv[4]))
    elif len(sys.argv) > 5 and sys.argv[1] == "mutate":
        mutate(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4],
               sys.argv[5:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
