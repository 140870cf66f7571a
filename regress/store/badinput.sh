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

# Bad input per store op (h_bad.py): truncated requests, strings past
# limits, bad padding, invalid store paths, wrong claims and the hostile
# NAR corpus through AddToStore, AddToStoreNar and AddMultipleToStore.
# Each gets an error reply; the daemon keeps serving; afterwards nothing
# is registered, nothing new is in the store or beside it, and no temp
# file is left.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start
printf 'before\n' >"$TROOT/src/before"
on_rnixd nix-store --add "$TROOT/src/before" >/dev/null || fail "add"

snapshot() {	# the store and state dirs, but the DB's own files
	find "$TROOT/nix" -path "$STATE/db" -prune -o \
	    -path "$STATE/temproots" -prune -o -print | sort
	dbq "$DB" 'select path, hash from ValidPaths order by path;
	    select count(*) from Refs;'
}
snapshot >"$TROOT/before"
python3 h_bad.py "$SOCKET" "$STORE" ${STORE_TEST_DAEMON:-} || fail "h_bad.py"
snapshot >"$TROOT/after"
is_rnixd || skip "real nix-daemon: cases checked, it keeps what it accepts"
cmp -s "$TROOT/before" "$TROOT/after" ||
    fail "bad input left traces: $(diff "$TROOT/before" "$TROOT/after")"
[ -z "$(store_temps)" ] || fail "temp files left: $(store_temps)"
db_integrity
nix_ping >/dev/null || fail "daemon gone"
is_rnixd && ! kill -0 "$RNIXD_PID" && fail "rnixd died"
echo "nothing registered, nothing left, still serving: ok"
