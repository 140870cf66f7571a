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

# nix-instantiate through rnixd writes the same .drv files, sources and
# text files as real Nix, and the queries about them answer the same:
# -q --outputs --references --requisites --referrers --deriver --hash
# --size --tree, nix show-derivation, nix path-info -r --json, and what
# a build would need (QueryMissing, by --dry-run).
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start
drvs_setup

drvs=""
for a in dep multi fod fodr top lone; do
	d=$(same_output "instantiate $a" nix-instantiate "$nixf" -A "$a") ||
	    exit 1
	case "$d" in "$STORE"/*-"$a".drv) ;; *) fail "$a: odd path $d" ;; esac
	cmp -s "$d" "$(ref_real "$d")" || fail "$a: .drv files differ"
	drvs="$drvs $d"
	echo "nix-instantiate -A $a: $d: ok"
done
# All at once, as the client does it with its dependencies first.
same_output "instantiate all" nix-instantiate "$nixf" >/dev/null || exit 1
echo "nix-instantiate of everything: ok"

# The sources and text files they brought in.
srcs=$(same_output "requisites" nix-store -q --requisites $drvs |
    grep -v '\.drv$') || exit 1
[ "$(echo "$srcs" | wc -l)" -eq 5 ] ||
    fail "expected 5 sources (hello.txt tree build.sh refs.txt lone.txt), got
$srcs"
for p in $srcs; do
	nix-store --dump "$p" >"$TROOT/nar.rnixd" || fail "dump $p"
	nix-store --dump "$(ref_real "$p")" >"$TROOT/nar.ref"
	cmp -s "$TROOT/nar.rnixd" "$TROOT/nar.ref" || fail "$p: contents differ"
done
echo "sources and text files: same paths and contents: ok"

for p in $drvs $srcs; do
	for q in --outputs --references --requisites --referrers \
	    --referrers-closure --deriver --hash --size --tree --graph; do
		case "$q:$p" in
		--outputs:*.drv) ;;
		--outputs:*) continue ;;
		esac
		same_output "$p" nix-store -q $q "$p" >/dev/null || exit 1
	done
	case $p in *.drv)
		same_output "$p" nix-store -q --binding out "$p" >/dev/null ||
		    exit 1
		on_rnixd nix show-derivation "$p" >"$TROOT/sd.rnixd" ||
		    fail "show-derivation $p"
		on_ref nix show-derivation "$p" >"$TROOT/sd.ref"
		cmp -s "$TROOT/sd.rnixd" "$TROOT/sd.ref" ||
		    fail "show-derivation $p differs"
	esac
	d=""
	case $p in *.drv) d=--derivation ;; esac
	on_rnixd pathinfo_json $d -r "$p" >"$TROOT/pi.rnixd" ||
	    fail "path-info -r $p"
	on_ref pathinfo_json $d -r "$p" >"$TROOT/pi.ref"
	cmp -s "$TROOT/pi.rnixd" "$TROOT/pi.ref" || fail "path-info -r $p:
$(diff "$TROOT/pi.rnixd" "$TROOT/pi.ref")"
	echo "queries on $p: ok"
done

# The content-addressed text files carry their references.
rf=$(echo "$srcs" | grep -- '-refs\.txt$')
refs=$(on_rnixd nix-store -q --references "$rf")
[ "$(echo "$refs" | wc -l)" -eq 2 ] || fail "refs.txt references: $refs"
echo "$refs" | grep -q -- '-build.sh$' ||
    fail "refs.txt does not reference build.sh"
echo "toFile references: ok"

# QueryMissing lists what a build would need; a .drv's outputs are
# registered (DerivationOutputs) though none is built.
top=$(echo $drvs | tr ' ' '\n' | grep -- '-top\.drv$')
a=$(on_rnixd nix-store -r --dry-run "$top" 2>&1) ||
    fail "--dry-run through rnixd: $a"
b=$(on_ref nix-store -r --dry-run "$top" 2>&1)
[ "$a" = "$b" ] || fail "--dry-run differs:
$a
real Nix:
$b"
echo "$a" | grep -q "will be built" || fail "nothing to build? $a"
echo "QueryMissing (nix-store -r --dry-run): ok"
for t in DerivationOutputs; do
	a=$(dbq "$DB" "select v.path, d.id, d.path from $t d join
	    ValidPaths v on v.id = d.drv order by 1, 2")
	b=$(dbq "$REF/var/nix/db/db.sqlite" "select v.path, d.id, d.path
	    from $t d join ValidPaths v on v.id = d.drv order by 1, 2")
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "$t rows differ:
$a
real Nix:
$b"
done
a=$(dbq "$DB" 'select v.path, w.path from Refs r join ValidPaths v on
    v.id = r.referrer join ValidPaths w on w.id = r.reference order by 1, 2')
b=$(dbq "$REF/var/nix/db/db.sqlite" 'select v.path, w.path from Refs r
    join ValidPaths v on v.id = r.referrer join ValidPaths w on
    w.id = r.reference order by 1, 2')
[ "$a" = "$b" ] || fail "Refs rows differ"
a=$(dbq "$DB" 'select path, hash, deriver, narSize, ultimate, sigs, ca,
    typeof(deriver), typeof(ultimate), typeof(sigs), typeof(ca) from
    ValidPaths order by path')
b=$(dbq "$REF/var/nix/db/db.sqlite" 'select path, hash, deriver,
    narSize, ultimate, sigs, ca, typeof(deriver), typeof(ultimate),
    typeof(sigs), typeof(ca) from ValidPaths order by path')
[ "$a" = "$b" ] || fail "ValidPaths rows differ:
$a
real Nix:
$b"
echo "database rows (ValidPaths, Refs, DerivationOutputs) as real Nix's: ok"
