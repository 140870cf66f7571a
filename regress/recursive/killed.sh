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

# The outer builder killed from the host (SIGKILL of its build user's
# processes) while its inner build runs: the outer build fails cleanly,
# the inner one ends (built or cancelled), builderproc keeps no session
# or descriptor of it, and the daemon goes on building, recursively too.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start
members=$(getent group "$BUILD_GROUP" | cut -d: -f4 | tr , ' ')

bp=$(child_pid builderproc) || fail "no builderproc"
fds() {
	ls "/proc/$bp/fd" | wc -l
}
# The descriptors of builderproc once its builds are over (they close
# a moment after the client has its answer).
settled_fds() {
	n=0 last=$(fds)
	while [ $n -lt 20 ]; do
		sleep 0.1
		now=$(fds)
		[ "$now" = "$last" ] && [ $n -ge 5 ] && break
		last=$now
		n=$((n + 1))
	done
	echo "$last"
}

echo "a recursive build, for the descriptors at rest"
nix-build --no-out-link killed.nix --argstr tag warm >/dev/null \
    2>"$TROOT/warm.err" || fail "warm: $(cat "$TROOT/warm.err")"
before=$(settled_fds)

echo "the outer builder killed while its inner build runs"
nix-build --no-out-link killed.nix --argstr tag k --argstr secs 5 \
    >"$TROOT/k.out" 2>"$TROOT/k.err" &
cpid=$!
n=0
while ! grep -q INNER-STARTED "$TROOT/k.err"; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "inner build did not start: $(cat "$TROOT/k.err")"
	sleep 0.1
done
uid=""
for u in $members; do
	for p in $(pgrep -u "$u" -x nix-build); do
		uid=$(stat -c %u "/proc/$p")
	done
done
[ -n "$uid" ] || fail "no outer builder found"
pkill -KILL -u "$uid"
n=0
while kill -0 $cpid 2>/dev/null; do
	n=$((n + 1))
	[ $n -gt 150 ] && fail "the outer build did not end"
	sleep 0.1
done
wait $cpid && fail "the outer build succeeded"
grep -q "killed-outer-k.drv' failed" "$TROOT/k.err" ||
    fail "outer error: $(cat "$TROOT/k.err")"

echo "its inner build ends too, and no build user process is left"
n=0
while [ -n "$(for u in $members; do pgrep -u "$u"; done)" ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "build user processes left"
	sleep 0.1
done

echo "builderproc holds no more descriptors than before"
after=$(settled_fds)
[ "$after" -le "$before" ] ||
    fail "builderproc fds: $before before, $after after: $(ls -l /proc/$bp/fd)"

echo "the daemon still builds, recursively"
out=$(nix-build --no-out-link killed.nix --argstr tag again \
    2>"$TROOT/again.err") || fail "again: $(cat "$TROOT/again.err")"
[ "$(cat "$out")" = again ] || fail "again: $(cat "$out")"
echo ok
