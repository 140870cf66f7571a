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

# Issue 10 item 3: rnixd as a service runs it, without -d: the
# children log through syslog(3) after their seccomp filters (time
# stamps in local time, a reconnect on every line when no syslog daemon
# listens, as here).  Many paths in list ops, a build, a reload and
# SIGUSR1 in that mode; the daemon keeps every child.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-build
build_store_init
# The parent daemonizes and retitles itself: it is found as the parent
# of the storeproc that has this test's database open.
"$RNIXD" -v -f "$CONF" || fail "rnixd did not start"
n=0
while [ -z "$RNIXD_PID" ]; do
	for p in $(pgrep -x rnixd-storeproc); do
		ls -l /proc/$p/fd 2>/dev/null | grep -q -- "$DB\$" &&
		    RNIXD_PID=$(ps -o ppid= -p "$p" | tr -d ' ')
	done
	n=$((n + 1))
	[ $n -gt 100 ] && fail "no daemon found"
	sleep 0.1
done
n=0
until nix_ping >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -gt 100 ] && fail "rnixd does not serve"
	sleep 0.1
done
before=$(pgrep -P "$RNIXD_PID" | sort)
[ "$(echo "$before" | wc -l)" -eq 3 ] || fail "children: $before"

intact() {	# what
	kill -0 "$RNIXD_PID" 2>/dev/null || fail "$1: daemon died"
	[ "$(pgrep -P "$RNIXD_PID" | sort)" = "$before" ] ||
	    fail "$1: children changed"
	nix_ping >/dev/null 2>&1 || fail "$1: no service"
}

python3 h_biglists.py "$SOCKET" "$STORE" 1000 >"$TROOT/big.out" 2>&1 ||
    { cat "$TROOT/big.out"; intact "list ops"; fail "list ops"; }
intact "list ops"
echo "list ops of 1000 paths: ok"

out=$(on_rnixd nix-build --no-out-link confbuild.nix --argstr salt "$$" \
    2>"$TROOT/build.log") || fail "build: $(cat "$TROOT/build.log")"
grep -q cores "$out" || fail "build output: $(cat "$out")"
intact "build"
echo "a build: ok"

echo "max-jobs = auto" >>"$CONF"
kill -HUP "$RNIXD_PID"
sleep 1
kill -USR1 "$(child_pid storeproc)" "$(child_pid builderproc)"
sleep 0.5
out=$(on_rnixd nix-build --no-out-link confbuild.nix --argstr salt \
    "$$-2" 2>"$TROOT/build.log") || fail "build: $(cat "$TROOT/build.log")"
intact "reload, SIGUSR1 and a build"
echo "reload, SIGUSR1 and a build: ok"
echo ok
