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

# Issue 10 item 9: a build does not outlive its spawner.  The spawner
# is killed with SIGKILL while a build runs with processes in the
# background and in a session of their own; every process of the build
# users must be gone within seconds (the spawner's guard kills them),
# the guard must be gone too, and the daemon must go down (fail closed).
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_start
[ -z "$(build_user_procs)" ] || fail "build users busy before the test"
spawner=$(spawner_pid) || fail "no spawner"
guard=$(pgrep -P "$spawner" -x rnixd-guard) || fail "no guard"
# The guard: the mount user, only CAP_SETUID, under the spawner's filter.
st=/proc/$guard/status
grep -q "^Uid:	$(id -u _rnixd-mount)	" "$st" || fail "guard: $(grep Uid: "$st")"
grep -q "^CapEff:	$(cap_mask $CAP_SETUID)$" "$st" ||
    fail "guard: $(grep CapEff: "$st")"
grep -q "^NoNewPrivs:	1$" "$st" && grep -q "^Seccomp:	2$" "$st" ||
    fail "guard: not filtered"

nix-build --no-out-link spawnerkill.nix --argstr salt "$$" \
    >"$TROOT/build.log" 2>&1 &
NB=$!
three_procs() {
	[ "$(build_user_procs | wc -l)" -ge 3 ]
}
wait_until 30 three_procs ||
    fail "the build did not start: $(cat "$TROOT/build.log")"
echo "build running: $(build_user_procs | wc -l) processes of build users"

kill -KILL "$spawner"
no_build_procs "spawner killed"
echo "spawner killed: no process of the build users left: ok"
wait_until 5 gone "$guard" || fail "the guard is still running"
rnixd_wait_down 10 "daemon still up 10 s after losing the spawner"
grep -q "spawner died\|spawner went away" "$TROOT/rnixd.log" ||
    fail "no loss of the spawner logged"
wait "$NB" && fail "nix-build succeeded"
echo "guard gone, daemon down: ok"

# A daemon that stops waits for its guard: a guard still killing build
# users after rnixd has exited would kill the builds of the next rnixd.
# The guard is held stopped while rnixd stops; rnixd must still be
# there a second later, and gone only after the guard.
rnixd_start
# The spawner starts its guard once it is set up: give it a moment.
wait_until 10 guard_pid >/dev/null || fail "no guard after restart"
guard=$(guard_pid)
kill -STOP "$guard"
kill -TERM "$RNIXD_PID"
sleep 1
kill -0 "$RNIXD_PID" 2>/dev/null || { kill -CONT "$guard";
    fail "rnixd exited while its guard was still there"; }
kill -CONT "$guard"
wait "$RNIXD_PID"
RNIXD_PID=""
kill -0 "$guard" 2>/dev/null && fail "the guard outlived rnixd"
echo "rnixd waits for its guard: ok"
echo ok
