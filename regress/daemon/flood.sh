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
need_nofile 10100
test_init
cat >>"$CONF" <<EOT
max-connections-per-user = 32
handshake-timeout = 4
idle-timeout = 3
EOT
bp_start
# rnixd -nv shows what the daemon runs with.
"$RNIXD" -nv -f "$CONF" | grep -qx "max-connections-per-user = 32" ||
    fail "rnixd -nv does not show max-connections-per-user"
fds_before=$(nfds)
lines_before=$(nloglines)

mkdir -m 1777 "$TROOT/flood.d"
out="$TROOT/flood.d/out"
flood_hold "$SOCKET" nobody
ping_quick "as root with 20000 connections of nobody" flood_fail
held=$(($(nfds) - fds_before))
echo "builderproc holds $held more descriptors"
[ "$held" -le 32 ] ||
    flood_fail "builderproc holds $held connections of nobody"
kill -0 "$bpid" || flood_fail "builderproc died"

# The 32 kept are silent: the handshake timeout closes them.
sleep 7
flood_stop
lines=$(($(nloglines) - lines_before))
echo "$lines log lines for the flood"
[ "$lines" -lt 200 ] || fail "$lines log lines for 20000 connections"
fds_back
ping_ms flood_fail
echo "after the flood: ping $ms ms, fds back to $fds_before: ok"

# Idle after the handshake: closed after idle-timeout (3 s), not before.
t=$(python3 h_flood.py idle "$SOCKET") || fail "idle client: $t"
echo "idle client closed after $t s"
case $t in
[3-5].*) ;;
*) fail "idle client closed after $t s, idle-timeout is 3" ;;
esac
echo ok
