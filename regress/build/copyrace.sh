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

# Issue 10 item 1: while storeproc copies a finished build's tree, a
# process holding a descriptor into it swaps a file the builder made
# unreadable (mode 0773) for a symlink to a victim.  storeproc must not
# act on the victim through that name: no store file and not the
# database may change mode, owner or content; the build fails or
# registers a faithful copy.  First driven deterministically (storeproc
# traced, the swap made the moment a call on the name fails with
# EACCES), then as a loop of real builds against a racing swapper.
# Also: files and directories the builder left mode 000 are copied.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build
HR="$RNIXD_OBJ/regress/build/h_race"
[ -x "$HR" ] || fail "helpers not built (make regress)"
build_store_init
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
BUILDS="$STATE/rnixd/builds"
RPID=""
BPID=""
trap 'rc=$?; [ -n "$RPID" ] && kill $RPID 2>/dev/null;
    [ -n "$BPID" ] && kill $BPID 2>/dev/null;
    (exit $rc); test_cleanup' EXIT

# What must not change: mode, owner, size, content.
meta() {	# file
	echo "$(stat -c '%a %u %g %s' "$1") $(sha256sum <"$1")"
}

V=$(nix-build --no-out-link copyrace.nix -A victim 2>"$TROOT/v.log") ||
    fail "victim: $(cat "$TROOT/v.log")"
VMETA=$(meta "$V")
DBMETA0=$(stat -c '%a %u %g' "$DB")

# Start the race build with salt $1 and victim $2; wait until its tree
# is ready; DIR is its $out in the build root, GO the file it waits for.
race_start() {	# salt victim
	nix-build --no-out-link copyrace.nix -A race --argstr salt "$1" \
	    --argstr victim "$2" >"$TROOT/race.out" 2>"$TROOT/race.log" &
	BPID=$!
	n=0
	while :; do
		DIR=$(ls -d "$BUILDS"/*/root"$STORE"/*-race-"$1" 2>/dev/null)
		[ -n "$DIR" ] && [ -L "$DIR/L" ] && break
		n=$((n + 1))
		[ $n -lt 300 ] || fail "race $1: no build tree"
		sleep 0.1
	done
	GO="${DIR%"$STORE"/*}/build/go"
}

# The build's end: failed, or a copy that verifies; victims untouched.
race_end() {	# what
	wait $BPID
	rc=$?
	BPID=""
	if [ $rc -eq 0 ]; then
		out=$(cat "$TROOT/race.out")
		nix-store --verify-path "$out" ||
		    fail "$1: registered a copy that does not verify"
		[ -z "$(find "$out" ! -type l -perm /7022)" ] ||
		    fail "$1: modes not canonical: $(ls -lR "$out")"
	fi
	[ "$(meta "$V")" = "$VMETA" ] ||
	    fail "$1: victim store file changed: $(meta "$V"), was $VMETA"
	[ "$(stat -c '%a %u %g' "$DB")" = "$DBMETA0" ] ||
	    fail "$1: db.sqlite changed: $(stat -c '%a %u %g' "$DB")"
	no_build_dirs "$1"
}

echo "mode 000 files and directories are copied"
out=$(nix-build --no-out-link copyrace.nix -A locked 2>"$TROOT/l.log") ||
    fail "locked: $(cat "$TROOT/l.log")"
[ "$(cat "$out/f")" = hidden ] && [ "$(cat "$out/d/g")" = deep ] ||
    fail "locked: wrong content"
[ "$(stat -c %a "$out/d")" = 555 ] && [ "$(stat -c %a "$out/f")" = 444 ] ||
    fail "locked: modes $(stat -c %a "$out/d") $(stat -c %a "$out/f")"

echo "the swap, driven: storeproc traced, swapped at its EACCES"
SP=$(child_pid storeproc) || fail "no storeproc"
race_start 1 "$V"
"$HR" trace "$SP" "$DIR" f L 60 >"$TROOT/trace.log" 2>&1 &
RPID=$!
n=0
while ! grep -q attached "$TROOT/trace.log"; do
	n=$((n + 1)); [ $n -lt 100 ] || fail "tracer: $(cat "$TROOT/trace.log")"
	sleep 0.1
done
touch "$GO"
wait $RPID || fail "tracer: $(cat "$TROOT/trace.log")"
RPID=""
grep -q swapped "$TROOT/trace.log" || fail "no swap: $(cat "$TROOT/trace.log")"
race_end "driven swap"
kill -0 "$SP" || fail "storeproc died"

echo "a loop of real builds against a racing swapper"
for i in 2 3 4 5 6 7 8 9; do
	case $i in
	[2-5])	victim=$V ;;
	*)	victim=$DB ;;
	esac
	race_start "$i" "$victim"
	"$HR" swap "$DIR" f L 30 >"$TROOT/swap.log" 2>&1 &
	RPID=$!
	touch "$GO"
	race_end "racing swapper $i"
	wait $RPID
	RPID=""
done
kill -0 "$SP" || fail "storeproc died"
nix-store -q --references "$V" >/dev/null || fail "daemon stopped serving"
echo ok
