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

# A child stopped and continued (kill -STOP/-CONT, a debugger or a
# job-control accident) resumes its interrupted system call through
# restart_syscall(2); the seccomp filters must allow it, or the child
# dies and rnixd, failing closed, stops serving.  Each child and the
# spawner in turn, idle and then with a client connected; afterwards
# all are alive and the daemon answers.
. "$RNIXD_TOP/regress/lib.sh"
require_root
test_init
rnixd_start
mpid=$(child_pid mountproc) || fail "no mountproc"
procs="$(child_pid storeproc) $(child_pid builderproc) $mpid
    $(pgrep -P "$mpid")"
[ "$(echo $procs | wc -w)" -eq 4 ] || fail "expected 4 processes: $procs"
nix_ping >/dev/null 2>&1 || fail "first ping"
for p in $procs; do
	name=$(cat "/proc/$p/comm")
	for round in idle busy; do
		if [ $round = busy ]; then
			nix_ping >/dev/null 2>&1 || fail "ping before stopping $name"
		fi
		kill -STOP "$p"
		sleep 0.3
		kill -CONT "$p"
		sleep 0.3
		kill -0 "$p" 2>/dev/null ||
		    fail "$name died after SIGSTOP/SIGCONT ($round)"
		nix_ping >/dev/null 2>&1 ||
		    fail "no answer after $name was stopped ($round)"
	done
	echo "$name: stopped and continued twice, alive, daemon answers"
done
echo ok
