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

# Cross-check common/drv.c against the real Nix: random derivations
# (gendrv.py) are written by nix-instantiate into a private store, then
# h_drv must print every .drv back byte for byte, compute the .drv path
# Nix chose and every output path "nix show-derivation" reports.
# SEED=n replays a run; COUNT=n changes the number of derivations.

: "${RNIXD_OBJ:?}"
HDRV="$RNIXD_OBJ/regress/drv/h_drv"
COUNT=${COUNT:-600}
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

for tool in nix-instantiate nix python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "$tool not installed"
		exit 77
	fi
done
[ -x "$HDRV" ] || { echo "missing $HDRV (make regress)"; exit 1; }

echo "seed $SEED, $COUNT derivations" \
    "(replay: SEED=$SEED COUNT=$COUNT sh crosscheck.sh)"
tmp=$(mktemp -d /tmp/rnixd-drv.XXXXXX) || exit 1
fail() {
	echo "FAIL: $*; seed $SEED; scratch $tmp"
	exit 1
}

mkdir "$tmp/conf" "$tmp/src"
# An empty nix.conf: the host's settings must not change the result.
: > "$tmp/conf/nix.conf"
python3 gendrv.py gen "$SEED" "$COUNT" "$tmp/src" || fail "generator"
# As root without a daemon: a local store whose files live under
# $tmp/store while its store dir stays /nix/store.
env -u NIX_REMOTE NIX_CONF_DIR="$tmp/conf" \
    NIX_USER_CONF_FILES="$tmp/conf/nix.conf" \
    nix-instantiate --store "$tmp/store" "$tmp/src/expr.nix" \
    >"$tmp/drvs.txt" 2>"$tmp/instantiate.err" ||
	{ cat "$tmp/instantiate.err"; fail "nix-instantiate"; }

store="$tmp/store/nix/store"
ndrv=$(ls "$store" | grep -c '\.drv$')
echo "nix-instantiate wrote $ndrv .drv files"
[ "$ndrv" -ge 200 ] || fail "only $ndrv derivations"

ls "$store" | grep '\.drv$' | sed "s#^#$store/#" >"$tmp/files.txt"
xargs "$HDRV" check "$store" <"$tmp/files.txt" >"$tmp/hdrv.txt" ||
	fail "h_drv check"
sed 's#.*/#/nix/store/#' "$tmp/files.txt" |
    xargs env -u NIX_REMOTE NIX_CONF_DIR="$tmp/conf" \
    NIX_USER_CONF_FILES="$tmp/conf/nix.conf" \
    nix --extra-experimental-features nix-command show-derivation \
    --store "$tmp/store" >"$tmp/show.json" ||
	fail "nix show-derivation"
python3 gendrv.py compare "$tmp/show.json" "$tmp/hdrv.txt" \
    "$tmp/drvs.txt" || fail "output paths differ"

chmod -R u+w "$tmp"
rm -rf "$tmp"
echo ok
