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

# The long-lived processes do not leak across builds: after a warm-up,
# eight rounds of a recursive build (an add and an inner build through
# its socket) and a failing plain build leave builderproc and
# storeproc with the same heap in use (within 4 KiB: what SQLite
# caches moves a little), mountproc and mountproc's spawner with the
# same resident size (within 64 KiB), and all four with the same
# descriptors.  See regress/daemon/leaks.sh for why this stands in for
# valgrind.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
# glibc's tcache off: the heap counts only what the program holds.
GLIBC_TUNABLES=glibc.malloc.tcache_count=0 rnixd_start

mpid=$(child_pid mountproc) || fail "no mountproc"
procs="$(child_pid builderproc) $(child_pid storeproc) $mpid $(pgrep -P "$mpid")"
[ "$(echo $procs | wc -w)" -eq 4 ] || fail "expected 4 processes: $procs"
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
nfds() { ls "/proc/$1/fd" | wc -l; }
heap() {	# pid name: the bytes in use it logs on SIGUSR1 (memstat.h)
	log_mark
	kill -USR1 "$1"
	wait_log "$2 heap: " 5 || fail "$2 did not report its heap"
	tail -c +$((LOG_MARK + 1)) "$TROOT/rnixd.log" |
	    sed -n "s/.*$2 heap: \([0-9]*\) bytes in use.*/\1/p" | head -n 1
}
# name, size (heap bytes for the two that report it, else resident
# KiB), fds.  A deleted path first empties builderproc's path info
# cache, which the rounds fill.
snapshot() {
	echo "flush $(date +%s%N)" >"$TROOT/flush"
	p=$(nix-store --add "$TROOT/flush") && nix-store --delete "$p" \
	    >/dev/null 2>&1 || fail "cannot add and delete a path"
	for p in $procs; do
		name=$(cat /proc/$p/comm)
		case $name in
		rnixd-builderpr) size=$(heap "$p" builderproc) ;;
		rnixd-storeproc) size=$(heap "$p" storeproc) ;;
		*) size=$(rss "$p") ;;
		esac
		echo "$name $size $(nfds "$p")"
	done
}

round() {
	out=$(nix-build --no-out-link leaks.nix -A outer --argstr r "$1" \
	    2>"$TROOT/outer.log") || fail "round $1: $(cat "$TROOT/outer.log")"
	set -- $(cat "$out")
	[ $# -eq 2 ] || fail "round output: $(cat "$out")"
	nix-build --no-out-link leaks.nix -A failing --argstr r "$1" \
	    >/dev/null 2>&1 && fail "round $1: the failing build succeeded"
	return 0
}

for r in 1 2 3; do round "w$r"; done
sleep 1
snapshot >"$TROOT/before"
for r in 1 2 3 4 5 6 7 8; do round "$r"; done
sleep 1
snapshot >"$TROOT/after"
paste "$TROOT/before" "$TROOT/after" | while read -r name r0 f0 _ r1 f1; do
	case $name in
	rnixd-builderpr|rnixd-storeproc)
		unit="bytes of heap in use" limit=4096 ;;
	*)	unit="KiB resident" limit=64 ;;
	esac
	echo "$name: $r0 -> $r1 $unit, $f0 -> $f1 fds"
	[ "$f1" -eq "$f0" ] || fail "$name holds $f1 fds, before $f0"
	[ $((r1 - r0)) -le $limit ] || fail "$name grew by $((r1 - r0))"
done || exit 1
echo ok
