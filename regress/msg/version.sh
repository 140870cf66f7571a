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

# A child of another build of rnixd (another IMSG_VERSION in its
# CTL_READY, as after an upgrade that replaced only some executables):
# the parent says so, refuses to run with it and exits 1, never
# serving.  rnixd finds its children at ../libexec/rnixd/ next to its
# own executable, so a copy of it gets a libexec/rnixd/ of its own:
# the real storeproc and mountproc, and h_oldchild as builderproc.
. "$RNIXD_TOP/regress/lib.sh"
require_root
test_init
HELPER="$RNIXD_OBJ/regress/msg/h_oldchild"
[ -x "$HELPER" ] || fail "$HELPER not built (make regress)"
mkdir -p "$TROOT/bin" "$TROOT/libexec/rnixd" || fail "mkdir"
cp "$RNIXD" "$TROOT/bin/rnixd" || fail "cp rnixd"
for c in storeproc mountproc; do
	ln -s "$RNIXD_OBJ/libexec/rnixd/rnixd-$c" \
	    "$TROOT/libexec/rnixd/rnixd-$c" || fail "ln $c"
done
ln -s "$HELPER" "$TROOT/libexec/rnixd/rnixd-builderproc" || fail "ln"

# run_refused what logline: rnixd must log it, exit 1, never serve.
run_refused() {
	log_mark
	"$TROOT/bin/rnixd" -d -v -f "$CONF" >>"$TROOT/rnixd.log" 2>&1 &
	RNIXD_PID=$!
	wait_log "$2" 10 || fail "$1: not refused"
	n=0
	while kill -0 "$RNIXD_PID" 2>/dev/null && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -0 "$RNIXD_PID" 2>/dev/null && fail "$1: rnixd still runs"
	wait "$RNIXD_PID"
	rc=$?
	RNIXD_PID=""
	[ $rc -eq 1 ] || fail "$1: rnixd exited $rc, expected 1"
	tail -c +$((LOG_MARK + 1)) "$TROOT/rnixd.log" |
	    grep -q "ready, serving" && fail "$1: rnixd served anyway"
	echo "$1: refused, rnixd exited 1: ok"
}

run_refused "a child of another imsg version" \
    "bad CTL_READY from builderproc: imsg version [0-9]*, expected [0-9]*; refusing to run"
H_OLDCHILD=twice run_refused "a child reporting READY twice" \
    "second CTL_READY from builderproc"
