#!/bin/sh
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

# Censored path info: two inputs, an inner-built output and an inner
# add, seen from inside (nix path-info --json and a raw QueryPathInfo)
# against what a client outside sees: the same narHash, narSize,
# references and ca; no deriver, registration time 0, not ultimate, no
# signatures inside, although outside there are.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start

build_attr dep censored.nix dep
build_attr dep2 censored.nix dep2
nix-store --generate-binary-cache-key cen1 "$TROOT/sk" "$TROOT/pk" ||
    fail "cannot make a key"
echo shared >"$TROOT/shared.txt"
shared=$(nix-store --add "$TROOT/shared.txt") || fail "add shared.txt outside"
nix store sign --key-file "$TROOT/sk" "$dep" "$shared" ||
    fail "sign $dep $shared outside"
build_attr out censored.nix cen
set -- $(cat "$out/paths")
[ $# -eq 4 ] && [ "$1" = "$dep" ] && [ "$2" = "$dep2" ] ||
    fail "paths: $(cat "$out/paths")"
[ "$(readlink "$out/inner")" = "$3" ] &&
    [ "$(readlink "$out/added")" = "$4" ] || fail "links of $out"
nix path-info --json "$@" >"$TROOT/outside.json" || fail "path-info outside"
python3 h_recclient.py "$SOCKET" "$STORE" info "$@" "$shared" \
    >"$TROOT/outside.raw" || fail "raw path info outside"
nix-store -q --deriver "$3" >"$TROOT/deriver" || fail "deriver of $3"

python3 - "$out/pi.json" "$TROOT/outside.json" "$out/raw.json" \
    "$TROOT/outside.raw" "$(cat "$TROOT/deriver")" "$out/addinfo.json" \
    "$shared" "$@" <<'PY' || exit 1
import json, sys
pin, pout, rin, rout = (json.load(open(f)) for f in sys.argv[1:5])
inner_deriver = sys.argv[5]
addinfo = json.load(open(sys.argv[6]))
shared = sys.argv[7]
dep, dep2, inner, added = sys.argv[8:12]
def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)
pin = {i["path"]: i for i in pin}
pout = {i["path"]: i for i in pout}
same = ("narHash", "narSize", "references", "ca")
for p in (dep, dep2, inner, added):
    i, o = pin.get(p), pout.get(p)
    if i is None or o is None:
        fail("nix path-info lacks %s" % p)
    for k in same:
        if i.get(k) != o.get(k):
            fail("%s: %s inside %r, outside %r" % (p, k, i.get(k), o.get(k)))
    for k in ("deriver", "registrationTime", "ultimate", "signatures"):
        if k in i:
            fail("%s: %s shown inside: %r" % (p, k, i[k]))
    ri, ro = rin[p], rout[p]
    for k in same:
        if ri[k] != ro[k]:
            fail("%s: raw %s inside %r, outside %r" % (p, k, ri[k], ro[k]))
    want = {"deriver": "", "registrationTime": 0, "ultimate": 0,
            "signatures": []}
    got = {k: ri[k] for k in want}
    if got != want:
        fail("%s: raw inside %r, expected %r" % (p, got, want))
    if ro["registrationTime"] == 0:
        fail("%s: outside, registration time 0" % p)
    print("%s: %s equal, %s censored: ok" %
          (p.rsplit("/", 1)[1][33:], ", ".join(same), ", ".join(want)))
# What is hidden is there outside.
if not pout[dep].get("signatures") or not rout[dep]["signatures"]:
    fail("outside, %s has no signatures" % dep)
if rout[dep]["deriver"] == "" or rout[inner]["deriver"] != inner_deriver:
    fail("outside derivers: %r %r" % (rout[dep]["deriver"],
                                      rout[inner]["deriver"]))
if not rout[inner]["ultimate"]:
    fail("outside, the inner output is not ultimate")
if not rout[added]["ca"].startswith("fixed:r:sha256:") or \
        rout[dep2]["references"] != [dep] or \
        rout[inner]["references"] != [dep2] or rout[added]["ca"] != \
        pin[added]["ca"]:
    fail("ca/references: %r %r" % (rout[added], rout[inner]))
print("outside: signatures, derivers, ultimate, registration times: ok")
# An add inside of what is there already (signed, registered outside).
o = rout[shared]
if list(addinfo) != [shared]:
    fail("the add inside made %r, not %s" % (list(addinfo), shared))
a = addinfo[shared]
for k in same:
    if a[k] != o[k]:
        fail("add reply %s: %r, outside %r" % (k, a[k], o[k]))
want = {"deriver": "", "registrationTime": 0, "ultimate": 0,
        "signatures": []}
if {k: a[k] for k in want} != want or not o["signatures"] or \
        o["registrationTime"] == 0:
    fail("add reply %r, outside %r" % (a, o))
print("an add of an existing signed path: reply censored: ok")
PY
echo ok
