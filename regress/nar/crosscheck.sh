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

# Compare common/nar.c with the real Nix 2.8 on random file trees (made
# by gentree.py): our NAR of each tree must equal "nix-store --dump"
# byte for byte, our hashes must equal nix-hash's, our restore of the
# NAR must dump (by Nix) to the same bytes, and so must Nix's restore
# dumped by us.  Then damaged NARs: whatever h_nar restore accepts, Nix
# must accept too with the same result, and nothing may appear outside
# the restore target.
#
# SEED=n replays a run (the seed is printed first); NTREES=n, NMUT=n.
. "$RNIXD_TOP/regress/lib/crosscheck.inc"

HN="$RNIXD_OBJ/regress/nar/h_nar"
NTREES=${NTREES:-200}
NMUT=${NMUT:-150}
SEED=${SEED:-$(date +%s)}

need_cmds nix-store nix-hash python3 cmp find
need_helpers "$HN"

echo "SEED=$SEED"
scratch_init narx
SCRATCH_NOTE="SEED=$SEED"

python3 gentree.py trees "$SEED" "$NTREES" "$tmp/trees" ||
    fail "gentree.py"
echo "$NTREES trees, $(du -sk "$tmp/trees" | cut -f1) KB"

mkdir "$tmp/nars" "$tmp/r" || fail "mkdir"
n=0
for t in "$tmp"/trees/*; do
	p=$t/root
	i=$(basename "$t")
	nar=$tmp/nars/$i.nar
	"$HN" dump "$p" >"$nar" || fail "$p: h_nar dump"
	nix-store --dump "$p" >"$tmp/nix.nar" || fail "$p: nix-store --dump"
	cmp "$nar" "$tmp/nix.nar" || fail "$p: NAR differs from nix-store"

	"$HN" hash "$p" >"$tmp/h" || fail "$p: h_nar hash"
	h16=$(nix-hash --type sha256 "$p")
	h32=$(nix-hash --type sha256 --base32 "$p")
	[ "$(sed -n 1p "$tmp/h")" = "$h16" ] ||
	    fail "$p: base16 $(sed -n 1p "$tmp/h"), nix-hash $h16"
	[ "$(sed -n 2p "$tmp/h")" = "$h32" ] ||
	    fail "$p: base32 $(sed -n 2p "$tmp/h"), nix-hash $h32"
	if [ $((n % 20)) -eq 0 ]; then
		for a in md5 sha1 sha512; do
			h=$("$HN" hash -t $a "$p" | sed -n 1p)
			want=$(nix-hash --type $a "$p")
			[ "$h" = "$want" ] || fail "$p: $a $h, nix-hash $want"
		done
	fi

	"$HN" restore "$tmp/r" "$i.ours" <"$nar" || fail "$p: h_nar restore"
	nix-store --dump "$tmp/r/$i.ours" | cmp - "$nar" ||
	    fail "$p: our restore dumps differently"
	nix-store --restore "$tmp/r/$i.nix" <"$nar" ||
	    fail "$p: nix-store --restore"
	"$HN" dump "$tmp/r/$i.nix" | cmp - "$nar" ||
	    fail "$p: Nix's restore dumps differently"
	n=$((n + 1))
done
echo "$n trees: dump, hashes and both restores agree with Nix"
# Read-only directories in the trees need more than rm -rf as a user.
chmod -R u+w "$tmp/r" "$tmp/trees" 2>/dev/null
rm -rf "$tmp/r" "$tmp/trees"

# Damaged NARs.  box/outside and box/lnk must stay as they are.
mkdir -p "$tmp/box/outside" "$tmp/box/target" || fail "mkdir"
echo keep >"$tmp/box/outside/keep"
ln -s outside "$tmp/box/lnk"
listing() {
	(cd "$tmp/box" && find . -path ./target -prune -o -printf '%p %m %s\n' |
	    sort)
}
listing >"$tmp/before"
python3 gentree.py mutate "$SEED" "$NMUT" "$tmp/bad" "$tmp"/nars/*.nar \
    >"$tmp/bad.list" || fail "gentree.py mutate"
nacc=0
nrej=0
tgt=$tmp/box/target
while read -r j src; do
	bad=$tmp/bad/$j.nar
	what="damaged NAR $bad (from $src)"
	if "$HN" restore "$tgt" ours <"$bad" 2>"$tmp/err"; then
		nix-store --restore "$tgt/nix" <"$bad" 2>/dev/null ||
		    fail "$what: accepted by us, not by Nix"
		nix-store --dump "$tgt/ours" | cmp - "$bad" ||
		    fail "$what: our restore does not dump back"
		"$HN" dump "$tgt/nix" | cmp - "$bad" ||
		    fail "$what: Nix's restore dumps differently"
		nacc=$((nacc + 1))
	else
		grep -q '^h_nar: ' "$tmp/err" ||
		    fail "$what: no error message: $(cat "$tmp/err")"
		nrej=$((nrej + 1))
	fi
	listing >"$tmp/after"
	cmp -s "$tmp/before" "$tmp/after" ||
	    fail "$what changed things outside the target"
	chmod -R u+w "$tgt" 2>/dev/null
	rm -rf "$tgt" && mkdir "$tgt" || fail "rm"
done <"$tmp/bad.list"
echo "$NMUT damaged NARs: $nacc accepted by both, $nrej refused by us;" \
    "nothing written outside the target"

rm -rf "$tmp"
exit 0
