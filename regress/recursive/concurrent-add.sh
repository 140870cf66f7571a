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

# Adds of one path from inside a recursive build: four at once all
# succeed and each sees the contents as soon as its add returns; an
# entry the builder made first at the path's name is never taken for
# the path (the add refuses, naming the sandbox, or the path is there).
# (The jobs of the builder's shell once waited forever: the builder
# inherited the spawner's blocked SIGCHLD.)
. "$RNIXD_TOP/regress/lib.sh"
. ./rec.inc
rec_init
# Started as a background job with the C library's own signals ignored
# too: the builder must still start with none ignored.
RNIXD_WRAP="$RNIXD_OBJ/regress/recursive/h_sigign" rnixd_start

echo "four adds of the same path at once"
for i in 1 2 3; do
	out=$(nix-build --no-out-link concurrent-add.nix -A same \
	    2>"$TROOT/same.err") || fail "same: $(cat "$TROOT/same.err")"
	[ "$(wc -l <"$out")" -eq 1 ] || fail "paths: $(cat "$out")"
	p=$(cat "$out")
	nix-store --delete "$out" "$p" >/dev/null 2>&1 ||
	    fail "cannot delete $out $p"
done

echo "an entry the builder made first is not the path"
mkdir "$TROOT/d"
echo real-content >"$TROOT/d/f"
p=$(nix-store --add "$TROOT/d") || fail "add outside"
nix-store --delete "$p" >/dev/null 2>&1 || fail "cannot delete $p"
out=$(nix-build --no-out-link concurrent-add.nix -A squat --argstr squat "$p" \
    2>"$TROOT/squat.err") || fail "squat: $(cat "$TROOT/squat.err")"
echo "the add $(cat "$out")"
echo ok
