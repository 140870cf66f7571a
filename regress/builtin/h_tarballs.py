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

"""Hostile tarballs for builtin:unpack-channel (GHSA-gr92-w2r5-qw5p).

Usage: h_tarballs.py DIR OUTSIDE
    Writes DIR/<case>.tar, one tarball per way of writing outside the
    directory it is unpacked in; OUTSIDE is the absolute directory the
    absolute names and links aim at.  Each starts with a harmless
    channel directory, so the hostile entry is not the first.
"""

import io
import os
import sys
import tarfile


def entry(name, kind=tarfile.REGTYPE, data=b"", link=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    ti.mtime = 1
    return ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None


def cases(outside):
    d, f, s, h = (tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE,
                  tarfile.LNKTYPE)
    return {
        "dotdot": [("../escape", f, b"x", "")],
        "dotdot-inner": [("chan/../../escape", f, b"x", "")],
        "absolute": [(outside + "/escape", f, b"x", "")],
        "symlink-abs": [("chan/lnk", s, b"", outside),
                        ("chan/lnk/escape", f, b"x", "")],
        "symlink-up": [("chan/up", s, b"", "../.."),
                       ("chan/up/escape", f, b"x", "")],
        "symlink-replace": [("chan/sl", s, b"", outside + "/victim"),
                            ("chan/sl", f, b"overwritten", "")],
        "hardlink-up": [("chan/hl", h, b"", "../victim")],
        "hardlink-abs": [("chan/hl", h, b"", outside + "/victim")],
        "hardlink-symlink": [("chan/sl", s, b"", outside + "/victim"),
                             ("chan/hl", h, b"", "chan/sl")],
        "device": [("chan/null", tarfile.CHRTYPE, b"", "")],
        "fifo": [("chan/fifo", tarfile.FIFOTYPE, b"", "")],
    }


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    outdir, outside = sys.argv[1], sys.argv[2]
    for name, members in cases(outside).items():
        with tarfile.open(os.path.join(outdir, name + ".tar"), "w",
                          format=tarfile.GNU_FORMAT) as tar:
            ti, fo = entry("chan", tarfile.DIRTYPE)
            tar.addfile(ti, fo)
            ti, fo = entry("chan/default.nix", data=b"{ }\n")
            tar.addfile(ti, fo)
            for m in members:
                ti, fo = entry(m[0], m[1], m[2], m[3])
                tar.addfile(ti, fo)


if __name__ == "__main__":
    main()
