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

# AddTextToStore's text is held while storeproc takes it, and only
# once: with storeproc stopped, 12 clients each send a whole 15 MiB
# AddTextToStore.  builderproc's memory (VmHWM) stays under what it
# had, plus max-request-memory, plus one request being copied, plus a
# margin; once storeproc goes on, every client gets its path.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
BUDGET=67108864		# 64 MiB
NCLIENTS=12
SIZE=15728640		# 15 MiB
test_init
budget_start
spid=$(child_pid storeproc) || fail "no storeproc"
hwm0=$(kb VmHWM)
limit=$((hwm0 + BUDGET / 1024 + SIZE / 1024 + 16 * 1024))
echo "builderproc: VmHWM $hwm0 kB; limit $limit kB"

kill -STOP "$spid"
stopped=1
cont() {
	[ -n "$stopped" ] && kill -CONT "$spid"
	stopped=""
}
cont_fail() {
	cont
	fail "$@"
}
trap 'rc=$?; cont; (exit $rc); test_cleanup' EXIT
log_mark
pids=""
i=0
while [ $i -lt $NCLIENTS ]; do
	python3 h_flood.py text "$SOCKET" $SIZE >"$TROOT/text$i" \
	    2>"$TROOT/text$i.err" &
	pids="$pids $!"
	i=$((i + 1))
done
wait_log "max-request-memory), waiting" 60 ||
    fail "builderproc never waited for the budget"
# Let what can be admitted be admitted and copied.
n=0
while [ $n -lt 100 ]; do
	hwm_check cont_fail
	n=$((n + 1))
	sleep 0.1
done
echo "builderproc VmHWM $hwm kB with storeproc stopped"
cont
# shellcheck disable=SC2086
wait $pids
i=0
while [ $i -lt $NCLIENTS ]; do
	case $(cat "$TROOT/text$i") in
	"$STORE"/*-big) ;;
	*) fail "client $i: $(cat "$TROOT/text$i" "$TROOT/text$i.err")" ;;
	esac
	i=$((i + 1))
done
hwm_check
echo "all $NCLIENTS texts added; builderproc VmHWM $hwm kB"
echo ok
