#!/bin/sh
# A session whose upload waits for storeproc stops reading its client;
# it must still see the client leave, and end at once rather than
# when storeproc goes on.  storeproc is stopped (SIGSTOP) while a
# client sends an AddToStoreNar larger than the pipe, then leaves.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
test_init
rnixd_start

spid=$(child_pid storeproc) || fail "no storeproc"
nix_ping >/dev/null || fail "first ping"
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
