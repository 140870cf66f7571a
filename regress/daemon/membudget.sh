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

# 500 connections of one user each send an AddTextToStore of just under
# 16 MiB, all but its last bytes.  builderproc's memory (VmHWM) stays
# under max-request-memory plus a margin, and another user is served
# within a second meanwhile; a request that needs more of the budget
# while holding some is refused.  Twice: the budget is given back.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
getent passwd nobody >/dev/null || skip "needs user nobody"
BUDGET=67108864		# 64 MiB
test_init
budget_start "max-connections-per-user = 600"
hwm0=$(kb VmHWM)
rss0=$(kb VmRSS)
# The budget, what builderproc had before, and 48 MiB for the rest: a
# buffer being copied as it grows, allocator slack.
limit=$((hwm0 + BUDGET / 1024 + 48 * 1024))
echo "builderproc: VmRSS $rss0 kB, VmHWM $hwm0 kB; limit $limit kB"

mkdir -m 1777 "$TROOT/flood.d"
flood_fail() {
	kill $fpid
	fail "$@"
}
# The buffering clients have reported.  Meanwhile they must run, and
# are stopped before builderproc can take the machine's memory.
buffered() {
	[ -e "$out" ] && return 0
	hwm_check flood_fail
	kill -0 $fpid || fail "the buffering clients failed"
	return 1
}
# One round of 500 buffering clients; $1 names it.
round() {
	out="$TROOT/flood.d/out$1"
	log_mark
	python3 h_flood.py buffer "$SOCKET" 500 "$out" nobody &
	fpid=$!
	wait_until 120 buffered || flood_fail "the clients did not finish"
	echo "round $1: clients $(cat "$out")"
	sent=$(sed -n 's/^sent //p' "$out")
	[ "$sent" -gt $((BUDGET / 2)) ] ||
	    flood_fail "the clients sent only $sent bytes"
	[ "$1" = 2 ] || wait_log "max-request-memory), waiting" 1 ||
	    flood_fail "builderproc never waited for the budget"
	ping_quick "as root with 500 buffering clients of nobody" flood_fail
	hwm_check flood_fail
	echo "builderproc VmHWM $hwm kB, VmRSS $(kb VmRSS) kB"
	kill -0 "$bpid" || flood_fail "builderproc died"
	[ "$1" = 1 ] && grow_refused
	touch "$out.stop"
	wait $fpid
}

# A request that got part of the budget before the others came, and
# needs more while they hold the rest: refused with an error, at once.
grow="$TROOT/flood.d/grow"
grow_start() {
	python3 h_flood.py grow "$SOCKET" "$STORE" "$grow" &
	gpid=$!
	wait_until 10 exists "$grow" || fail "the growing client did not start"
}
grow_refused() {
	touch "$grow.go"
	wait_until 5 exists "$grow.done" ||
	    flood_fail "no answer to the growing request"
	wait $gpid
	echo "growing request: $(cat "$grow.done")"
	grep -q "max-request-memory" "$grow.done" ||
	    flood_fail "growing request: $(cat "$grow.done")"
}

fds_before=$(nfds)
grow_start
round 1
fds_back 10
# The budget came back: a request of 15 MiB is served, and a second
# round gets as far, in as little.
p=$(python3 h_flood.py text "$SOCKET" 15728640) || fail "15 MiB text: $p"
case $p in
"$STORE"/*-big) echo "15 MiB text added as $p: ok" ;;
*) fail "15 MiB text: got '$p'" ;;
esac
round 2
nix_ping >/dev/null || fail "ping after"
echo ok
