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

# nix-channel --add file://... && nix-channel --update with the real
# client through rnixd (builtin:unpack-channel, then builtin:buildenv
# for the channels profile), against real Nix 2.8 doing the same in
# its sandbox: the same channel path, tree and NAR hash, the channel
# usable by nix-env.  Tarballs compressed with gzip, xz and bzip2.
# HOME, the client's state dir and the tarballs are in the test root;
# nothing is fetched from a network.
. "$RNIXD_TOP/regress/lib.sh"
build_require nix-channel
build_store_init
NIX_CONFIG="$NIX_CONFIG
sandbox-paths = /bin/sh=$BB"
REFCONFIG="$NIX_CONFIG
sandbox = true
build-users-group = $BUILD_GROUP"


# A channel: one top directory with a default.nix.
mkdir -p "$TROOT/chan/mychan-1.0"
cat >"$TROOT/chan/mychan-1.0/default.nix" <<'EOT'
{ ... }: {
  greeting = derivation {
    name = "greeting-1";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/bin; echo hi >$out/bin/greeting" ];
  };
}
EOT
mkdir "$TROOT/chan/mychan-1.0/sub"
echo data >"$TROOT/chan/mychan-1.0/sub/file"
ln -s ../default.nix "$TROOT/chan/mychan-1.0/sub/link"
(cd "$TROOT/chan" &&
    tar -czf mychan-1.0.tar.gz mychan-1.0 &&
    tar -cJf otherchan-2.tar.xz mychan-1.0 &&
    tar -cjf thirdchan-3.tar.bz2 mychan-1.0) || fail "tar"

# Each side: its own HOME (channel list, ~/.nix-defexpr); the channels
# profile is in the daemon's state dir, in profiles/per-user/root,
# which the daemon makes for each user that connects (rnixd's parent),
# or the local store for its own user (the reference).
channels() {	# side
	export HOME="$TROOT/home-$1"
	mkdir -p "$HOME"
	if [ "$1" = r ]; then
		export NIX_STATE_DIR="$STATE"
		set -- on_rnixd
	else
		export NIX_STATE_DIR="$TROOT/refstate"
		set -- env NIX_REMOTE="$NIXSTORE" NIX_CONFIG="$REFCONFIG"
	fi
	for c in mychan-1.0.tar.gz otherchan-2.tar.xz thirdchan-3.tar.bz2; do
		"$@" nix-channel --add "file://$TROOT/chan/$c" "${c%%-*}" ||
		    return 1
	done
	"$@" nix-channel --update || return 1
}

# What a side made: the channels profile's path, then for each
# channel its path, NAR hash and tree.
channel_state() {	# side
	p=$(readlink "$NIX_STATE_DIR/profiles/per-user/root/channels-1-link") ||
	    fail "$1: no channels profile"
	echo "profile $p"
	for c in mychan otherchan thirdchan; do
		cp=$(readlink "$p/$c") || fail "$1: $c: not in the profile"
		echo "$c $cp $(NIX_REMOTE=$2 nix-store -q --hash "${cp%/*}")"
		(cd "$p/$c/" && find . -printf '%p %y %l %s\n' | sort)
	done
}

# Real Nix first, on a local store at the very store dir rnixd will
# use (nix-channel wants a store whose files are where its paths
# say), which is then removed for rnixd.
echo "nix-channel --update, real Nix"
NIXSTORE="local?store=$STORE&state=$TROOT/refstate&log=$TROOT/reflog"
channels n 2>"$TROOT/n.err" || fail "reference: $(cat "$TROOT/n.err")"
channel_state n "$NIXSTORE" >"$TROOT/state.n"
rm -rf "$TROOT/nix"
store_start

echo "nix-channel --update through rnixd"
channels r 2>"$TROOT/r.err" || fail "rnixd: $(cat "$TROOT/r.err")"
channel_state r "$RSTORE" >"$TROOT/state.r"
diff -u "$TROOT/state.n" "$TROOT/state.r" >&2 ||
    fail "the channels differ from Nix's"
grep -q '^mychan .*/mychan [0-9a-z:]*$' "$TROOT/state.r" ||
    fail "no hash in $(cat "$TROOT/state.r")"
grep -q '^./sub/link l ../default.nix' "$TROOT/state.r" || fail "no symlink"

echo "the channel in use"
HOME="$TROOT/home-r" NIX_STATE_DIR="$STATE" on_rnixd \
    nix-env -p "$TROOT/prof" -iA mychan.greeting 2>"$TROOT/r.err" ||
    fail "nix-env -iA mychan.greeting: $(cat "$TROOT/r.err")"
[ "$(cat "$TROOT/prof/bin/greeting")" = hi ] || fail "greeting"
echo ok
