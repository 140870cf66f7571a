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

# Hostile channel tarballs (GHSA-gr92-w2r5-qw5p; h_tarballs.py): "..",
# absolute names, links out and writes through them, hard links out,
# devices.  First rnixd-builtin run by hand, as an unprivileged user
# who could write the victim file, so that only its own checks stand
# between the tarball and the files around the output: each hostile
# tarball fails (one that replaces a symlink by a file may succeed),
# and nothing outside the output is created or changed.  Then through
# the daemon: the build fails with the reason, nothing is registered,
# the daemon goes on serving and a good tarball unpacks; an unknown
# built-in builder and builtin:fetchurl fail with clear errors; what a
# built-in builder sees is the sandbox (its /etc, no path it was not
# given), not the host.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v nix-build >/dev/null || skip "needs nix-build (nix-bin)"
command -v python3 >/dev/null || skip "needs python3"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
BUILTIN="$RNIXD_OBJ/libexec/rnixd/rnixd-builtin"
[ -x "$BUILTIN" ] || fail "$BUILTIN not built"
store_init
store_start
mkdir "$TROOT/tb" "$TROOT/outside" "$TROOT/work"
python3 h_tarballs.py "$TROOT/tb" "$TROOT/outside" || fail "h_tarballs.py"
echo victim >"$TROOT/outside/victim"
chown -R nobody:nogroup "$TROOT/outside" "$TROOT/work"

# The victim and everything around the output, as it must stay.
around() {
	(cd "$TROOT" && find outside work -path work/out -prune -o \
	    -printf '%p %y %l %s\n' | sort)
	stat -c '%h %s' "$TROOT/outside/victim"
	cat "$TROOT/outside/victim"
}
around >"$TROOT/around.before"

echo "rnixd-builtin by hand"
for t in "$TROOT"/tb/*.tar; do
	c=$(basename "$t" .tar)
	rm -rf "$TROOT/work/out"
	setpriv --reuid=nobody --regid=nogroup --clear-groups env -i \
	    out="$TROOT/work/out" src="$t" channelName=chan "$BUILTIN" \
	    unpack-channel 2>"$TROOT/err"
	rc=$?
	around >"$TROOT/around.after"
	diff -u "$TROOT/around.before" "$TROOT/around.after" >&2 ||
	    fail "$c: written outside the output"
	case $c in
	symlink-replace)
		[ $rc -ne 0 ] || [ "$(cat "$TROOT/work/out/chan/sl")" = \
		    overwritten ] || fail "$c: what was unpacked"
		;;
	*)
		[ $rc -eq 1 ] || fail "$c: exit status $rc"
		grep -q "^error: " "$TROOT/err" || fail "$c: no error"
		;;
	esac
done

echo "through the daemon"
export NIX_REMOTE="$RSTORE"
nix-build --no-out-link unpack.nix --arg src "$TROOT/tb/dotdot.tar" \
    >/dev/null 2>"$TROOT/err" && fail "the dotdot tarball was unpacked"
grep -q "error: refusing archive member '../escape'" "$TROOT/err" ||
    fail "dotdot: $(cat "$TROOT/err")"
drv=$(nix-instantiate unpack.nix --arg src "$TROOT/tb/dotdot.tar" \
    2>/dev/null) || fail "instantiate"
for o in $(nix-store -q --outputs "$drv"); do
	nix-store --check-validity "$o" 2>/dev/null && fail "$o registered"
	[ -e "$o" ] && fail "$o exists"
done
nix-build --no-out-link unpack.nix --arg src "$TROOT/tb/symlink-up.tar" \
    >/dev/null 2>"$TROOT/err" && fail "the symlink-up tarball was unpacked"
grep -q "Cannot extract through symlink chan/up/escape" "$TROOT/err" ||
    fail "symlink-up: $(cat "$TROOT/err")"

mkdir -p "$TROOT/good/chan-1/sub"
echo "{ }" >"$TROOT/good/chan-1/default.nix"
echo data >"$TROOT/good/chan-1/sub/f"
(cd "$TROOT/good" && tar -cJf ../good.tar.xz chan-1) || fail "tar"
out=$(nix-build --no-out-link unpack.nix --arg src "$TROOT/good.tar.xz" \
    2>"$TROOT/err") || fail "a good tarball: $(cat "$TROOT/err")"
[ "$(ls "$out")" = chan ] && [ "$(cat "$out/chan/sub/f")" = data ] ||
    fail "the good tarball: $(ls -R "$out")"

p=$(nix-store --add "$TROOT/good") || fail "add"
nix-build --no-out-link unpack.nix --argstr builtin No.Such \
    >/dev/null 2>"$TROOT/err" && fail "builtin:No.Such built"
grep -q "error: unsupported builtin builder 'No.Such'" "$TROOT/err" ||
    fail "builtin:No.Such: $(cat "$TROOT/err")"
nix-build --no-out-link unpack.nix --argstr builtin ../sh \
    >/dev/null 2>"$TROOT/err" && fail "builtin:../sh built"
grep -q "unsupported builtin builder" "$TROOT/err" ||
    fail "builtin:../sh: $(cat "$TROOT/err")"
nix-build --no-out-link unpack.nix --argstr builtin nope \
    >/dev/null 2>"$TROOT/err" && fail "builtin:nope built"
grep -q "error: unsupported builtin builder 'nope'" "$TROOT/err" ||
    fail "builtin:nope: $(cat "$TROOT/err")"
nix-build --no-out-link unpack.nix --argstr builtin fetchurl \
    >/dev/null 2>"$TROOT/err" && fail "builtin:fetchurl built"
grep -q "error: builtin:fetchurl is not supported by rnixd" "$TROOT/err" ||
    fail "builtin:fetchurl: $(cat "$TROOT/err")"

echo "a built-in builder sees the sandbox, not the host"
out=$(nix-build --no-out-link sandboxed.nix --argstr dirs /etc \
    2>"$TROOT/err") || fail "buildenv of /etc: $(cat "$TROOT/err")"
[ "$(ls "$out" | tr '\n' ' ')" = "group hosts manifest.nix passwd " ] ||
    fail "the sandbox's /etc is not what it saw: $(ls "$out")"
nix-build --no-out-link sandboxed.nix --argstr dirs "$p" \
    >/dev/null 2>"$TROOT/err" && fail "a path not in the sandbox was seen"
grep -q "error: opening directory '$p': No such file or directory" \
    "$TROOT/err" || fail "a path not in the sandbox: $(cat "$TROOT/err")"
nix_ping >/dev/null 2>&1 || fail "the daemon stopped serving"
echo ok
