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

# The requests that took builderproc, and so the daemon, down (issue
# 11): a use-after-free when a BuildPaths reply finishes its request
# mid-loop, an op ending inside its own start and parsed again without
# end, and a request larger than the input limit reaching a fatal
# send to storeproc; and their neighbours: a request of exactly the
# limit is served, a deferred BuildDerivation gets a clear error, and
# the failure summary of many paths comes in seconds, an empty
# AddMultipleToStore stream gets an error.  After each case builderproc
# still runs and serves nix store ping.  Run against a daemon built
# with ASan+UBSan (RNIXD_OBJ), a sanitizer report in the log fails it
# too (ASAN_OPTIONS=color=never: the sandbox has no ioctl for isatty).
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
command -v setpriv >/dev/null || skip "needs setpriv"
test_init
bp_start

for c in opaque nondrv deferred limit oversize many emptymulti; do
	python3 h_crash.py "$SOCKET" "$STORE" "$c" || fail "case $c"
	bp_alive "$c"
done
# An untrusted client reaches the same code: a user not in trusted-users.
for c in opaque nondrv; do
	nobody_py h_crash.py "$SOCKET" "$STORE" "$c" ||
	    fail "untrusted case $c"
	bp_alive "untrusted $c"
done
grep -q "AddressSanitizer\|runtime error" "$TROOT/rnixd.log" &&
    fail "sanitizer report in the log"
echo "builderproc $bpid served every case"
