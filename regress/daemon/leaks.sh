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

# Long-lived processes must not leak.  valgrind cannot run the daemon
# (its own system calls break the seccomp filters), so this looks at
# what a leak would show: the same mix of sessions repeated, after a
# warm-up, must not keep growing what storeproc's and builderproc's
# heaps hold (they log it on SIGUSR1), and must leave their descriptors
# where they were.  A round
# adds 40 new paths (each a registration), queries them in one session
# and in 20 short ones, dumps one, asks for an invalid path (an error
# reply), deletes them (GC), and runs a few broken clients.  The rounds
# are alike, so the database and SQLite's page cache stay the same
# size.  After six rounds of warm-up come three windows of eight
# rounds: growth in two windows in a row is a leak.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
store_init
# Without glibc's per-thread cache, the heap's in-use count holds only
# what the program holds, not also what the cache happens to keep.
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 rnixd_start
export NIX_REMOTE="$RSTORE"
SRC="$TROOT/src"
BAD="$RNIXD_TOP/regress/daemon/h_badclient.py"

spid=$(child_pid storeproc) || fail "no storeproc"
bpid=$(child_pid builderproc) || fail "no builderproc"
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
nfds() { ls "/proc/$1/fd" | wc -l; }

# One round; $1 makes the contents differ from round to round.
round() {
	rm -rf "$SRC"
	mkdir -p "$SRC"
	i=0
	while [ $i -lt 40 ]; do
		echo "round $1 file $i" >"$SRC/f$i"
		i=$((i + 1))
	done
	paths=$(nix-store --add "$SRC"/f*) || fail "round $1: add"
	# shellcheck disable=SC2086
	nix path-info --json $paths >/dev/null || fail "round $1: path-info"
	# shellcheck disable=SC2086
	nix-store -q --hash $paths >/dev/null ||
	    fail "round $1: query"
	for p in $(echo "$paths" | head -n 20); do
		nix-store --check-validity "$p" || fail "round $1: validity"
	done
	nix-store --dump "$(echo "$paths" | head -n 1)" >/dev/null ||
	    fail "round $1: dump"
	nix-store -q --references "$STORE/00000000000000000000000000000000-x" \
	    2>/dev/null && fail "round $1: an invalid path answered"
	# shellcheck disable=SC2086
	nix-store --delete $paths >/dev/null 2>&1 || fail "round $1: delete"
	for c in garbage truncated bad-op; do
		python3 "$BAD" "$SOCKET" "$c" >/dev/null ||
		    fail "round $1: client $c"
	done
}

# Settled: the last sessions' descriptors are closed.
settle() {
	n=0
	while [ $n -lt 50 ]; do
		[ "$(nfds "$bpid")" -eq "$1" ] && return 0
		n=$((n + 1))
		sleep 0.1
	done
	fail "builderproc holds $(nfds "$bpid") fds, expected $1"
}

nix store ping >/dev/null || fail "ping"
bfds=$(nfds "$bpid")
sfds=$(nfds "$spid")
# The bytes of its heap in use (SIGUSR1 makes it log them: memstat.h).
heap() {	# name pid
	log_mark
	kill -USR1 "$2"
	wait_log "$1 heap: " 5 || fail "$1 did not report its heap"
	tail -c +$((LOG_MARK + 1)) "$TROOT/rnixd.log" |
	    sed -n "s/.*$1 heap: \([0-9]*\) bytes in use.*/\1/p" | head -n 1
}
r=0
# rounds n: n more rounds, then both heaps and both resident sizes.
rounds() {
	i=0
	while [ $i -lt "$1" ]; do
		r=$((r + 1))
		round $r
		i=$((i + 1))
	done
	settle "$bfds"
	echo "$(heap storeproc "$spid") $(heap builderproc "$bpid")" \
	    "$(rss "$spid") $(rss "$bpid")"
}
rounds 6 >/dev/null
w1=$(rounds 8)
w2=$(rounds 8)
w3=$(rounds 8)
[ "$(nfds "$spid")" -eq "$sfds" ] ||
    fail "storeproc holds $(nfds "$spid") fds, expected $sfds"
# Each window has some hundreds of requests.  What is in use may move a
# little with what SQLite caches of a database that changes from round
# to round, once; a leak of even 8 bytes a request grows it in every
# window.  The resident size is shown, not judged: it moves with the
# allocator's choices.
grew() {	# name column
	a=$(echo "$w1" | cut -d' ' -f"$2")
	b=$(echo "$w2" | cut -d' ' -f"$2")
	c=$(echo "$w3" | cut -d' ' -f"$2")
	ra=$(echo "$w1" | cut -d' ' -f$(($2 + 2)))
	rc=$(echo "$w3" | cut -d' ' -f$(($2 + 2)))
	echo "$1: heap in use $a -> $b -> $c bytes, 8 rounds apart;" \
	    "resident $ra -> $rc KiB"
	[ $((b - a)) -gt 1024 ] && [ $((c - b)) -gt 1024 ] &&
	    fail "$1 grows: $a -> $b -> $c bytes in use"
	return 0
}
grew storeproc 1
grew builderproc 2
echo ok
