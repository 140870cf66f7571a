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

# rnixd-mountproc as a running process pair (mountproc and its
# spawner), driven by h_mountproc playing the parent and builderproc:
# a busybox build end to end, refusals, BIND_PATH into a recursive
# build, KILL, CLEANUP, and the end of mountproc taking every build
# with it.
. "$RNIXD_TOP/regress/lib.sh"
H="$RNIXD_OBJ/regress/mount/h_mountproc"
M="$RNIXD_OBJ/libexec/rnixd/rnixd-mountproc"

require_root
BB=$(command -v busybox) && [ -x "$BB" ] || skip "needs busybox-static"
getent group "$BUILD_GROUP" >/dev/null || skip "needs group $BUILD_GROUP"
[ -x "$H" ] && [ -x "$M" ] || fail "helpers not built"
GID=$(getent group "$BUILD_GROUP" | cut -d: -f3)
# Three members of our build group (RNIXD_BUILD_GROUP): their builds
# kill every process of their user.
set -- $(getent group "$BUILD_GROUP" | cut -d: -f4 | tr , ' ')
[ $# -ge 3 ] || skip "needs 3 members in $BUILD_GROUP"
U1=$(id -u "$1") U2=$(id -u "$2") U3=$(id -u "$3")
OUTSIDER=$(id -u _rnixd-builder)

T=$(mktemp -d /var/tmp/mountproc.XXXXXX) || fail mktemp
trap 'rc=$?; if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "kept $T" >&2; fi' EXIT
chmod 755 "$T"
S=$T/nix/store
HASH=0a0b0c0d0f0g0h0i0j0k0l0m0n0p0q0r
BBP=$S/1a0b0c0d0f0g0h0i0j0k0l0m0n0p0q0r-busybox
BIND=$S/2a0b0c0d0f0g0h0i0j0k0l0m0n0p0q0r-bound
mkdir -p "$BBP/bin" "$BIND" "$T/state/rnixd/empty" "$T/log"
cp "$BB" "$BBP/bin/busybox"
echo bound >"$BIND/marker"
chmod 1775 "$S"
chmod 555 "$T/state/rnixd/empty"
cat >"$T/rnixd.conf" <<EOT
store-dir = $S
state-dir = $T/state
log-dir = $T/log
daemon-socket = $T/socket
build-users-group = $BUILD_GROUP
sandbox-paths = /bin/sh=$BBP/bin/busybox
EOT

"$H" "$M" "$T/rnixd.conf" "$S" "$T/state" "$BBP" "$BIND" \
    $U1 $U2 $U3 $OUTSIDER $GID 2>"$T/stderr" ||
    { cat "$T/stderr" >&2; fail "h_mountproc"; }
# mountproc logged each refusal and never died on one; at the end the
# harness closes both channels, and mountproc sees either go first.
grep -q "refused MOUNT_BUILD_GO" "$T/stderr" ||
    { cat "$T/stderr" >&2; fail "no refusal logged"; }
if grep -q "fatal" "$T/stderr"; then
	grep fatal "$T/stderr" |
	    grep -qv -e "builderproc went away" -e "parent went away" &&
	    { cat "$T/stderr" >&2; fail "mountproc died of something else"; }
fi
echo "mountproc logged refusals, ended only when its peers went: ok"
