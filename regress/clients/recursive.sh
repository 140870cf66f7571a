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

# The recursive-Nix demo (demo/seed.nix) with each real client inside
# the sandbox: the host's 2.8, and trixie's 2.26 and sid's 2.34 from
# the roots mk/nixroots.sh made, whose /usr becomes the sandbox's.
# Inside, the client runs at the protocol it offers (1.38 for the newer
# ones, logged so), and is told it is not trusted, though the outer
# build is root's.
. "$RNIXD_TOP/regress/lib.sh"
. "$RNIXD_TOP/regress/clients/clients.inc"
require_root
command -v unshare >/dev/null || skip "needs unshare (util-linux)"
BB=$(command -v busybox) || skip "needs busybox-static"
getent group "$BUILD_GROUP" >/dev/null || skip "needs group $BUILD_GROUP"
clients_init
[ -z "$CLIENTS_MISSING" ] || skip "no newer client:$CLIENTS_MISSING"
test_init
cp "$CONF" "$TROOT/conf.base"
mkdir -p "$TROOT/work" "$TROOT/nixconf"
echo 'substituters =' >"$TROOT/nixconf/nix.conf"
export NIX_CONF_DIR="$TROOT/nixconf"
export NIX_REMOTE="unix://$SOCKET?store=$STORE"
cd "$TROOT/work" || exit 1
cp "$RNIXD_TOP/demo/seed.nix" .
cat >outer.nix <<'NIX'
# The demo's outer derivation, named for the client inside.
{ who }: let seed = import ./seed.nix; in
derivation (seed.drvAttrs // { name = "outer-${who}"; })
NIX
cat >ping.nix <<'NIX'
# What the client inside is told about the daemon and its trust.
{ who }:
let
  lib = import (builtins.getEnv "RNIXD_TOP" + "/regress/lib/sh-drv.nix");
in lib.recursive "ping-${who}" ''
  nix --version >$out
  nix --extra-experimental-features nix-command store ping >>$out 2>&1
'' {}
NIX

for c in $CLIENTS; do
	if [ "$c" = host ]; then
		paths="/usr /lib /lib64?"
	else
		r=$NIXROOTS/$c
		paths="/usr=$r/usr /lib=$r/usr/lib /lib64=$r/usr/lib64"
	fi
	cp "$TROOT/conf.base" "$CONF"
	cat >>"$CONF" <<EOT
sandbox-paths = /bin/sh=$BB $paths
experimental-features = recursive-nix
trusted-users = root
EOT
	rnixd_start
	v=$(client_version "$c") || fail "$c: nix --version"
	echo "== $c: Nix $v inside the sandbox"

	log_mark
	out=$(nix-build --no-out-link outer.nix --argstr who "$c" \
	    2>"$TROOT/outer-$c.log") || fail "$c: outer: $(cat \
	    "$TROOT/outer-$c.log")"
	inner=$(readlink "$out/inner")
	[ "$(cat "$inner")" = "built inside" ] || fail "$c: inner $inner"
	nix-store -qR "$out" | grep -qx "$inner" ||
	    fail "$c: closure of $out lacks $inner"
	grep -q "$inner" "$out/path-info.json" ||
	    fail "$c: path-info inside: $(cat "$out/path-info.json")"
	case $c in
	host)	want=0x122 minor=34 ;;
	*)	want=0x126 minor=38 ;;
	esac
	wait_log "(recursive), protocol 1\\.$minor (client offered $want)" ||
	    fail "$c: no recursive session at 1.$minor in the log"
	echo "the demo, with Nix $v inside at 1.$minor: ok"

	p=$(nix-build --no-out-link ping.nix --argstr who "$c" \
	    2>"$TROOT/ping-$c.log") || fail "$c: ping: $(cat \
	    "$TROOT/ping-$c.log")"
	grep -q "nix (Nix) $v" "$p" || fail "$c: client inside: $(cat "$p")"
	grep -q "rnixd 0.1.0" "$p" || fail "$c: daemon inside: $(cat "$p")"
	if [ "$c" != host ]; then
		grep -q "Trusted: 0" "$p" ||
		    fail "$c: trusted inside: $(cat "$p")"
	fi
	echo "store ping inside: rnixd, not trusted: ok"
	rnixd_stop
done
