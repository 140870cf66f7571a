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

# Broken and hostile clients close their own connection only: garbage,
# a wrong magic, a truncated handshake, an old protocol, an unknown op,
# a SetOptions with an absurd count, a request sent byte by byte, and
# 1000 connect-and-close.  Afterwards nix store ping still works and
# builderproc holds as many descriptors as before.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
test_init
bp_start
fds_before=$(nfds)

for c in garbage wrong-magic truncated old-client bad-op huge-setoptions \
    setoptions-ok; do
	python3 h_badclient.py "$SOCKET" "$c" || fail "case $c"
done
python3 h_badclient.py "$SOCKET" connect-close 1000 || fail "connect-close"

bp_alive "bad clients"
fds_back
echo "builderproc fds back to $fds_before, ping works: ok"
