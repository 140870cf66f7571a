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

# 20,000 connections on a recursive build's own socket, sending nothing.
# builderproc keeps max-connections-per-build of them, other clients are
# served within a second, the log stays short, the handshake timeout
# closes those kept, and the build's socket serves it again afterwards.
# The client waiting for the build all along (longer than idle-timeout)
# is not idle: its build succeeds.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
need_nofile 10100
cat >>"$CONF" <<EOT
max-connections-per-build = 16
handshake-timeout = 3
idle-timeout = 2
EOT
rnixd_start
bpid=$(child_pid builderproc) || fail "no builderproc"

nix-build --no-out-link flood.nix >"$TROOT/out" 2>"$TROOT/flood.log" &
bld=$!
dir=$(rec_find_build ready) || fail "the build did not get ready: $(log flood)"
fds_before=$(nfds)
lines_before=$(nloglines)

out="$TROOT/floodout"
flood_hold "$dir/.nix-socket"
ping_quick "on the daemon socket during the flood" flood_fail
held=$(($(nfds) - fds_before))
echo "builderproc holds $held more descriptors"
[ "$held" -le 16 ] || flood_fail "builderproc holds $held connections"

sleep 5
flood_stop
lines=$(($(nloglines) - lines_before))
echo "$lines log lines for the flood"
[ "$lines" -lt 200 ] || fail "$lines log lines for 20000 connections"

touch "$dir/go"
wait $bld || fail "the build failed: $(log flood)"
res=$(cat "$TROOT/out")
grep -qx "add: ok" "$res/log" || fail "no add after the flood: $(log flood)"
echo "the build's socket serves it again; its client was not idle: ok"
echo ok
