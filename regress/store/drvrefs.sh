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

# A .drv added through the daemon socket must declare as references
# every input its text names, as nix-instantiate always does.  One that
# does not (nix-store --add of the text: no references) is refused
# before any input is looked at: the same answer whether the input it
# names exists or not, and nothing is registered.  nix-instantiate's
# own .drvs, and a plain add of one that names no input, still go in.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start
drvs_setup
export NIX_REMOTE="$RSTORE"

for a in dep multi fod; do
	d=$(nix-instantiate "$nixf" -A $a 2>"$TROOT/err") ||
	    fail "instantiate $a: $(cat "$TROOT/err")"
	mkdir "$TROOT/$a" && cp "$d" "$TROOT/$a/$a.drv" || fail "copy $d"
	eval "drv_$a=\$d"
done
echo "nix-instantiate: ok"
# multi's text with its input derivation's hash changed: a .drv that
# does not exist.
mkdir "$TROOT/absent" || fail "mkdir"
hash=${drv_dep#"$STORE"/}
hash=${hash%%-*}
sed "s|$STORE/$hash-|$STORE/00000000000000000000000000000000-|" \
    "$TROOT/multi/multi.drv" >"$TROOT/absent/multi.drv" || fail "sed"
cmp -s "$TROOT/multi/multi.drv" "$TROOT/absent/multi.drv" &&
    fail "$drv_multi does not name $drv_dep"

nentries() {
	find "$STORE" -mindepth 1 -maxdepth 1 | wc -l
}

before=$(nentries)
for a in dep multi absent; do
	nix-store --add "$TROOT/$a/"*.drv >"$TROOT/out" 2>"$TROOT/err.$a" &&
	    fail "$a: added as $(cat "$TROOT/out")"
	case $a in
	dep) named=$(sed -n "s|^.*\\],\\[\"\\($STORE/[^\"]*\\)\".*|\\1|p" \
	    "$TROOT/dep/dep.drv") ;;
	multi) named=$drv_dep ;;
	absent) named=$STORE/00000000000000000000000000000000-dep.drv ;;
	esac
	grep -q "error: cannot add derivation '$STORE/[^']*-[a-z]*\\.drv':\
 its input '$named' is not among its references" "$TROOT/err.$a" ||
	    fail "$a: $(cat "$TROOT/err.$a")"
	[ "$(nentries)" -eq "$before" ] || fail "$a: the store grew"
	[ -z "$(store_temps)" ] || fail "$a: temporaries left: $(store_temps)"
	echo "$a: refused: ok"
done
# Whether the input exists does not change the answer.
for a in multi absent; do
	sed "s|$STORE/[0-9a-z]\\{32\\}-|STORE/|g" "$TROOT/err.$a" \
	    >"$TROOT/said.$a"
done
cmp -s "$TROOT/said.multi" "$TROOT/said.absent" ||
    fail "answered apart: $(cat "$TROOT/said.multi") vs\
 $(cat "$TROOT/said.absent")"
echo "existing and absent input: the same answer: ok"

p=$(nix-store --add "$TROOT/fod/fod.drv" 2>"$TROOT/err") ||
    fail "fod: $(cat "$TROOT/err")"
nix-store --check-validity "$p" || fail "$p not valid"
echo "a .drv naming no input: added: ok"
echo ok
