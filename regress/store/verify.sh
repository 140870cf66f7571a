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

# nix-store --verify --check-contents through rnixd: clean on a clean
# store, errors as real Nix reports them after a file is corrupted.
# Compatibility both ways: rnixd serves a store that real Nix created,
# and real Nix in local mode finds nothing wrong with rnixd's store.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
drvs_setup
LOCAL="local?store=$STORE&state=$STATE&log=$TROOT/nix/var/log/nix"
strip() { sed 's/\x1b\[[0-9;]*m//g'; }

# Real Nix creates the store; rnixd serves it.
printf 'made by real Nix\n' >"$TROOT/src/bynix"
NIX_REMOTE="$LOCAL" nix-store --add "$TROOT/src/bynix" >/dev/null ||
    fail "real Nix cannot create the store"
NIX_REMOTE="$LOCAL" nix-instantiate "$nixf" -A top >/dev/null ||
    fail "real Nix instantiate"
NIX_REMOTE="$LOCAL" pathinfo_json --all >"$TROOT/pi.nix" || fail "path-info"
store_start
on_rnixd pathinfo_json --all >"$TROOT/pi.rnixd" || fail "path-info via rnixd"
cmp -s "$TROOT/pi.nix" "$TROOT/pi.rnixd" ||
    fail "rnixd serves real Nix's store differently:
$(diff "$TROOT/pi.nix" "$TROOT/pi.rnixd")"
[ "$(wc -l <"$TROOT/pi.nix")" -gt 20 ] || fail "too few paths"
for p in $(dbq "$DB" 'select path from ValidPaths'); do
	on_rnixd nix-store --verify-path "$p" || fail "--verify-path $p"
done
out=$(on_rnixd nix-store --verify --check-contents 2>&1) ||
    fail "--verify --check-contents on real Nix's store: $out"
echo "$out" | grep -q "was modified\|error" && fail "verify: $out"
echo "rnixd serves a store made by real Nix: same info, verifies clean: ok"

# rnixd adds more; real Nix in local mode finds nothing wrong.
printf 'made by rnixd\n' >"$TROOT/src/byrnixd"
mkdir -p "$TROOT/src/dir/sub"
printf 'x\n' >"$TROOT/src/dir/sub/x"
ln -s sub/x "$TROOT/src/dir/link"
on_rnixd nix-store --add "$TROOT/src/byrnixd" "$TROOT/src/dir" >/dev/null ||
    fail "add through rnixd"
on_rnixd nix-store --add-fixed sha1 "$TROOT/src/byrnixd" >/dev/null ||
    fail "add-fixed through rnixd"
on_rnixd nix-instantiate "$nixf" >/dev/null || fail "instantiate via rnixd"
on_rnixd pathinfo_json --all >"$TROOT/pi.rnixd"
rnixd_stop
out=$(NIX_REMOTE="$LOCAL" nix-store --verify --check-contents 2>&1) ||
    fail "real Nix --verify --check-contents on rnixd's store: $out"
echo "$out" | grep -q "was modified\|error\|warning" &&
    fail "real Nix on rnixd's store: $out"
NIX_REMOTE="$LOCAL" pathinfo_json --all >"$TROOT/pi.nix"
cmp -s "$TROOT/pi.nix" "$TROOT/pi.rnixd" ||
    fail "real Nix reads rnixd's store differently:
$(diff "$TROOT/pi.rnixd" "$TROOT/pi.nix")"
echo "real Nix in local mode on rnixd's store: same info, no errors: ok"

# A clean store verifies clean through rnixd, as with real Nix.
store_start
out=$(on_rnixd nix-store --verify --check-contents 2>&1) ||
    fail "--verify --check-contents: $out"
echo "$out" | grep -q "was modified\|error" && fail "verify: $out"
on_rnixd nix-store --verify >/dev/null 2>&1 || fail "--verify"
echo "--verify --check-contents, clean: ok"

# Corrupt a file and a tree, in both stores: the same reports.
on_ref nix-store --add "$TROOT/src/byrnixd" "$TROOT/src/dir" >/dev/null
f=$(on_rnixd nix-store --add "$TROOT/src/byrnixd")
d=$(on_rnixd nix-store --add "$TROOT/src/dir")
for root in "$STORE" "$REF/store"; do
	ff="$root/${f#"$STORE"/}" dd="$root/${d#"$STORE"/}"
	chmod u+w "$ff" "$dd/sub/x"
	printf 'tampered\n' >"$ff"
	printf 'y\n' >"$dd/sub/x"
	chmod u-w "$ff" "$dd/sub/x"
done
on_rnixd nix-store --verify-path "$f" 2>/dev/null &&
    fail "--verify-path of a corrupted path succeeded"
out=$(on_rnixd nix-store --verify --check-contents 2>&1) &&
    fail "--verify --check-contents missed the corruption: $out"
ref=$(on_ref nix-store --verify --check-contents 2>&1)
a=$(echo "$out" | strip | grep "was modified" | sort)
b=$(echo "$ref" | strip | grep "was modified" | sort)
[ "$(echo "$a" | grep -c .)" -eq 2 ] || fail "expected 2 reports, got: $out"
[ "$a" = "$b" ] || fail "reports differ: rnixd:
$a
real Nix:
$b"
echo "$a" | grep -q "path '$f' was modified! expected hash 'sha256:" ||
    fail "report: $a"
echo "--verify --check-contents after corruption: same reports: ok"
nix_ping >/dev/null || fail "daemon gone after verify"
