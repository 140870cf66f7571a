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

"""BuildDerivation (op 36) of a derivation as `nix show-derivation`
prints it, the way a remote-build client sends it: the derivation
itself, not its store path, so the daemon has only what it is sent.

Usage: h_builddrv.py SOCKET DRVPATH SHOW-DERIVATION.json
Prints the BuildResult's status, a tab and its error message without
ANSI colours, on one line.  Uses h_opclient.py's connection (same
directory).
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h_opclient as op  # noqa: E402
import wp  # noqa: E402


def basic(d):
    out = op.u64(len(d["outputs"]))
    for name in sorted(d["outputs"]):
        o = d["outputs"][name]
        out += (op.string(name) + op.string(o.get("path", "")) +
                op.string(o.get("hashAlgo", "")) +
                op.string(o.get("hash", "")))
    out += op.strings(sorted(d["inputSrcs"]))
    out += op.string(d["system"]) + op.string(d["builder"])
    out += op.strings(d["args"])
    out += op.u64(len(d["env"]))
    for k in sorted(d["env"]):
        out += op.string(k) + op.string(d["env"][k])
    return out


def main():
    sock, drvpath, showfile = sys.argv[1:4]
    d = json.load(open(showfile))[drvpath]
    c = op.Conn(sock)
    c.send(op.u64(36) + op.string(drvpath) + basic(d) + op.u64(0))
    r = c.stderr()
    if r != "last":
        print("error\t" + r)
        return
    status, msg, _ = wp.build_result(c)
    msg = re.sub(r"\x1b\[[0-9;]*m", "", msg).replace("\n", "\\n")
    print("%d\t%s" % (status, msg))


main()
