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

# Run h_wire over every connection of every capture of the real Nix 2.8
# client and daemon: the client's handshake and SetOptions must parse,
# and our handshake bytes must equal the real daemon's.
CAPTURES="$RNIXD_TOP/../shared/ref/captures"
HELPER="$RNIXD_OBJ/regress/wire/h_wire"

if [ ! -d "$CAPTURES" ]; then
	echo "no captures at $CAPTURES"
	exit 77
fi
if [ ! -x "$HELPER" ]; then
	echo "$HELPER not built (make regress)"
	exit 1
fi

n=0 failed=0
for f in "$CAPTURES"/*/conn-*.bin; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if ! "$HELPER" "$f"; then
		echo "FAIL: $f"
		failed=$((failed + 1))
	fi
done
if [ "$n" -eq 0 ]; then
	echo "no conn-*.bin under $CAPTURES"
	exit 1
fi
echo "$n connections, $failed failed"
[ "$failed" -eq 0 ]
