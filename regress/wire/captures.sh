#!/bin/sh
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
