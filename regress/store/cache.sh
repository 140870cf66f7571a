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

# builderproc keeps path info it was given (session_cache.c); nothing
# it keeps may outlive a change to the path.  Each case asks for a
# path's info first, so that it is kept, then changes the path through
# another connection, and asks again: a deleted path, a path the
# garbage collector removed, new signatures, a path deleted and added
# again must all be seen as they are now.  STORE_TEST_DAEMON=nix runs
# it against the real nix-daemon, to check the test's expectations.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start
export NIX_REMOTE="$RSTORE"
SRC="$TROOT/src"

info() {	# path: narHash, references and signatures, one line
	nix path-info --json "$1" 2>/dev/null | python3 -c '
import json, sys
i = json.load(sys.stdin)[0]
print(i.get("narHash"), sorted(i.get("references", [])),
      sorted(i.get("signatures", [])))'
}

echo "deleted: invalid at once"
echo one >"$SRC/one"
p=$(nix-store --add "$SRC/one") || fail "add one"
info "$p" >/dev/null || fail "no info for $p"
nix-store -q --hash "$p" >/dev/null || fail "no hash for $p"
nix-store --delete "$p" >/dev/null 2>&1 || fail "delete $p"
nix path-info "$p" >/dev/null 2>&1 && fail "path-info of deleted $p"
nix-store -q --hash "$p" >/dev/null 2>&1 && fail "hash of deleted $p"
nix-store --check-validity "$p" 2>/dev/null && fail "deleted $p valid"

echo "collected: invalid at once"
echo two >"$SRC/two"
p=$(nix-store --add "$SRC/two") || fail "add two"
info "$p" >/dev/null || fail "no info for $p"
nix-store --gc >/dev/null 2>&1 || fail "gc"
nix path-info "$p" >/dev/null 2>&1 && fail "path-info of collected $p"

echo "signed: the signature shows at once"
nix key generate-secret --key-name cache-test-1 >"$TROOT/sec" ||
    fail "generate key"
echo three >"$SRC/three"
p=$(nix-store --add "$SRC/three") || fail "add three"
before=$(info "$p") || fail "no info for $p"
case $before in *cache-test-1*) fail "signed before: $before" ;; esac
nix store sign --key-file "$TROOT/sec" "$p" || fail "sign $p"
after=$(info "$p") || fail "no info for $p after signing"
case $after in *cache-test-1:*) ;; *) fail "signature not seen: $after" ;; esac

echo "deleted and added again: the same info as before"
mkdir -p "$SRC/d"
echo same >"$SRC/d/f"
q=$(nix-store --add-fixed --recursive sha256 "$SRC/d") || fail "add d"
first=$(info "$q") || fail "no info for $q"
nix-store --delete "$q" >/dev/null 2>&1 || fail "delete $q"
nix path-info "$q" >/dev/null 2>&1 && fail "path-info of deleted $q"
q2=$(nix-store --add-fixed --recursive sha256 "$SRC/d") || fail "re-add d"
[ "$q2" = "$q" ] || fail "re-add gave $q2, expected $q"
again=$(info "$q") || fail "no info for re-added $q"
[ "$again" = "$first" ] || fail "re-added $q: $again, expected $first"
echo ok
