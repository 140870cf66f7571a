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

# A build cancelled because its only client left, and asked for again
# before its builder is gone, is built for the client that asked
# again: it is not answered "build cancelled".  mountproc is held
# stopped, so the second request always arrives while the cancelled
# builder still runs (the window is otherwise a few milliseconds).
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_start

drv=$(nix-instantiate faults.nix -A slow --argstr salt "rewant$$" \
    2>/dev/null) || fail "nix-instantiate"
log_mark
nix-store -r "$drv" >"$TROOT/first.log" 2>&1 &
first=$!
wait_log "slow.drv: build [0-9]* started" 20 || fail "the build did not start"
mountproc=$(child_pid mountproc) || fail "no mountproc"
kill -STOP "$mountproc"
kill -KILL "$first"
wait "$first" 2>/dev/null
wait_log "client went away" 10 || { kill -CONT "$mountproc";
    fail "the first client's leaving was not seen"; }
log_mark
nix-store -r "$drv" >"$TROOT/second.log" 2>&1 &
second=$!
wait_log "BuildPaths" 10 || { kill -CONT "$mountproc";
    fail "the second request did not come"; }
sleep 0.5
kill -CONT "$mountproc"
wait "$second" || fail "second client: $(cat "$TROOT/second.log")"
out=$(nix-store -q --outputs "$drv")
[ "$(cat "$out")" = done ] || fail "output: $(cat "$out")"
grep -q "build cancelled" "$TROOT/second.log" &&
    fail "second client told of the cancelled build"
echo "asked again while cancelled: built: ok"
no_build_procs "after the builds"
no_build_dirs "after the builds"
echo ok
