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

# builderproc's decoding of every op: truncated requests (no answer,
# the daemon waits), oversized counts and strings, bad padding and
# invalid store paths (an error, then the connection closes), refused
# or unserved ops (an error, the connection goes on), uploads failing
# before storeproc sees them (the frames are read to the end first),
# and the trust rules an untrusted client meets.  Afterwards
# builderproc still runs, serves nix store ping and holds as many
# descriptors as before.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
command -v setpriv >/dev/null || skip "needs setpriv"
test_init
bp_start
fds_before=$(nfds)

python3 h_opclient.py "$SOCKET" "$STORE" all || fail "trusted cases"
nobody_py h_opclient.py "$SOCKET" "$STORE" untrusted ||
    fail "untrusted cases"

bp_alive "the cases"
fds_back
echo "builderproc fds back to $fds_before: ok"
