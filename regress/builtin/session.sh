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

# What a session answers: nix build --json of one output of a
# two-output derivation lists that output only (BuildPathsWithResults),
# as real Nix 2.8 does, built afresh and already valid; a setting a
# trusted client sends that rnixd does not act on gets Nix's "unknown
# setting" warning, one it acts on (timeout) none.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix
build_store_init
store_start
ref_build_opts "$BUILD_GROUP"
SRC="$TROOT/src"
cp pkgs.nix "$SRC/"

# nix build --json on both stores; the answers must be the same.
same_json() {	# what installable
	r=$(on_rnixd nix build --no-link --json -f "$SRC/pkgs.nix" "$2" \
	    2>"$TROOT/r.err") || fail "$1: rnixd: $(cat "$TROOT/r.err")"
	# shellcheck disable=SC2086
	n=$(on_ref nix build $REFOPTS --no-link --json -f "$SRC/pkgs.nix" \
	    "$2" 2>"$TROOT/n.err") || fail "$1: Nix: $(cat "$TROOT/n.err")"
	[ "$r" = "$n" ] || fail "$1: rnixd answered
$r
Nix 2.8 answered
$n"
	printf '%s\n' "$r"
}

echo "nix build --json of one output"
j=$(same_json "lib, built" multi.lib)
echo "$j" | grep -q '"lib":' || fail "no lib in $j"
echo "$j" | grep -q '"out":' && fail "out listed in $j"
same_json "lib, valid" multi.lib >/dev/null
j=$(same_json "out, valid" multi.out)
echo "$j" | grep -q '"lib":' && fail "lib listed in $j"
same_json "both" multi >/dev/null

echo "settings a trusted client sends"
p=$(on_rnixd nix-store --add "$SRC/pkgs.nix") || fail "add"
for opt in netrc-file sandbox-paths; do
	on_rnixd nix-store -q --hash "$p" --option $opt /nonexistent \
	    >/dev/null 2>"$TROOT/err" || fail "$opt: $(cat "$TROOT/err")"
	grep -q "warning:.* unknown setting '$opt'" "$TROOT/err" ||
	    fail "$opt: no warning: $(cat "$TROOT/err")"
done
on_rnixd nix-store -q --hash "$p" --option timeout 5 \
    >/dev/null 2>"$TROOT/err" || fail "timeout: $(cat "$TROOT/err")"
grep -q "unknown setting" "$TROOT/err" &&
    fail "a warning for timeout: $(cat "$TROOT/err")"
on_rnixd nix-store -q --hash "$p" >/dev/null 2>"$TROOT/err" ||
    fail "no option: $(cat "$TROOT/err")"
[ -s "$TROOT/err" ] && fail "warnings without options: $(cat "$TROOT/err")"
echo ok
