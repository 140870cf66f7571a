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

# Worker protocol 1.21 to 1.38, and beyond: a raw client stops at each
# minor and checks every field of the handshake at it (the 1.38 feature
# exchange in the order Nix's client expects, the daemon's name from
# 1.33, the trust byte from 1.35), a build result with the fields of
# its version (1.37's CPU times), and that the stream stays in step.
# Clients offering more than 1.38 run at 1.38.  An untrusted user is
# told so; a refused one gets the error in its version's form.  The
# daemon logs the protocol it runs, not the one offered.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
test_init
printf 'allowed-users = nobody\ntrusted-users = root\n' >>"$CONF"
rnixd_start

echo versions >"$TROOT/file"
path=$(nix-store --store "unix://$SOCKET?store=$STORE" --add \
    "$TROOT/file") || fail "add"
as() {	# user command...
	u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"
}
run() {	# user version trust [features...]
	u=$1
	shift
	as "$u" /usr/bin/python3 h_versions.py "$SOCKET" "$STORE" "$path" "$@" ||
	    fail "user $u, version $1"
}

minor=21
while [ $minor -le 38 ]; do
	run root "$(printf '0x1%02x' $minor)" 1
	minor=$((minor + 1))
done
run root 0x126 1 some-feature another-one
run root 0x127 1
run root 0x128 1 a-feature-of-1.40
run root 0x1ff 1
echo "1.21 to 1.38 and beyond, trusted: ok"

for v in 0x122 0x123 0x125 0x126 0x127; do
	run nobody $v 2
done
echo "untrusted: told so from 1.35 on: ok"

for v in 0x119 0x122 0x123 0x126 0x127; do
	run daemon $v refused
done
echo "refused users, in each version's form: ok"

# The log names what the session runs at.
log_mark
run root 0x127 1
wait_log "protocol 1.38 (client offered 0x127)" ||
    fail "negotiated protocol not logged"
log_mark
run root 0x11c 1
wait_log "protocol 1.28 (client offered 0x11c)" ||
    fail "negotiated protocol not logged"
echo "negotiated protocol logged: ok"

# A client offering 1.38 that sends its features in pieces, and one
# that sends too many, leave the daemon serving.
python3 - "$SOCKET" <<'PY' || fail "bad feature lists"
import socket, struct, sys, time
u64 = lambda v: struct.pack("<Q", v)
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sys.argv[1])
    s.sendall(u64(0x6E697863) + u64(0x126))
    assert s.recv(16, socket.MSG_WAITALL)[8:] == u64(0x126)
    return s
s = conn()
msg = u64(1) + u64(3) + b"abc\0\0\0\0\0"
for i in range(len(msg)):
    s.sendall(msg[i:i + 1])
    time.sleep(0.01)
assert s.recv(8, socket.MSG_WAITALL) == u64(0), "features"
s.close()
s = conn()
s.sendall(u64(1 << 40))
assert s.recv(8) == b"", "a huge feature count was not refused"
s.close()
PY
nix_ping >/dev/null || fail "daemon stopped serving"
echo "features sent in pieces, too many features: ok"
