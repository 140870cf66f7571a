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

# Ops recursive Nix refuses, sent raw on a running build's socket from
# the host (root reaches it): each is read, checked as its own handler
# checks it, and answered with an error naming recursive Nix; it never
# runs: every answer comes while storeproc is stopped, so none asked
# it.  The connection goes on after each, and the build survives.
# And a text path naming itself as reference is refused on the build's
# socket as on the daemon's, as Nix 2.8 refuses it (no valid signature).
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start
stopped=""
trap 'rc=$?; [ -n "$stopped" ] && kill -CONT "$stopped"; (exit $rc); test_cleanup' EXIT

nix-build --no-out-link refused-raw.nix >"$TROOT/out" 2>"$TROOT/err" &
bpid=$!
n=0
while sock=$(find "$TROOT" -name .nix-socket -type s 2>/dev/null) &&
    [ -z "$sock" ]; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "no .nix-socket: $(cat "$TROOT/err")"
	sleep 0.1
done

echo "refused ops, with storeproc stopped"
stopped=$(child_pid storeproc) || fail "no storeproc"
kill -STOP "$stopped"
python3 h_refused.py "$sock" "$STORE" all >"$TROOT/cases" 2>&1
rc=$?
kill -CONT "$stopped"
stopped=""
cat "$TROOT/cases"
[ $rc -eq 0 ] || fail "refused ops"

echo "a text path naming itself: refused inside as outside, as by Nix"
python3 h_refused.py "$sock" "$STORE" text-self || fail "text-self inside"
py=$(command -v /usr/bin/python3 python3 | head -n 1)
setpriv --reuid=65534 --regid=65534 --clear-groups "$py" h_refused.py \
    "$SOCKET" "$STORE" text-self || fail "text-self outside, untrusted"

echo "the build goes on and uses its socket"
touch "$(dirname "$sock")/go"
wait $bpid || fail "build: $(cat "$TROOT/err")"
p=$(cat "$(cat "$TROOT/out")")
[ "$(cat "$p")" = hello ] || fail "added path: $p"
echo ok
