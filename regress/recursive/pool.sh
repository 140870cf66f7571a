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

# Recursive builds and the build-user pool (issue 6, G5).  An outer
# build waiting for its inner builds gives its job slot back but keeps
# its build user, which its builder still runs as: more outer builds
# than users must end (inner builds that can never get a user fail with
# an error naming build-users-group), never hang.  And 6 outer builds
# at once, 3 inner builds each, max-jobs 2: all right.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
build_require nix-build "$BUILD_GROUP"

# A pool of two users of our own: rnxrp, members rnxrp1 and rnxrp2.
POOL=rnxrp
pool_make || skip "cannot create group $POOL"

test_init
trap 'rc=$?; pool_remove; (exit $rc); test_cleanup' EXIT
cat >>"$CONF" <<EOT
sandbox-paths = /bin/sh=$BB /usr /lib /lib64?
experimental-features = recursive-nix
EOT
export NIX_REMOTE="unix://$SOCKET?store=$STORE"

# Start $1 builds of tag $2 with $3 inner builds each, in the background.
start_builds() {
	pids=""
	i=1
	while [ $i -le "$1" ]; do
		nix-build --no-out-link pool.nix --argstr tag "$2" \
		    --arg n $i --arg inners "$3" >"$TROOT/$2-$i.out" \
		    2>"$TROOT/$2-$i.err" &
		pids="$pids $!"
		i=$((i + 1))
	done
}

# Wait for them, at most $1 seconds: a hang is the failure.
wait_builds() {
	n=0
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null; do
			n=$((n + 1))
			[ $n -gt $(($1 * 10)) ] &&
			    fail "builds still running after $1 s: a deadlock"
			sleep 0.1
		done
	done
	for p in $pids; do
		wait "$p"
	done
}

# Output $1 of tag $2, with $3 inner builds, must be right.
check_output() {
	out=$(cat "$TROOT/$2-$1.out")
	want=""
	j=1
	while [ $j -le "$3" ]; do
		want="$want${want:+
}INNER-$2-$1-$j"
		j=$((j + 1))
	done
	[ "$(cat "$out")" = "$want" ] ||
	    fail "$2 build $1: got '$(cat "$out")', expected '$want'"
}

echo "3 outer builds, 2 build users: no hang"
cp "$CONF" "$TROOT/conf.base"
sed "s/^build-users-group = .*/build-users-group = $POOL/" \
    "$TROOT/conf.base" >"$CONF"
echo "max-jobs = 4" >>"$CONF"
rnixd_start
start_builds 3 few 1
wait_builds 60
ok=0
for i in 1 2 3; do
	if [ -s "$TROOT/few-$i.out" ]; then
		check_output $i few 1
		ok=$((ok + 1))
	else
		grep -q "build-users-group" "$TROOT/few-$i.err" ||
		    fail "few build $i: $(cat "$TROOT/few-$i.err")"
	fi
done
echo "$ok of 3 built, the others refused naming build-users-group"
[ $ok -ge 1 ] || fail "none built"

echo "recursion 3 deep on 2 build users: refused, no hang"
nix-build --no-out-link pool.nix --argstr tag deep --arg depth 2 \
    >"$TROOT/deep.out" 2>"$TROOT/deep.err" &
pids=$!
wait_builds 60 && fail "built 3 deep on 2 users"
grep -q "build-users-group" "$TROOT/deep.err" ||
    fail "deep: $(cat "$TROOT/deep.err")"

echo "the daemon still builds"
start_builds 1 after 1
wait_builds 30
check_output 1 after 1
rnixd_stop

echo "6 outer builds of 3 inner builds each, max-jobs 2"
cp "$TROOT/conf.base" "$CONF"
echo "max-jobs = 2" >>"$CONF"
rnixd_start
start_builds 6 six 3
wait_builds 80
for i in 1 2 3 4 5 6; do
	check_output $i six 3
done
echo ok
