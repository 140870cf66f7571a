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

# Cross-check common/refscan.c with the real Nix 2.8: build an output
# that holds some of its inputs' hash parts (inside a longer base32
# run, at the start and end of files, in a file name, in a symlink
# target, across a 64 KiB boundary, its own) and near misses of others
# (31 characters, one changed, broken by a foreign byte, upper case),
# in a private store.  The references Nix registers must be exactly
# what h_refscan finds, both in the NAR our writer makes of the output
# and in "nix-store --dump" read in odd chunk sizes, and exactly the
# hash parts put there on purpose.
. "$RNIXD_TOP/regress/lib/crosscheck.inc"

HR="$RNIXD_OBJ/regress/refscan/h_refscan"
need_cmds nix-build nix-instantiate nix-store
need_helpers "$HR"
scratch_init refscan

# A store of its own: nothing in /nix is touched.
export NIX_STORE_DIR="$tmp/store" NIX_STATE_DIR="$tmp/var" \
    NIX_LOG_DIR="$tmp/log"
unset NIX_REMOTE NIX_PATH
scratch_nixconf
mkdir "$tmp/expr" || fail "mkdir"

cat >"$tmp/expr/ins.nix" <<'EOT'
builtins.genList
  (i: builtins.toFile "in${toString i}" "input ${toString i}\n") 12
EOT
nix-instantiate --eval --strict --json "$tmp/expr/ins.nix" \
    >"$tmp/ins.json" 2>"$tmp/err" || fail "eval: $(cat "$tmp/err")"
{ tr -d '[]"' <"$tmp/ins.json"; echo; } | tr ',' '\n' |
    sed 's,.*/,,; s/-.*//' >"$tmp/hashes"
[ "$(wc -l <"$tmp/hashes")" -eq 12 ] || fail "inputs: $(cat "$tmp/ins.json")"
hp() { sed -n "$(($1 + 1))p" "$tmp/hashes"; }
h0=$(hp 0) h1=$(hp 1) h2=$(hp 2) h3=$(hp 3) h4=$(hp 4) h5=$(hp 5)
h6=$(hp 6) h7=$(hp 7) h8=$(hp 8) h9=$(hp 9)

h4x=$(echo "$h4" | awk '{ c = substr($0, 10, 1) == "0" ? "1" : "0"
	print substr($0, 1, 9) c substr($0, 11) }')
h5a=$(echo "$h5" | cut -c1-16)
h5b=$(echo "$h5" | cut -c17-32)
h9u=$(echo "$h9" | tr '[:lower:]' '[:upper:]')

# The builder script: hash parts are plain text here, without context.
cat >"$tmp/expr/builder.sh" <<EOT
PATH=/usr/bin:/bin
set -e
mkdir \$out
printf 'zz%szz\n' $h0 >\$out/contents
printf '%s and more' $h1 >\$out/start
printf 'more and %s' $h2 >\$out/end
printf '%s\n' $(echo "$h3" | cut -c1-31) $h4x ${h5a}e${h5b} \
    ${h5a}-${h5b} $h9u >>\$out/contents
: >\$out/$h6-name
ln -s /nix/store/$h7-dep/bin/x \$out/link
head -c 65530 /dev/zero >\$out/big
printf $h8 >>\$out/big
head -c 1000 /dev/zero >>\$out/big
echo \$out >\$out/self
EOT
cat >"$tmp/expr/default.nix" <<'EOT'
derivation {
  name = "refscan-check";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" (builtins.readFile ./builder.sh) ];
  inputs = import ./ins.nix;
}
EOT
out=$(nix-build --no-out-link "$tmp/expr/default.nix" 2>"$tmp/err") ||
    fail "nix-build: $(tail -5 "$tmp/err")"
self=$(basename "$out" | cut -c1-32)
echo "output $out"

cat "$tmp/hashes" >"$tmp/cands"
echo "$self" >>"$tmp/cands"
# shellcheck disable=SC2046
"$HR" -p "$out" $(cat "$tmp/cands") | sort >"$tmp/ours" ||
    fail "h_refscan -p"
# shellcheck disable=SC2046
nix-store --dump "$out" | "$HR" -s $(cat "$tmp/cands") | sort \
    >"$tmp/ours.dump" || fail "h_refscan -s"
nix-store -q --references "$out" | sed 's,.*/,,; s/-.*//' | sort \
    >"$tmp/nix" || fail "nix-store -q --references"
printf '%s\n' "$h0" "$h1" "$h2" "$h6" "$h7" "$h8" "$self" | sort \
    >"$tmp/planted"

echo "Nix found: $(tr '\n' ' ' <"$tmp/nix")"
diff -u "$tmp/planted" "$tmp/nix" ||
    fail "Nix's references are not the planted ones"
diff -u "$tmp/nix" "$tmp/ours" || fail "h_refscan -p differs from Nix"
diff -u "$tmp/nix" "$tmp/ours.dump" || fail "h_refscan -s differs from Nix"
echo "references: rnixd's scanner and Nix 2.8 agree (7 of 13 candidates)"
chmod -R u+w "$tmp"
rm -rf "$tmp"
exit 0
