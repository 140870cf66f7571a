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

# Clients that ask for large replies and never read them.  200
# connections of one user each ask NarFromPath of a 32 MiB path, and 8
# more each send 8192 QueryAllValidPaths at once on a store whose list
# is 60 KiB long.  builderproc's memory (VmHWM) stays under what it
# had, plus max-request-memory, plus 192 KiB per connection (a first
# read buffer and the 128 KiB of output every connection may queue),
# plus a margin; another user is served within a second; and when the
# NarFromPath clients read at last, every one gets the whole NAR, the
# bytes nix-store --dump makes of the file.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
getent passwd nobody >/dev/null || skip "needs user nobody"
BUDGET=33554432		# 32 MiB, the least max-request-memory
NNAR=${NNAR:-200}
NPIPE=${NPIPE:-8}
test_init
budget_start "max-connections-per-user = 300"
spid=$(child_pid storeproc) || fail "no storeproc"
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
export NIX_CONF_DIR="$TROOT/nixconf"
mkdir -p "$TROOT/nixconf" "$TROOT/src" "$TROOT/many"
echo 'substituters =' >"$TROOT/nixconf/nix.conf"

# The big path, and its NAR as real Nix makes it from the file itself.
head -c 33554432 /dev/urandom >"$TROOT/src/big" || fail "no big file"
big=$(nix-store --add "$TROOT/src/big") || fail "cannot add the big file"
nix-store --dump "$TROOT/src/big" >"$TROOT/big.nar" || fail "nix-store --dump"
# 200 paths of long names: QueryAllValidPaths answers 60 KiB.
long=$(printf '%0190d' 0)
i=0
while [ $i -lt 200 ]; do
	echo $i >"$TROOT/many/$long$i"
	i=$((i + 1))
done
nix-store --add "$TROOT/many"/* >/dev/null || fail "cannot add the paths"

hwm0=$(kb VmHWM)
limit=$((hwm0 + BUDGET / 1024 + (NNAR + NPIPE) * 192 + 24 * 1024))
echo "builderproc: VmRSS $(kb VmRSS) kB, VmHWM $hwm0 kB; limit $limit kB"

mkdir -m 1777 "$TROOT/flood.d"
out="$TROOT/flood.d/nar"
pout="$TROOT/flood.d/pipe"
cpids=""
client_fail() {
	# shellcheck disable=SC2086
	kill $cpids 2>/dev/null
	fail "$@"
}
check_hwm() {
	hwm_check client_fail
	kill -0 "$bpid" || client_fail "builderproc died"
}
# File $1 exists; till then builderproc must stay within its limit.
file_within() {	# file
	[ -e "$1" ] && return 0
	check_hwm
	return 1
}
wait_file() {	# file what
	wait_until 180 file_within "$1" || client_fail "$2"
}
# storeproc dumps each NAR into a file first: wait until it is done.
storeproc_quiet() {
	t=-1 n=0
	while :; do
		check_hwm
		t1=$(awk '{ print $14 + $15 }' "/proc/$spid/stat")
		[ "$t1" = "$t" ] && break
		t=$t1
		n=$((n + 1))
		[ $n -gt 300 ] && client_fail "storeproc never went quiet"
		sleep 1
	done
}

python3 h_replies.py pipeline "$SOCKET" $NPIPE 8192 "$pout" nobody &
ppid=$!
cpids="$ppid"
wait_file "$pout" "the pipelining clients did not start"
echo "pipelining clients: $(cat "$pout")"
python3 h_replies.py nar "$SOCKET" "$big" $NNAR "$TROOT/big.nar" \
    "$out" nobody &
npid=$!
cpids="$cpids $npid"
wait_file "$out" "the NarFromPath clients did not start"
echo "NarFromPath clients: $(cat "$out")"
storeproc_quiet
sleep 1
check_hwm
echo "builderproc VmHWM $hwm kB, VmRSS $(kb VmRSS) kB"

ping_quick "as root with $((NNAR + NPIPE)) clients not reading" client_fail

# Now they read: every NAR whole and right.
touch "$out.go"
wait_file "$out.done" "the NarFromPath clients did not finish"
wait $npid
echo "NarFromPath clients: $(cat "$out.done")"
[ "$(cat "$out.done")" = "read $NNAR, bad 0" ] ||
    client_fail "NarFromPath clients: $(cat "$out.done")"
check_hwm
touch "$pout.stop"
wait $ppid
echo "builderproc VmHWM $(kb VmHWM) kB, limit $limit kB"
nix_ping >/dev/null || fail "ping after"
echo ok
