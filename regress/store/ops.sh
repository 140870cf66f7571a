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

# Every store op the issue lists, side by side: rnixd and the real
# nix-daemon 2.8 (serving the reference store, same logical store dir)
# get the same contents through the same CLI commands, then h_ops.py
# sends each op to both and compares the replies.
. "$RNIXD_TOP/regress/lib.sh"
require_root
store_init
store_start
refdaemon_start
both() {
	on_rnixd "$@" >"$TROOT/out.rnixd" || fail "rnixd: $*"
	NIX_REMOTE="unix://$NSOCK?store=$STORE" "$@" >"$TROOT/out.ref" ||
	    fail "nix-daemon: $*"
	cmp -s "$TROOT/out.rnixd" "$TROOT/out.ref" || fail "$*: outputs differ"
}
drvs_setup
both nix-instantiate "$TROOT/src/drvs.nix"
both nix-instantiate "$TROOT/src/drvs.nix" -A top
top=$(cat "$TROOT/out.rnixd")
printf 'x\n' >"$TROOT/src/x"
both nix-store --add "$TROOT/src/x"
both nix-store --add-fixed sha1 "$TROOT/src/x"
python3 h_ops.py "$SOCKET" "$NSOCK" "$STORE" "$top" >"$TROOT/ops.out" ||
    fail "replies differ: $(grep -v ': ok$' "$TROOT/ops.out")"
echo "$(grep -c ': ok$' "$TROOT/ops.out") op replies, same as real Nix's: ok"
nix_ping >/dev/null || fail "daemon gone"
