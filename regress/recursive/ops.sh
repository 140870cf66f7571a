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

# The restricted socket's policy op by op, from inside a recursive
# build (raw client h_recclient.py and the real client): every refused
# op and every out-of-closure path gets its exact answer, the same
# connection answers the next op, and the outer build succeeds.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start

build_attr secret ops.nix secret
build_attr dep ops.nix dep
build_attr dep2 ops.nix dep2
nix-build --no-out-link ops.nix -A fodv >/dev/null 2>"$TROOT/fodv.log" ||
    fail "fodv: $(log fodv)"
nix-store --check-validity "$secret" "$secret.drv" 2>/dev/null
nix-store -q --referrers "$dep" | grep -qx "$dep2" ||
    fail "outside, $dep2 is not a referrer of $dep"
echo "outside: the secret is valid, $dep has a referrer"

echo "the outer build: raw cases and the real client inside"
build_attr out ops.nix ops

# Every case of the client's list ran and passed.
python3 h_recclient.py /nonexistent "$STORE" list >"$TROOT/want" ||
    fail "cannot list the cases"
ncases=$(wc -l <"$TROOT/want")
[ "$ncases" -ge 50 ] || fail "only $ncases cases"
sed 's/$/: ok/' "$TROOT/want" | LC_ALL=C sort >"$TROOT/want.ok"
LC_ALL=C sort "$out/cases" | diff -u "$TROOT/want.ok" - ||
    fail "raw cases differ from the list (above)"
echo "$(wc -l <"$TROOT/want") raw cases: ok"

real() {	# key pattern: the line "key: ..." in $out/real matches
	line=$(grep "^$1: " "$out/real") || fail "no '$1' line in $out/real"
	case "$line" in
	"$1: "$2) echo "real client, $1: ok" ;;
	*) fail "real client: $line; expected $1: $2" ;;
	esac
}
real gc "*0 store paths deleted, 0.00 MiB freed"
real delete "input still there"
real referrers "[]"
real sign "*error: operation 'AddSignatures' is not allowed in recursive Nix*"
real secret invalid
real "path-info secret" "*error: path '$secret' is not valid*"
# As Nix: the client's QueryMissing finds it unknown, then the build
# is refused.
real "realise secret drv" "don't know how to build these paths:*-ops-secret.drv\
 error: cannot build '*-ops-secret.drv!\*' in recursive Nix because path is\
 unknown*"
real "repair build" "*not privileged to repair*"
real "fod deep" "*error: cannot build '*-ops-top.drv': the fixed-output\
 derivation '*-ops-fod.drv' may not be built from inside a recursive Nix\
 build*"
real "fod valid" "built x"
real inner inner

# Nothing of the refused graph was built, no refused add registered.
built=$(ls "$STORE" | grep -E -- '-ops-(fod|mid|top)$|-(refsecret|multi|t)$')
[ -z "$built" ] || fail "built or added although refused: $built"
nix-store --check-validity "$secret" "$dep" || fail "$secret or $dep went"
# $out names the secret, but it was never allowed: not a reference.
grep -q "$secret" "$out/real" || fail "$out does not name $secret"
nix-store -q --references "$out" >"$TROOT/refs" || fail "references of $out"
grep -qx "$secret" "$TROOT/refs" && fail "$secret became a reference of $out"
echo "the secret named in \$out is not a reference: ok"
echo ok
