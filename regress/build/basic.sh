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

# Builds through the daemon with the real nix-build: a 3-step chain
# (dependencies first, each log line forwarded, the last output refers
# to its dependency) and a failing builder (Nix's message with the last
# log lines, exit status 1 through a daemon).
. "$RNIXD_TOP/regress/lib.sh"
. ./build.inc
build_start

echo "a 3-step chain"
out=$(nix-build --no-out-link basic.nix -A c 2>"$TROOT/c.log") ||
    fail "nix-build c: $(cat "$TROOT/c.log")"
grep -q '^hello-a$' "$TROOT/c.log" || fail "log of a not forwarded"
grep -q '^building-b$' "$TROOT/c.log" || fail "log of b not forwarded"
[ "$(head -n 1 "$out")" = "A-B-C" ] || fail "c: got $(cat "$out")"
b=$(nix-build --no-out-link basic.nix -A b 2>/dev/null) || fail "b again"
[ "$(nix-store -q --references "$out")" = "$b" ] ||
    fail "references of c: $(nix-store -q --references "$out"), expected $b"
nix-store -q --deriver "$out" | grep -q -- '-c.drv$' || fail "no deriver"

echo "already valid: nothing is built again"
nix-build --no-out-link basic.nix -A c >/dev/null 2>"$TROOT/c2.log" ||
    fail "rebuild of c"
grep -q building "$TROOT/c2.log" && fail "c built twice"

echo "a failing builder"
nix-build --no-out-link basic.nix -A bad >/dev/null 2>"$TROOT/bad.log"
rc=$?
[ $rc -eq 1 ] || fail "exit status $rc, expected 1"
grep -q "builder for '.*-bad.drv' failed with exit code 3;" "$TROOT/bad.log" ||
    fail "message: $(cat "$TROOT/bad.log")"
grep -q "last 2 log lines:" "$TROOT/bad.log" || fail "no log tail"
grep -q "> failing-2" "$TROOT/bad.log" || fail "no last line"
echo ok
