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

# Hostile builders in the sandbox (under the spawner's and the builder's
# seccomp filters, as mountproc runs them); each is contained, and the
# host is unchanged after the build and its cleanup.  Advisories:
# setuid binaries (Nix 1.11.10), CVE-2024-38531 (build dir access),
# CVE-2025-46415 (cleanup following planted symlinks), CVE-2024-27297
# (abstract sockets: out of reach with the network flag too, where Nix
# 2.8's fixed-output builds reach the host's, by a Landlock scope).
. "$RNIXD_TOP/regress/lib.sh"
H="$RNIXD_OBJ/regress/sandbox-build/h_sandbox"
HH="$RNIXD_OBJ/regress/sandbox-build/h_hostile"

[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v nix-instantiate >/dev/null || skip "needs nix-bin"
BB=$(command -v busybox) && [ -x "$BB" ] || skip "needs busybox-static"
getent group nixbld >/dev/null || skip "needs group nixbld"
command -v python3 >/dev/null || skip "needs python3"
[ -x "$H" ] && [ -x "$HH" ] || fail "helpers not built"
BUID=$(id -u nixbld2) BGID=$(getent group nixbld | cut -d: -f3)

T=$(mktemp -d /var/tmp/sandbox-hostile.XXXXXX) || fail mktemp
LPID=
trap 'rc=$?; [ -n "$LPID" ] && kill $LPID
    if [ $rc -eq 0 ]; then rm -rf "$T"; else echo "kept $T" >&2; fi' EXIT
mkdir "$T/conf" "$T/out" "$T/sentinel" "$T/in" && mkdir -m 700 "$T/builds"
echo precious >"$T/sentinel/file"
echo input >"$T/in/f"
chmod 755 "$T"
export NIX_CONF_DIR="$T/conf"
unset NIX_REMOTE NIX_CONFIG
INPUT=$(nix-store --store "$T/nix" --add "$T/in") || fail "nix-store --add"

build() {	# attr [h_sandbox flags]
	attr=$1; shift
	drv=$(nix-instantiate --store "$T/nix" -A $attr hostile.nix \
	    2>/dev/null) || fail "nix-instantiate $attr"
	"$H" -F -B "$T/builds" -s /nix/store -r "$T/nix/nix/store" \
	    -u $BUID -g $BGID -p /bin/sh=$BB -p /hostile=$HH \
	    -p /lib -p /lib64? -p /usr -i "$INPUT" \
	    -e SENTINEL="$T/sentinel" -e INPUT="$INPUT" "$@" \
	    -o "$T/out" "$T/nix$drv" >"$T/$attr.log" 2>&1 ||
	    fail "$attr: $(cat "$T/$attr.log")"
	OUT="$T/out/$(nix-store --store "$T/nix" -q --outputs "$drv" |
	    sed 's|.*/||')"
	[ -e "$OUT" ] || fail "$attr: no output"
}
expect() {	# file line...
	f=$1; shift
	for l in "$@"; do
		grep -qxF -- "$l" "$f" || { cat "$f"; fail "missing: $l"; }
	done
}

echo "mount, unshare, ptrace, setuid modes, xattrs, processes"
build privs
expect "$OUT" "mount -1 Operation not permitted" \
    "bind -1 Operation not permitted" \
    "unshare-mnt -1 Operation not permitted" \
    "chmod -1 Operation not permitted" "fchmodat -1 Operation not permitted" \
    "fchmod -1 Operation not permitted" "mode 644" "mode 755" \
    "setxattr -1 Operation not supported" \
    "lsetxattr -1 Operation not supported" \
    "listxattr -1 Operation not supported"
# ptrace: only the build's own processes exist in its pid namespace,
# so there is nothing of the host to attach to.
n=$(tail -n 1 "$OUT")
[ "$n" -le 4 ] || fail "builder sees $n processes"

echo "network: loopback only, no host abstract socket"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0rnixd-sandbox-test"); s.listen(5)
sys.stdout.write("up\n"); sys.stdout.flush(); time.sleep(300)' >"$T/listener" &
LPID=$!
i=0; while ! grep -q up "$T/listener"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "no listener"; sleep 0.1
done
build net
expect "$OUT" "links 1" "abstract -1 Connection refused"
grep -q '^inet 0' "$OUT" && fail "reached the network"
# The same builder with the network flag (fixed-output) is in the
# host's network namespace, abstract sockets included (so the check
# above can fail); the Landlock scope refuses the connection.
rm -rf "$T/out/"*
build net -n
expect "$OUT" "abstract -1 Operation not permitted"

echo "writes outside \$out and /build"
cp /etc/passwd "$T/passwd.before"
build write
expect "$OUT" "/etc/passwd refused" "/x refused" "/bin/sh refused" \
    "/dev/x refused" "/proc/x refused" "$INPUT/f refused" \
    "$INPUT/new refused" "/tmp/ok written" "/build/ok written" \
    "chmod-build ok" "chmod-root refused"
cmp -s /etc/passwd "$T/passwd.before" || fail "/etc/passwd changed"
[ "$(cat "$T/nix$INPUT/f")" = input ] || fail "input changed"
[ ! -e "$T/nix$INPUT/new" ] || fail "input dir written"

echo "planted symlinks, unreadable dirs and background processes"
rm -rf "$T/out/"*
build plant -k
expect "$OUT" planted
pgrep -u $BUID >/dev/null && fail "processes of the build user survived"
id=$(ls "$T/builds")
[ "$(stat -c %a "$T/builds/$id")" = 700 ] || fail "build dir not 0700"
[ "$(stat -c %a "$T/builds/$id/root")" = 750 ] || fail "root not 0750"
setpriv --reuid=$BUID --regid=$BGID --clear-groups \
    ls "$T/builds/$id/root/build" >/dev/null 2>&1 &&
    fail "build user outside the sandbox reads the build dir"
setpriv --reuid=65534 --regid=65534 --clear-groups \
    ls "$T/builds/$id/root/build" >/dev/null 2>&1 &&
    fail "nobody reads the build dir"
# Now the cleanup (h_sandbox without -k): nothing outside goes.
rm -rf "$T/builds/$id" "$T/out/"*
build plant
[ -z "$(ls "$T/builds")" ] || fail "build dir left behind"
[ "$(cat "$T/sentinel/file")" = precious ] || fail "sentinel changed"
pgrep -u $BUID >/dev/null && fail "processes of the build user survived"
echo ok
