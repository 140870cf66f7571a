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

# nix-build of keepgoing.nix's good1 good2 bad after through rnixd, with
# and without --keep-going, against real Nix 2.8's nix-daemon on a
# store of its own with the same logical store dir (so the messages
# compare as text).  With 2 job slots slow and bad start together, bad
# fails at once.  Without --keep-going the build stops there: slow is
# killed, nothing that waited is started, nothing is registered.  With
# it, slow, good1 and good2 are built and registered; bad's failure and
# after's ("1 dependencies of derivation '…' failed to build") are
# reported, and nix-build exits 1.  The "error:" lines must be the
# nix-daemon's: a failure others waited for logged once, not thrown
# again; "build of …" naming, sorted, every path not built.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build nixbld
command -v nix-daemon >/dev/null || skip "needs nix-daemon (nix-bin)"
build_store_init "max-jobs = 2"
store_start
ref_build_daemon nixbld
ATTRS="-A good1 -A good2 -A bad -A after"

# kgbuild name store salt [options]: nix-build the set; its exit
# status in $RC, its stderr in $TROOT/name.err, its "error:" lines
# sorted in $TROOT/name.errors.
kgbuild() {
	name=$1 st=$2 salt=$3
	shift 3
	NIX_REMOTE="$st" nix-build --no-out-link --max-jobs 2 "$@" $ATTRS \
	    --argstr salt "$salt" keepgoing.nix >"$TROOT/$name.out" \
	    2>"$TROOT/$name.err"
	RC=$?
	grep '^error:' "$TROOT/$name.err" | sort >"$TROOT/$name.errors"
}
# same_errors name: rnixd's error lines are real Nix's.
same_errors() {
	same_files "$1: the messages differ from nix-daemon's" \
	    "$TROOT/$1.errors" "$TROOT/$1.ref.errors"
}
drv_of() {	# attr salt
	NIX_REMOTE="$RSTORE" nix-instantiate -A "$1" --argstr salt "$2" \
	    keepgoing.nix 2>/dev/null
}
out_of() {	# attr salt
	NIX_REMOTE="$RSTORE" nix-store -q --outputs "$(drv_of "$1" "$2")"
}
valid() {
	NIX_REMOTE="$RSTORE" nix-store --check-validity "$1" 2>/dev/null
}
export NIX_REMOTE="$RSTORE"

echo "without --keep-going: stops at the first failure"
S=stop$$
kgbuild stop "$RSTORE" $S
[ $RC -eq 1 ] ||
    fail "stop: exit status $RC, expected 1: $(cat "$TROOT/stop.err")"
kgbuild stop.ref "$REFD" $S
[ $RC -eq 1 ] || fail "stop: nix-daemon's exit status $RC"
same_errors stop
bad=$(drv_of bad $S)
grep -qF "error: builder for '$bad' failed with exit code 3" \
    "$TROOT/stop.err" || fail "stop: no failure: $(cat "$TROOT/stop.err")"
grep -q '^bad-log$' "$TROOT/stop.err" || fail "stop: no log of bad"
for a in good1 good2 after; do
	grep -qF "building '$(drv_of $a $S)'" "$TROOT/stop.err" &&
	    fail "stop: $a started after the failure"
done
for a in slow good1 good2 bad after; do
	not_registered "stop: $a" "$(drv_of $a $S)"
done
no_build_procs stop
no_build_dirs stop

echo "with --keep-going: the others are built, the failures reported"
S=kg$$
kgbuild kg "$RSTORE" $S --keep-going
[ $RC -eq 1 ] || fail "kg: exit status $RC, expected 1: $(cat "$TROOT/kg.err")"
kgbuild kg.ref "$REFD" $S --keep-going
[ $RC -eq 1 ] || fail "kg: nix-daemon's exit status $RC"
same_errors kg
# Nothing on stdout: a failed nix-build prints none of what was built.
cmp -s "$TROOT/kg.out" "$TROOT/kg.ref.out" ||
    fail "kg: printed $(cat "$TROOT/kg.out"), nix-daemon's client $(cat \
    "$TROOT/kg.ref.out")"
after=$(drv_of after $S)
grep -qF "builder for '$(drv_of bad $S)' failed with exit code 3" \
    "$TROOT/kg.err" || fail "kg: no failure of bad: $(cat "$TROOT/kg.err")"
grep -qxF "error: 1 dependencies of derivation '$after' failed to build" \
    "$TROOT/kg.err" || fail "kg: no dependency failure: $(cat "$TROOT/kg.err")"
for a in slow good1 good2; do
	o=$(out_of $a $S)
	valid "$o" || fail "kg: $a not registered"
done
[ "$(cat "$(out_of good2 $S)")" = slow-2 ] ||
    fail "kg: good2: $(cat "$(out_of good2 $S)")"
for a in bad after; do
	not_registered "kg: $a" "$(drv_of $a $S)"
done
no_build_procs kg
no_build_dirs kg

echo "real Nix 2.8 in its sandbox words the dependency failure the same"
S=local$$
ref_build_opts nixbld
# shellcheck disable=SC2086
NIX_REMOTE="$REFSTORE" nix-build --no-out-link --keep-going --max-jobs 2 \
    $REFOPTS $ATTRS --argstr salt $S keepgoing.nix >/dev/null \
    2>"$TROOT/local.err"
rc=$?
[ $rc -eq 100 ] || fail "local: exit status $rc, expected 100"
after=$(drv_of after $S)
grep -qxF "error: 1 dependencies of derivation '$after' failed to build" \
    "$TROOT/local.err" || fail "local: $(cat "$TROOT/local.err")"
echo ok
