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

# profiles/per-user/<user> and gcroots/per-user/<user> in the state
# dir, made for each user that connects, owned by that user, mode 0755,
# as nix-daemon 2.8 makes them: then a non-root user's nix-env --set
# works on its default profile, and so does its nix-env -i.  A symlink planted at per-user (the
# state dir is the store user's) is not followed.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-env
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
id nobody >/dev/null 2>&1 || skip "needs user nobody"
build_store_init
STATE="$TROOT/nix/var/nix"
mkdir -p "$STATE/gcroots" "$TROOT/elsewhere"
ln -s "$TROOT/elsewhere" "$STATE/gcroots/per-user"
store_start

# mode, owner and group of a path (not followed)
owner() {
	stat -c '%a %U %G' "$1" 2>/dev/null
}

echo "root connects"
on_rnixd nix-store -q --hash "$STATE" >/dev/null 2>&1
nix_ping >/dev/null 2>&1 || fail "ping"
[ "$(owner "$STATE/profiles/per-user")" = "755 root root" ] ||
    fail "profiles/per-user: $(owner "$STATE/profiles/per-user")"
[ "$(owner "$STATE/profiles/per-user/root")" = "755 root root" ] ||
    fail "profiles/per-user/root: $(owner "$STATE/profiles/per-user/root")"

echo "a symlink at gcroots/per-user is not followed"
[ -z "$(ls -A "$TROOT/elsewhere")" ] ||
    fail "written through the symlink: $(ls -A "$TROOT/elsewhere")"
[ -L "$STATE/gcroots/per-user" ] || fail "the symlink was replaced"
grep -q "gcroots/per-user/root: Not a directory" \
    "$TROOT/rnixd.log" || fail "no warning about the symlink"
rm "$STATE/gcroots/per-user"

echo "a user's nix-env --set on its default profile"
echo content >"$TROOT/file"
p=$(on_rnixd nix-store --add "$TROOT/file") || fail "add"
H="$TROOT/home-nobody"
mkdir "$H" && chown nobody:nogroup "$H"
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$H" \
    XDG_CACHE_HOME="$H/.cache" NIX_STATE_DIR="$STATE" \
    NIX_REMOTE="$RSTORE" nix-env --set "$p" 2>"$TROOT/err" ||
    fail "nix-env --set as nobody: $(cat "$TROOT/err")"
for d in profiles gcroots; do
	[ "$(owner "$STATE/$d/per-user/nobody")" = "755 nobody root" ] ||
	    fail "$d/per-user/nobody: $(owner "$STATE/$d/per-user/nobody")"
done
[ "$(readlink "$STATE/profiles/per-user/nobody/profile")" = \
    profile-1-link ] || fail "no profile link"
[ "$(readlink "$STATE/profiles/per-user/nobody/profile-1-link")" = "$p" ] ||
    fail "profile-1-link does not name $p"
[ "$(stat -c %U "$STATE/profiles/per-user/nobody/profile-1-link")" = \
    nobody ] || fail "the generation is not nobody's"
[ "$(readlink "$H/.nix-profile")" = "$STATE/profiles/per-user/nobody/profile" ] ||
    fail "~/.nix-profile: $(readlink "$H/.nix-profile")"

echo "a user's nix-env -i (builtin:buildenv for an untrusted client)"
cp pkgs.nix "$TROOT/src/"
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$H" \
    XDG_CACHE_HOME="$H/.cache" NIX_STATE_DIR="$STATE" \
    NIX_REMOTE="$RSTORE" nix-env -f "$TROOT/src/pkgs.nix" -i hello \
    2>"$TROOT/err" || fail "nix-env -i as nobody: $(cat "$TROOT/err")"
[ "$(cat "$H/.nix-profile/bin/hello")" = hello ] ||
    fail "hello is not in nobody's profile"
[ "$(readlink "$STATE/profiles/per-user/nobody/profile")" = \
    profile-2-link ] || fail "no second generation"
echo ok
