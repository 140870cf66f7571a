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

# Faults during builds through the daemon: the builder killed from the
# host (the build fails with Nix's message, the next one works); a
# client killed mid-build; each of rnixd's children (storeproc,
# builderproc, mountproc, the spawner) killed mid-build, and storeproc
# killed while it registers a large output: the daemon goes down (fail
# closed), leaves no builder process, and after a restart the DB is
# whole, no temporary is left in the store, no output is valid without
# its files, no sandbox is left, and the build succeeds.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
command -v sqlite3 >/dev/null || skip "needs sqlite3"
build_start
DB="$TROOT/nix/var/nix/db/db.sqlite"
SALT=$$

inst() {	# attr salt
	nix-instantiate faults.nix -A "$1" --argstr salt "$2$SALT" \
	    2>/dev/null || fail "nix-instantiate $1"
}
wait_file() {	# file pattern
	wait_until 15 grep -q -- "$2" "$1" 2>/dev/null ||
	    fail "no '$2' in $1: $(cat "$1")"
}
# A client building drv $2 in the background (pid in CPID).
client() {	# what drv
	nix-build --no-out-link "$2" >"$TROOT/$1.out" 2>"$TROOT/$1.log" &
	CPID=$!
}
quick_build() {	# what
	out=$(nix-build --no-out-link faults.nix -A quick \
	    --argstr salt "$1$SALT" 2>"$TROOT/$1.qlog") ||
	    fail "$1: next build: $(cat "$TROOT/$1.qlog")"
	[ "$(cat "$out")" = quick ] || fail "$1: next build: wrong output"
}
# Every valid path has its files; no temporary is left in the store.
store_whole() {	# what
	db_integrity
	for p in $(dbq "$DB" 'SELECT path FROM ValidPaths'); do
		[ -e "$p" ] || [ -L "$p" ] || fail "$1: $p valid, missing"
	done
	[ -z "$(store_temps)" ] || fail "$1: temporaries: $(store_temps)"
}

echo "the builder killed from the host"
drv=$(inst slow b)
client b "$drv"
wait_file "$TROOT/b.log" started-slow
pid=""
for p in $(build_user_procs); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = sh ] && pid=$p
done
[ -n "$pid" ] || fail "no builder found"
kill -KILL "$pid"
wait $CPID && fail "b: the build succeeded"
grep -q "builder for '.*-slow.drv' failed due to signal 9" "$TROOT/b.log" ||
    fail "b: message: $(cat "$TROOT/b.log")"
not_registered b "$drv"
no_build_procs b
no_build_dirs b
quick_build b

echo "a client killed mid-build"
drv=$(inst slow c)
client c "$drv"
wait_file "$TROOT/c.log" started-slow
kill -KILL $CPID
wait $CPID 2>/dev/null
no_build_procs c
not_registered c "$drv"
no_build_dirs c
quick_build c
store_whole c

# kill_child what pid-of-victim drv started-pattern
kill_child() {
	what=$1 victim=$2
	mp=$(child_pid mountproc)
	procs="$RNIXD_PID $(pgrep -P "$RNIXD_PID") $(pgrep -P "$mp")"
	kill -KILL "$victim"
	rnixd_wait_down 10 "$what: rnixd still up after 10 s"
	wait $CPID && fail "$what: the client succeeded"
	no_build_procs "$what"
	# shellcheck disable=SC2086
	wait_until 5 gone $procs ||
	    fail "$what: left: $(ps -o comm= -p "$(echo $procs | tr ' ' ,)")"
	rnixd_start
	store_whole "$what"
	not_registered "$what" "$3"
	no_build_dirs "$what"
	out=$(nix-build --no-out-link "$3" 2>"$TROOT/$what.again") ||
	    fail "$what: build after restart: $(cat "$TROOT/$what.again")"
	nix-store --check-validity "$out" || fail "$what: not valid"
	no_build_dirs "$what"
}

for victim in storeproc builderproc mountproc spawner; do
	echo "$victim killed mid-build"
	drv=$(inst slow "k$victim")
	client "k$victim" "$drv"
	wait_file "$TROOT/k$victim.log" started-slow
	if [ $victim = spawner ]; then
		pid=$(pgrep -P "$(child_pid mountproc)")
	else
		pid=$(child_pid $victim)
	fi
	[ -n "$pid" ] || fail "$victim: not found"
	kill_child "k$victim" "$pid" "$drv"
done

echo "storeproc killed while it registers a large output"
drv=$(inst big r)
log_mark
client r "$drv"
wait_log "outputs of .*-big.drv" 60 || fail "r: not registering"
kill_child r "$(child_pid storeproc)" "$drv"
echo ok
