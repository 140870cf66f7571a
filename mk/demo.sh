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

# make demo: rnixd on a private root, and the seed's recursive build
# through it with the real Nix client.  Needs root (the daemon drops to
# its own users); run after mk/deps.sh and a build.
set -e
TOP=$(cd "$(dirname "$0")/.." && pwd)
BB=$(command -v busybox) || { echo "demo: busybox-static missing" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root" >&2; exit 1; }
sh "$TOP/mk/users.sh" >/dev/null

ROOT=$(mktemp -d /tmp/rnixd-demo.XXXXXX)
chmod 755 "$ROOT"
cat >"$ROOT/rnixd.conf" <<EOT
store-dir = $ROOT/nix/store
state-dir = $ROOT/nix/var/nix
log-dir = $ROOT/nix/var/log/nix
daemon-socket = $ROOT/socket
experimental-features = recursive-nix
sandbox-paths = /bin/sh=$BB /usr /lib /lib64?
EOT
echo "== rnixd on a private root: $ROOT"
"$TOP/obj/bin/rnixd" -d -f "$ROOT/rnixd.conf" >"$ROOT/rnixd.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
n=0
until grep -q "ready, serving" "$ROOT/rnixd.log"; do
	n=$((n + 1))
	if [ $n -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		cat "$ROOT/rnixd.log" >&2
		exit 1
	fi
	sleep 0.1
done

export NIX_REMOTE="unix://$ROOT/socket?store=$ROOT/nix/store"
export NIX_CONFIG="experimental-features = nix-command
substituters ="
echo "== nix-build demo/seed.nix (the builder calls nix-build inside)"
out=$(nix-build --no-out-link "$TOP/demo/seed.nix")
echo "== the outer output: $out"
ls -l "$out"
echo "== what nix path-info -r --json said inside the sandbox"
cat "$out/path-info.json"
echo
echo "== the outer output's closure, seen from outside"
nix-store -qR "$out"
echo "== done; the store stays in $ROOT (rm -rf it when finished)"
