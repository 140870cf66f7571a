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

# Concurrent builds through the daemon with the real nix-build: 30
# independent derivations in one nix-build with max-jobs 2 and a
# private build-users-group of 3 members: all built, never more than 2
# at once (each builder records its start and end), and at some time
# 2; two clients wanting one derivation at once: one build, both get
# it; a client killed mid-build alone: the build is cancelled (builder
# killed, nothing registered, no sandbox left); killed while another
# waits: the build goes on for the other.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_require nix-build
command -v useradd >/dev/null || skip "needs useradd"

# A private group of 3 build users, made once and kept.
G=rnixdtest
getent group $G >/dev/null || groupadd --system $G || fail "groupadd $G"
for i in 1 2 3; do
	getent passwd rnixdt$i >/dev/null ||
	    useradd --system --gid $G --groups $G --no-create-home \
	    --home-dir /var/empty --shell /usr/sbin/nologin rnixdt$i ||
	    fail "useradd rnixdt$i"
done
[ "$(build_members $G | wc -w)" -eq 3 ] ||
    fail "group $G: members $(build_members $G), expected 3"

test_init
cat >>"$CONF" <<EOT
sandbox-paths = /bin/sh=$BB
build-users-group = $G
max-jobs = 2
EOT
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
SALT=$$

echo "30 derivations, max-jobs 2, 3 build users"
nix-build --no-out-link concurrency.nix -A many --argstr salt "m$SALT" \
    >"$TROOT/many.out" 2>"$TROOT/many.log" ||
    fail "nix-build many: $(tail -n 5 "$TROOT/many.log")"
[ "$(sort -u "$TROOT/many.out" | wc -l)" -eq 30 ] ||
    fail "many: $(wc -l <"$TROOT/many.out") outputs, expected 30"
# Start +1, end -1; ends sort first at a tie (a slot is freed before
# the next build in it starts): the running count's peak.
peak=$(while read -r o; do cat "$o"; done <"$TROOT/many.out" |
    awk '{ print $1, 1; print $2, -1 }' | sort -k1,1n -k2,2n |
    awk '{ n += $2; if (n > max) max = n } END { print max }')
echo "at most $peak builds at once"
[ "$peak" -eq 2 ] || fail "many: $peak builds at once, expected 2"
no_build_procs "many" $G
no_build_dirs "many"

echo "two clients, one derivation: built once"
drv=$(nix-instantiate concurrency.nix -A slow --argstr salt "s$SALT" \
    2>/dev/null) || fail "nix-instantiate slow"
log_mark
nix-build --no-out-link "$drv" >"$TROOT/s1.out" 2>"$TROOT/s1.log" &
p1=$!
nix-build --no-out-link "$drv" >"$TROOT/s2.out" 2>"$TROOT/s2.log" &
p2=$!
wait $p1 || fail "first client: $(cat "$TROOT/s1.log")"
wait $p2 || fail "second client: $(cat "$TROOT/s2.log")"
cmp -s "$TROOT/s1.out" "$TROOT/s2.out" || fail "two answers"
[ "$(cat "$(cat "$TROOT/s1.out")")" = done ] || fail "slow: wrong output"
n=$(tail -c +$((LOG_MARK + 1)) "$TROOT/rnixd.log" |
    grep -c -- "-slow.drv: build [0-9]* started")
[ "$n" -eq 1 ] || fail "slow built $n times, expected once"

# mid_build what drv: start a client, return once its builder talks.
mid_build() {
	nix-build --no-out-link "$2" >"$TROOT/$1.out" 2>"$TROOT/$1.log" &
	MPID=$!
	wait_file "$TROOT/$1.log" started-slow || fail "$1: no build"
}
wait_file() {	# file pattern
	n=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt 100 ] && return 1
		sleep 0.1
	done
}

echo "the only client killed mid-build: the build is cancelled"
drv=$(nix-instantiate concurrency.nix -A slow --argstr salt "k$SALT" \
    2>/dev/null) || fail "nix-instantiate slow"
log_mark
mid_build k1 "$drv"
[ -n "$(build_user_procs $G)" ] || fail "k1: no builder running"
kill -KILL $MPID
wait $MPID 2>/dev/null
wait_log "build cancelled\|done, status" 10 || fail "k1: build not stopped"
t=$(date +%s)
no_build_procs "k1" $G
[ $(($(date +%s) - t)) -lt 2 ] || fail "k1: builder not killed at once"
sleep 3	# as long as the builder would have run
not_registered "k1" "$drv"
no_build_dirs "k1"

echo "a client killed while another waits: the build goes on"
drv=$(nix-instantiate concurrency.nix -A slow --argstr salt "w$SALT" \
    2>/dev/null) || fail "nix-instantiate slow"
mid_build w1 "$drv"
p1=$MPID
nix-build --no-out-link "$drv" >"$TROOT/w2.out" 2>"$TROOT/w2.log" &
p2=$!
sleep 0.5
kill -KILL $p1
wait $p1 2>/dev/null
wait $p2 || fail "w2: $(cat "$TROOT/w2.log")"
[ "$(cat "$(cat "$TROOT/w2.out")")" = done ] || fail "w2: wrong output"
nix-store --check-validity "$(cat "$TROOT/w2.out")" || fail "w2: not valid"
no_build_procs "w" $G
no_build_dirs "w"
echo ok
