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

# NAR streams through builderproc, against storeproc: NarFromPath gives
# the NAR whose hash and size QueryPathInfo reports; AddToStoreNar and
# AddMultipleToStore with that NAR, in frames of odd sizes, restore a
# deleted path; a corrupt or truncated one is refused with the
# connection still usable and nothing registered; a client that goes
# away mid-upload leaves no path and no temp file.  For a file, a tree
# and a 20 MB file, as root and as an untrusted user (the paths are
# content-addressed, so no signature is needed).  Then a 256 MiB
# nix-store --add must leave builderproc's memory flat.  FindRoots
# censors temp roots for untrusted clients only, and AddIndirectRoot
# canonicalises the link path.
. "$RNIXD_TOP/regress/lib.sh"
require_root
command -v python3 >/dev/null || skip "needs python3"
command -v setpriv >/dev/null || skip "needs setpriv"
test_init
rnixd_start
mkdir -p "$TROOT/nixconf"
export NIX_CONF_DIR="$TROOT/nixconf" XDG_CACHE_HOME="$TROOT/cache"
export NIX_REMOTE="unix://$SOCKET?store=$STORE" NIX_STORE_DIR="$STORE"

src="$TROOT/src"
mkdir -p "$src/tree/sub"
echo hello >"$src/file"
echo a >"$src/tree/a"
chmod +x "$src/tree/a"
echo b >"$src/tree/sub/b"
ln -s a "$src/tree/link"
head -c 20000000 /dev/urandom >"$src/big"
paths=""
for f in file tree big; do
	p=$(nix-store --add "$src/$f") || fail "nix-store --add $f"
	paths="$paths $p"
done

for p in $paths; do
	for c in roundtrip nar-invalid abandon; do
		python3 h_opclient.py "$SOCKET" "$STORE" $c "$p" ||
		    fail "$c $p"
		nobody_py h_opclient.py "$SOCKET" "$STORE" $c "$p" ||
		    fail "untrusted $c $p"
	done
done
left=$(ls -A "$STORE" | grep '^\.rnixd-') && fail "temp files left: $left"

bpid=$(child_pid builderproc) || fail "no builderproc"
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$bpid/status"; }
before=$(rss)
head -c 268435456 /dev/urandom >"$src/huge"
nix-store --add "$src/huge" >/dev/null &
addpid=$!
max=$before
while kill -0 $addpid 2>/dev/null; do
	r=$(rss)
	[ "$r" -gt "$max" ] && max=$r
	sleep 0.05
done
wait $addpid || fail "nix-store --add of 256 MiB"
echo "builderproc RSS: $before kB before, at most $max kB during the add"
[ $((max - before)) -lt 32768 ] || fail "builderproc grew by $((max - before)) kB"

# Roots: as root and as nobody, each with a user link of its own.
f=$(echo $paths | cut -d' ' -f1)
ln -s "$f" "$TROOT/rootlink"
ROOTLINK="$TROOT/rootlink" python3 h_opclient.py "$SOCKET" "$STORE" \
    roots "$f" || fail "roots as root"
mkdir "$TROOT/nobody"
ln -s "$f" "$TROOT/nobody/rootlink"
export ROOTLINK="$TROOT/nobody/rootlink"
nobody_py h_opclient.py "$SOCKET" "$STORE" roots "$f" ||
    fail "roots as nobody"
echo "roots: ok"
echo "streams: ok"
