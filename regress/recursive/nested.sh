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

# Nested recursive Nix to depth 3: four recursive builds, each built
# through the socket of the one above; outside, the top output's
# closure holds every level's output.  A path added at level 0 is
# invisible to the levels below.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start

out=$(nix-build --no-out-link nested.nix 2>"$TROOT/nested.log") ||
    fail "nested: $(log nested)"
nix-store -qR "$out" >"$TROOT/closure" || fail "closure of $out"
p=$out
for n in 0 1 2 3; do
	case "$p" in
	"$STORE"/*-nested-$n) ;;
	*) fail "level $n is $p" ;;
	esac
	[ "$(cat "$p/level")" = $n ] || fail "$p/level: $(cat "$p/level")"
	grep -qx "$p" "$TROOT/closure" || fail "closure of $out lacks $p"
	d=$(nix-store -q --deriver "$p") && nix-store --check-validity "$d" &&
	    case "$d" in *-nested-$n.drv) ;; *) false ;; esac ||
	    fail "$p: deriver '$d'"
	if [ $n -gt 0 ]; then
		[ "$(cat "$p/hidden")" = invisible ] ||
		    fail "level $n saw level 0's addition"
	fi
	echo "level $n: $p, in the closure: ok"
	[ $n -eq 3 ] && break
	next=$(readlink "$p/next") || fail "$p/next: not a link"
	[ "$(nix-store -q --references "$p" | grep -c -- '-nested-[0-9]$')" = 1 ] &&
	    nix-store -q --references "$p" | grep -qx "$next" ||
	    fail "references of $p: $(nix-store -q --references "$p")"
	p=$next
done
[ -e "$p/next" ] && fail "level 3 has a next"
[ "$(cat "$p/marker")" = "deepest of 3" ] || fail "marker: $(cat "$p/marker")"
[ "$(grep -c -- '-nested-[0-9]$' "$TROOT/closure")" = 4 ] ||
    fail "closure: $(cat "$TROOT/closure")"
echo "marker and closure of 4 levels: ok"
echo ok
