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

# nix copy --to file:// with rnixd as the source makes the same binary
# cache as real Nix does from the same paths (the client sends
# BuildPathsWithResults for the opaque paths, then QueryPathInfo, and
# reads the NARs from the store itself).
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start
drvs_setup
for s in on_rnixd on_ref; do
	$s nix-instantiate "$TROOT/src/drvs.nix" -A top >"$TROOT/top" \
	    2>/dev/null || fail "$s: instantiate"
	$s nix-store --add "$TROOT/src/drvs-src/tree" >"$TROOT/tree" ||
	    fail "$s: add"
done
top=$(cat "$TROOT/top") tree=$(cat "$TROOT/tree")
for s in rnixd ref; do
	to="file://$TROOT/cache-$s?store=$STORE&compression=none"
	on_$s nix copy --derivation --to "$to" "$top" 2>"$TROOT/err" &&
	    on_$s nix copy --to "$to" "$tree" 2>>"$TROOT/err" ||
	    fail "nix copy --to from $s: $(cat "$TROOT/err")"
done
diff -r "$TROOT/cache-rnixd" "$TROOT/cache-ref" >"$TROOT/diff" ||
    fail "binary caches differ: $(head -20 "$TROOT/diff")"
n=$(ls "$TROOT/cache-rnixd"/*.narinfo | wc -l)
[ "$n" -eq "$(on_ref nix-store -q --requisites "$top" "$tree" | wc -l)" ] ||
    fail "$n narinfo files, not one per path of the closure"
echo "nix copy --to file://: same binary cache as real Nix's ($n paths): ok"
