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

# A graph whose derivations share their inputs costs the daemon as
# many steps as it has derivations, not as it has paths: a ladder of
# 40 diamonds (83 derivations, 2^40 paths from top to bottom) builds
# within a minute, and the daemon answers another client meanwhile.
# Handing a build's outputs to the sessions waiting for it used to walk
# every path: one client could stop builderproc, and every other client.
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_start "max-jobs = 2"

ladder_build build
[ "$(nix-store -qR "$out" | wc -l)" -eq 83 ] ||
    fail "$out: closure of $(nix-store -qR "$out" | wc -l) paths, expected 83"
echo "the ladder of 40 diamonds: built"
echo ok
