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

# rnixd-spawner is mountproc's to start: run by hand (no link on fd 3,
# fd 3 not a socket, an unknown flag or argument) it refuses with
# "spawner must be started by rnixd-mountproc"; with a link whose first message
# is not a good SPAWNER_SETUP it stops before its privilege drop.
. "$RNIXD_TOP/regress/lib.sh"
S="$RNIXD_OBJ/libexec/rnixd/rnixd-spawner"
H="$RNIXD_OBJ/regress/spawner/h_spawner"
[ -x "$S" ] || fail "$S not built"
[ -x "$H" ] || fail "helper not built"
out=$(mktemp /tmp/rnixd-spawner.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT

refused() {	# how, then the command line
	how=$1
	shift
	if "$@" >"$out" 2>&1; then
		fail "$how: rnixd-spawner ran: $(cat "$out")"
	fi
	grep -qx \
	    'rnixd-spawner: spawner must be started by rnixd-mountproc' \
	    "$out" || fail "$how: $(cat "$out")"
	echo "$how: refused"
}

refused "no fd 3" sh -c 'exec 3>&-; exec "$0"' "$S"
refused "fd 3 a file" sh -c 'exec 3</dev/null; exec "$0"' "$S"
refused "fd 3 a pipe" sh -c 'exec 3<&0; exec "$0"' "$S" </dev/zero
refused "an unknown flag" "$S" -x
refused "an argument" "$S" -d extra

stops() {	# mode, message
	"$H" "$S" "$1" >"$out" 2>&1 || fail "$1: h_spawner: $(cat "$out")"
	grep -q '^exit 1$' "$out" || fail "$1: $(cat "$out")"
	grep -qF "fatal in spawner: $2" "$out" || fail "$1: $(cat "$out")"
	echo "$1: stopped: $2"
}

stops close "mountproc went away before the setup"
stops wrong "bad SPAWNER_SETUP from mountproc: not a SPAWNER_SETUP"
stops short "bad SPAWNER_SETUP from mountproc: truncated payload"
stops relative "bad SPAWNER_SETUP from mountproc: directory not absolute"
