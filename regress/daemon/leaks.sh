#!/bin/sh
# Long-lived processes must not leak.  valgrind cannot run the daemon
# (its own system calls break the seccomp filters), so this looks at
# what a leak would show: the same mix of sessions repeated, after a
# warm-up, must leave storeproc's and builderproc's resident size and
# descriptor count where they were.  A round adds 40 new paths (each
# registration), queries them in one session and in 20 short ones,
# dumps them, asks for invalid paths (error replies), deletes them
# (GC), and runs a few broken clients.  The rounds are alike, so the
# database and SQLite's page cache stay the same size.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
store_init
rnixd_start
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
		python3 "$BAD" "$SOCKET" "$c" || fail "round $1: client $c"
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
for r in 1 2 3; do round "$r"; done
settle "$bfds"
srss0=$(rss "$spid")
brss0=$(rss "$bpid")
for r in 4 5 6 7 8 9 10 11; do round "$r"; done
settle "$bfds"
srss1=$(rss "$spid")
brss1=$(rss "$bpid")
echo "storeproc: ${srss0} KiB -> ${srss1} KiB after 8 rounds"
echo "builderproc: ${brss0} KiB -> ${brss1} KiB after 8 rounds"
[ "$(nfds "$spid")" -eq "$sfds" ] ||
    fail "storeproc holds $(nfds "$spid") fds, expected $sfds"
# 8 rounds are ~1000 ops: a leak of 64 bytes per op would pass 64 KiB,
# while allocator noise stays within a few pages.
[ $((srss1 - srss0)) -le 64 ] ||
    fail "storeproc grew by $((srss1 - srss0)) KiB"
[ $((brss1 - brss0)) -le 64 ] ||
    fail "builderproc grew by $((brss1 - brss0)) KiB"
echo ok
