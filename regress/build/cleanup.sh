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

# Issue 10 item 9, last point: whatever a builder, or a process of
# another user holding a descriptor into its tree, does to the build
# dir, it is removed after the build: mode 000 directories (nested and
# deep), symlinks out of the sandbox, a fifo, after a success and after
# a failure; and a host process of another user that keeps adding
# files and directories (its own, world-writable) to $out while the
# daemon copies and removes the tree.  Nothing outside is followed
# (the sentinel stays), and the daemon goes on building.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
build_store_init
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
BUILDS="$STATE/rnixd/builds"
SENT="$TROOT/sentinel"
mkdir "$SENT" && echo precious >"$SENT/file" && chmod -R a+rX "$SENT"
HPID=""
BPID=""
# The host process and its background loop: a process group of their
# own (setsid), whose id the process wrote first.
holder_stop() {
	[ -n "$HPID" ] || return 0
	n=0
	while ! [ -s "$TROOT/holder.pgid" ] && [ $n -lt 50 ]; do
		n=$((n + 1)); sleep 0.1
	done
	pg=$(head -n 1 "$TROOT/holder.pgid")
	[ -n "$pg" ] && kill -KILL -"$pg" 2>/dev/null
	kill -KILL "$HPID" 2>/dev/null
	wait "$HPID" 2>/dev/null
	rm -f "$TROOT/holder.pgid"
	HPID=""
}
trap 'rc=$?; holder_stop; [ -n "$BPID" ] && kill $BPID 2>/dev/null;
    (exit $rc); test_cleanup' EXIT

sentinel_ok() {	# what
	[ "$(cat "$SENT/file")" = precious ] &&
	    [ "$(stat -c %a "$SENT/file")" = 644 ] &&
	    [ "$(stat -c %a "$SENT")" = 755 ] &&
	    [ "$(ls "$SENT")" = file ] || fail "$1: sentinel changed"
}

echo "mode 000 dirs, a deep tree, symlinks out, a fifo: success"
out=$(nix-build --no-out-link cleanup.nix -A messy \
    --argstr sentinel "$SENT" 2>"$TROOT/m.log") ||
    fail "messy: $(cat "$TROOT/m.log")"
no_build_dirs "messy"
sentinel_ok "messy"
[ "$(cat "$out/a/b/c/f")" = x ] || fail "messy: output content"

echo "the same tree, the builder failing"
nix-build --no-out-link cleanup.nix -A messy --argstr sentinel "$SENT" \
    --argstr fail 1 >/dev/null 2>"$TROOT/mf.log" &&
    fail "messy failing: built"
no_build_dirs "messy failing"
sentinel_ok "messy failing"

echo "a host process of another user fills \$out through its cwd"
for i in 1 2 3; do
	nix-build --no-out-link cleanup.nix -A holder --argstr salt "$i" \
	    >/dev/null 2>"$TROOT/h.log" &
	BPID=$!
	n=0
	while :; do
		DIR=$(ls -d "$BUILDS"/*/root"$STORE"/*-holder-$i 2>/dev/null)
		[ -n "$DIR" ] && [ -d "$DIR/sub" ] && break
		n=$((n + 1))
		[ $n -lt 300 ] || fail "holder $i: no build tree"
		sleep 0.1
	done
	# cwd in the tree, then no privilege: the descriptor of item 1.
	(cd "$DIR" && exec setsid setpriv --reuid=65534 --regid=65534 \
	    --clear-groups sh -c '
	echo $$
	mkdir own && chmod 0777 own
	(cd own && i=0; while :; do i=$((i + 1)); : >o$i; mkdir p$i; done) \
	    2>/dev/null &
	i=0
	while :; do i=$((i + 1)); : >f$i; mkdir d$i; : >sub/s$i; done \
	    2>/dev/null' >"$TROOT/holder.pgid") &
	HPID=$!
	sleep 0.3
	touch "${DIR%"$STORE"/*}/build/go"
	wait $BPID
	BPID=""
	n=0
	while [ -n "$(ls -A "$BUILDS" 2>/dev/null)" ]; do
		n=$((n + 1))
		[ $n -lt 50 ] || break
		sleep 0.1
	done
	holder_stop
	no_build_dirs "holder $i"
done
# The daemon still builds.
out=$(nix-build --no-out-link cleanup.nix -A messy --argstr salt after \
    --argstr sentinel "$SENT" 2>"$TROOT/a.log") ||
    fail "after: $(cat "$TROOT/a.log")"
no_build_dirs "after"
sentinel_ok "after"
echo ok
