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

# nix-store -r of a derivation whose outputs are partly valid (one of
# three deleted), through rnixd and with real Nix 2.8 in its sandbox on
# a store of its own: as real Nix does, the derivation is built again,
# the missing output is registered, the valid ones are left alone (the
# same inode, contents and registration time, though the builder's out
# differs at each run) and all three are printed and valid afterwards.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build nixbld
build_store_init
store_start
ref_build_opts nixbld
SALT=$$

# where store path: the file that holds it in that store.
real_of() {
	if [ "$1" = ref ]; then ref_real "$2"; else echo "$2"; fi
}
# state where: inode, contents and registration time of each output.
state() {
	for o in $outs; do
		r=$(real_of $1 "$o")
		echo "$o $(stat -c %i "$r") $(find "$r" -type f -exec cat {} +)" \
		    "$(on_$1 nix path-info --json "$o" |
		    grep -o '"registrationTime":[0-9]*')"
	done
}
# partial where: build, delete dev, build again; check what changed.
partial() {
	w=$1
	drv=$(on_$w nix-instantiate --argstr salt $SALT partial.nix \
	    2>/dev/null) || fail "$w: nix-instantiate"
	outs=$(on_$w nix-store -q --outputs "$drv" | sort)
	dev=$(echo "$outs" | grep -- '-multi-dev$')
	eval on_$w nix-store -r $REFOPTS "$drv" >"$TROOT/$w.r1" \
	    2>"$TROOT/$w.r1.err" || fail "$w: first build: $(cat "$TROOT/$w.r1.err")"
	[ "$(sort "$TROOT/$w.r1")" = "$outs" ] ||
	    fail "$w: first build printed $(cat "$TROOT/$w.r1")"
	state $w | grep -v -- "$dev " >"$TROOT/$w.before"
	sleep 1	# a new registration would show in the time
	on_$w nix-store --delete "$dev" >"$TROOT/$w.del" 2>&1 ||
	    fail "$w: delete: $(cat "$TROOT/$w.del")"
	on_$w nix-store --check-validity "$dev" 2>/dev/null &&
	    fail "$w: $dev still valid"
	[ -e "$(real_of $w "$dev")" ] && fail "$w: $dev still there"
	eval on_$w nix-store -r $REFOPTS "$drv" >"$TROOT/$w.r2" \
	    2>"$TROOT/$w.r2.err" ||
	    fail "$w: partial build: $(cat "$TROOT/$w.r2.err")"
	[ "$(sort "$TROOT/$w.r2")" = "$outs" ] ||
	    fail "$w: partial build printed $(cat "$TROOT/$w.r2")"
	grep -q '^building-multi$' "$TROOT/$w.r2.err" ||
	    fail "$w: not built again: $(cat "$TROOT/$w.r2.err")"
	on_$w nix-store --check-validity $outs ||
	    fail "$w: not all outputs valid"
	[ "$(cat "$(real_of $w "$dev")")" = "dev-$SALT" ] ||
	    fail "$w: dev holds $(cat "$(real_of $w "$dev")")"
	state $w | grep -v -- "$dev " >"$TROOT/$w.after"
	[ "$(grep -c 'registrationTime":[0-9]' "$TROOT/$w.before")" -eq 2 ] ||
	    fail "$w: no state: $(cat "$TROOT/$w.before")"
	same_files "$w: a valid output was changed" "$TROOT/$w.after" \
	    "$TROOT/$w.before"
	[ "$(on_$w nix-store -q --deriver "$dev")" = "$drv" ] ||
	    fail "$w: deriver of dev: $(on_$w nix-store -q --deriver "$dev")"
	on_$w nix-store --verify-path $outs || fail "$w: does not verify"
}

echo "real Nix 2.8: built again, the valid outputs left alone"
partial ref
REFOUTS=$outs
echo "rnixd: the same"
REFOPTS=""
partial rnixd
[ "$outs" = "$REFOUTS" ] || fail "other output paths than real Nix's"
no_build_procs partial
no_build_dirs partial
echo ok
