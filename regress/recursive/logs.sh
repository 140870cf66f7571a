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

# The logs of inner builds (recursive Nix).  As from Nix, they go to
# the outer build's client, not into the sandbox (the builder's own
# nix-build prints none, and an inner failure carries no log tail);
# they also join the outer build's log, which nix-store -l shows, and
# each inner build keeps its own log.  They count as output of the
# outer build for max-silent-time.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE&log=$TROOT/nix/var/log/nix"

out=$(nix-build --no-out-link logs.nix 2>"$TROOT/client.err") ||
    fail "outer build: $(cat "$TROOT/client.err")"
drv=$(nix-instantiate logs.nix 2>/dev/null)
inner=$(cat "$out/path")
idrv=$(nix-store -q --deriver "$inner")

echo "the outer build's client sees the inner builds and their lines"
for m in "building '$idrv'" INNER-MARKER-1 INNER-MARKER-2 SECRET-TAIL \
    OUTER-BEFORE OUTER-AFTER; do
	grep -q -- "$m" "$TROOT/client.err" ||
	    fail "client lacks '$m': $(cat "$TROOT/client.err")"
done

echo "the outer build's log has them, in order"
nix-store -l "$drv" >"$TROOT/outer.log" || fail "nix-store -l $drv"
grep -n -e OUTER-BEFORE -e INNER-MARKER -e SECRET-TAIL -e OUTER-AFTER \
    "$TROOT/outer.log" | cut -d: -f2 | tr -d '\r' >"$TROOT/order"
printf '%s\n' OUTER-BEFORE INNER-MARKER-1 INNER-MARKER-2 SECRET-TAIL \
    OUTER-AFTER | cmp -s - "$TROOT/order" ||
    fail "outer log: $(cat "$TROOT/outer.log")"

echo "the inner build keeps its own log"
nix-store -l "$idrv" | grep -q INNER-MARKER-1 ||
    fail "inner log: $(nix-store -l "$idrv" 2>&1)"

echo "nothing of the inner logs reached the sandbox"
grep -q INNER-MARKER "$out/ok.err" && fail "inside: $(cat "$out/ok.err")"
grep -q SECRET-TAIL "$out/bad.err" && fail "inside: $(cat "$out/bad.err")"
grep -q "logs-bad.drv' failed" "$out/bad.err" ||
    fail "inner failure: $(cat "$out/bad.err")"
echo "an inner build's lines keep the outer build from being silent"
nix-build --no-out-link logs.nix --arg chatty true --option max-silent-time 2 \
    >/dev/null 2>"$TROOT/chatty.err" || fail "chatty: $(cat "$TROOT/chatty.err")"
echo ok
