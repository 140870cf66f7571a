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

# AddPermRoot (op 47, protocol 1.36), as nix-daemon does it: for a
# trusted client the link is made (atomically, replacing a link into
# the store, never anything else) and becomes an indirect GC root, so
# the collector keeps the path until the link goes; the reply is the
# link.  An untrusted client, a link inside the store, or a file in
# the way get Nix's errors and the connection goes on.  The link is
# made as the client's own user: a trusted user gets no more than it
# could do by itself.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
store_init
printf 'trusted-users = root daemon\nallowed-users = *\n' >>"$CONF"
store_start
printf 'kept\n' >"$TROOT/src/kept"
p=$(on_rnixd nix-store --add "$TROOT/src/kept") || fail "add"
mkdir -p "$TROOT/roots" "$TROOT/droots"
chown daemon "$TROOT/droots"
echo not-a-link >"$TROOT/roots/file"

perm() {	# user link: AddPermRoot of $p, prints the reply or the error
	setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups \
	    /usr/bin/python3 - "$SOCKET" "$p" "$2" <<'PY'
import sys
sys.path.insert(0, ".")
import wp
from wp import string
c = wp.Client(sys.argv[1])
try:
    c.call(47, string(sys.argv[2]) + string(sys.argv[3]))
    print("made " + c.string().decode())
except wp.DaemonError as e:
    print("error " + e.args[0].replace("\n", " "))
# The connection goes on either way.
assert c.is_valid(sys.argv[2])
PY
}

out=$(perm root "$TROOT/roots/./r1") || fail "root: $out"
[ "$out" = "made $TROOT/roots/r1" ] || fail "root: $out"
[ "$(readlink "$TROOT/roots/r1")" = "$p" ] || fail "no link r1"
out=$(perm root "$TROOT/roots/r1") || fail "again: $out"
[ "$out" = "made $TROOT/roots/r1" ] || fail "again: $out"
echo "trusted: link made, canonical path replied, remade: ok"

out=$(perm nobody "$TROOT/roots/r2")
case $out in
"error you are not privileged to create perm roots"*) ;;
*) fail "nobody: $out" ;;
esac
[ -e "$TROOT/roots/r2" ] && fail "nobody made r2"
out=$(perm root "$STORE/r3")
case $out in
"error creating a garbage collector root ($STORE/r3) in the Nix store is forbidden"*) ;;
*) fail "in the store: $out" ;;
esac
out=$(perm root "$TROOT/roots/file")
[ "$out" = "error cannot create symlink '$TROOT/roots/file'; already exists" ] ||
    fail "file in the way: $out"
[ "$(cat "$TROOT/roots/file")" = not-a-link ] || fail "file clobbered"
echo "untrusted, in the store, a file in the way: refused: ok"

out=$(perm daemon "$TROOT/droots/r4") || fail "daemon: $out"
[ "$out" = "made $TROOT/droots/r4" ] || fail "daemon: $out"
[ "$(stat -c %U "$TROOT/droots/r4")" = daemon ] ||
    fail "r4 is $(stat -c %U "$TROOT/droots/r4")'s"
out=$(perm daemon "$TROOT/roots/r5")
case $out in
"error cannot create symlink '$TROOT/roots/r5': Permission denied") ;;
*) fail "daemon in root's dir: $out" ;;
esac
echo "a trusted user's link is its own, and goes where it may write: ok"

on_rnixd nix-store --gc >/dev/null 2>&1 || fail "gc"
[ -e "$p" ] || fail "gc took $p, rooted by r1 and r4"
rm "$TROOT/roots/r1" "$TROOT/droots/r4"
on_rnixd nix-store --gc >/dev/null 2>&1 || fail "gc 2"
[ -e "$p" ] && fail "gc kept $p without its roots"
echo "the links are GC roots until they go: ok"
