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

# Output checks (outchecks.nix) through rnixd and by real Nix 2.8 in its
# sandbox on the same logical store dir: every ok-* derivation builds on
# both with the same output paths and path infos; every bad-* one fails
# on both, with the same exit status and message as through nix-daemon
# (the first line as real Nix prints it locally), and leaves its
# outputs neither valid nor in the store.  BuildDerivation (the op of
# remote builds, the derivation sent whole) gets the same BuildResult
# as from nix-daemon.  A __json nested deeper than
# the JSON parser goes fails the build with a clear error and registers
# nothing.  The daemon serves on.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-build "$BUILD_GROUP"
command -v python3 >/dev/null || skip "needs python3"
build_store_init "max-jobs = 2"
store_start
# Real Nix builds with the same build users as rnixd, one build at a
# time on either side, never both at once.
ref_build_opts "$BUILD_GROUP"
REFOPTS="$REFOPTS --option max-jobs 1"
SRC="$TROOT/src"
cp outchecks.nix "$SRC/"
ATTRS=$(nix-instantiate --eval --json -E \
    "builtins.attrNames (import $SRC/outchecks.nix)" | tr -d '[]"' |
    tr ',' ' ') || fail "attribute names"
OK="" BAD=""
for at in $ATTRS; do
	case $at in
	bd-*)		;;
	bad-*|s-bad-*)	BAD="$BAD $at" ;;
	*)		OK="$OK $at" ;;
	esac
done
[ $(echo $OK | wc -w) -ge 15 ] && [ $(echo $BAD | wc -w) -ge 15 ] ||
    fail "too few derivations: ok $OK, bad $BAD"

echo "checks that pass: $(echo $OK | wc -w) derivations on both"
args=""
for at in $OK; do
	args="$args -A $at"
done
on_rnixd nix-build --no-out-link $args "$SRC/outchecks.nix" \
    >"$TROOT/out.rnixd" 2>"$TROOT/build.rnixd" ||
    fail "nix-build through rnixd: $(tail -n 20 "$TROOT/build.rnixd")"
eval on_ref nix-build --no-out-link $REFOPTS $args "$SRC/outchecks.nix" \
    >"$TROOT/out.ref" 2>"$TROOT/build.ref" ||
    fail "nix-build with real Nix: $(tail -n 20 "$TROOT/build.ref")"
cmp "$TROOT/out.rnixd" "$TROOT/out.ref" ||
    { diff "$TROOT/out.rnixd" "$TROOT/out.ref"; fail "output paths differ"; }
a=$(on_rnixd pathinfo_json $(cat "$TROOT/out.rnixd")) || fail "path-info"
b=$(on_ref pathinfo_json $(cat "$TROOT/out.ref")) || fail "ref path-info"
[ "$a" = "$b" ] || { printf '%s\n' "$a" >"$TROOT/pi.rnixd";
    printf '%s\n' "$b" >"$TROOT/pi.ref";
    diff -u "$TROOT/pi.ref" "$TROOT/pi.rnixd"; fail "path-info differs"; }
# The ok-* with a self-reference must really have one: not a vacuous pass.
self=$(grep -- '-ok-allowedrefs-out$' "$TROOT/out.rnixd")
[ "$(on_rnixd nix-store -q --references "$self")" = "$self" ] ||
    fail "ok-allowedrefs-out does not refer to itself"

# The reference for messages through a daemon: nix-daemon on the
# reference store.  Failed builds leave nothing valid there either.
ref_build_daemon "$BUILD_GROUP" 'max-jobs = 1'

# BuildDerivation, as a remote-build client sends it: the checks come
# from the derivation sent.  Same status and message as nix-daemon's.
cp ../builder/h_opclient.py h_builddrv.py "$TROOT/"
for at in bd-ok bd-bad; do
	echo "BuildDerivation of $at"
	drv=$(on_rnixd nix-instantiate -A $at "$SRC/outchecks.nix" \
	    2>/dev/null) || fail "$at: nix-instantiate"
	on_rnixd nix --extra-experimental-features nix-command \
	    show-derivation "$drv" >"$TROOT/$at.json" || fail "$at: show"
	a=$(python3 "$TROOT/h_builddrv.py" "$SOCKET" "$drv" \
	    "$TROOT/$at.json") || fail "$at: BuildDerivation through rnixd"
	b=$(python3 "$TROOT/h_builddrv.py" "$NSOCK" "$drv" \
	    "$TROOT/$at.json") || fail "$at: BuildDerivation, nix-daemon"
	[ "$a" = "$b" ] || fail "$at: rnixd answered
$a
nix-daemon
$b"
	o=$(on_rnixd nix-store -q --outputs "$drv") || fail "$at: outputs"
	if [ $at = bd-ok ]; then
		[ "${a%%	*}" = 0 ] || fail "$at: $a"
		on_rnixd nix-store --check-validity "$o" ||
		    fail "$at: $o not valid"
	else
		case $a in
		*"is not allowed to refer to the following paths"*) ;;
		*) fail "$at: $a" ;;
		esac
		on_rnixd nix-store --check-validity "$o" 2>/dev/null &&
		    fail "$at: $o is valid"
		[ -e "$o" ] && fail "$at: $o exists"
	fi
done

# The message from "error:" on, without ANSI colours and the summary
# lines around it.
errtext() {
	sed 's/\x1b\[[0-9;]*m//g' "$1" | sed -n '/error:/,$p' |
	    grep -v '^error: build of .* failed$' |
	    grep -v "^error: [0-9]* dependencies of derivation"
}
failure() {	# attr
	on_rnixd nix-build --no-out-link -A $1 "$SRC/outchecks.nix" \
	    >/dev/null 2>"$TROOT/$1.rnixd"
	rc=$?
	NIX_REMOTE="$REFD" nix-build --no-out-link -A $1 \
	    "$SRC/outchecks.nix" >/dev/null 2>"$TROOT/$1.refd"
	rcd=$?
	[ $rc -ne 0 ] && [ $rc -eq $rcd ] || fail "$1: exit status $rc \
through rnixd, $rcd through nix-daemon: $(cat "$TROOT/$1.rnixd")"
	eval on_ref nix-build --no-out-link $REFOPTS -A $1 \
	    "$SRC/outchecks.nix" >/dev/null 2>"$TROOT/$1.ref"
	rcl=$?
	[ $rcl -ne 0 ] || fail "$1: real Nix builds it"
	same_daemon_errors "$1"
	[ "$(head -n 1 "$TROOT/$1.rnixd.err")" = \
	    "$(errtext "$TROOT/$1.ref" | head -n 1)" ] ||
	    fail "$1: the local message differs: $(cat "$TROOT/$1.ref")"
	# Nothing of it registered, nothing left in the store.
	drv=$(on_rnixd nix-instantiate -A $1 "$SRC/outchecks.nix" \
	    2>/dev/null) || fail "$1: nix-instantiate"
	for o in $(on_rnixd nix-store -q --outputs "$drv"); do
		on_rnixd nix-store --check-validity "$o" 2>/dev/null &&
		    fail "$1: $o is valid"
		on_rnixd nix path-info "$o" >/dev/null 2>&1 &&
		    fail "$1: path-info of $o"
		[ -e "$o" ] && fail "$1: $o exists"
	done
	[ -z "$(store_temps)" ] || fail "$1: left in the store: $(store_temps)"
	return 0
}
for at in $BAD; do
	echo "fails as in Nix: $at"
	failure $at
done
grep -q "is too large at 1816 bytes; limit is 1000 bytes" \
    "$TROOT/s-bad-maxsize.rnixd.err" || fail "maxSize: $(cat \
    "$TROOT/s-bad-maxsize.rnixd.err")"
grep -q "illegal reference specifier 'nosuchoutput'" \
    "$TROOT/bad-illegal.rnixd.err" || fail "illegal specifier"

echo "a __json nested 60,000 deep: a clear error, nothing registered"
cat >"$SRC/deep.nix" <<'EOT'
let n = 60000; in derivation {
  name = "deep";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" "echo deep > $out" ];
  __json = builtins.concatStringsSep "" (builtins.genList (_: "[") n ++
    builtins.genList (_: "]") n);
}
EOT
on_rnixd nix-build --no-out-link "$SRC/deep.nix" >/dev/null \
    2>"$TROOT/deep.rnixd" && fail "deep __json built"
grep -q "error: cannot process __json attribute of '.*-deep.drv': " \
    "$TROOT/deep.rnixd" || fail "deep __json: $(cat "$TROOT/deep.rnixd")"
deep=$(on_rnixd nix-instantiate "$SRC/deep.nix" 2>/dev/null)
o=$(on_rnixd nix-store -q --outputs "$deep") || fail "outputs of deep"
on_rnixd nix-store --check-validity "$o" 2>/dev/null && fail "$o is valid"
[ -e "$o" ] && fail "$o exists"

echo "the daemon serves on"
on_rnixd nix-store --check-validity $(cat "$TROOT/out.rnixd") ||
    fail "outputs built first are no longer valid"
db_integrity
echo ok
