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

# Faults during adds: a client killed in the middle of an upload (each
# of AddToStore, AddToStoreNar, AddMultipleToStore) leaves no partial
# path and no temp file; kill -9 of storeproc during a large add takes
# the daemon down (fail closed), leaves the database consistent, and the
# restarted daemon serves every path registered before and removes the
# temp files at startup.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start
for i in 1 2 3 4 5; do
	printf 'file %s\n' "$i" >"$TROOT/src/f$i"
done
on_rnixd nix-store --add "$TROOT"/src/f* >/dev/null || fail "add"
drvs_setup
on_rnixd nix-instantiate "$TROOT/src/drvs.nix" >/dev/null 2>&1 ||
    fail "instantiate"

listing() {
	ls -a "$STORE"
	dbq "$DB" 'select path, hash from ValidPaths order by path'
}
# The store looks as it did ($1).
same_listing() {
	listing | cmp -s - "$1"
}
# Wait up to 10 s for the store to look as it did ($1).
settles() {
	wait_until 10 same_listing "$1"
}
listing >"$TROOT/before"
# h_cut.py ($cut) has sent its first part and command $2, if given,
# succeeds; the test fails ($1 first in the message) if h_cut.py died.
cut_sent() {	# what [command]
	grep -q sent "$TROOT/cut.out" && ${2:-true} && return 0
	kill -0 $cut 2>/dev/null || fail "${1}h_cut.py failed"
	return 1
}
temps_shown() {
	[ -n "$(store_temps)" ]
}

for op in AddToStore AddToStoreNar AddMultipleToStore; do
	: >"$TROOT/cut.out"
	python3 h_cut.py "$SOCKET" "$STORE" $op 67108864 >"$TROOT/cut.out" &
	cut=$!
	wait_until 30 cut_sent "$op: " || fail "$op: upload did not start"
	if is_rnixd; then	# the add is under way: its temp file shows
		wait_until 10 temps_shown ||
		    fail "$op: no temp file while adding"
	fi
	kill -KILL $cut
	wait $cut 2>/dev/null
	if ! settles "$TROOT/before"; then
		is_rnixd || {	# Nix 2.8's worker dies here, leaving them
			echo "$op: real nix-daemon leaves: $(listing |
			    diff "$TROOT/before" - | tr '\n' ' ')"
			chmod -R u+w "$STORE"/*-cut
			rm -rf "$STORE"/*-cut "$STORE"/*-cut.lock
			continue
		}
		fail "$op: client killed mid-upload left:
$(listing | diff "$TROOT/before" -)"
	fi
	nix_ping >/dev/null || fail "$op: daemon gone after the client died"
	echo "$op: client killed mid-upload: nothing left, still serving: ok"
done

is_rnixd || skip "real nix-daemon: no storeproc to kill"

# kill -9 storeproc in the middle of a large add: h_cut.py stalls
# half-way through, so the add is surely under way when storeproc dies.
head -c 67108864 /dev/urandom >"$TROOT/src/big"
dbq "$DB" 'select path from ValidPaths order by path' >"$TROOT/valid"
: >"$TROOT/cut.out"
python3 h_cut.py "$SOCKET" "$STORE" AddToStore 67108864 >"$TROOT/cut.out" &
cut=$!
wait_until 30 cut_sent "" temps_shown ||
    fail "no temp file while adding the big file"
pid=$(child_pid storeproc) || fail "no storeproc"
kill -KILL "$pid"
rnixd_wait_down 5 "rnixd still up 5 s after storeproc died"
kill -KILL $cut 2>/dev/null
wait $cut 2>/dev/null
echo "kill -9 storeproc mid-add: daemon down: ok"
db_integrity
echo "PRAGMA integrity_check after the kill: ok"
left=$(store_temps | wc -l)
store_start
[ -z "$(store_temps)" ] || fail "temp files left after restart: $(store_temps)"
echo "temp files: $left left by the kill, none after the restart: ok"
python3 - "$SOCKET" "$TROOT/valid" <<'PY' || fail "previously valid paths"
import sys
import wp
c = wp.Client(sys.argv[1])
paths = open(sys.argv[2]).read().split()
assert len(paths) > 10, paths
for p in paths:
    info = c.path_info(p)
    if info is None:
        sys.exit("%s: no longer valid" % p)
    if not info["narHash"]:
        sys.exit("%s: no narHash" % p)
print("%d paths still valid" % len(paths))
PY
dbq "$DB" "select path from ValidPaths where path like '%-cut'" |
    grep -q . && fail "the interrupted add is registered"
ls "$STORE" | grep -q -- '-cut$' && fail "partial path in the store"
for p in $(cat "$TROOT/valid"); do
	on_rnixd nix-store --verify-path "$p" || fail "--verify-path $p"
done
echo "restarted: every registered path served and intact, no temp file: ok"
p=$(on_rnixd nix-store --add "$TROOT/src/big") || fail "add after restart"
on_rnixd nix-store --verify-path "$p" || fail "big path not intact"
echo "a large add works after restart: ok"
