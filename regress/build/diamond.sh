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
require_root
command -v nix-build >/dev/null || skip "needs nix-build (nix-bin)"
BB=$(command -v busybox) || skip "needs busybox-static"
getent group "$BUILD_GROUP" >/dev/null || skip "needs group $BUILD_GROUP"
test_init
cat >>"$CONF" <<EOT
sandbox-paths = /bin/sh=$BB
max-jobs = 2
EOT
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$STORE"

timeout 60 nix-build --no-out-link diamond.nix --argstr salt "$$" \
    >"$TROOT/out" 2>"$TROOT/build.log" &
bpid=$!
wait_log "d3a.drv: build [0-9]* started" 30 ||
    fail "no build of level 3: $(tail -n 3 "$TROOT/build.log")"
timeout 5 nix store ping --store "unix://$SOCKET" >/dev/null 2>&1 ||
    fail "the daemon did not answer another client during the build"
wait $bpid || fail "the ladder did not build within 60 s:
$(tail -n 3 "$TROOT/build.log")"
out=$(cat "$TROOT/out")
[ "$(nix-store -qR "$out" | wc -l)" -eq 83 ] ||
    fail "$out: closure of $(nix-store -qR "$out" | wc -l) paths, expected 83"
echo "the ladder of 40 diamonds: built"
echo ok
