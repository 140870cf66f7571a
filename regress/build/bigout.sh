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

# Issue 10 item 6: large build outputs.  A sparse output (8 GiB with one
# block of data) is copied as sparse, and a 64 MiB file with 40 hard
# links is copied once, links kept (as Nix 2.8 keeps them within an
# output): the store grows by about what was written, and the NAR hash
# is the one nix-hash computes.  While storeproc copies and hashes
# them, other clients are answered within a second.
# RNIXD_TEST_BIG_GIB sets the big file's size (default 8).
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build
GIB=${RNIXD_TEST_BIG_GIB:-8}
store_init
echo "sandbox-paths = /bin/sh=$BB /dev/urandom" >>"$CONF"
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
BPID=""
trap 'rc=$?; [ -n "$BPID" ] && kill $BPID 2>/dev/null; (exit $rc);
    test_cleanup' EXIT

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Build attr in the background; meanwhile time small requests that
# storeproc must answer itself (builderproc caches path infos: adding
# a new file is never cached); fail if one took a second or more.
build_timed() {	# attr
	nix-build --no-out-link bigout.nix -A "$1" --argstr salt "$$" \
	    --argstr bigGiB "$GIB" >"$TROOT/$1.out" 2>"$TROOT/$1.log" &
	BPID=$!
	worst=0
	n=0
	while kill -0 $BPID 2>/dev/null; do
		n=$((n + 1))
		echo "$1 $n" >"$TROOT/probe"
		t0=$(now_ms)
		nix-store --add "$TROOT/probe" >/dev/null || fail "$1: add failed"
		t=$(($(now_ms) - t0))
		[ $t -gt $worst ] && worst=$t
		sleep 0.1
	done
	wait $BPID || fail "$1: $(cat "$TROOT/$1.log")"
	BPID=""
	OUT=$(cat "$TROOT/$1.out")
	echo "$1: $n requests, the slowest ${worst} ms"
	[ $worst -lt 1000 ] || fail "$1: a request took ${worst} ms"
}

echo "a 64 MiB file with 40 hard links"
build_timed links
[ "$(stat -c %h "$OUT/f")" = 40 ] ||
    fail "links: $(stat -c %h "$OUT/f") links to f, expected 40"
[ "$(stat -c %i "$OUT/f")" = "$(stat -c %i "$OUT/d/l39")" ] ||
    fail "links: d/l39 is not f"
kb=$(du -sk "$OUT" | cut -f1)
[ "$kb" -lt 70000 ] || fail "links: the output takes $kb KiB"
[ "$(nix-store -q --hash "$OUT")" = "sha256:$(nix-hash --type sha256 \
    --base32 "$OUT")" ] || fail "links: NAR hash differs from nix-hash's"
[ "$(stat -c %a "$OUT/d/l7")" = 444 ] || fail "links: not canonical"

echo "a sparse output: 64 MiB with data at three places, $GIB GiB with one"
build_timed sparse
kb=$(du -sk "$OUT" | cut -f1)
[ "$kb" -lt 1024 ] || fail "sparse: the output takes $kb KiB"
[ "$(stat -c %s "$OUT/big")" = $((GIB * 1073741824)) ] ||
    fail "sparse: big is $(stat -c %s "$OUT/big") bytes"
[ "$(dd if="$OUT/big" bs=1 skip=1073741824 count=6 2>/dev/null)" = needle ] ||
    fail "sparse: big lost its data"
# The small file byte for byte against the same steps on the host.
echo head >"$TROOT/small.ref"
truncate -s 67108864 "$TROOT/small.ref"
echo mid | dd of="$TROOT/small.ref" bs=1 seek=33554432 conv=notrunc 2>/dev/null
echo tail | dd of="$TROOT/small.ref" bs=1 seek=67108000 conv=notrunc 2>/dev/null
cmp "$OUT/small" "$TROOT/small.ref" || fail "sparse: small differs"
size=$(nix path-info --json "$OUT" | python3 -c '
import json, sys; print(json.load(sys.stdin)[0]["narSize"])')
[ "$size" -gt $((GIB * 1073741824 + 67108864)) ] &&
    [ "$size" -lt $((GIB * 1073741824 + 67108864 + 4096)) ] ||
    fail "sparse: narSize $size"
echo ok
