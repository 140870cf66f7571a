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

# rnixd -n and -nv, errors with file:line, and SIGHUP: a good file is
# taken, a broken one leaves the running configuration in place.
. "$RNIXD_TOP/regress/lib.sh"
require_root
test_init

out=$("$RNIXD" -n -f "$CONF" 2>&1) || fail "-n on a good file: $out"
[ "$out" = "configuration OK" ] || fail "-n printed '$out'"
echo "-n good: ok"

"$RNIXD" -nv -f "$CONF" >"$TROOT/canon" 2>&1 || fail "-nv failed"
grep -q "^store-dir = $TROOT/nix/store$" "$TROOT/canon" ||
    fail "-nv lacks store-dir"
grep -q "^max-jobs = 1$" "$TROOT/canon" || fail "-nv lacks the default max-jobs"
# The canonical form is itself a valid configuration, printing the same.
"$RNIXD" -nv -f "$TROOT/canon" >"$TROOT/canon2" 2>&1 || fail "-nv of -nv"
cmp -s "$TROOT/canon" "$TROOT/canon2" || fail "-nv is not a fixed point"
echo "-nv canonical and stable: ok"

printf 'max-jobs = 2\n# fine\nmax-job = 3\n' >"$TROOT/bad.conf"
out=$("$RNIXD" -n -f "$TROOT/bad.conf" 2>&1) && fail "-n accepted a bad file"
echo "$out" | grep -q "^$TROOT/bad.conf:3: " ||
    fail "error does not name file:line: $out"
printf 'timeout = soon\n' >"$TROOT/bad2.conf"
out=$("$RNIXD" -n -f "$TROOT/bad2.conf" 2>&1) && fail "-n accepted timeout"
echo "$out" | grep -q "^$TROOT/bad2.conf:1: " || fail "bad value: $out"
out=$("$RNIXD" -n -f "$TROOT/missing.conf" 2>&1) && fail "-n on a missing file"
echo "$out" | grep -q "missing.conf" || fail "missing file not named: $out"
echo "-n bad files name file:line: ok"

rnixd_start
cp "$CONF" "$TROOT/good.conf"
echo "max-jobs = 4" >>"$CONF"
kill -HUP "$RNIXD_PID"
wait_log "configuration reloaded" 5 || fail "good reload not taken"
echo "this is not a setting" >>"$CONF"
bad=$(wc -l <"$CONF")
kill -HUP "$RNIXD_PID"
wait_log "keeping the old one" 5 || fail "broken reload not refused"
grep -q "rnixd.conf:$bad: " "$TROOT/rnixd.log" ||
    fail "reload error lacks file:line ($bad)"
kill -0 "$RNIXD_PID" || fail "daemon died on a broken reload"
nix_ping >/dev/null || fail "no service after a broken reload"
echo "SIGHUP good and broken: ok"

# Golden canonical forms: rnixd -nv prints what regress/config/good/*.ok
# holds (the same files h_config is checked against).
for conf in "$RNIXD_TOP"/regress/config/good/*.conf; do
	"$RNIXD" -nv -f "$conf" >"$TROOT/nv.out" 2>&1 ||
	    fail "-nv $(basename "$conf") failed"
	diff -u "${conf%.conf}.ok" "$TROOT/nv.out" ||
	    fail "-nv $(basename "$conf") differs from its golden"
done
echo "-nv goldens: ok"
