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

# Fail closed: kill -9 of any child takes the whole daemon down within a
# few seconds, logging "lost child" and removing the socket; a restarted
# rnixd serves the same store.
. "$RNIXD_TOP/regress/lib.sh"
require_root
test_init

for name in storeproc builderproc mountproc; do
	rnixd_start
	echo "marker" >"$STORE/.marker-$name"
	pid=$(child_pid "$name") || fail "$name not running"
	all=$(pgrep -P "$RNIXD_PID")
	kill -KILL "$pid"
	rnixd_wait_down 5 "parent still alive 5s after $name died"
	status=$RNIXD_STATUS
	[ $status -ne 0 ] || fail "parent exited 0 after losing $name"
	grep -q "lost child: $name terminated; signal 9" "$TROOT/rnixd.log" ||
	    fail "no 'lost child: $name' in the log"
	[ -e "$SOCKET" ] && fail "socket left behind after losing $name"
	for p in $all; do
		kill -0 "$p" 2>/dev/null && fail "child $p outlived the parent"
	done
	echo "kill -9 $name: parent exited $status, socket removed," \
	    "no child left: ok"
done

rnixd_start
nix_ping >/dev/null || fail "restarted daemon does not answer"
for name in storeproc builderproc mountproc; do
	[ "$(cat "$STORE/.marker-$name")" = marker ] ||
	    fail "store content lost ($name)"
done
echo "restart serves the same store: ok"
