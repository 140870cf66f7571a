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

# Recursive Nix through the daemon, with the real client inside the
# sandbox (nix-build, nix-store --add, nix path-info) and outside.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
build_require nix-build "$BUILD_GROUP"
test_init
cat >>"$CONF" <<EOT
sandbox-paths = /bin/sh=$BB /usr /lib /lib64?
EOT
cp "$CONF" "$TROOT/conf.base"
echo "experimental-features = recursive-nix" >>"$CONF"
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"

echo "the seed: nix-build inside, symlinked, path-info"
build_attr out recursive.nix seed
inner=$(readlink "$out/inner")
[ "$(cat "$inner")" = INNER ] || fail "inner output: $(cat "$inner")"
nix-store -qR "$out" | grep -qx "$inner" ||
    fail "closure of $out lacks $inner: $(nix-store -qR "$out")"
grep -q "\"path\":\"$inner\"" "$out/info.json" ||
    fail "path-info: $(cat "$out/info.json")"
echo "censored path info inside"
grep -q '"deriver"' "$out/info.json" && fail "deriver shown: $(cat "$out/info.json")"
grep -q '"registrationTime"' "$out/info.json" &&
    fail "registration time shown: $(cat "$out/info.json")"
nix-store -q --deriver "$inner" | grep -q -- '-inner.drv$' ||
    fail "outside, $inner has no deriver"

echo "an inner nix-store --add referenced by \$out"
build_attr out recursive.nix added
p=$(cat "$out")
[ "$(cat "$p")" = hello-added ] || fail "added path: $(cat "$p")"
[ "$(nix-store -q --references "$out")" = "$p" ] ||
    fail "references of $out: $(nix-store -q --references "$out"), expected $p"

echo "a path outside the closure looks invalid"
secret=$(nix-build --no-out-link recursive.nix -A secret 2>/dev/null) ||
    fail "secret"
out=$(nix-build --no-out-link \
    -E "(import $PWD/recursive.nix).outside \"$secret\"" 2>"$TROOT/out.log") ||
    fail "outside: $(log out)"
[ "$(cat "$out")" = invisible ] || fail "outside: $(cat "$out")"

echo "a fixed-output derivation from inside is refused"
build_attr out recursive.nix fod
[ "$(cat "$out")" = refused ] || fail "fod: $(cat "$out")"

echo "no socket without the feature"
nix-build --no-out-link recursive.nix -A nosocket >/dev/null \
    2>"$TROOT/nosock.log" || fail "nosocket: $(log nosock)"

echo "the feature off: refused, naming experimental-features"
rnixd_stop
cp "$TROOT/conf.base" "$CONF"
rnixd_start
nix-build --no-out-link recursive.nix -A off \
    >/dev/null 2>"$TROOT/off.log" && fail "built without the feature"
grep -q "experimental-features" "$TROOT/off.log" ||
    fail "message: $(log off)"
echo ok
