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

# A session whose upload waits for storeproc stops reading its client;
# it must still see the client leave, and end at once rather than
# when storeproc goes on.  storeproc is stopped (SIGSTOP) while a
# client sends an AddToStoreNar larger than the pipe, then leaves.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
test_init
bp_start
spid=$(child_pid storeproc) || fail "no storeproc"
log_mark
kill -STOP "$spid"
python3 h_crash.py "$SOCKET" "$STORE" uphup || { kill -CONT "$spid"; fail "uphup"; }
if ! wait_log "client went away" 5; then
	kill -CONT "$spid"
	fail "builderproc did not see the client leave"
fi
kill -CONT "$spid"
nix_ping >/dev/null || fail "nix store ping afterwards"
echo "the session ended while storeproc was stopped"
