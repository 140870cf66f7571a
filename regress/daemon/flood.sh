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

# One user opens 20,000 connections on the daemon socket and sends
# nothing.  Another user is still served within a second, builderproc
# keeps at most max-connections-per-user of them, the log stays short,
# the handshake timeout closes the ones kept, and the daemon recovers.
# Then: a client idle after its handshake is closed after idle-timeout.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
getent passwd nobody >/dev/null || skip "needs user nobody"
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 10100 ] ||
    skip "needs a hard descriptor limit of 10100 or more"
test_init
cat >>"$CONF" <<EOT
max-connections-per-user = 32
handshake-timeout = 4
idle-timeout = 3
EOT
rnixd_start
# rnixd -nv shows what the daemon runs with.
"$RNIXD" -nv -f "$CONF" | grep -qx "max-connections-per-user = 32" ||
    fail "rnixd -nv does not show max-connections-per-user"

bpid=$(child_pid builderproc) || fail "no builderproc"
nfds() { ls "/proc/$bpid/fd" | wc -l; }
nix_ping >/dev/null || fail "first ping"
fds_before=$(nfds)
lines_before=$(wc -l <"$TROOT/rnixd.log")

# Milliseconds nix store ping takes; fails the test if it fails.
ping_ms() {
	t0=$(date +%s%N)
	nix_ping >/dev/null 2>"$TROOT/ping.err" ||
	    flood_fail "ping: $(cat "$TROOT/ping.err")"
	echo $((($(date +%s%N) - t0) / 1000000))
}

# Two clients of 10,000 each: the hard descriptor limit may be 20,000.
mkdir -m 1777 "$TROOT/flood.d"
out="$TROOT/flood.d/out"
python3 h_flood.py hold "$SOCKET" 10000 "$out.1" nobody &
fpid1=$!
python3 h_flood.py hold "$SOCKET" 10000 "$out.2" nobody &
fpid2=$!
n=0
while ! [ -e "$out.1" ] || ! [ -e "$out.2" ]; do
	n=$((n + 1))
	[ $n -gt 600 ] && flood_fail "the flood did not finish"
	kill -0 $fpid1 && kill -0 $fpid2 || flood_fail "a flood client failed"
	sleep 0.1
done
echo "flood: $(cat "$out.1" "$out.2")"
[ "$(cat "$out.1" "$out.2")" = "opened 10000
opened 10000" ] || flood_fail "flood: $(cat "$out.1" "$out.2")"
ms=$(ping_ms)
echo "ping as root with 20000 connections of nobody: $ms ms"
[ "$ms" -lt 1000 ] || flood_fail "ping took $ms ms"
held=$(($(nfds) - fds_before))
echo "builderproc holds $held more descriptors"
[ "$held" -le 32 ] ||
    flood_fail "builderproc holds $held connections of nobody"
kill -0 "$bpid" || flood_fail "builderproc died"

# The 32 kept are silent: the handshake timeout closes them.
sleep 7
flood_stop
lines=$(($(wc -l <"$TROOT/rnixd.log") - lines_before))
echo "$lines log lines for the flood"
[ "$lines" -lt 200 ] || fail "$lines log lines for 20000 connections"
n=0
while [ "$(nfds)" -ne "$fds_before" ]; do
	n=$((n + 1))
	[ $n -gt 50 ] && fail "builderproc fds: $(nfds), before: $fds_before"
	sleep 0.1
done
ms=$(ping_ms)
echo "after the flood: ping $ms ms, fds back to $fds_before: ok"

# Idle after the handshake: closed after idle-timeout (3 s), not before.
t=$(python3 h_flood.py idle "$SOCKET") || fail "idle client: $t"
echo "idle client closed after $t s"
case $t in
[3-5].*) ;;
*) fail "idle client closed after $t s, idle-timeout is 3" ;;
esac
echo ok
