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

# Checking what a recursive build asks to build (its allowed paths,
# fixed-output derivations below) costs as many steps as the graph has
# derivations, not as it has paths: a ladder of 40 diamonds (2^40 paths
# from top to bottom) built from inside builds within a minute, and the
# daemon answers another client meanwhile.  The fixed-output check used
# to walk every path, stopping builderproc for every client.
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
echo "max-jobs = 2" >>"$CONF"
rnixd_start

ladder_build "inner build"
top=$(cat "$out")
[ "$(nix-store -qR "$top" | wc -l)" -eq 83 ] ||
    fail "$top: closure of $(nix-store -qR "$top" | wc -l) paths, expected 83"
nix-store -qR "$out" | grep -qx "$top" || fail "$top not in the closure of $out"
echo "the ladder of 40 diamonds, built from inside: ok"
echo ok
