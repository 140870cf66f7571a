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

"""Real Nix's view of a store, in h_storedb's dump format.

  nixview.py view PATHINFO.json DB REFERRERS [SHOWDRV.json]
      PATHINFO.json: "nix path-info --json --all"; REFERRERS: lines
      "<path> <referrer>" from "nix-store -q --referrers"; DB: the
      db.sqlite, read only for DerivationOutputs (no CLI shows them).
      With SHOWDRV.json ("nix show-derivation" of every .drv) each
      .drv's DerivationOutputs rows must be its outputs.
  nixview.py jsonsub A.json B.json
      every path-info entry of A must be in B, identical.
"""
import base64
import json
import sqlite3
import sys


def b16(sri):
    algo, _, b64 = sri.partition("-")
    if algo != "sha256" or not b64:
        sys.exit("unexpected narHash %r" % sri)
    return "sha256:" + base64.b64decode(b64).hex()


def outputs_of(db, path):
    return db.execute(
        "select d.id, d.path from DerivationOutputs d join ValidPaths v "
        "on v.id = d.drv where v.path = ? order by d.id", (path,)).fetchall()


def derivers_of(db, path):
    rows = db.execute(
        "select distinct v.path from DerivationOutputs d join ValidPaths v "
        "on d.drv = v.id where d.path = ? order by v.path", (path,))
    return [r[0] for r in rows]


def check_showdrv(db, showdrv):
    for drv, d in showdrv.items():
        want = sorted((n, o["path"]) for n, o in d["outputs"].items()
                      if o.get("path"))
        got = outputs_of(db, drv)
        if [tuple(r) for r in got] != want:
            sys.exit("%s: DerivationOutputs %r, outputs %r" % (drv, got, want))


def view(infofile, dbfile, reffile, showfile=None):
    infos = json.load(open(infofile))
    referrers = {}
    for line in open(reffile):
        p, r = line.split()
        referrers.setdefault(p, set()).add(r)
    db = sqlite3.connect("file:%s?mode=ro" % dbfile, uri=True)
    if showfile:
        check_showdrv(db, json.load(open(showfile)))
    for i in sorted(infos, key=lambda x: x["path"]):
        p = i["path"]
        print("path %s" % p)
        print("narHash %s" % b16(i["narHash"]))
        print("narSize %d" % i["narSize"])
        print("deriver %s" % i.get("deriver", "-"))
        print("ca %s" % i.get("ca", "-"))
        print("ultimate %d" % (1 if i.get("ultimate") else 0))
        sigs = sorted(set(i.get("signatures", [])))
        print("sigs %s" % (" ".join(sigs) if sigs else "-"))
        print("regtime %d" % i["registrationTime"])
        for r in sorted(set(i["references"])):
            print("ref %s" % r)
        for r in sorted(referrers.get(p, ())):
            print("referrer %s" % r)
        for name, out in outputs_of(db, p):
            print("output %s %s" % (name, out))
        for d in derivers_of(db, p):
            print("validDeriver %s" % d)
        print()


def jsonsub(afile, bfile):
    b = {i["path"]: i for i in json.load(open(bfile))}
    n = 0
    for i in json.load(open(afile)):
        if b.get(i["path"]) != i:
            sys.exit("path-info differs for %s:\n  %r\n  %r" %
                     (i["path"], i, b.get(i["path"])))
        n += 1
    print("%d path-info entries identical" % n)


if __name__ == "__main__":
    if len(sys.argv) in (5, 6) and sys.argv[1] == "view":
        view(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "jsonsub":
        jsonsub(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
