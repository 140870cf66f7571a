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

# What each executable carries, by symbol: the root parent, mountproc
# and the spawner link neither the Nix client codec (handshake,
# SetOptions, framed streams, the logger channel) nor the NAR parser,
# and no process but builderproc links the client codec at all; every
# process speaks msg.h's one encoding.  A new call that drags a parser
# across a privilege boundary fails here, not in a review.
: "${RNIXD_TOP:?run through regress/run}"
: "${RNIXD_OBJ:=$RNIXD_TOP/obj}"
BIN="$RNIXD_OBJ/bin/rnixd"
LIBEXEC="$RNIXD_OBJ/libexec/rnixd"
CLIENT='wire_get_client_hello|wire_get_set_options|wire_frames_push|wire_put_stderr_|wire_put_start_activity|wire_op_name'
NAR='nar_parse|nar_restore|nar_dump|nar_push|nar_parser'
rc=0

# carries exe pattern what: fail if exe defines a symbol matching pattern
carries() {
	if [ ! -x "$1" ]; then
		echo "FAIL: $1 not built (make all)"
		rc=1
		return
	fi
	found=$(nm "$1" | awk '$2 ~ /^[TtDdBbRr]$/ { print $3 }' |
	    grep -E "^($2)" | head -n 3 | tr '\n' ' ')
	if [ -n "$found" ]; then
		echo "FAIL: $(basename "$1") carries the $3: $found"
		rc=1
	else
		echo "$(basename "$1"): no $3: ok"
	fi
}

# needs exe pattern what: fail unless exe defines a symbol matching it
needs() {
	if ! nm "$1" | awk '{ print $3 }' | grep -q -E "^($2)\$"; then
		echo "FAIL: $(basename "$1") lacks $3"
		rc=1
	fi
}

for exe in "$BIN" "$LIBEXEC/rnixd-mountproc" "$LIBEXEC/rnixd-spawner"; do
	carries "$exe" "$CLIENT" "client codec"
	carries "$exe" "$NAR" "NAR parser"
done
carries "$LIBEXEC/rnixd-storeproc" "$CLIENT" "client codec"
# The check itself must see symbols: the one codec everyone uses.
for exe in "$BIN" "$LIBEXEC/rnixd-mountproc" "$LIBEXEC/rnixd-storeproc" \
    "$LIBEXEC/rnixd-builderproc"; do
	needs "$exe" "msg_open" "msg_open"
done
needs "$LIBEXEC/rnixd-builderproc" "wire_get_client_hello" \
    "the client handshake"
exit $rc
