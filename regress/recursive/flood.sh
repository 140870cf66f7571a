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
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 10100 ] ||
    skip "needs a hard descriptor limit of 10100 or more"
cat >>"$CONF" <<EOT
max-connections-per-build = 16
handshake-timeout = 3
idle-timeout = 2
EOT
rnixd_start
bpid=$(child_pid builderproc) || fail "no builderproc"
nfds() { ls "/proc/$bpid/fd" | wc -l; }
nloglines() { wc -l <"$TROOT/rnixd.log"; }

nix-build --no-out-link flood.nix >"$TROOT/out" 2>"$TROOT/flood.log" &
bld=$!
dir=$(rec_find_build ready) || fail "the build did not get ready: $(log flood)"
fds_before=$(nfds)
lines_before=$(nloglines)

# Two clients of 10,000 each: the hard descriptor limit may be 20,000.
out="$TROOT/floodout"
python3 ../daemon/h_flood.py hold "$dir/.nix-socket" 10000 "$out.1" &
fpid1=$!
python3 ../daemon/h_flood.py hold "$dir/.nix-socket" 10000 "$out.2" &
fpid2=$!
n=0
while ! [ -e "$out.1" ] || ! [ -e "$out.2" ]; do
	n=$((n + 1))
	[ $n -gt 600 ] && flood_fail "the flood did not finish"
	kill -0 $fpid1 && kill -0 $fpid2 || flood_fail "a flood client failed"
	# Stop before a log that grows without bound fills the disk.
	[ $(($(nloglines) - lines_before)) -gt 1000 ] &&
	    flood_fail "the log grows: $(tail -n 3 "$TROOT/rnixd.log")"
	sleep 0.1
done
echo "flood: $(cat "$out.1" "$out.2")"
[ "$(cat "$out.1" "$out.2")" = "opened 10000
opened 10000" ] || flood_fail "flood: $(cat "$out.1" "$out.2")"
t0=$(date +%s%N)
nix_ping >/dev/null 2>"$TROOT/ping.err" ||
    flood_fail "ping: $(cat "$TROOT/ping.err")"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "ping on the daemon socket during the flood: $ms ms"
[ "$ms" -lt 1000 ] || flood_fail "ping took $ms ms"
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
