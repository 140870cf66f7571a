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

# The privilege table of rnixd.8 holds while recursive builds run: with
# an outer build waiting for an inner one (both recursive, both with a
# socket served), and again after mountproc bound the inner output into
# the outer sandbox.  builderproc and mountproc have uid != 0 and no
# capabilities; storeproc and the spawner have theirs only; the builders
# run as build users without capabilities.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start

# Every process of a build user: no capabilities, no new privileges;
# count the sandboxes (mount namespaces) they run in.
check_builders() {
	members=",$(getent group "$BUILD_GROUP" | cut -d: -f4),"
	nss=""
	for st in /proc/[0-9]*/status; do
		pid=${st#/proc/}
		pid=${pid%/status}
		uid=$(awk '/^Uid:/ { print $2 }' "$st" 2>/dev/null) || continue
		[ -n "$uid" ] || continue
		user=$(getent passwd "$uid" | cut -d: -f1)
		case "$members" in *",$user,"*) ;; *) continue ;; esac
		grep -q "^Uid:	$uid	$uid	$uid	$uid$" "$st" ||
		    fail "pid $pid: $(grep ^Uid: "$st")"
		grep -q "^CapEff:	0000000000000000$" "$st" ||
		    fail "pid $pid ($user): $(grep ^CapEff: "$st")"
		grep -q "^NoNewPrivs:	1$" "$st" ||
		    fail "pid $pid ($user): NoNewPrivs not 1"
		ns=$(readlink "/proc/$pid/ns/mnt") || continue
		case " $nss " in *" $ns "*) ;; *) nss="$nss $ns" ;; esac
	done
	set -- $nss
	[ $# -ge "$want" ] ||
	    fail "build users' processes in $# sandboxes, expected $want"
	echo "  build users' processes in $# sandboxes: CapEff 0, NoNewPrivs 1"
}

check_all() {
	priv_check_table
	want=$1
	check_builders
}

nix-build --no-out-link privileges.nix >"$TROOT/out" 2>"$TROOT/priv.log" &
bld=$!
inner=$(rec_find_build inner-ready) || fail "no inner build: $(log priv)"
outer=$(rec_find_build outer-ready 0) && fail "outer went on already"
echo "an outer recursive build waiting for an inner recursive one:"
[ -S "$inner/.nix-socket" ] || fail "the inner build has no socket"
check_all 2
touch "$inner/inner-go"
outer=$(rec_find_build outer-ready) || fail "outer did not go on: $(log priv)"
echo "the outer build, the inner output bound into its sandbox:"
[ -S "$outer/.nix-socket" ] || fail "the outer build has no socket"
check_all 1
touch "$outer/outer-go"
wait $bld || fail "priv: $(log priv)"
out=$(cat "$TROOT/out")
[ "$(cat "$out")" = inner ] || fail "$out: $(cat "$out")"
echo "after the builds:"
check_all 0
echo ok
