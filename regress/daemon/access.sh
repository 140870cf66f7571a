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

# Who may run and reach rnixd: only root starts it; a missing user is
# named; children refuse to run by hand; allowed-users and trusted-users
# decide per connection; members of build-users-group are refused.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
test_init

out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$RNIXD" -d -f "$CONF" 2>&1) && fail "started as nobody"
echo "$out" | grep -q "need root privileges" || fail "as nobody: $out"
echo "refuses to start unless root: ok"

cp "$CONF" "$TROOT/nouser.conf"
printf 'store-user = _rnixd-nosuch\n' >>"$TROOT/nouser.conf"
out=$("$RNIXD" -d -f "$TROOT/nouser.conf" 2>&1) && fail "started without user"
echo "$out" | grep -q "unknown user '_rnixd-nosuch' (store-user" ||
    fail "missing user not named: $out"
[ -e "$SOCKET" ] && fail "socket created by a daemon that refused to start"
echo "missing store-user named: ok"

for child in rnixd-storeproc rnixd-builderproc rnixd-mountproc; do
	out=$("$RNIXD_OBJ/libexec/rnixd/$child" 2>&1 </dev/null) &&
	    fail "$child ran by hand"
	echo "$out" | grep -q "must be started by rnixd" ||
	    fail "$child by hand: $out"
done
echo "children refuse to run by hand: ok"

# allowed-users: root (trusted) and nobody (allowed) in, daemon (not) out.
printf 'allowed-users = nobody\ntrusted-users = root\n' >>"$CONF"
rnixd_start
nix_ping >/dev/null || fail "trusted root refused"
as() {	# user command...
	u=$1
	shift
	HOME="$TROOT/home-$u" XDG_CACHE_HOME="$TROOT/home-$u" \
	    setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"
}
# A member of the build users' group of this test's daemon.
BUSER=$(getent group "$BUILD_GROUP" | cut -d: -f4 | cut -d, -f1)
[ -n "$BUSER" ] || fail "group $BUILD_GROUP has no members"
mkdir -p "$TROOT/home-nobody" "$TROOT/home-daemon" "$TROOT/home-$BUSER"
chown nobody "$TROOT/home-nobody"
chown daemon "$TROOT/home-daemon"
chown "$BUSER" "$TROOT/home-$BUSER"
as nobody nix store ping --store "unix://$SOCKET" >/dev/null 2>&1 ||
    fail "allowed user nobody refused"
out=$(as daemon nix store ping --store "unix://$SOCKET" 2>&1) &&
    fail "user daemon, not in allowed-users, got in"
echo "$out" | grep -q "user 'daemon' is not allowed to connect" ||
    fail "refusal of daemon: $out"
echo "allowed-users: ok"

# A build user is refused even when every user is allowed.
sed -i 's/^allowed-users = nobody$/allowed-users = */' "$CONF"
kill -HUP "$RNIXD_PID"
wait_log "configuration reloaded" 5 || fail "reload not taken"
as daemon nix store ping --store "unix://$SOCKET" >/dev/null 2>&1 ||
    fail "allowed-users = * does not let daemon in"
out=$(as "$BUSER" nix store ping --store "unix://$SOCKET" 2>&1) &&
    fail "build user $BUSER got in"
echo "$out" | grep -q "build users may not connect" ||
    fail "refusal of $BUSER: $out"
echo "build users refused: ok"
