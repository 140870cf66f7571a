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

# Build slots are shared between users, not handed out first come,
# first served.  With max-jobs 1, root asks for 3 slow builds at once;
# while the first runs, nobody asks for a trivial one: it gets the next
# free slot, so it starts after at most one of root's builds, and the
# daemon still builds everything, one at a time.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
build_start "max-jobs = 1" "allowed-users = *"
SALT=$$

slow=$(nix-instantiate fair.nix -A slow --argstr salt "$SALT" 2>/dev/null) ||
    fail "nix-instantiate slow"
quick=$(nix-instantiate fair.nix -A quick --argstr salt "$SALT" \
    2>/dev/null) || fail "nix-instantiate quick"
mkdir "$TROOT/home" && chown nobody "$TROOT/home" || fail "home"

# shellcheck disable=SC2086
nix-store -r $slow >"$TROOT/slow.out" 2>"$TROOT/slow.log" &
spid=$!
wait_log "fair-slow-0.drv: build [0-9]* started" 20 ||
    fail "the first slow build did not start: $(cat "$TROOT/slow.log")"
# The others are queued behind it by now; nobody's build comes after.
sleep 0.3
HOME="$TROOT/home" setpriv --reuid=nobody --regid=nogroup --clear-groups \
    nix-store -r "$quick" >"$TROOT/quick.out" 2>"$TROOT/quick.log" ||
    fail "nobody's build: $(cat "$TROOT/quick.log")"
wait $spid || fail "root's builds: $(cat "$TROOT/slow.log")"

set -- $(cat "$(cat "$TROOT/quick.out")")
qstart=$2
before=0
for o in $(cat "$TROOT/slow.out"); do
	set -- $(cat "$o")
	echo "$1 ran from $2 to $3"
	# Started before nobody's build did.
	awk -v s="$2" -v q="$qstart" 'BEGIN { exit !(s < q) }' &&
	    before=$((before + 1))
done
echo "fair-quick ran from $qstart; root's builds started before: $before"
[ "$before" -eq 1 ] ||
    fail "nobody's build waited for $before of root's builds, expected 1"
no_build_procs "fair"
no_build_dirs "fair"
echo ok
