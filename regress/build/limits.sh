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

# Build limits through the daemon with the real nix-build: timeout (the
# config's, and a trusted client's --option), max-silent-time (the
# config's and the client's), each killing the build with Nix 2.8's
# message, registering nothing and leaving no process or build dir; a
# builder printing 50 MiB: the client gets every line, the daemon's
# memory stays bounded even while the client does not read, the stored
# log is capped as storeproc says, and nix-store -l reads it.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_start "timeout = 3"
NIX_REMOTE="$NIX_REMOTE&log=$TROOT/nix/var/log/nix"
SALT=$$

# timed_out what attr secs message-tail [nix-build options]
timed_out() {
	what=$1 attr=$2 secs=$3 tail=$4
	shift 4
	drv=$(nix-instantiate limits.nix -A $attr --argstr salt "$what$SALT" \
	    2>/dev/null) || fail "$what: nix-instantiate"
	t0=$(date +%s)
	nix-build --no-out-link "$@" "$drv" >/dev/null 2>"$TROOT/$what.log"
	rc=$?
	t=$(($(date +%s) - t0))
	[ $rc -eq 1 ] || fail "$what: exit status $rc, expected 1"
	grep -q "building of '.*$attr.drv' timed out after $secs $tail" \
	    "$TROOT/$what.log" ||
	    fail "$what: message: $(cat "$TROOT/$what.log")"
	[ $t -ge "$secs" ] && [ $t -le $((secs + 5)) ] ||
	    fail "$what: took $t s for a limit of $secs"
	not_registered "$what" "$drv"
	no_build_procs "$what"
	no_build_dirs "$what"
}

echo "timeout from the config"
timed_out conf-timeout sleeper 3 seconds
grep -q '^sleeping$' "$TROOT/conf-timeout.log" || fail "log not forwarded"

echo "timeout from a trusted client (--option timeout)"
timed_out opt-timeout sleeper 1 seconds --option timeout 1

echo "max-silent-time from the client"
timed_out opt-silence sleeper 1 "seconds of silence" \
    --option max-silent-time 1 --option timeout 0
echo "a builder that talks is not silent"
out=$(nix-build --no-out-link limits.nix -A talker --argstr salt "t$SALT" \
    --option max-silent-time 2 --option timeout 0 2>"$TROOT/talker.log") ||
    fail "talker: $(cat "$TROOT/talker.log")"
[ "$(cat "$out")" = done ] || fail "talker: got $(cat "$out")"

echo "max-silent-time from the config"
rnixd_stop
sed -i '/^timeout =/d' "$CONF"
echo "max-silent-time = 2" >>"$CONF"
rnixd_start
timed_out conf-silence sleeper 2 "seconds of silence"

echo "50 MiB of log, the client stopped for a while"
drv=$(nix-instantiate limits.nix -A chatty --argstr salt "c$SALT" \
    2>/dev/null) || fail "chatty: nix-instantiate"
nix-build --no-out-link "$drv" >"$TROOT/chatty.out" 2>"$TROOT/chatty.log" &
cpid=$!
sleep 1
kill -STOP $cpid
sleep 3
kill -CONT $cpid
wait $cpid || fail "chatty: $(tail -n 5 "$TROOT/chatty.log")"
n=$(grep -c '^0123456789abcdef0123456789abcdef0123456789abcdef012345678901234$' \
    "$TROOT/chatty.log")
[ "$n" -eq 819200 ] || fail "chatty: client got $n lines, expected 819200"
grep -q '^end-of-chatter$' "$TROOT/chatty.log" || fail "chatty: no last line"
hwm=$(daemon_hwm)
daemon_hwms
[ "$hwm" -lt 65536 ] || fail "chatty: a daemon process peaked at $hwm KiB"
nix-store -l "$drv" >"$TROOT/chatty.stored" || fail "nix-store -l"
sz=$(stat -c %s "$TROOT/chatty.stored")
# storeproc keeps 32 MiB and says it cut the rest.
[ "$sz" -ge 33554432 ] && [ "$sz" -le 33558528 ] ||
    fail "stored log is $sz bytes, expected 32 MiB and a note"
tail -n 1 "$TROOT/chatty.stored" | grep -q "log cut after 33554432" ||
    fail "stored log: no note: $(tail -c 200 "$TROOT/chatty.stored")"
yes 0123456789abcdef0123456789abcdef0123456789abcdef012345678901234 |
    head -c 33554432 >"$TROOT/chatty.expect"
head -c 33554432 "$TROOT/chatty.stored" | tr -d '\r' |
    cmp -s - "$TROOT/chatty.expect" ||
    { head -c 33554432 "$TROOT/chatty.stored" | tr -d '\r' | head -c 100 |
    od -c | head; fail "stored log: wrong bytes"; }
echo ok
