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

# Moving paths in and out of rnixd: nix-store --export | --import and
# nix copy --from file://, with real Nix as the other side and the
# reference (nix copy --to: copyto.sh).  Trust: the trusted root imports
# unsigned input-addressed paths; an untrusted user, or anyone without
# --no-check-sigs, is refused with Nix's signature message;
# content-addressed paths need no signature (nix copy carries the ca;
# an export does not).
. "$RNIXD_TOP/regress/lib.sh"
trust_store_start

# Input-addressed paths, built by real Nix in the reference store: a
# chain whose outputs reference each other, and a few sources.
cat >"$TROOT/src/chain.nix" <<'NIX'
let
  mk = name: cmd: derivation {
    inherit name;
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "PATH=/usr/bin:/bin; ${cmd}" ];
  };
  a = mk "chain-a" "echo a > $out";
  b = mk "chain-b" "mkdir $out; echo ${a} > $out/ref; ln -s ${a} $out/link";
  c = mk "chain-c" "echo ${b} > $out; echo self $out >> $out";
in { inherit a b c; src = ./chain.nix; }
NIX
c=$(on_ref nix-build --option sandbox-paths '/bin /lib /lib64 /usr' \
    --no-out-link "$TROOT/src/chain.nix" -A c 2>"$TROOT/build.log") ||
    fail "reference build: $(cat "$TROOT/build.log")"
closure=$(on_ref nix-store -q --requisites "$c")
[ "$(echo "$closure" | wc -l)" -eq 3 ] || fail "closure of c: $closure"
printf 'ca\n' >"$TROOT/src/cafile"
ca=$(on_ref nix-store --add "$TROOT/src/cafile")
# Built paths are "ultimate" where they were built, not where they land.
export PI_DROP=ultimate
on_ref pathinfo_json -r "$c" >"$TROOT/pi-c.ref"
on_ref pathinfo_json -r "$c" "$ca" >"$TROOT/pi.ref"

# Export from real Nix, import into rnixd as untrusted: refused, nothing
# registered; as root: all valid with the same info.
on_ref nix-store --export $closure >"$TROOT/closure.nar" || fail "export"
on_ref nix-store --export "$ca" >"$TROOT/ca.nar" || fail "export ca"
chmod 644 "$TROOT"/*.nar
mkdir -p "$TROOT/home-nobody"
chown nobody "$TROOT/home-nobody"
as_nobody() {
	nobody env HOME="$TROOT/home-nobody" \
	    XDG_CACHE_HOME="$TROOT/home-nobody" "$@"
}
out=$(as_nobody env NIX_REMOTE="$RSTORE" nix-store --import \
    <"$TROOT/closure.nar" 2>&1) && fail "untrusted import of unsigned paths"
echo "$out" | sed 's/\x1b\[[0-9;]*m//g' |
    grep -q "cannot add path '$STORE/[a-z0-9]*-chain-a' because it lacks a" ||
    fail "untrusted import: $out"
for p in $closure; do
	on_rnixd nix-store --check-validity "$p" 2>/dev/null &&
	    fail "$p registered by a refused import"
	[ -e "$p" ] && fail "$p left in the store by a refused import"
done
[ -z "$(store_temps)" ] || fail "temp files left: $(store_temps)"
echo "untrusted --import of unsigned paths: refused, nothing left: ok"
# The export format carries no ca: real Nix refuses this one as well.
out=$(as_nobody env NIX_REMOTE="$RSTORE" nix-store --import \
    <"$TROOT/ca.nar" 2>&1) && fail "untrusted import of an exported CA path"
echo "$out" | grep -q "because it lacks a valid signature" ||
    fail "untrusted import of an exported CA path: $out"
echo "untrusted --import (export carries no ca): refused as by real Nix: ok"

got=$(on_rnixd nix-store --import <"$TROOT/closure.nar") ||
    fail "trusted import"
[ "$got" = "$closure" ] || fail "import printed $got, expected $closure"
on_rnixd pathinfo_json -r "$c" >"$TROOT/pi.rnixd"
cmp -s "$TROOT/pi.rnixd" "$TROOT/pi-c.ref" || fail "imported path info:
$(diff "$TROOT/pi.rnixd" "$TROOT/pi-c.ref")"
for p in $closure; do
	on_rnixd nix-store --verify-path "$p" || fail "--verify-path $p"
	[ "$(on_rnixd nix-store -q --deriver "$p")" = \
	    "$(on_ref nix-store -q --deriver "$p")" ] || fail "deriver of $p"
done
echo "trusted --import: same paths, info, derivers, references: ok"

# And back out: rnixd's export is real Nix's export, byte for byte.
on_rnixd nix-store --export $closure >"$TROOT/again.nar" ||
    fail "export from rnixd"
cmp -s "$TROOT/again.nar" "$TROOT/closure.nar" || fail "exports differ"
echo "--export from rnixd equals real Nix's: ok"

# A binary cache made by real Nix, for nix copy --from.
CR="file://$TROOT/cache-ref?store=$STORE"
on_ref nix copy --to "$CR&compression=none" "$c" "$ca" ||
    fail "nix copy --to from real Nix"

# nix copy --from file:// into a fresh rnixd store.
rnixd_stop
rm -rf "$TROOT/nix"
store_start
out=$(on_rnixd nix copy --from "$CR" "$c" 2>&1) &&
    fail "nix copy --from of unsigned input-addressed paths, checking sigs"
echo "$out" | sed 's/\x1b\[[0-9;]*m//g' |
    grep -q "because it lacks a valid signature" || fail "copy --from: $out"
for p in $closure; do
	[ -e "$p" ] && fail "$p left in the store by a refused copy"
done
echo "nix copy --from without --no-check-sigs: refused: ok"
as_nobody env NIX_REMOTE="$RSTORE" nix copy --from \
    "$CR" "$ca" ||
    fail "untrusted nix copy --from of a CA path, checking sigs"
echo "untrusted nix copy --from of a content-addressed path: ok"
out=$(as_nobody env NIX_REMOTE="$RSTORE" nix copy --no-check-sigs \
    --from "$CR" "$c" 2>&1) &&
    fail "untrusted nix copy --no-check-sigs of unsigned paths"
echo "$out" | sed 's/\x1b\[[0-9;]*m//g' |
    grep -q "because it lacks a valid signature" ||
    fail "untrusted copy --from: $out"
echo "untrusted nix copy --from --no-check-sigs: refused: ok"
on_rnixd nix copy --no-check-sigs --from "$CR" "$c" ||
    fail "trusted nix copy --from --no-check-sigs"
on_rnixd pathinfo_json -r "$c" "$ca" >"$TROOT/pi.rnixd"
cmp -s "$TROOT/pi.rnixd" "$TROOT/pi.ref" || fail "copied path info:
$(diff "$TROOT/pi.rnixd" "$TROOT/pi.ref")"
for p in $closure $ca; do
	on_rnixd nix-store --verify-path "$p" || fail "--verify-path $p"
done
db_integrity
[ -z "$(store_temps)" ] || fail "temp files left: $(store_temps)"
echo "trusted nix copy --from --no-check-sigs: same paths and info: ok"
