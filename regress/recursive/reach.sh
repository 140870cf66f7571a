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

# Only its own build reaches a recursive build's socket (CVE-2024-38531).
# While a build waits, the socket behind its /build, seen from the host,
# is the build user's, mode 0600, under directories no other user may
# enter; nobody, another build user and the build user itself (from the
# host, outside the sandbox) all fail to connect; the build then still
# reaches the daemon through it.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start
BUILDS="$TROOT/nix/var/nix/rnixd/builds"

nix-build --no-out-link reach.nix >"$TROOT/out" 2>"$TROOT/build.log" &
bpid=$!
n=0
while ! ready=$(find "$BUILDS" -path '*/root/build/ready' 2>/dev/null |
    grep .); do
	n=$((n + 1))
	[ $n -gt 300 ] && fail "the build never got ready: $(cat "$TROOT/build.log")"
	sleep 0.1
done
bdir=${ready%/ready}
sock="$bdir/.nix-socket"
[ -S "$sock" ] || fail "no socket at $sock"

echo "the socket and the directories above it"
set -- $(stat -c '%a %U' "$sock")
[ "$1" = 600 ] || fail "socket mode $1, expected 600"
buser=$2
id -nG "$buser" | grep -qw "$BUILD_GROUP" ||
    fail "socket owned by $buser, not a build user"
d=$bdir
while [ "$d" != "$BUILDS" ]; do
	# Nobody but owner (and for root/, the build group) may enter.
	m=$(stat -c %a "$d")
	case $m in
	700|750) ;;
	*) fail "$d has mode $m" ;;
	esac
	d=${d%/*}
done
[ "$(stat -c %a "$BUILDS")" = 700 ] || fail "$BUILDS is not 0700"

echo "connecting from the host as other users"
try() {	# user: must not connect
	out=$(setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups \
	    /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("refused:", e.strerror)
    sys.exit(0)
print("connected")
sys.exit(1)' "$sock" 2>&1) || fail "$1 connected to $sock: $out"
	echo "  $1: $out"
}
try nobody
other=$(getent group "$BUILD_GROUP" | cut -d: -f4 | tr , '\n' |
    grep -vx "$buser" | head -n 1)
try "$other"
try "$buser"

echo "the build itself still gets through"
touch "$bdir/go"
wait $bpid || fail "build failed: $(cat "$TROOT/build.log")"
[ "$(cat "$(cat "$TROOT/out")")" = reached ] || fail "output"
echo ok
