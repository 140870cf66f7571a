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

# Errors an administrator can act on.  A sandbox-paths entry whose host
# path does not exist is refused by rnixd -n, at start and on reload,
# with file:line and the path; one marked optional ('?', as in Nix) is
# accepted and skipped by builds.  An entry that vanished after start
# fails the build naming the path and the setting.  A sandbox-paths
# source or a state dir below a directory the sandbox cannot enter fails
# the build naming that directory and the setting, not with a bare
# "Permission denied".
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-build "$BUILD_GROUP"
test_init
cp "$CONF" "$TROOT/base.conf"
MISSING="$TROOT/no-such-dir"

# sandboxerr.nix built anew (its output's text changed from $1 to $2,
# so that nothing is valid yet) must fail, its log in $TROOT/b.log
# matching $4; $3 says what stands in its way.
build_fails() {	# old new what pattern
	sed -i "s/$1/$2/" "$TROOT/sandboxerr.nix"
	nix-build --no-out-link "$TROOT/sandboxerr.nix" >/dev/null \
	    2>"$TROOT/b.log" && fail "$3: the build succeeded"
	grep -q "$4" "$TROOT/b.log" || fail "$3: $(cat "$TROOT/b.log")"
}

echo "rnixd -n: a missing sandbox-paths entry, named with file:line"
{ cat "$TROOT/base.conf"; echo "sandbox-paths = /bin/sh=$BB $MISSING"; } \
    >"$CONF"
line=$(wc -l <"$CONF")
out=$("$RNIXD" -n -f "$CONF" 2>&1) && fail "-n accepted a missing path"
echo "$out" | grep -q "^$CONF:$line: sandbox-paths: '$MISSING': No such file or directory" ||
    fail "-n: $out"

echo "rnixd -n: the same entry optional ('?') is fine"
{ cat "$TROOT/base.conf"; echo "sandbox-paths = /bin/sh=$BB /x=$MISSING?"; } \
    >"$CONF"
out=$("$RNIXD" -n -f "$CONF" 2>&1) || fail "-n refused an optional path: $out"
[ "$out" = "configuration OK" ] || fail "-n printed '$out'"
"$RNIXD" -nv -f "$CONF" | grep -q "^sandbox-paths = /bin/sh=$BB /x=$MISSING?$" ||
    fail "-nv lost the optional entry: $("$RNIXD" -nv -f "$CONF" | grep sandbox)"

echo "start with a missing entry: refused"
{ cat "$TROOT/base.conf"; echo "extra-sandbox-paths = $MISSING"; } \
    >"$TROOT/bad.conf"
out=$(timeout 10 "$RNIXD" -d -f "$TROOT/bad.conf" 2>&1) &&
    fail "rnixd started with a missing sandbox path"
echo "$out" | grep -q "sandbox-paths: '$MISSING': No such file" ||
    fail "start: $out"

echo "an optional missing entry is skipped by builds"
rnixd_start
export NIX_REMOTE="unix://$SOCKET?store=$TROOT/nix/store"
cp "$RNIXD_TOP/regress/daemon/sandboxerr.nix" "$TROOT/"
out=$(nix-build --no-out-link "$TROOT/sandboxerr.nix" 2>"$TROOT/b.log") ||
    fail "build with an optional missing path: $(cat "$TROOT/b.log")"
[ "$(cat "$out")" = built ] || fail "build: $(cat "$out")"

echo "reload with a missing entry: refused, the old one kept"
cp "$CONF" "$TROOT/good.conf"
echo "extra-sandbox-paths = $MISSING" >>"$CONF"
line=$(wc -l <"$CONF")
log_mark
kill -HUP "$RNIXD_PID"
wait_log "keeping the old one" 5 || fail "reload with a missing path taken"
wait_log "rnixd.conf:$line: sandbox-paths: '$MISSING'" 1 ||
    fail "reload error lacks file:line and path"
nix_ping >/dev/null || fail "no service after the refused reload"

echo "an entry gone after start fails the build, named"
mkdir "$TROOT/gone"
cp "$TROOT/good.conf" "$CONF"
echo "extra-sandbox-paths = /gone=$TROOT/gone" >>"$CONF"
log_mark
kill -HUP "$RNIXD_PID"
wait_log "configuration reloaded" 5 || fail "reload not taken"
rmdir "$TROOT/gone"
build_fails built built2 "a vanished sandbox path" \
    "sandbox-paths: getting attributes of path '$TROOT/gone': No such file or directory"
rnixd_stop
RNIXD_PID=""

echo "a sandbox path the sandbox cannot reach: the directory and setting"
mkdir -m 700 "$TROOT/locked" && echo x >"$TROOT/locked/file" || fail "locked"
cp "$TROOT/good.conf" "$CONF"
echo "extra-sandbox-paths = /f=$TROOT/locked/file" >>"$CONF"
rnixd_start
build_fails built2 built4 "an unreachable sandbox path" \
    "cannot enter '$TROOT/locked' (mode 0700, owner 0:0), which holds the sandbox-paths"
rnixd_stop
RNIXD_PID=""

echo "a state dir the sandbox cannot enter: the directory and setting"
cp "$TROOT/good.conf" "$CONF"
chmod 700 "$TROOT"
rnixd_start
build_fails built4 built3 "a locked state dir" \
    "cannot enter '$TROOT' (mode 0700, owner 0:0), which holds the state-dir"
chmod 755 "$TROOT"
nix_ping >/dev/null || fail "no service after the failed build"
echo ok
