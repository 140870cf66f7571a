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

# Telling whether every build user is held for good by recursive builds
# waiting for inner builds costs as many steps as the goal graph has
# derivations, not as it has paths.  Two outer builds on a pool of two
# build users both wait for one ladder of 30 diamonds (2^30 paths from
# top to bottom), which no user is left for: the newest one's inner
# build fails naming build-users-group, within seconds, the daemon
# answers meanwhile, and the other outer build then gets its ladder.
# The check used to walk every path, stopping builderproc for good.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
command -v useradd >/dev/null || skip "needs useradd"

# A pool of two users of our own: rnxsq, members rnxsq1 and rnxsq2.
POOL=rnxsq
pool_make || skip "cannot create group $POOL"
trap 'rc=$?; pool_remove; (exit $rc); test_cleanup' EXIT
sed -i "s/^build-users-group = .*/build-users-group = $POOL/" "$CONF"
echo "max-jobs = 2" >>"$CONF"
rnixd_start

for i in 1 2; do
	timeout 90 nix-build --no-out-link stuck.nix --arg n $i \
	    --argstr salt "$$" >"$TROOT/$i.out" 2>"$TROOT/$i.log" &
	eval "pid$i=$!"
done
wait_log "are held by recursive builds waiting for inner builds" 30 ||
    fail "no stuck pool found within 30 s"
timeout 5 nix store ping --store "unix://$SOCKET" >/dev/null 2>&1 ||
    fail "the daemon did not answer another client"
echo "the stuck pool was found, and the daemon answers"
ok=0
for i in 1 2; do
	if eval "wait \$pid$i"; then
		top=$(cat "$(cat "$TROOT/$i.out")")
		[ "$(nix-store -qR "$top" | wc -l)" -eq 63 ] ||
		    fail "outer $i: the ladder's closure is not 63 paths"
		ok=$((ok + 1))
	else
		grep -q "users of build-users-group '$POOL' are held" \
		    "$TROOT/$i.log" || fail "outer $i: $(tail -n 5 "$TROOT/$i.log")"
	fi
done
echo "$ok of 2 built, the other refused naming build-users-group"
[ "$ok" -eq 1 ] || fail "$ok outer builds built, expected 1"
echo ok
