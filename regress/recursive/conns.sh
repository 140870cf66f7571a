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

# 1000 connections opened and closed on one recursive build's socket
# (handshake and an op each; every tenth dropped mid-handshake), then
# 50 held at once: builderproc's descriptors grow while they are open
# and come back to the same count after, with no leak.  A path added
# through the socket stays rooted after its connection closed, until
# the build is over.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start

bpid=$(child_pid builderproc) || fail "no builderproc"
spid=$(child_pid storeproc) || fail "no storeproc"
mpid=$(child_pid mountproc) || fail "no mountproc"
nfds() {
	ls "/proc/${1:-$bpid}/fd" | wc -l
}
# The count once it has not changed for half a second.
settled() {
	a=$(nfds)
	n=0
	while :; do
		sleep 0.5
		b=$(nfds)
		[ "$a" = "$b" ] && break
		a=$b
		n=$((n + 1))
		[ $n -gt 20 ] && break
	done
	echo "$b"
}
# Wait up to 10 s for the count to come back to $1.
back_to() {
	n=0
	while [ "$(nfds)" != "$1" ]; do
		n=$((n + 1))
		[ $n -gt 100 ] && return 1
		sleep 0.1
	done
	return 0
}

idle=$(settled)
sidle=$(nfds "$spid")
midle=$(nfds "$mpid")
nix-build --no-out-link conns.nix >"$TROOT/out" 2>"$TROOT/conns.log" &
bld=$!
dir=$(rec_find_build ready) || fail "the build did not get ready: $(log conns)"
before=$(settled)
echo "builderproc fds: idle $idle, build running $before"
rss0=$(awk '/^VmRSS:/ { print $2 }' /proc/$bpid/status)
touch "$dir/go1"
n=0
while ! [ -e "$dir/go2.held" ]; do
	n=$((n + 1))
	[ $n -gt 600 ] && fail "50 connections not held: $(log conns)"
	kill -0 $bld 2>/dev/null || fail "build ended: $(log conns)"
	sleep 0.1
done
during=$(nfds)
echo "with 50 connections held: $during"
[ "$during" -ge $((before + 50)) ] ||
    fail "50 connections held, but only $during fds (before: $before)"
touch "$dir/go2"
n=0
while ! [ -e "$dir/closed" ]; do
	n=$((n + 1))
	[ $n -gt 600 ] && fail "connections not closed: $(log conns)"
	sleep 0.1
done
back_to "$before" || fail "after 1050 connections: $(nfds) fds, before $before"
echo "after 1050 connections, closed: $(nfds): ok"
added=$(cat "$dir/added")
nix-store --delete "$added" >"$TROOT/del.log" 2>&1 &&
    fail "deleted $added, added by the running build"
nix-store --check-validity "$added" && [ -e "$added" ] ||
    fail "$added went: $(cat "$TROOT/del.log")"
echo "the added path is alive while the build runs: ok"
echo "builderproc VmRSS $rss0 kB before, $(awk '/^VmRSS:/ { print $2 }' \
    /proc/$bpid/status) kB after (not checked)"
touch "$dir/go3"
wait $bld || fail "conns: $(log conns)"
out=$(cat "$TROOT/out")
grep -qx "conns 1000: ok" "$out/log" && grep -qx "held 50: ok" "$out/log" ||
    fail "client: $(cat "$out/log")"
got=$(grep -c "recursive connection" "$TROOT/rnixd.log")
[ "$got" -ge 1052 ] || fail "rnixd saw $got recursive connections"
back_to "$idle" || fail "after the build: $(nfds) fds, idle $idle"
echo "$got recursive connections; after the build $(nfds) fds: ok"
nix-store -q --references "$out" | grep -qx "$added" &&
    fail "$out refers to $added"
n=0
until nix-store --delete "$added" >"$TROOT/del.log" 2>&1; do
	n=$((n + 1))
	[ $n -gt 50 ] && fail "$added still alive: $(cat "$TROOT/del.log")"
	sleep 0.1
done
echo "after the build, the added path is no longer rooted: ok"
# Nor in storeproc and mountproc, which served them too.
n=0
while [ "$(nfds "$spid")" != "$sidle" ] || [ "$(nfds "$mpid")" != "$midle" ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "storeproc $(nfds "$spid") fds (idle $sidle)," \
	    "mountproc $(nfds "$mpid") (idle $midle)"
	sleep 0.1
done
echo "storeproc $sidle fds, mountproc $midle fds, as when idle: ok"
echo ok
