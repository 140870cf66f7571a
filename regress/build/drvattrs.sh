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

# Derivation attributes against a hostile builder or client.
# - The files the daemon writes into the build dir (passAsFile's
#   .attr-*, .attrs.json, .attrs.sh, exportReferencesGraph files): a
#   builder swaps them for symlinks to a host file and keeps doing so
#   from a process it leaves behind, then the same names are written
#   for the next build of the same build user; the host file keeps its
#   owner, mode and contents (CVE-2025-52993), nothing is left behind.
# - A __json 100,000 levels deep and one of 100 MB: a clear error, the
#   daemon serves the next build.
# - A failing build, and a fixed-output build with the wrong hash,
#   leave no output, writable or not, in the store or the build dirs
#   (CVE-2025-52992).
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build
build_store_init
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
cp drvattrs.nix "$TROOT/src/"
SALT=$$
VICTIM="$TROOT/victim"
echo precious >"$VICTIM" && chmod 600 "$VICTIM"
chmod 755 "$TROOT"

build() {	# attr [nix-build options]
	attr=$1
	shift
	nix-build --no-out-link "$TROOT/src/drvattrs.nix" -A "$attr" \
	    --argstr salt "$SALT" --argstr victim "$VICTIM" "$@" \
	    2>"$TROOT/$attr.log"
}
victim_intact() {	# what
	[ "$(cat "$VICTIM")" = precious ] &&
	    [ "$(stat -c '%u:%g %a' "$VICTIM")" = "0:0 600" ] ||
	    fail "$1: the host file changed: $(stat -c '%u:%g %a' \
	    "$VICTIM") $(cat "$VICTIM")"
}

for attr in racepass racejson racegraph; do
	echo "$attr: symlinks onto the daemon's files, twice"
	for round in 1 2; do
		out=$(build $attr --argstr round $round) ||
		    fail "$attr $round: $(cat "$TROOT/$attr.log")"
		grep -q '^precious$' "$out" &&
		    fail "$attr: the builder read the host file"
		grep -q '^first: ok$' "$out" ||
		    fail "$attr: $(cat "$out")"
		no_build_procs "$attr"
		no_build_dirs "$attr"
		victim_intact "$attr"
	done
done

json_refused() {	# attr what
	build "$1" >/dev/null && fail "$1: built"
	grep -q "cannot process __json attribute of .*: $2" "$TROOT/$1.log" ||
	    grep -q "$2" "$TROOT/$1.log" ||
	    fail "$1: $(tail -n 5 "$TROOT/$1.log")"
	grep 'error:' "$TROOT/$1.log" | cut -c 1-200
	out=$(build fine) || fail "after $1: $(cat "$TROOT/fine.log")"
	[ "$(cat "$out")" = fine ] || fail "after $1: $out"
}
echo "a __json 100,000 levels deep"
json_refused deep "maximum parsing depth reached"
echo "a __json of 100 MB"
json_refused huge "too large"

# (compare.sh compares the files with real Nix 2.8's.)
echo "exportReferencesGraph of a .drv: its outputs' closures too"
out=$(build graphdrv) || fail "graphdrv: $(cat "$TROOT/graphdrv.log")"
ddrv=$(grep -- '-dep\.drv$' "$out") || fail "graphdrv: $(cat "$out")"
dout=$(nix-store -q --outputs "$ddrv") || fail "dep outputs"
grep -q "^$dout\$" "$out" && [ "$(cat "$dout")" = dep ] ||
    fail "graphdrv: no $dout in $(cat "$out")"

echo "failing builds leave no output behind"
for attr in scratch scratchfod; do
	build $attr >/dev/null && fail "$attr: built"
	drv=$(nix-instantiate "$TROOT/src/drvattrs.nix" -A $attr \
	    --argstr salt "$SALT" --argstr victim "$VICTIM" 2>/dev/null)
	not_registered "$attr" "$drv"
	no_build_procs "$attr"
	no_build_dirs "$attr"
	left=$(find "$STORE" -maxdepth 1 -name "*-$attr*" ! -name '*.drv')
	[ -z "$left" ] || fail "$attr: left in the store: $left"
done
grep -q "hash mismatch" "$TROOT/scratchfod.log" ||
    fail "scratchfod: $(cat "$TROOT/scratchfod.log")"
victim_intact end
echo ok
